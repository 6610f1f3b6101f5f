"""Reading the dialogue's world snapshot (app/dialogue/snapshot.py) for the side panels.

The snapshot's exact shape belongs to the dialogue manager, so everything here reads it
generically: unknown keys are shown as "key: value" rather than breaking a panel.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtGui import QColor

from app.vocabulary import vocabulary


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
    """Timers and alarms as {id, kind, label, due, total, paused}; `due` absolute so the panel ticks alone;
    `paused`: a paused timer's seconds left (None while it runs)."""
    items = []
    for key in ("timers", "alarms"):
        for raw in snapshot.get(key) or []:
            kind = raw.get("kind") or key.rstrip("s")
            paused = raw.get("remaining_s") if raw.get("paused") else None  # a stopped clock: no due time
            due = _parse_time(raw.get("due") or raw.get("when") or raw.get("at")) if paused is None else None
            if due is None:
                left = raw.get("remaining_s", raw.get("remaining", raw.get("seconds_left")))
                if left is None:
                    continue
                due = received + timedelta(seconds=float(left))
            items.append({"id": raw.get("id", f"{kind}-{due.isoformat()}"), "kind": kind,
                          "label": raw.get("label") or "", "due": due,
                          "total": raw.get("seconds") or raw.get("duration_s"), "paused": paused})
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


def state_of(device: dict) -> dict:
    s = device.get("state")
    return s if isinstance(s, dict) else {}


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


def speaker_of(snapshot: dict) -> dict | None:
    """The speaker the media plays on (its volume and mute live in the home's devices)."""
    return next((d for ds in devices_by_room(snapshot).values() for d in ds if d.get("kind") == "speaker"), None)
