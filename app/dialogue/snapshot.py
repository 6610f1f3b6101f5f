"""The typed shape of `DialogueManager.world_snapshot()`: what the panels draw and tests read.

Plain dicts on the wire (they cross threads and go into JSON), typed here so producer and
consumers agree on keys; times are ISO 8601 strings.
"""

from __future__ import annotations

from typing import Any, TypedDict


class DeviceView(TypedDict):
    id: str
    kind: str
    room: str
    name: str
    state: dict[str, Any]


class TimerView(TypedDict):
    id: int
    label: str
    seconds: int | None
    due: str
    remaining_s: int
    paused: bool  # its clock stopped at remaining_s (`due` then means nothing)


class AlarmView(TypedDict):
    id: int
    label: str
    due: str


class EventView(TypedDict):
    id: int
    title: str
    start: str
    all_day: bool


class WorldSnapshot(TypedDict):
    now: str
    rooms: dict[str, str]  # room id -> display name
    devices: list[DeviceView]
    now_playing: dict[str, Any] | None
    timers: list[TimerView]
    alarms: list[AlarmView]
    lists: dict[str, list[str]]
    events: list[EventView]
