"""Problem banners: what is wrong and how to fix it (DeviceError.message / .fix), one per cause."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.stages import Stage

# Banners are keyed by the stage that failed (app.stages.Stage), or "settings" when saving them failed.
TITLES = {Stage.LISTEN: "Microphone", Stage.AUDIO: "Audio", Stage.VAD: "Voice detection",
          Stage.ASR: "Speech recognition", Stage.NLU: "Language model", Stage.FUSION: "Camera",
          Stage.DIALOGUE: "Memory and skills", Stage.TTS: "Voice", Stage.SPEAK: "Speaker", "settings": "Settings"}


class Banner(QFrame):
    def __init__(self, key: str, message: str, fix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setProperty("role", "banner")
        self.setAccessibleName(f"Problem: {message}")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        text = QVBoxLayout()
        text.setSpacing(2)
        title = TITLES.get(key, str(key).capitalize())
        self.message = QLabel(f"<b>{title}:</b> {message}")
        self.message.setWordWrap(True)
        self.fix = QLabel(f"Fix: {fix}" if fix else "")
        self.fix.setWordWrap(True)
        self.fix.setProperty("role", "muted")
        self.fix.setVisible(bool(fix))
        text.addWidget(self.message)
        text.addWidget(self.fix)
        close = QToolButton()
        close.setText("✕")
        close.setProperty("role", "link")
        close.setAccessibleName("Dismiss this message")
        close.clicked.connect(self.deleteLater)
        lay.addLayout(text, 1)
        lay.addWidget(close, 0, Qt.AlignTop)


class BannerArea(QWidget):
    """Holds the banners; a new problem with the same key replaces the old one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(6)
        self.banners: dict[str, Banner] = {}

    def show_problem(self, key: str, message: str, fix: str) -> Banner:
        self.clear(key)
        banner = Banner(key, message, fix)
        banner.destroyed.connect(lambda *_: self.banners.pop(key, None) if self.banners.get(key) is banner else None)
        self.banners[key] = banner
        self._lay.addWidget(banner)
        return banner

    def clear(self, key: str) -> None:
        old = self.banners.pop(key, None)
        if old is not None:
            old.hide()
            old.deleteLater()
