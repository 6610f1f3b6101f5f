"""The camera card beside the conversation: an on/off switch with a "camera on" indicator, a live
preview with face and hand boxes (the overlays can be hidden), and what perception sees in words.

It listens to the assistant's SceneChanged events (from the watcher thread) and repaints on the
GUI thread; the frame is only painted, never kept past the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout

from app.events import Event, EventBus, SceneChanged
from app.gui.widgets import section

PREVIEW_WIDTH = 240
FACING, AWAY, HAND = QColor("#2e9e5b"), QColor("#d08a2e"), QColor("#3a7bd5")


def preview(frame: np.ndarray, scene: Any, overlays: bool, width: int = PREVIEW_WIDTH) -> QPixmap:
    """The frame scaled to `width`, with each face (green: facing the device) and hand boxed."""
    h, w = frame.shape[:2]
    rgb = np.ascontiguousarray(frame[..., :3])
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).scaledToWidth(
        width, Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap.fromImage(image)
    if overlays and scene is not None:
        k = width / w
        painter = QPainter(pixmap)
        boxes = [(f.box, FACING if f.facing else AWAY) for f in scene.faces]
        boxes += [(hand.box, HAND) for hand in scene.hands]
        for (x, y, bw, bh), color in boxes:
            painter.setPen(QPen(color, 2))
            painter.drawRect(round(x * k), round(y * k), round(bw * k), round(bh * k))
        painter.end()
    return pixmap


class CameraView(QFrame):
    seen = Signal(object, object)  # scene, frame: re-emitted on the GUI thread

    def __init__(self, bus: EventBus, switch: Callable[[bool], None], on: bool = True):
        """`switch(on)` turns the camera on or off (the window sets the pipeline's camera)."""
        super().__init__()
        self.setProperty("role", "card")
        self._switch = switch
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(section("Camera"))
        top.addStretch(1)
        self.indicator = QLabel()
        self.indicator.setAccessibleName("Camera indicator")
        top.addWidget(self.indicator)
        self.enabled = QCheckBox("On")
        self.enabled.setAccessibleName("Camera on or off")
        self.enabled.setChecked(on)
        top.addWidget(self.enabled)
        self.overlays = QCheckBox("Boxes")
        self.overlays.setAccessibleName("Show face and hand boxes on the preview")
        self.overlays.setChecked(True)
        top.addWidget(self.overlays)
        lay.addLayout(top)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName("Camera preview")
        lay.addWidget(self.picture)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAccessibleName("What the camera sees")
        lay.addWidget(self.state)
        self.seen.connect(self.show_scene)
        self.enabled.toggled.connect(self._toggled)
        bus.subscribe(self._on_event)
        self.show_scene(None, None)

    def _on_event(self, event: Event) -> None:  # the watcher's thread
        if isinstance(event, SceneChanged):
            self.seen.emit(event.scene, event.frame)

    def _toggled(self, on: bool) -> None:
        self._switch(on)
        if not on:
            self.show_scene(None, None)

    def show_scene(self, scene: Any, frame: Any) -> None:
        live = scene is not None and self.enabled.isChecked()
        self.indicator.setText("● live" if live else "○ off")
        self.indicator.setStyleSheet(f"color: {'#c0392b' if live else '#a39a90'}")
        self.state.setText(scene.summary() if live else "Camera off" if not self.enabled.isChecked()
                           else "Waiting for the camera…")
        if live and frame is not None:
            self.picture.setPixmap(preview(frame, scene, self.overlays.isChecked()))
        else:
            self.picture.clear()
