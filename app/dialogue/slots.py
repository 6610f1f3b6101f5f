"""Entity values for the skills, robust to entities whose `value` the NLU left as None.

The NLU normally fills Entity.value with app.nlu.values.normalize; when it did not (an older
model, a hand-made Understanding, a slot answered on the next turn), this module calls it with
the dialogue's own clock, so skills always see the same value forms (see app/nlu/values.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.nlu.types import Entity
from app.nlu.values import clean_text, normalize, spoken_numbers

TIME_TYPES = ("time", "date", "timeofday")


def digits(text: str) -> str:
    """"twelve times three" -> "12 times 3" (every number, however small)."""
    return spoken_numbers(text.lower())


def value(entity_type: str, text: str, now: datetime) -> Any:
    """normalize() anchored on the dialogue clock; plain cleaned text for non-temporal types it can't read."""
    found = normalize(entity_type, text, now)
    if found is None and entity_type not in TIME_TYPES + ("change_amount", "color_type", "currency_name"):
        return clean_text(text)
    return found


@dataclass
class Moment:
    """When something should happen, assembled from time, date and time-of-day entities."""

    at: datetime | None = None
    grain: str | None = None  # "time" | "day"
    seconds: int | None = None  # a duration ("ten minutes")


class Slots:
    """The entities of a turn, by type, with values filled in."""

    def __init__(self, entities: list[Entity], now: datetime):
        self.entities = entities
        self.now = now

    def get(self, *types: str) -> Entity | None:
        return next((e for e in self.entities if e.type in types), None)

    def all(self, *types: str) -> list[Entity]:
        return [e for e in self.entities if e.type in types]

    def text(self, *types: str) -> str | None:
        e = self.get(*types)
        return e.text.lower().strip() if e else None

    def value(self, *types: str) -> Any:
        e = self.get(*types)
        return self.value_of(e) if e else None

    def value_of(self, e: Entity) -> Any:
        if e.value is None:
            e.value = value(e.type, e.text, self.now)
        return e.value

    def texts(self, *types: str) -> list[str]:
        """The cleaned words of every entity of these types."""
        return [clean_text(e.text) or e.text for e in self.all(*types)]

    def moment(self) -> Moment:
        """A time beats a time of day ("tomorrow morning at seven" is seven); a date moves either to its day."""
        m = Moment()
        day: datetime | None = None
        order = {"timeofday": 0, "date": 1, "time": 2}
        for e in sorted(self.all(*TIME_TYPES), key=lambda e: order[e.type]):
            v = self.value_of(e)
            if not isinstance(v, dict):
                continue
            if v.get("kind") == "duration":
                m.seconds = round(v["seconds"])
            elif v.get("kind") == "datetime":
                at = datetime.fromisoformat(v["iso"]).astimezone(self.now.tzinfo)
                if v.get("grain") == "day":
                    day = at
                else:
                    m.at, m.grain = at, "time"
        if day is not None:
            if m.at is not None:
                m.at = datetime.combine(day.date(), m.at.timetz())
            else:
                m.at, m.grain = day, "day"
        return m
