"""The side panels, drawn from dialogue.world_snapshot(): timers and alarms with live countdowns,
what is playing, lists, and the simulated home. Every control asks the skills through `act` (an
Understanding, see taps.py), so a tap does what saying it would; each panel then shows what the
next snapshot reports. Rows are updated in place, so the keyboard focus survives a snapshot.
"""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QScrollArea, QVBoxLayout, QWidget,
)

from app.gui import taps
from app.gui.home_panel import HomePanel
from app.gui.widgets import LevelSlider, Switch, button, card, clear, section
from app.gui.world import countdowns, fmt_left, now_playing_text, speaker_of, state_of


def _panel(frame: QFrame, name: str, title: str) -> QVBoxLayout:
    """Give a panel its accessible name and a titled card; returns the card's layout."""
    frame.setAccessibleName(name)
    outer = QVBoxLayout(frame)
    outer.setContentsMargins(0, 0, 0, 0)
    inner, lay = card()
    lay.addWidget(section(title))
    outer.addWidget(inner)
    return lay


class TimerRow(QWidget):
    """A countdown with "+1 min" and "Cancel"."""

    act = Signal(object)

    def __init__(self, item: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        top = QHBoxLayout()
        self.label = QLabel()
        what = item["label"] or item["kind"]
        self.more = button("+1 min", f"Add a minute to the {what}")
        self.cancel = button("Cancel", f"Cancel the {what}")
        self.more.clicked.connect(lambda: self.act.emit(taps.add_minute(self.item)))
        self.cancel.clicked.connect(lambda: self.act.emit(taps.cancel(self.item)))
        top.addWidget(self.label, 1)
        top.addWidget(self.more)
        top.addWidget(self.cancel)
        lay.addLayout(top)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        lay.addWidget(self.bar)
        self.label.setAccessibleName(f"{item['kind']} {item['label']}".strip())

    def tick(self, now: datetime) -> None:
        item = self.item
        paused = item.get("paused")
        left = paused if paused is not None else (item["due"] - now).total_seconds()
        name = (item["label"][:1].upper() + item["label"][1:]) or item["kind"].capitalize()  # "Pasta", "Timer"
        if paused is not None:
            self.label.setText(f"{name} &nbsp;<b>{fmt_left(left)}</b> &nbsp;·&nbsp; paused")
        elif item["kind"] == "alarm":
            local = item["due"].astimezone()
            when = local.strftime("%H:%M") + ("" if local.date() == now.astimezone().date() else local.strftime(" %a"))
            self.label.setText(f"{name} <b>{when}</b> &nbsp;·&nbsp; in {fmt_left(left)}")
        else:
            self.label.setText(f"{name} &nbsp;<b>{fmt_left(left)}</b>")
        total = item.get("total") if item["kind"] == "timer" else None
        self.bar.setVisible(bool(total))
        if total:
            self.bar.setRange(0, int(total))
            self.bar.setValue(max(0, int(total - left)))


class TimersPanel(QFrame):
    act = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = _panel(self, "Timers and alarms", "Timers & alarms")
        self._rows = QVBoxLayout()
        self._rows.setSpacing(8)
        lay.addLayout(self._rows)
        self.empty = QLabel("No timers or alarms. Try “set a timer for ten minutes”.")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        self.items: list[dict] = []
        self.rows: dict[object, TimerRow] = {}

    def set_items(self, items: list[dict]) -> None:
        if [(i["id"], i["due"], i["total"], i.get("paused")) for i in items] == [
                (i["id"], i["due"], i["total"], i.get("paused")) for i in self.items]:
            return
        self.items = items
        for key in set(self.rows) - {i["id"] for i in items}:
            self.rows.pop(key).deleteLater()
        for item in items:  # soonest first; existing rows move, keeping their focus
            row = self.rows.get(item["id"])
            if row is None:
                row = self.rows[item["id"]] = TimerRow(item)
                row.act.connect(self.act)
            row.item = item
            self._rows.removeWidget(row)
            self._rows.addWidget(row)
        self.empty.setVisible(not items)
        self.tick(datetime.now(timezone.utc))

    def tick(self, now: datetime) -> None:
        """Called every second by the window: countdowns move without asking the dialogue."""
        for row in self.rows.values():
            row.tick(now)


class NowPlayingPanel(QFrame):
    """What plays, Play/Pause and Next, and the speaker's volume and mute."""

    act = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = _panel(self, "Now playing", "Now playing")
        self.label = QLabel("Nothing playing")
        self.label.setWordWrap(True)
        self.label.setProperty("role", "muted")
        lay.addWidget(self.label)
        self.play = button("Play", "Play")
        self.next = button("Next", "Play the next one")
        self.mute = Switch("Mute the speaker")
        self.volume = LevelSlider("Volume")
        controls = QHBoxLayout()
        controls.addWidget(self.play)
        controls.addWidget(self.next)
        controls.addStretch(1)
        controls.addWidget(self.mute)
        lay.addLayout(controls)
        lay.addWidget(self.volume)
        self.playing: dict | None = None  # what plays now, not paused
        self.last: dict | None = None  # what played last: Play carries on with it
        self.play.clicked.connect(lambda: self.act.emit(taps.pause() if self.playing else taps.play(bool(self.last))))
        self.next.clicked.connect(lambda: self.act.emit(taps.next_track()))
        self.volume.chosen.connect(lambda level: self.act.emit(taps.volume(level)))
        self.mute.flip.connect(lambda on: self.act.emit(taps.mute(on)))

    def set_snapshot(self, snapshot: dict) -> None:
        current = snapshot.get("now_playing")
        current = current if isinstance(current, dict) else None
        self.playing = current if current and not current.get("paused") else None
        self.last = current or self.last
        self.label.setText(now_playing_text(snapshot) or "Nothing playing")
        self.play.setText("Pause" if self.playing else "Play")
        self.play.setAccessibleName("Pause" if self.playing else "Play")
        self.next.setEnabled(current is not None)
        speaker = speaker_of(snapshot)
        for control in (self.volume, self.mute):
            control.setVisible(speaker is not None)
        if speaker is not None:
            state = state_of(speaker)
            self.volume.show_level(int(state.get("volume", 50)))
            self.mute.show_state(bool(state.get("muted")))
            self.mute.setText("Muted" if state.get("muted") else "Mute")


class ListCard(QWidget):
    """One list: tick an item to check it off (the skills remove it), or type one to add."""

    act = Signal(object)

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(QLabel(f"<b>{name.capitalize()}</b>"))
        self._items = QVBoxLayout()
        self._items.setSpacing(2)
        lay.addLayout(self._items)
        add = QHBoxLayout()
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(f"Add to {name}…")
        self.entry.setAccessibleName(f"New item for the {name} list")
        plus = button("Add", f"Add the item to the {name} list")
        add.addWidget(self.entry, 1)
        add.addWidget(plus)
        lay.addLayout(add)
        self.entry.returnPressed.connect(self._add)
        plus.clicked.connect(self._add)
        self.items: list[str] = []

    def show_items(self, items: list[str]) -> None:
        if items == self.items:
            return
        self.items = list(items)
        clear(self._items)
        if not items:
            empty = QLabel("(empty)")
            empty.setProperty("role", "muted")
            self._items.addWidget(empty)
        for item in items:
            box = QCheckBox(item)
            box.setAccessibleName(f"Check off {item} from the {self.name} list")
            box.toggled.connect(lambda _on, i=item: self.act.emit(taps.remove_item(self.name, i)))
            self._items.addWidget(box)

    def _add(self) -> None:
        item = self.entry.text().strip()
        if item:
            self.entry.clear()
            self.act.emit(taps.add_item(self.name, item))


class ListsPanel(QFrame):
    """Shopping and to-do lists, shown only when there are any."""

    act = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = _panel(self, "Lists", "Lists")
        self._cards = QVBoxLayout()
        self._cards.setSpacing(10)
        lay.addLayout(self._cards)
        self.cards: dict[str, ListCard] = {}

    def set_snapshot(self, snapshot: dict) -> None:
        lists = snapshot.get("lists") or {}
        for name in set(self.cards) - set(lists):
            self.cards.pop(name).deleteLater()
        for name, items in lists.items():
            if name not in self.cards:
                self.cards[name] = ListCard(name)
                self.cards[name].act.connect(self.act)
                self._cards.addWidget(self.cards[name])
            self.cards[name].show_items(items)
        self.setVisible(bool(lists))


class SidePanels(QScrollArea):
    """The panels stacked; `set_snapshot` on every new world snapshot, `tick` every second, and
    `act` for every request a control makes."""

    act = Signal(object)  # app.nlu.types.Understanding, for Assistant.act

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.NoFocus)  # its controls take the focus, not the area
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 6, 0)
        lay.setSpacing(12)
        self.timers = TimersPanel()
        self.now_playing = NowPlayingPanel()
        self.lists = ListsPanel()
        self.lists.hide()
        self.home = HomePanel()
        for panel in (self.timers, self.now_playing, self.lists, self.home):
            panel.act.connect(self.act)
            lay.addWidget(panel)
        lay.addStretch(1)
        self.setWidget(body)
        self.snapshot: dict = {}

    def set_snapshot(self, snapshot: dict) -> None:
        self.snapshot = snapshot or {}
        self.timers.set_items(countdowns(self.snapshot, datetime.now(timezone.utc)))
        self.home.set_snapshot(self.snapshot)
        self.now_playing.set_snapshot(self.snapshot)
        self.lists.set_snapshot(self.snapshot)

    def tick(self) -> None:
        self.timers.tick(datetime.now(timezone.utc))
