"""The simulated home: devices, media library and weather from assets/world.toml.

Device state starts from the file and lives in the state database once changed, so it
survives restarts. Every change is returned as an action dict for the reply and the GUI.
Rooms, device kinds and colours are the ids and names of assets/vocabulary.toml (app.vocabulary):
skills pass the values the normalizer made, so the world never re-reads those words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import assets_dir
from app.vocabulary import WHOLE_HOME, load_toml

from .state import Store

ASSETS = assets_dir()


@dataclass
class Device:
    id: str
    kind: str
    room: str
    name: str
    state: dict[str, Any] = field(default_factory=dict)
    heats: bool = False  # a heater on a plug: what "I'm cold" can switch on


class World:
    def __init__(self, path: Path, store: Store):
        data = load_toml(path)
        self.store = store
        self.home: dict = data.get("home", {})
        self.music: list[dict] = data.get("music", [])
        self.radio: list[dict] = data.get("radio", [])
        self.podcasts: list[dict] = data.get("podcasts", [])
        self.audiobooks: list[dict] = data.get("audiobooks", [])
        self.weather: list[dict] = data.get("weather", [])
        self.timezones: dict[str, str] = data.get("timezones", {})
        self.devices: dict[str, Device] = {}
        for d in data.get("devices", []):
            saved = store.get(f"device:{d['id']}")
            self.devices[d["id"]] = Device(d["id"], d["kind"], d["room"], d["name"], saved or dict(d.get("state", {})),
                                           bool(d.get("heats")))
        # The home's rooms are where its devices are: {room id: spoken name}, in the file's order.
        self.rooms: dict[str, str] = {d.room: self.room_name(d.room) for d in self.devices.values()}
        # "in here": the room Hearth runs in ([home] here), else the room of its speaker.
        speakers = [d.room for d in self.devices.values() if d.kind == "speaker"]
        self.here: str | None = self.home.get("here") or next(iter(speakers), None)

    def room(self, place: str | None) -> str | None:
        """The home's room for a house_place value: the id itself, "*" for the whole home, None if it has none."""
        if place == WHOLE_HOME:
            return "*"
        return place if place in self.rooms else None

    @staticmethod
    def room_name(room: str) -> str:
        return room.replace("_", " ")

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

