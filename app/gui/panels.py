"""Side panels drawn from dialogue.world_snapshot(): timers and alarms with live countdowns,
the simulated home (rooms -> devices -> state), what is playing, and lists.

The snapshot's exact shape belongs to the dialogue manager, so everything here reads it
generically: unknown keys are shown as "key: value" rather than breaking the panel.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QLabel, QProgressBar, QScrollArea, QVBoxLayout, QWidget,
)

from app.vocabulary import vocabulary

OFF_COLOR = "#a39a90"
ON_COLOR = "#2e9e5b"


# ---- reading the snapshot ----------------------------------------------------------------
def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            return None
        return t if t.tzinfo else t.astimezone()
    return None


def countdowns(snapshot: dict, received: datetime) -> list[dict]:
    """Timers and alarms as {id, kind, label, due, total}; `due` absolute so the panel ticks alone."""
    items = []
    for key in ("timers", "alarms"):
        for raw in snapshot.get(key) or []:
            kind = raw.get("kind") or key.rstrip("s")
            due = _parse_time(raw.get("due") or raw.get("when") or raw.get("at"))
            if due is None:
                left = raw.get("remaining_s", raw.get("remaining", raw.get("seconds_left")))
                if left is None:
                    continue
                due = received + timedelta(seconds=float(left))
            items.append({"id": raw.get("id", f"{kind}-{due.isoformat()}"), "kind": kind,
                          "label": raw.get("label") or "", "due": due,
                          "total": raw.get("seconds") or raw.get("duration_s")})
    return sorted(items, key=lambda i: i["due"])


def devices_by_room(snapshot: dict) -> dict[str, list[dict]]:
    """{room: [{name, kind, state}]} from either a device list or a room mapping."""
    rooms: dict[str, list[dict]] = {}
    devices = snapshot.get("devices")
    if isinstance(devices, dict):
        devices = [dict(v, id=k) if isinstance(v, dict) else {"id": k, "state": v} for k, v in devices.items()]
    if isinstance(devices, list):
        for d in devices:
            rooms.setdefault(d.get("room") or "home", []).append(d)
    elif isinstance(snapshot.get("rooms"), dict):
        for room, ds in snapshot["rooms"].items():
            if isinstance(ds, str):  # a room's display name, not its devices
                continue
            if isinstance(ds, dict):
                ds = [dict(v, name=v.get("name", k)) if isinstance(v, dict) else {"name": k, "state": v}
                      for k, v in ds.items()]
            rooms[room] = list(ds or [])
    return rooms


def room_title(room: str, snapshot: dict) -> str:
    rooms = snapshot.get("rooms") or {}
    names = snapshot.get("room_names") or {k: v for k, v in rooms.items() if isinstance(v, str)}
    return (names.get(room) or room.replace("_", " ")).capitalize()


def color_of(name: Any) -> QColor | None:
    """A light's colour: a vocabulary bulb tone ("cool white"), else whatever Qt reads (CSS keywords, #rrggbb)."""
    if not isinstance(name, str) or not name:
        return None
    tone = vocabulary().colors.get(name.lower())
    c = QColor(tone.hex if tone else name)
    return c if c.isValid() else None


def describe(device: dict) -> str:
    """A short human summary of a device's state."""
    s = device.get("state")
    if not isinstance(s, dict):
        return str(s) if s is not None else ""
    parts: list[str] = []
    if "on" in s:
        parts.append("on" if s["on"] else "off")
    if s.get("on", True):
        if "brightness" in s:
            parts.append(f"{s['brightness']}%")
        if s.get("color"):
            parts.append(str(s["color"]))
    for key in ("status", "drink", "cleaning_room", "volume", "muted"):
        value = s.get(key)
        if value in (None, "", False):
            continue
        parts.append(f"volume {value}" if key == "volume" else ("muted" if key == "muted" else
                     str(value).replace("_", " ")))
    known = {"on", "brightness", "color", "status", "drink", "cleaning_room", "volume", "muted", "hex"}
    parts += [f"{k}: {v}" for k, v in s.items() if k not in known and v not in (None, "")]
    return " · ".join(parts)


def is_active(device: dict) -> bool:
    s = device.get("state")
    if not isinstance(s, dict):
        return bool(s)
    if "on" in s:
        return bool(s["on"])
    return str(s.get("status", "")).lower() not in ("", "idle", "docked", "off", "stopped", "paused")


