"""Settings' voice choice: readable names grouped by language (espeak-ng has ~130 voices, named
"English (America)", "English (Scotland)", ...), English first, and a Preview that says a
sentence in the chosen voice on the speaker."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from app.errors import HearthError
from app.gui.background import in_background
from app.stages import SpeechPlayer
from app.tts import TtsOptions, synthesize, voice_names

PREVIEW = "Hello, I'm Hearth. This is how I sound."
FIRST = "English"  # the speech models understand English: its voices lead the list


def voice_groups(voices: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """{language: [(name, id)]}, languages sorted with English first: "English (America)" is
    ("English (America)", "gmw/en-us") under "English"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for voice_id, name in voices:
        groups.setdefault(name.partition(" (")[0].strip() or voice_id, []).append((name or voice_id, voice_id))
    order = sorted(groups, key=lambda lang: (lang != FIRST, lang.lower()))
    return {lang: sorted(groups[lang]) for lang in order}


def _installed() -> list[tuple[str, str]]:
    try:
        return voice_names()
    except HearthError:  # no espeak-ng: only "Default" is offered
        return []


class VoicePicker(QWidget):
    def __init__(self, current: str | None, player: SpeechPlayer | None, rate: Callable[[], int],
                 voices: list[tuple[str, str]] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.player, self.rate = player, rate
        self.combo = QComboBox()
        self.combo.setAccessibleName("Voice")
        self.combo.setMaxVisibleItems(20)
        model = QStandardItemModel(self.combo)
        model.appendRow(self._choice("Default", None))
        bold = QFont()
        bold.setBold(True)
        for language, named in voice_groups(_installed() if voices is None else voices).items():
            if len(named) > 1:  # a heading, not a choice; a language with one voice needs none
                header = QStandardItem(language)
                header.setFlags(Qt.NoItemFlags)
                header.setFont(bold)
                model.appendRow(header)
            for name, voice_id in named:
                model.appendRow(self._choice(name, voice_id))
        self.combo.setModel(model)
        index = self.combo.findData(current)
        if index < 0:  # a voice this machine lacks (the file names it): kept, not dropped
            model.appendRow(self._choice(str(current), current))
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.preview = QPushButton("Preview")
        self.preview.setAccessibleName("Preview the voice")
        self.preview.setEnabled(player is not None)
        self.preview.setToolTip("Say a sentence in this voice" if player is not None
                                else "No speaker: connect one to hear a preview")
        self.preview.clicked.connect(self.play_preview)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.combo, 1)
        lay.addWidget(self.preview)

    @staticmethod
    def _choice(label: str, voice_id: str | None) -> QStandardItem:
        item = QStandardItem(label)
        item.setData(voice_id, Qt.UserRole)
        return item

    def voice(self) -> str | None:
        return self.combo.currentData()

    def play_preview(self) -> None:
        """Synthesized and played off the GUI thread; the job holds only the player and the options,
        never a widget, so no widget can end its life on that thread."""
        player, options = self.player, TtsOptions(voice=self.voice(), rate=self.rate())
        self.preview.setEnabled(False)
        in_background(lambda: player.play(synthesize(PREVIEW, options)), self, self._previewed)

    def _previewed(self, error: Exception | None) -> None:
        self.preview.setEnabled(True)
        self.preview.setToolTip(f"The preview failed: {error}" if error else "Say a sentence in this voice")
