"""The camera models on real photographs, head pose and palm geometry, the watcher thread, the
presence rules in the dialogue and `hearth vision`."""

import json
import os
import shutil
import subprocess
import sys
import threading
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageOps

from app.errors import HearthError, ModelError
from app.events import ErrorEvent, EventBus, SceneChanged
from app.fusion import Face, SceneAnalyzer, SceneContext, open_camera
from app.fusion.faces import head_pose
from app.fusion.hands import is_open_palm
from app.fusion.models import VISION_DIR, vision_session
from app.fusion.watcher import Watcher, WatchOptions
from tests.speech import FIXTURES

CAMERA = FIXTURES / "camera"


@pytest.fixture(scope="module")
def analyzer():
    return SceneAnalyzer()


def photo(name: str) -> Image.Image:
    return Image.open(CAMERA / name).convert("RGB")


def test_a_face_looking_at_the_device(analyzer):
    seen = analyzer.perceive(photo("astronaut.jpg"))
    (face,) = seen.scene.faces
    x, y, w, h = face.box
    inner = max(0, min(x + w, 170) - max(x, 112)) * max(0, min(y + h, 112) - max(y, 50))
    assert inner / (w * h + 58 * 62 - inner) >= 0.5  # her face, hand-labelled (112, 50, 58, 62)
    assert face.facing and abs(face.yaw) < 15 and seen.scene.looking and seen.scene.people == 1
    assert set(seen.timings_ms) == {"faces", "hands", "total"}


def test_mirrored_face_is_found_where_it_moved(analyzer):
    image = photo("astronaut.jpg")
    (face,) = analyzer.analyze(ImageOps.mirror(image)).faces
    assert abs((face.box[0] + face.box[2] / 2) - (image.width - 141)) < 10


def test_no_one_in_view_and_light_labels(analyzer):
    scene = analyzer.analyze(np.asarray(photo("coffee.jpg")))
    assert scene.people == 0 and not scene.looking and not scene.hands
    assert analyzer.analyze(np.zeros((240, 320, 3), np.uint8)).labels == ["dark"]
    assert analyzer.analyze(np.full((240, 320, 3), 250, np.uint8)).labels == ["bright"]
    assert analyzer.analyze(np.zeros((240, 320), np.uint8)).people == 0  # grey frames work too


def test_a_frame_that_is_not_an_image_is_a_clear_error(analyzer):
    with pytest.raises(HearthError, match="not an image frame"):
        analyzer.analyze(np.zeros((10, 10, 7), np.float32))


def rotate_y(points: np.ndarray, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    turn = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    centre = points.mean(0)
    return (points - centre) @ turn.T + centre


def frontal_mesh() -> np.ndarray:
    session = vision_session("face_landmark.onnx")
    crop = np.asarray(photo("astronaut.jpg").crop((97, 36, 185, 124)).resize((192, 192)), np.float32) / 255
    points, _ = session.run(None, {"input_1": crop.transpose(2, 0, 1)[None]})
    return points.reshape(468, 3)


def test_head_pose_follows_a_turned_head():
    mesh = frontal_mesh()
    yaw0, pitch0 = head_pose(mesh)
    assert abs(yaw0) < 10 and abs(pitch0) < 20
    for turn in (-40, 30):
        yaw, _ = head_pose(rotate_y(mesh, turn))
        assert abs(yaw - yaw0 - turn) < 5


def hand(fingers_straight: bool, tilt: float = 0.0) -> np.ndarray:
    """21 landmarks of a right hand seen palm-on, wrist at the origin, fingers up (y down in images)."""
    p = np.zeros((21, 2))
    xs = (-30, -10, 10, 30)
    for i, x in enumerate(xs):
        base = 5 + 4 * i
        reach = (60, 80, 95, 110) if fingers_straight else (60, 75, 65, 55)
        p[base:base + 4] = [(x, -r) for r in reach]
    p[1:5] = [(-35, -15), (-50, -30), (-60, -45), (-70, -60)]  # thumb out
    a = np.radians(tilt)
    return p @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]).T


def test_open_palm_geometry():
    assert is_open_palm(hand(True))
    assert not is_open_palm(hand(False))  # curled fingers: a fist, not the stop sign
    assert not is_open_palm(hand(True, tilt=90))  # a hand lying sideways is not raised
    assert not is_open_palm(hand(True, tilt=180))  # fingers down