def fmt_left(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def now_playing_text(snapshot: dict) -> str:
    np_ = snapshot.get("now_playing") or snapshot.get("media")
    if not np_:
        return ""
    if isinstance(np_, str):
        return np_
    title = np_.get("title") or np_.get("name") or ""
    by = next((str(np_[k]) for k in ("by", "artist", "author", "station", "show") if np_.get(k)), "")
    extra = [str(np_[k]) for k in ("kind", "genre", "status", "room") if np_.get(k)]
    extra += ["paused"] if np_.get("paused") else []
    return " — ".join(p for p in (title, by) if p) + (f"\n{' · '.join(extra)}" if extra else "")


# ---- widgets -----------------------------------------------------------------------------
class Dot(QWidget):
    """A status dot: a light's own colour (dimmed by brightness) when on, grey when off."""

    def __init__(self, color: QColor, active: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self._color, self._active = color, active
        self.setFixedSize(QSize(14, 14))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        if self._active:
            p.setPen(QColor(0, 0, 0, 60))
            p.setBrush(self._color)
        else:
            p.setPen(QColor(OFF_COLOR))
            p.setBrush(Qt.NoBrush)
        p.drawEllipse(1, 1, 12, 12)


def _section(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setProperty("role", "section")
    return label


def _card() -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setProperty("role", "card")
    lay = QVBoxLayout(card)
    lay.setContentsMargins(14, 12, 14, 12)
    lay.setSpacing(8)
    return card, lay


def _clear(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()
        elif item.layout():
            _clear(item.layout())


class TimersPanel(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Timers and alarms")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        card, lay = _card()
        lay.addWidget(_section("Timers & alarms"))
        self._rows = QVBoxLayout()
        self._rows.setSpacing(6)
        lay.addLayout(self._rows)
        self.empty = QLabel("No timers or alarms. Try “set a timer for ten minutes”.")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        outer.addWidget(card)
        self.items: list[dict] = []
        self._widgets: list[tuple[QLabel, QProgressBar | None]] = []

    def set_items(self, items: list[dict]) -> None:
        if [(i["id"], i["due"]) for i in items] == [(i["id"], i["due"]) for i in self.items]:
            return
        self.items = items
        _clear(self._rows)
        self._widgets = []
        for item in items:
            row = QVBoxLayout()
            label = QLabel()
            label.setAccessibleName(f"{item['kind']} {item['label']}".strip())
            row.addWidget(label)
            bar = None
            if item["kind"] == "timer" and item.get("total"):
                bar = QProgressBar()
                bar.setTextVisible(False)
                bar.setFixedHeight(6)
                bar.setRange(0, int(item["total"]))
                row.addWidget(bar)
            self._rows.addLayout(row)
            self._widgets.append((label, bar))
        self.empty.setVisible(not items)
        self.tick(datetime.now(timezone.utc))

    def tick(self, now: datetime) -> None:
        """Called every second by the window: countdowns move without asking the dialogue."""
        for item, (label, bar) in zip(self.items, self._widgets):
            left = (item["due"] - now).total_seconds()
            name = item["label"] or item["kind"].capitalize()
            if item["kind"] == "alarm":
                local = item["due"].astimezone()
                when = local.strftime("%H:%M") + ("" if local.date() == now.astimezone().date()
                                                  else local.strftime(" %a"))
                label.setText(f"{name} <b>{when}</b> &nbsp;·&nbsp; in {fmt_left(left)}")
            else:
                label.setText(f"{name} &nbsp;<b>{fmt_left(left)}</b>")
            if bar is not None:
                bar.setValue(max(0, int(item["total"] - left)))


class HomePanel(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Simulated home")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        card, lay = _card()
        lay.addWidget(_section("Home (simulated)"))
        self._grid = QVBoxLayout()
        self._grid.setSpacing(10)
        lay.addLayout(self._grid)
        outer.addWidget(card)
        self._shown: Any = None
        self.rows: dict[str, QLabel] = {}

    def set_snapshot(self, snapshot: dict) -> None:
        rooms = devices_by_room(snapshot)
        if rooms == self._shown:
            return
        self._shown = rooms
        _clear(self._grid)
        self.rows = {}
        for room, devices in rooms.items():
            self._grid.addWidget(QLabel(f"<b>{room_title(room, snapshot)}</b>"))
            grid = QGridLayout()
            grid.setHorizontalSpacing(8)
            grid.setVerticalSpacing(4)
            for r, d in enumerate(devices):
                state = d.get("state") if isinstance(d.get("state"), dict) else {}
                color = color_of(state.get("hex") or state.get("color")) if d.get("kind") == "light" else None
                color = color or QColor(ON_COLOR)
                if "brightness" in state:
                    color.setAlphaF(0.35 + 0.65 * max(0, min(100, float(state["brightness"]))) / 100)
                name = QLabel(str(d.get("name") or d.get("id") or "device").capitalize())
                value = QLabel(describe(d))
                value.setProperty("role", "muted")
                value.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
                value.setWordWrap(True)
                name.setWordWrap(True)
                value.setAccessibleName(f"{name.text()}: {value.text()}")
                grid.addWidget(Dot(color, is_active(d)), r, 0)
                grid.addWidget(name, r, 1)
                grid.addWidget(value, r, 2)
                self.rows[str(d.get("id") or d.get("name"))] = value
            grid.setColumnStretch(1, 1)
            self._grid.addLayout(grid)


class NowPlayingPanel(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Now playing")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        card, lay = _card()
        lay.addWidget(_section("Now playing"))
        self.label = QLabel("Nothing playing")
        self.label.setWordWrap(True)
        self.label.setProperty("role", "muted")
        lay.addWidget(self.label)
        outer.addWidget(card)

    def set_snapshot(self, snapshot: dict) -> None:
        self.label.setText(now_playing_text(snapshot) or "Nothing playing")


class ListsPanel(QFrame):
    """Shopping and to-do lists, shown only when there are any."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Lists")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        card, lay = _card()
        lay.addWidget(_section("Lists"))
        self.label = QLabel()
        self.label.setWordWrap(True)
        lay.addWidget(self.label)
        outer.addWidget(card)

    def set_snapshot(self, snapshot: dict) -> None:
        lists = snapshot.get("lists") or {}
        self.label.setText("<br>".join(f"<b>{name.capitalize()}</b>: {', '.join(items) if items else '(empty)'}"
                                       for name, items in lists.items()))
        self.setVisible(bool(lists))


class SidePanels(QScrollArea):
    """The three panels stacked; `set_snapshot` on every new world snapshot, `tick` every second."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 6, 0)
        lay.setSpacing(12)
        self.timers = TimersPanel()
        self.now_playing = NowPlayingPanel()
        self.lists = ListsPanel()
        self.lists.hide()
        self.home = HomePanel()
        for w in (self.timers, self.now_playing, self.lists, self.home):
            lay.addWidget(w)
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
