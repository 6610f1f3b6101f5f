"""Problem banners: what is wrong and how to fix it (DeviceError.message / .fix), one per cause.

Each is one line, cut to the window's width (the whole text is in its tooltip and accessible
name), and past MAX_SHOWN they fold behind a "more" toggle, so on a small screen the
conversation keeps the room.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.stages import Stage

# Banners are keyed by the stage that failed (app.stages.Stage), or "settings" when saving them failed.
TITLES = {Stage.LISTEN: "Microphone", Stage.AUDIO: "Audio", Stage.VAD: "Voice detection",
          Stage.ASR: "Speech recognition", Stage.NLU: "Language model", Stage.FUSION: "Camera",
          Stage.DIALOGUE: "Memory and skills", Stage.TTS: "Voice", Stage.SPEAK: "Speaker", "settings": "Settings"}
MAX_SHOWN = 2


class ElidedLabel(QLabel):
    """Plain text drawn on one line and cut with "…" to the width it gets; `text()` (and so a
    screen reader) keeps all of it."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setTextFormat(Qt.PlainText)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, Qt.AlignLeft | Qt.AlignVCenter, self.palette(),
                                  self.isEnabled(), shown, self.foregroundRole())
        painter.end()


class Banner(QFrame):
    dismissed = Signal(object)  # its key: the ✕ was pressed

    def __init__(self, key: str, message: str, fix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setProperty("role", "banner")
        title = TITLES.get(key, str(key).capitalize())
        full = f"{title}: {message}" + (f"\nFix: {fix}" if fix else "")
        self.setAccessibleName(f"Problem: {title}: {message}")
        self.setAccessibleDescription(f"Fix: {fix}" if fix else "")
        self.setToolTip(full)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 3, 4, 3)
        lay.setSpacing(6)
        heading = QLabel(f"<b>{title}:</b>")
        self.message = ElidedLabel(message)
        self.fix = ElidedLabel(f"Fix: {fix}" if fix else "")
        self.fix.setProperty("role", "muted")
        self.fix.setVisible(bool(fix))
        close = QToolButton()
        close.setText("✕")
        close.setProperty("role", "link")
        close.setAccessibleName(f"Dismiss the {title.lower()} problem")
        close.clicked.connect(lambda: self.dismissed.emit(self.key))
        lay.addWidget(heading)
        lay.addWidget(self.message, 3)
        lay.addWidget(self.fix, 2)
        lay.addWidget(close)


class BannerArea(QWidget):
    """Holds the banners; a new problem with the same key replaces the old one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(4)
        self.more = QToolButton()
        self.more.setProperty("role", "link")
        self.more.setCheckable(True)
        self.more.toggled.connect(self._fold)
        self._lay.addWidget(self.more, 0, Qt.AlignLeft)
        self.banners: dict[str, Banner] = {}

    def show_problem(self, key: str, message: str, fix: str) -> Banner:
        self.clear(key)
        banner = Banner(key, message, fix)
        banner.dismissed.connect(self.clear)
        self.banners[key] = banner
        self._lay.insertWidget(self._lay.count() - 1, banner)
        self._fold()
        return banner

    def clear(self, key: str) -> None:
        old = self.banners.pop(key, None)
        if old is not None:
            old.hide()
            old.deleteLater()
            self._fold()

    def _fold(self) -> None:
        """Show the first MAX_SHOWN banners, and the rest only when "more" is open."""
        hidden = max(0, len(self.banners) - MAX_SHOWN)
        for i, banner in enumerate(self.banners.values()):
            banner.setVisible(i < MAX_SHOWN or self.more.isChecked())
        self.more.setVisible(hidden > 0)
        self.more.setText("▾ Fewer problems" if self.more.isChecked() else f"▸ {hidden} more problem{'s' * (hidden > 1)}")
        self.more.setAccessibleName(self.more.text().lstrip("▸▾ "))
