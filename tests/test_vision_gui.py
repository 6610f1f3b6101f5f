"""The window's camera card: preview with boxes, perception state, the on/off switch."""

import numpy as np
import pytest

from app.events import EventBus, SceneChanged
from app.fusion import Face, Hand, SceneContext

pytest.importorskip("pytestqt")


def test_camera_card_shows_the_scene_and_switches_the_camera(qtbot):
    from app.gui.camera_view import PREVIEW_WIDTH, CameraView

    bus, switched = EventBus(), []
    view = CameraView(bus, switched.append)
    qtbot.addWidget(view)
    assert view.state.text() == "Waiting for the camera…" and view.picture.pixmap().isNull()
    frame = np.zeros((240, 320, 3), np.uint8)
    scene = SceneContext.of([Face((100, 60, 50, 50), 0.9, True)], [Hand((10, 10, 40, 60), 0.8, True)])
    bus.emit(SceneChanged(scene=scene, frame=frame))  # as the watcher thread does
    qtbot.waitUntil(lambda: view.state.text() == "1 person, 1 facing; raised palm")
    image = view.picture.pixmap().toImage()
    assert image.width() == PREVIEW_WIDTH and "live" in view.indicator.text()
    k = PREVIEW_WIDTH / 320
    assert image.pixelColor(round(100 * k), round(80 * k)).green() > 100  # the facing face's green box
    view.overlays.setChecked(False)
    bus.emit(SceneChanged(scene=scene, frame=frame))
    qtbot.waitUntil(lambda: view.picture.pixmap().toImage().pixelColor(round(100 * k), round(80 * k)).green() == 0)
    view.enabled.setChecked(False)
    assert switched == [False] and view.state.text() == "Camera off" and "off" in view.indicator.text()
    bus.emit(SceneChanged(scene=None))
    qtbot.wait(50)
    assert view.state.text() == "Camera off"
