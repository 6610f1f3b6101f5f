"""The conversation: user and Hearth turns as bubbles; each reply can expand to show how it was
understood (intent, confidence, entities) and where the time went (per-stage timings)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout, QFrame, QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget,
)

from app.pipeline import TurnResult
from app.stages import in_stage_order

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
    timings = turn.timings_ms
    if timings:
        rows.append(("Timings", "  ·  ".join(f"{k} {timings[k]:.0f} ms" for k in in_stage_order(timings))))
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


class Bubble(QFrame):
    """One turn. `details` (label, value) rows hide behind a Details toggle."""

    def __init__(self, speaker: str, text: str, details: list[tuple[str, str]] | None = None,
                 note: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.speaker = speaker
        self.setProperty("role", "bubble-user" if speaker == "user" else "bubble-hearth")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(4)
        head = QLabel(("You" if speaker == "user" else "Hearth") + (f"  ·  {note}" if note else ""))
        head.setProperty("role", "muted")
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.text.setAccessibleName(f"{'You' if speaker == 'user' else 'Hearth'} said")
        lay.addWidget(head)
        lay.addWidget(self.text)
        self.details: QFrame | None = None
        self.toggle: QToolButton | None = None
        if details:
            self.toggle = QToolButton()
            self.toggle.setText("▸ Details")
            self.toggle.setProperty("role", "link")
            self.toggle.setCheckable(True)
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


class ConversationView(QScrollArea):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Conversation")
        self.setFocusPolicy(Qt.NoFocus)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(4, 4, 12, 4)
        self._layout.setSpacing(10)
        self._layout.addStretch(1)
        self.setWidget(body)
        self.bubbles: list[Bubble] = []
        self.verticalScrollBar().rangeChanged.connect(self._follow)

    def _follow(self, _low: int, high: int) -> None:
        """New turns grow the range: keep the latest one in view."""
        self.verticalScrollBar().setValue(high)

    def add(self, speaker: str, text: str, details: list[tuple[str, str]] | None = None, note: str = "") -> Bubble:
        bubble = Bubble(speaker, text, details, note)
        bubble.setMaximumWidth(max(320, int(self.viewport().width() * 0.8)))
        row = QHBoxLayout()
        if speaker == "user":
            row.addStretch(1)
        row.addWidget(bubble, 4)
        if speaker != "user":
            row.addStretch(1)
        self._layout.insertLayout(self._layout.count() - 1, row)
        self.bubbles.append(bubble)
        return bubble

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        for b in self.bubbles:
            b.setMaximumWidth(max(320, int(self.viewport().width() * 0.8)))
