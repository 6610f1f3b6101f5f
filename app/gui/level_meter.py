"""A live microphone level bar on a dB scale (speech sits mid-bar, not pinned to the left)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

FLOOR_DB = -60.0
DECAY = 0.85  # per update: the bar falls smoothly instead of flickering


def level_fraction(rms: float) -> float:
    """RMS of a float frame -> 0..1 on a -60..0 dBFS scale."""
    if rms <= 0:
        return 0.0
    db = 20 * math.log10(rms)
    return min(1.0, max(0.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._level = 0.0
        self._track = QColor("#ddd6cd")
        self._fill = QColor("#d9622b")
        self.setAccessibleName("Input level")
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(200, 8)

    @property
    def level(self) -> float:
        return self._level

    def set_colors(self, track: str, fill: str) -> None:
        self._track, self._fill = QColor(track), QColor(fill)
        self.update()

    def set_level(self, rms: float) -> None:
        self._level = max(level_fraction(rms), self._level * DECAY)
        self.setAccessibleDescription(f"{round(self._level * 100)} percent")
        self.update()

    def reset(self) -> None:
        self._level = 0.0
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        r = QRectF(self.rect())
        radius = r.height() / 2
        p.setBrush(self._track)
        p.drawRoundedRect(r, radius, radius)
        if self._level > 0:
            p.setBrush(self._fill)
            p.drawRoundedRect(QRectF(r.x(), r.y(), max(r.height(), r.width() * self._level), r.height()),
                              radius, radius)
