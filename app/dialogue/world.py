"""The simulated home: rooms, devices, media library and weather from assets/world.toml.

Device state starts from the file and lives in the state database once changed, so it
survives restarts. Every change is returned as an action dict for the reply and the GUI.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import assets_dir
from app.errors import HearthError

from .state import Store

ASSETS = assets_dir()

# Words for device kinds, longest first so "coffee machine" wins over "machine".
KIND_WORDS = {
    "coffee_maker": ("coffee maker", "coffee machine", "coffee pot", "espresso", "coffee"),
    "vacuum": ("vacuum", "hoover", "cleaner", "roomba", "robot"),
    "plug": ("plug", "socket", "outlet", "wemo", "switch"),
    "speaker": ("speaker", "music player", "volume", "sound"),
    "light": ("light", "lamp", "bulb", "lighting", "hue"),
}
EVERYWHERE = {"home", "house", "everywhere", "all", "all_rooms", "whole_house", "apartment", "flat", "my_home"}


def load_toml(path: Path) -> dict:
    """Read an asset; a broken one is the installer's problem, so say which file and why."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HearthError(f"Cannot read {path}: {exc}", "Reinstall Hearth or fix the file's TOML syntax.") from exc


@dataclass
class Device:
    id: str
    kind: str
    room: str
    name: str
    state: dict[str, Any] = field(default_factory=dict)


class World:
    def __init__(self, path: Path, store: Store):
        data = load_toml(path)
        self.store = store
        self.home: dict = data.get("home", {})
        self.rooms: dict[str, str] = data.get("rooms", {})
        self.room_aliases: dict[str, str] = data.get("room_aliases", {})
        self.colors: dict[str, str] = data.get("colors", {})
        self.music: list[dict] = data.get("music", [])
        self.radio: list[dict] = data.get("radio", [])
        self.podcasts: list[dict] = data.get("podcasts", [])
        self.audiobooks: list[dict] = data.get("audiobooks", [])
        self.weather: list[dict] = data.get("weather", [])
        self.timezones: dict[str, str] = data.get("timezones", {})
        self.devices: dict[str, Device] = {}
        for d in data.get("devices", []):
            saved = store.get(f"device:{d['id']}")
            self.devices[d["id"]] = Device(d["id"], d["kind"], d["room"], d["name"], saved or dict(d.get("state", {})))

    def room(self, words: str | None) -> str | None:
        """"living room", "Bedrooms", "living_room" -> "living_room"; "house" -> "*"; unknown -> None."""
        if not words:
            return None
        key = re.sub(r"^(my|the|our)\s+", "", words.strip().lower())
        key = re.sub(r"[\s-]+", "_", key)
        for candidate in (key, key.rstrip("s"), key.removesuffix("_room") if key != "living_room" else key):
            if candidate in self.rooms:
                return candidate
            if candidate in self.room_aliases:
                return self.room_aliases[candidate]
            if candidate in EVERYWHERE:
                return "*"
        return None

    def room_name(self, room: str) -> str:
        return self.rooms.get(room, room.replace("_", " "))

    def find(self, kind: str | None = None, room: str | None = None) -> list[Device]:
        return [
            d
            for d in self.devices.values()
            if (kind is None or d.kind == kind) and (room in (None, "*") or d.room == room)
        ]

    def set(self, device: Device, **changes: Any) -> dict:
        """Change a device and persist it; returns the action for Reply.actions."""
        device.state.update(changes)
        self.store.put(f"device:{device.id}", device.state)
        return {"device": device.id, "set": changes}

    def color(self, words: str | None) -> tuple[str, str] | None:
        """A colour name from the table, as (name, hex); None for names it does not know."""
        if not words:
            return None
        name = words.strip().lower()
        if name in self.colors:
            return name, self.colors[name]
        return next(((c, h) for c, h in self.colors.items() if re.search(rf"\b{re.escape(c)}\b", name)), None)

    def weather_place(self, words: str | None) -> dict | None:
        name = (words or self.home.get("place", "home")).strip().lower()
        return next(
            (p for p in self.weather if name == p["place"].lower() or name in p.get("aliases", [])), None
        )

    def snapshot_devices(self) -> list[dict]:
        return [
            {"id": d.id, "kind": d.kind, "room": d.room, "name": d.name, "state": dict(d.state)}
            for d in self.devices.values()
        ]


def kind_of(words: str | None) -> str | None:
    """"smart plug socket" -> "plug", "coffee machine" -> "coffee_maker"; None if no kind word."""
    if not words:
        return None
    text = words.lower()
    if text in KIND_WORDS:
        return text
    return next((k for k, ws in KIND_WORDS.items() if any(w in text for w in ws)), None)