def test_damaged_or_unlisted_model_is_a_model_error(tmp_path):
    folder = tmp_path / "vision"
    shutil.copytree(VISION_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "*.md", "hand*", "palm*"))
    with pytest.raises(ModelError, match="does not list"):
        vision_session("nope.onnx", folder=folder)
    data = bytearray((folder / "face_detection_back.onnx").read_bytes())
    data[-100] ^= 0xFF  # same size, one byte changed
    (folder / "face_detection_back.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="face_detection_back.onnx does not match"):
        vision_session("face_detection_back.onnx", folder=folder)


# -- the watcher -------------------------------------------------------------------------------

class ScriptedAnalyzer:
    """Scenes in order, one per frame: the watcher's logic without the models."""

    def __init__(self, scenes):
        self.scenes = list(scenes)
        self.hands = []  # what each frame was asked: look for hands or not

    def perceive(self, frame, hands=True, follow=False):
        self.hands.append(hands)
        return SimpleNamespace(scene=self.scenes.pop(0), timings_ms={})

    def analyze(self, frame):
        raise AssertionError("the watcher's own frame must not be analysed again")


class CountingCamera:
    def __init__(self):
        self.reads = 0
        self.closed = 0

    def read(self):
        self.reads += 1
        return np.zeros((4, 4, 3), np.uint8)

    def close(self):
        self.closed += 1


def looking(yes=True, palm=False):
    from app.fusion import Hand
    return SceneContext.of([Face((0, 0, 9, 9), 0.9, facing=yes)], [Hand((0, 0, 5, 5), 0.9, True)] if palm else [])


def make_watcher(scenes, **options):
    camera, bus, calls, events = CountingCamera(), EventBus(), [], []
    bus.subscribe(events.append)
    switch = {"on": True}
    idle = {"yes": True}
    watcher = Watcher(lambda: camera, ScriptedAnalyzer(scenes), bus, WatchOptions(**options),
                      enabled=lambda: switch["on"], on_look=lambda: calls.append("talk"),
                      on_palm=lambda: calls.append("stop"), can_listen=lambda: idle["yes"])
    return SimpleNamespace(watcher=watcher, camera=camera, calls=calls, events=events, switch=switch, idle=idle)


def test_look_to_talk_calls_talk_only_when_on_and_idle():
    w = make_watcher([looking()] * 12, look_to_talk=True)
    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        w.watcher.step(t)
    assert w.calls == ["talk"]
    off = make_watcher([looking()] * 6)  # the setting is off by default
    for t in (0.0, 0.5, 1.0, 1.5):
        off.watcher.step(t)
    assert off.calls == []
    busy = make_watcher([looking()] * 6, look_to_talk=True)
    busy.idle["yes"] = False  # Hearth is speaking: looking at it must not barge in
    for t in (0.0, 0.5, 1.0, 1.5):
        busy.watcher.step(t)
    assert busy.calls == []


def test_raised_palm_calls_stop_once():
    w = make_watcher([looking(), looking(palm=True), looking(palm=True), looking()])
    w.idle["yes"] = False  # speaking: there is something to stop
    for t in range(4):
        w.watcher.step(t)
    assert w.calls == ["stop"]


def test_hands_are_looked_for_only_while_a_palm_would_stop_something():
    w = make_watcher([looking()] * 3)
    w.watcher.step(0.0)  # idle: nothing to stop
    w.idle["yes"] = False
    w.watcher.step(0.2)
    w.watcher.options.palm_stop = False  # the gesture switched off
    w.watcher.step(0.4)
    assert w.watcher.analyzer.hands == [False, True, False]


def test_the_turn_uses_the_watchers_frame_without_a_second_read():
    w = make_watcher([looking()])
    w.watcher.step(0.0)
    frame = w.watcher.read()
    assert w.watcher.analyze(frame).looking and w.camera.reads == 1
    assert [type(e) for e in w.events] == [SceneChanged] and w.events[0].scene.people == 1


def test_camera_switch_off_closes_the_camera_and_clears_the_scene():
    w = make_watcher([looking(), looking()])
    w.watcher.step(0.0)
    w.switch["on"] = False
    assert w.watcher.step(0.2) is None
    assert w.camera.closed == 1 and w.watcher.read() is None and w.watcher.scene is None
    assert w.events[-1].scene is None
    w.switch["on"] = True
    w.watcher.step(0.4)
    assert w.camera.reads == 2


def test_a_missing_camera_is_reported_once_and_the_thread_lives_on():
    bus, events = EventBus(), []
    bus.subscribe(events.append)
    seen = threading.Event()
    bus.subscribe(lambda e: seen.set() if isinstance(e, ErrorEvent) else None)
    watcher = Watcher(lambda: open_camera(str(CAMERA / "gone.jpg")), ScriptedAnalyzer([]), bus)
    watcher.start()
    assert seen.wait(5)
    watcher.close()
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and "not found" in errors[0].message and str(errors[0].stage) == "fusion"


# -- the dialogue ------------------------------------------------------------------------------

@pytest.fixture
def dm(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_HOME", str(tmp_path))
    from app.dialogue import DialogueManager
    return DialogueManager()


def said(text, intent, **entities):
    from app.nlu.types import Entity, Understanding
    found = [Entity(k, v, text.index(v), text.index(v) + len(v)) for k, v in entities.items()]
    return Understanding(text, intent, 0.95, found)


def test_nobody_in_view_asks_before_changing_anything(dm):
    nobody = SceneContext()
    reply = dm.handle(said("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"), scene=nobody)
    assert reply.text == "I can't see anyone. Do you want me to turn on the kitchen lights?"
    assert reply.expects_reply and not reply.actions
    reply = dm.handle(said("yes", "general_affirm"), scene=nobody)
    assert reply.actions  # confirmed: done
    assert not dm.handle(said("what time is it", "datetime_query"), scene=nobody).text.startswith("I can't see")


def test_the_question_restates_a_plain_command_in_the_users_words_else_says_what_the_skill_does():
    from app.dialogue.presence import confirm_question

    assert confirm_question("add to a list", "Could you please add milk to my shopping list?") == \
        "I can't see anyone. Do you want me to add milk to your shopping list?"
    assert confirm_question("set a reminder", "Hey Hearth, remind me to call my mother at 5") == \
        "I can't see anyone. Do you want me to remind you to call your mother at 5?"
    assert confirm_question("turn the lights on", "the lights on") == \
        "I can't see anyone. Do you want me to turn the lights on?"  # not a command: the skill's words
    long = "set an alarm for six thirty tomorrow morning and also turn on the coffee maker in the kitchen"
    assert confirm_question("set an alarm or a timer", long).endswith("set an alarm or a timer?")


def test_someone_in_view_or_no_camera_acts_at_once(dm):
    for scene in (looking(), None):
        for words, intent in (("turn on the kitchen lights", "iot_hue_lighton"),
                              ("turn off the kitchen lights", "iot_hue_lightoff")):
            reply = dm.handle(said(words, intent, house_place="kitchen"), scene=scene)
            assert "can't see" not in reply.text and reply.actions


def test_is_anyone_there_is_answered_from_the_frame(dm):
    two = SceneContext.of([Face((0, 0, 9, 9), 0.9, True), Face((20, 0, 9, 9), 0.9, False)])
    assert dm.handle(said("how many people can you see", "qa_factoid"), scene=two).text.endswith(
        "I can see two people, one of them looking at me.")
    assert dm.handle(said("is anyone there", "general_quirky"), scene=SceneContext()).text == "I can't see anyone."
    both = SceneContext.of([Face((0, 0, 9, 9), 0.9, True), Face((20, 0, 9, 9), 0.9, True)])
    assert dm.handle(said("do you see anyone", "general_quirky"), scene=both).text == \
        "I can see two people, both looking at me."
    assert "camera is off" in dm.handle(said("can you see me", "general_quirky")).text


def test_questions_about_people_in_general_are_not_about_the_room():
    from app.dialogue.presence import asks_who

    for text in ("is anyone there", "is anybody here?", "are there any people in the room", "how many people can you "
                 "see", "how many of us are here", "can you see me", "who do you see"):
        assert asks_who(text), text
    for text in ("how old is someone born in 1990", "how many people live in paris", "is someone coming to dinner",
                 "how many people are there in china", "see you tomorrow"):
        assert not asks_who(text), text


# -- the command line --------------------------------------------------------------------------

def test_hearth_vision_json_per_frame_and_bad_frames_go_on(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"nope")
    r = subprocess.run([sys.executable, "-m", "app", "vision", "--json", str(CAMERA / "astronaut.jpg"),
                        str(tmp_path / "broken.png"), str(CAMERA / "coffee.jpg")],
                       capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 1 and [row["file"].rsplit("/", 1)[-1] for row in rows] == ["astronaut.jpg", "broken.png",
                                                                                        "coffee.jpg"]
    face = rows[0]["faces"][0]
    assert rows[0]["people"] == 1 and set(face) >= {"box", "score", "facing"} and len(face["box"]) == 4
    assert rows[0]["hands"] == [] and rows[0]["timings_ms"]["total"] > 0
    assert "cannot decode" in rows[1]["error"] and rows[2]["people"] == 0


def test_hearth_ask_image_fuses_the_frame_into_the_turn(tmp_path):
    env = {**os.environ, "HEARTH_HOME": str(tmp_path)}

    def ask(*args):
        return subprocess.run([sys.executable, "-m", "app", "ask", *args], capture_output=True, text=True,
                              timeout=300, env=env)

    r = ask("--image", str(CAMERA / "coffee.jpg"), "turn", "on", "the", "kitchen", "lights")
    assert r.returncode == 0 and r.stdout.startswith("I can't see anyone. Do you want me to")
    r = ask("--image", str(tmp_path / "gone.jpg"), "hello")
    assert r.returncode == 2 and "camera image not found" in r.stderr


# -- wired into the assistant ------------------------------------------------------------------

def test_the_assistant_watches_the_camera_and_answers_from_it(tmp_path, monkeypatch):
    """HEARTH_CAMERA as a file source: once the models are warm the watcher reports the scene, and a
    typed question is answered from that frame (the pipeline's fusion stage reads no second frame)."""
    from app.assemble import build_assistant

    monkeypatch.setenv("HEARTH_HOME", str(tmp_path))
    monkeypatch.setenv("HEARTH_CAMERA", str(CAMERA / "astronaut.jpg"))
    assistant, _ = build_assistant(microphone=False, speaker=False)
    scenes = []
    seen = threading.Event()
    assistant.bus.subscribe(lambda e: (scenes.append(e.scene), seen.set()) if isinstance(e, SceneChanged) else None)
    assistant.start(audio=False)
    try:
        assert seen.wait(60) and scenes[0].people == 1 and scenes[0].looking
        turn = assistant.send("how many people can you see").result(60)
        assert "I can see one person, looking at me." in turn[0].reply.text
    finally:
        assistant.close()


def test_following_a_face_skips_the_detector_until_it_is_lost():
    from app.fusion.perception import PerceptionOptions

    analyzer = SceneAnalyzer(PerceptionOptions(detect_every=3))
    analyzer.perceive(photo("coffee.jpg"))  # loads the models
    calls, find = [], analyzer._faces.find
    analyzer._faces.find = lambda image, stream=False: calls.append(image) or find(image, stream)
    face = photo("astronaut.jpg")
    assert [analyzer.perceive(face, follow=True).scene.people for _ in range(4)] == [1, 1, 1, 1]
    assert len(calls) == 2  # the first frame and the third after it: newcomers are still looked for
    assert analyzer.perceive(photo("coffee.jpg"), follow=True).scene.people == 0 and len(calls) == 3  # she left
    assert analyzer.perceive(face).scene.people == 1 and len(calls) == 4  # a picture on its own is never followed


def test_in_a_stream_no_frame_runs_both_the_face_detector_and_the_palm_chain():
    from app.fusion.perception import PerceptionOptions

    analyzer = SceneAnalyzer(PerceptionOptions(detect_every=3))
    analyzer.perceive(photo("coffee.jpg"))  # loads the models
    log, find_faces, find_hands = [], analyzer._faces.find, analyzer._hands.find
    analyzer._faces.find = lambda image, stream=False: log.append("detector") or find_faces(image, stream)
    analyzer._hands.find = lambda image: log.append("hands") or find_hands(image)
    face = photo("astronaut.jpg")
    frames = []
    for _ in range(7):
        log.clear()
        assert analyzer.perceive(face, follow=True).scene.people == 1
        frames.append(tuple(log))
    # the first frame has no earlier hands to keep; later detector frames keep the last frame's
    assert frames == [("detector", "hands"), ("hands",), ("hands",), ("detector",), ("hands",), ("hands",),
                      ("detector",)]
    log.clear()
    analyzer.perceive(face)  # a picture on its own gets everything
    assert log == ["detector", "hands"]
    log.clear()
    analyzer._followed = []  # nobody followed: the detector runs frame after frame, hands every other frame at least
    for _ in range(2):
        analyzer._followed = []
        analyzer.perceive(face, follow=True)
    assert log == ["detector", "detector", "hands"]


def test_a_weak_candidate_turned_down_in_a_stream_is_checked_again_only_now_and_then():
    """An empty room's cost: the landmark model is asked about the same patch of wallpaper once, then again only
    after `recheck_rejected` detector runs; a still picture is always checked in full."""
    from app.fusion.faces import FaceFinder, FaceOptions
    from app.fusion.ssd import Detection

    finder = FaceFinder(FaceOptions(recheck_rejected=3))
    weak = Detection((0.5, 0.5), (0.2, 0.2), np.zeros((6, 2)), 0.3)
    finder._candidates = lambda found: [weak]  # the detector's output on an empty frame: one weak candidate
    asked = []
    finder._pose = lambda image, region, score: asked.append(score)  # the landmark model turns it down (None)
    room = photo("coffee.jpg")
    for _ in range(5):
        assert finder.find(room, stream=True) == []
    assert len(asked) == 2  # the first run, then again after three runs
    finder.find(room)
    finder.find(room)
    assert len(asked) == 4  # a picture on its own: checked every time
