"""What understanding produces, shared by the model, the dialogue manager and the front ends."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass
class Entity:
    type: str  # e.g. time, date, place_name, house_place, device_type, list_name
    text: str  # the words as they appear in the input
    start: int  # character offsets into Understanding.text
    end: int
    value: Any = None  # normalized: seconds, ISO 8601, number, colour name, ... or None


@dataclass
class Understanding:
    text: str
    intent: str  # HWU64/SLURP scenario_action, e.g. alarm_set
    confidence: float
    entities: list[Entity] = field(default_factory=list)
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # next-best intents

    def entity(self, *types: str) -> Entity | None:
        return next((e for e in self.entities if e.type in types), None)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("alternatives")
        return d


class NluModel(Protocol):
    def understand(self, text: str) -> Understanding: ...
