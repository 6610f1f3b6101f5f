"""The conversation: user and Hearth turns as bubbles; each reply can expand to show how it was
understood (intent, confidence, entities) and where the time went (per-stage timings)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFormLayout, QFrame, QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget,
)

from app.gui.widgets import clear as clear_layout
from app.pipeline import TurnResult
from app.terminal import timings_line

MIN_ALTERNATIVE = 0.05  # rivals below this say nothing useful


def turn_details(turn: TurnResult) -> list[tuple[str, str]]:
    """(label, value) rows for a TurnResult; only what the turn actually has."""
    rows: list[tuple[str, str]] = []
    u = turn.understanding
    if u is not None:
        rows.append(("Intent", f"{u.intent}  ({u.confidence:.0%})"))
        if u.entities:
            rows.append(("Entities", "\n".join(
                f"{e.type}: “{e.text}”" + (f" → {_short(e.value)}" if e.value not in (None, "", e.text) else "")
                for e in u.entities)))
        rivals = [f"{name} ({p:.0%})" for name, p in u.alternatives if p >= MIN_ALTERNATIVE]
        if rivals:
            rows.append(("Also likely", ", ".join(rivals)))
    if turn.reply is not None and turn.reply.actions:
        rows.append(("Actions", "\n".join(_action(a) for a in turn.reply.actions)))
    if turn.timings_ms:
        rows.append(("Timings", timings_line(turn.timings_ms, turn.during_speech_ms, "  ·  ")))
    return rows


def _action(a: Any) -> str:
    """{"device": "light.kitchen", "set": {"on": True}} -> "device light.kitchen · set on=True"."""
    if not isinstance(a, dict):
        return str(a)
    return " · ".join(f"{k} {_short(v)}" for k, v in a.items())


def _short(v: Any) -> str:
    """A nested value in a few words: a media item by its title, a change as key=value pairs."""
    if isinstance(v, dict):
        if v.get("title") or v.get("name"):
            return str(v.get("title") or v.get("name"))
        return ", ".join(f"{k}={x}" for k, x in v.items() if not isinstance(x, (dict, list)))
    if isinstance(v, list):
        return ", ".join(_short(x) for x in v)
    return str(v)


def speaker_name(speaker: str) -> str:
    return "You" if speaker == "user" else "Hearth"


class Bubble(QFrame):
    """One turn. `details` (label, value) rows hide behind a Details toggle, which stays out of the
    Tab chain: the conversation's arrow keys and Enter reach it instead."""

    def __init__(self, speaker: str, text: str, details: list[tuple[str, str]] | None = None,
                 note: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.speaker = speaker
        self.setProperty("role", "bubble-user" if speaker == "user" else "bubble-hearth")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(4)
        self.head = QLabel(speaker_name(speaker) + (f"  ·  {note}" if note else ""))
        self.head.setProperty("role", "muted")
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.text.setAccessibleName(f"{speaker_name(speaker)} said: {text}")
        self.setAccessibleName(self.text.accessibleName())
        lay.addWidget(self.head)
        lay.addWidget(self.text)
        self.details: QFrame | None = None
        self.toggle: QToolButton | None = None
        if details:
            self.toggle = QToolButton()
            self.toggle.setText("▸ Details")
            self.toggle.setProperty("role", "link")
            self.toggle.setCheckable(True)
            self.toggle.setFocusPolicy(Qt.NoFocus)
            self.toggle.setAccessibleName("Show how this reply was understood")
            self.details = QFrame()
            self.details.setProperty("role", "details")
            form = QFormLayout(self.details)
            form.setContentsMargins(10, 8, 10, 8)
            for label, value in details:
                v = QLabel(value)
                v.setWordWrap(True)
                v.setTextInteractionFlags(Qt.TextSelectableByMouse)
                k = QLabel(label)
                k.setProperty("role", "muted")
                form.addRow(k, v)
            self.details.hide()
            self.toggle.toggled.connect(self._show_details)
            lay.addWidget(self.toggle, 0, Qt.AlignLeft)
            lay.addWidget(self.details)

    def _show_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.toggle.setText(("▾" if on else "▸") + " Details")

    def set_current(self, on: bool) -> None:
        """Marked as the one the arrow keys are on (a focus ring drawn by the style sheet)."""
        self.setProperty("current", "true" if on else "false")
        self.style().polish(self)


class ConversationView(QScrollArea):
    """The turns, newest last. It follows new turns to the bottom, but a Details opened further
    up stays where it is. With the focus, Up/Down move between turns and Enter opens Details."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Conversation")
        self.setFocusPolicy(Qt.StrongFocus)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(4, 4, 12, 4)
        self._layout.setSpacing(10)
        self._layout.addStretch(1)
        self.setWidget(body)
        self.bubbles: list[Bubble] = []
        self.current: Bubble | None = None
        self._following = False  # a turn was just added: keep scrolling to it as it lays out
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._follow)
        bar.actionTriggered.connect(self._stop_following)  # the user scrolled

    def _follow(self, _low: int, high: int) -> None:
        if self._following:
            self.verticalScrollBar().setValue(high)

    def _stop_following(self, *_: object) -> None:
        self._following = False

    def _opened(self, bubble: Bubble, on: bool) -> None:
        """Details opened: scroll just enough to show them (once laid out), never jump to the newest turn."""
        self._following = False
        if on:
            QTimer.singleShot(0, bubble.details, lambda: self.ensureWidgetVisible(bubble.details, 0, 0))

    def add(self, speaker: str, text: str, details: list[tuple[str, str]] | None = None, note: str = "") -> Bubble:
        bubble = Bubble(speaker, text, details, note)
        bubble.setMaximumWidth(self._bubble_width())
        if bubble.toggle is not None:
            bubble.toggle.toggled.connect(lambda on: self._opened(bubble, on))
        row = QHBoxLayout()
        if speaker == "user":
            row.addStretch(1)
        row.addWidget(bubble, 4)
        if speaker != "user":
            row.addStretch(1)
        self._insert(row)
        self.bubbles.append(bubble)
        return bubble

    def add_note(self, text: str) -> QLabel:
        """A muted line between turns ("I didn't hear anything"): not a turn, never kept in history."""
        note = QLabel(text)
        note.setProperty("role", "muted")
        note.setAlignment(Qt.AlignCenter)
        note.setAccessibleName(f"Note: {text}")
        row = QHBoxLayout()
        row.addWidget(note)
        self._insert(row)
        return note

    def _insert(self, row: QHBoxLayout) -> None:
        self._layout.insertLayout(self._layout.count() - 1, row)
        self._following = True

    def clear(self) -> None:
        while self._layout.count() > 1:  # everything but the stretch that keeps turns at the bottom
            item = self._layout.takeAt(0)
            clear_layout(item.layout())
        self.bubbles = []
        self.current = None

    def _bubble_width(self) -> int:
        return max(320, int(self.viewport().width() * 0.8))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        for b in self.bubbles:
            b.setMaximumWidth(self._bubble_width())

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        key = event.key()
        if self.bubbles and key in (Qt.Key_Up, Qt.Key_Down, Qt.Key_Home, Qt.Key_End):
            at = self.bubbles.index(self.current) if self.current in self.bubbles else len(self.bubbles)
            at = {Qt.Key_Up: at - 1, Qt.Key_Down: at + 1, Qt.Key_Home: 0, Qt.Key_End: len(self.bubbles) - 1}[key]
            self.select(self.bubbles[max(0, min(len(self.bubbles) - 1, at))])
        elif key in (Qt.Key_Return, Qt.Key_Enter) and self.current is not None and self.current.toggle is not None:
            self.current.toggle.toggle()
        else:
            super().keyPressEvent(event)

    def select(self, bubble: Bubble) -> None:
        if self.current is not None:
            self.current.set_current(False)
        self.current = bubble
        bubble.set_current(True)
        self._following = False
        self.ensureWidgetVisible(bubble)
        self.setAccessibleDescription(bubble.accessibleName())
