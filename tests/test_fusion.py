import numpy as np
import pytest

from app.errors import DeviceError
from app.fusion import SceneAnalyzer, open_camera
from tests.speech import FIXTURES

CAMERA = FIXTURES / "camera"


@pytest.fixture(scope="module")
def analyzer():
    return SceneAnalyzer()


def test_face_looking_at_the_device(analyzer):
    scene = analyzer.analyze(open_camera(str(CAMERA / "astronaut.jpg")).read())
    assert scene.people == 1 and scene.looking and len(scene.faces) == 1


def test_no_one_in_view(analyzer):
    scene = analyzer.analyze(open_camera(str(CAMERA / "coffee.jpg")).read())
    assert scene.people == 0 and not scene.looking


def test_dark_frame_is_labelled(analyzer):
    assert "dark" in analyzer.analyze(np.zeros((240, 320, 3), np.uint8)).labels


def test_folder_camera_cycles_frames():
    cam = open_camera(str(CAMERA))
    shapes = [cam.read().shape for _ in range(3)]
    assert len(shapes) == 3 and all(s[2] == 3 for s in shapes)


def test_camera_off_and_missing_camera():
    assert open_camera(None) is None
    with pytest.raises(DeviceError, match="no camera"):
        open_camera("7")  # no camera devices on this machine
    with pytest.raises(DeviceError, match="not found"):
        open_camera(str(CAMERA / "nope.jpg"))


def test_damaged_frame_is_a_device_error(tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DeviceError, match="cannot decode"):
        open_camera(str(tmp_path)).read()
