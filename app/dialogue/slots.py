"""Entity values for the skills, robust to entities whose `value` the NLU left as None.

The NLU normally fills Entity.value with app.nlu.values.normalize; when it did not (an older
model, a hand-made Understanding, a slot answered on the next turn), this module calls it with
the dialogue's own clock, so skills always see the same value forms (see app/nlu/values.py).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.nlu.types import Entity
from app.nlu.values import clean_text, means_here, normalize, spoken_numbers

from . import speech_text as say

TIME_TYPES = ("time", "date", "timeofday")
# The hours a bare "at 7" or "at 1" most likely means for an appointment or a reminder: 7 a.m. to 9:59 p.m.
AWAKE = range(7, 22)


def weekend(text: str, today: date) -> list[date] | None:
    """The days "this weekend" / "the weekend" / "next weekend" name, from today on (on a Sunday, this weekend is
    today); None when the words say no weekend."""
    if "weekend" not in text:
        return None
    after = "next weekend" in text
    if today.weekday() == 6:
        return [today + timedelta(days=6), today + timedelta(days=7)] if after else [today]
    saturday = today + timedelta(days=5 - today.weekday() + (7 if after else 0))
    return [d for d in (saturday, saturday + timedelta(days=1)) if d >= today]


def digits(text: str) -> str:
    """"twelve times three" -> "12 times 3" (every number, however small)."""
    return spoken_numbers(text.lower())


def value(entity_type: str, text: str, now: datetime) -> Any:
    """normalize() anchored on the dialogue clock; plain cleaned text for non-temporal types it can't read."""
    found = normalize(entity_type, text, now)
    if entity_type == "house_place" and means_here(text):
        return None  # "this room": the speaker's room, which the home knows (World.here)
    if found is None and entity_type not in TIME_TYPES + ("change_amount", "color_type", "currency_name"):
        return clean_text(text)
    return found


@dataclass
class Moment:
    """When something should happen, assembled from time, date and time-of-day entities."""

    at: datetime | None = None
    grain: str | None = None  # "time" | "day"
    seconds: int | None = None  # a duration ("ten minutes"); negative when said so, and of any size
    impossible: str | None = None  # "February has no 31st": a day that doesn't exist, to say back


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

    def moment(self, ampm: str | None = None) -> Moment:
        """When the time words say, read as one phrase when they make one (the model splits "6:30 | tomorrow |
        morning", and only together is 6:30 a.m.), else one by one.

        `ampm` settles an hour said without a.m. or p.m.: "am" for alarms (a wake-up at 6:45 is 6:45 a.m.),
        "awake" for events and reminders (the next one in AWAKE: "Thursday at 1" is 1 p.m., "at 8" said at 10 a.m.
        is 8 p.m.); None keeps the normalizer's guess, the next one to come.
        """
        entities = sorted(self.all(*TIME_TYPES), key=lambda e: e.start)
        together = normalize("time", " ".join(e.text for e in entities), self.now) if len(entities) > 1 else None
        if isinstance(together, dict) and together.get("kind") == "datetime":
            values = [("time", together)]
        else:
            values = [(e.type, self.value_of(e)) for e in entities]
        m, guessed = _moment(values, self.now)
        if guessed and ampm and m.at is not None:
            m.at = _settle(m.at, ampm, self.now)
        return m


def _moment(values: list[tuple[str, Any]], now: datetime) -> tuple[Moment, bool]:
    """A time beats a time of day ("tomorrow morning at seven" is seven); a date moves either to its day. Also
    whether the time's a.m./p.m. was guessed."""
    m = Moment()
    day: datetime | None = None
    impossible: str | None = None
    guessed = False
    order = {"timeofday": 0, "date": 1, "time": 2}
    for _, v in sorted(values, key=lambda pair: order[pair[0]]):
        if not isinstance(v, dict):
            continue
        if v.get("kind") == "duration":
            m.seconds = round(v["seconds"])
        elif v.get("kind") == "datetime":
            at = datetime.fromisoformat(v["iso"]).astimezone(now.tzinfo)
            if v.get("grain") == "day":
                day = at
            else:
                m.at, m.grain, guessed = at, "time", v.get("ampm") == "guessed"
        elif v.get("kind") == "no_such_date":
            impossible = f"{calendar.month_name[v['month']]} has no {say.ordinal(v['day'])}"
    if day is None:
        m.impossible = impossible  # a real day said as well (the answer to "which day?") wins
    elif m.at is not None:
        m.at = datetime.combine(day.date(), m.at.timetz())
    else:
        m.at, m.grain = day, "day"
    return m, guessed


def _settle(at: datetime, ampm: str, now: datetime) -> datetime:
    """The hour of `at` (said without a.m./p.m.) as the request means it, on its day or, once that is past, the
    next; "12" stays noon."""
    hour = at.hour % 12
    if at.hour == 12:
        hours = [12]
    elif ampm == "am":
        hours = [hour]
    else:
        hours = [h for h in (hour, hour + 12) if h in AWAKE] or [hour, hour + 12]
    days = (at.date(), at.date() + timedelta(days=1))
    options = [datetime.combine(d, time(h, at.minute), tzinfo=at.tzinfo) for d in days for h in sorted(hours)]
    return next((t for t in options if t > now), options[0])
