"""Camera frames and the SceneContext contract: sources, the scene's derived fields, the rules."""

import sys

import numpy as np
import pytest

from app.errors import DeviceError
from app.fusion import Face, Hand, SceneContext, open_camera
from app.fusion.rules import LookToTalk, PalmStop
from tests.speech import FIXTURES

CAMERA = FIXTURES / "camera"


def test_image_and_folder_sources_give_rgb_frames_without_opencv(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # images are decoded by Pillow
    frame = open_camera(str(CAMERA / "astronaut.jpg")).read()
    assert frame.dtype == np.uint8 and frame.shape[2] == 3
    assert frame[..., 0].mean() > frame[..., 2].mean()  # RGB order: the astronaut photo is warmer than blue
    cam = open_camera(str(CAMERA))
    shapes = [cam.read().shape for _ in range(3)]
    assert shapes[0] == shapes[2] != shapes[1]  # two different images, cycled


def test_camera_off_and_missing_camera():
    assert open_camera(None) is None
    with pytest.raises(DeviceError, match="not found"):
        open_camera(str(CAMERA / "nope.jpg"))


def test_damaged_frame_is_a_device_error(tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DeviceError, match="cannot decode"):
        open_camera(str(tmp_path)).read()


def test_scene_fields_follow_from_the_detections():
    faces = [Face((0, 0, 10, 10), 0.9, facing=True), Face((20, 0, 10, 10), 0.8, facing=False, yaw=60.0)]
    scene = SceneContext.of(faces, [Hand((0, 0, 5, 5), 0.7, open_palm=True)], ["dark"])
    assert (scene.people, scene.facing, scene.looking, scene.palm) == (2, 1, True, True)
    assert scene.to_dict()["faces"][1] == {"box": [20, 0, 10, 10], "score": 0.8, "facing": False, "yaw": 60.0,
                                           "pitch": 0.0}
    assert scene.summary() == "2 people, 1 facing; raised palm; dark"
    empty = SceneContext.of([])
    assert (empty.people, empty.looking, empty.palm, empty.summary()) == (0, False, False, "nobody")


def scene(looking=False, palm=False):
    faces = [Face((0, 0, 10, 10), 0.9, facing=looking)]
    return SceneContext.of(faces, [Hand((0, 0, 5, 5), 0.9, open_palm=True)] if palm else [])


def test_look_to_talk_needs_a_second_of_facing_and_fires_once():
    rule = LookToTalk(dwell_s=1.0)
    assert [rule.update(scene(True), t) for t in (0.0, 0.4, 0.8)] == [False, False, False]
    assert rule.update(scene(True), 1.0) is True
    assert not any(rule.update(scene(True), t) for t in (1.2, 5.0, 9.0))  # still looking: no new listen
    assert rule.update(scene(False), 9.2) is False  # looked away: re-armed
    assert [rule.update(scene(True), t) for t in (9.4, 10.4)] == [False, True]


def test_a_glance_while_walking_past_does_not_start_listening():
    rule = LookToTalk(dwell_s=1.0)
    seen = [True, True, False, True, True, False, True, True, True, False]  # 5 frames/s, never 1 s in a row
    assert not any(rule.update(scene(look), i * 0.2) for i, look in enumerate(seen))


def test_palm_stop_fires_when_the_palm_goes_up_only():
    rule = PalmStop()
    assert [rule.update(scene(palm=p)) for p in (False, True, True, False, True)] == [False, True, False, False, True]
