"""datetime_query and datetime_convert: the home clock and other time zones (zoneinfo)."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from .. import speech_text as say
from ..world import World
from .base import Reply, Turn, skill

PLACE_TYPES = ("place_name", "time_zone")


@functools.cache
def _zone_names() -> dict[str, str]:
    """"tokyo" -> "Asia/Tokyo", "new_york" -> "America/New_York", from the system's tz database."""
    names: dict[str, str] = {}
    for key in sorted(available_timezones()):
        names.setdefault(key.rsplit("/", 1)[-1].lower(), key)
    return names


def zone_for(world: World, words: str) -> ZoneInfo | None:
    """A place or zone name as people say it ("g. m. t.", "california", "new york") -> its zone."""
    key = re.sub(r"\s+", " ", words.lower().replace(".", " ")).strip()
    key = re.sub(r"\s+(standard |daylight )?time$", "", key)
    squashed = key.replace(" ", "")
    for candidate in (key, squashed):
        if candidate in world.timezones:
            return ZoneInfo(world.timezones[candidate])
    name = _zone_names().get(key.replace(" ", "_"))
    return ZoneInfo(name) if name else None


def place_label(words: str) -> str:
    return words.upper() if len(words) <= 4 and " " not in words else words.title()


@skill("datetime_query", accepts=("date", "place_name", "time_zone", "timeofday"), does="tell you the date or time")
def datetime_query(t: Turn) -> Reply:
    now = t.now
    place = t.slots.text(*PLACE_TYPES)
    if place:
        zone = zone_for(t.world, place)
        if zone is None:
            return t.reply(f"I don't know which time zone {place} is in, so I can't tell you the time there.")
        there = now.astimezone(zone)
        day = "" if there.date() == now.date() else f", {there:%A}"
        return t.reply(f"In {place_label(place)} it's {say.clock_time(there)}{day}.")
    moment = t.slots.moment()
    asks_date = re.search(r"\b(date|day|today|tomorrow|yesterday)\b", t.text) or moment.grain == "day"
    if asks_date:
        d = moment.at if moment.grain == "day" else now
        spoken = say.day(d, now)
        if spoken in ("today", "tomorrow", "yesterday"):
            verb = "was" if spoken == "yesterday" else "is"
            return t.reply(f"{spoken.capitalize()} {verb} {say.full_date(d.date())}.")
        return t.reply(f"That's {say.full_date(d.date())}.")
    return t.reply(t.pick("It's {}.", "It's {} right now.", "The time is {}.").format(say.clock_time(now)))


@skill("datetime_convert", accepts=("time", "place_name", "time_zone"), does="convert a time between time zones")
def datetime_convert(t: Turn) -> Reply:
    entities = t.slots.all(*PLACE_TYPES)
    zones = [(e, zone_for(t.world, e.text)) for e in entities]
    unknown = [e.text for e, z in zones if z is None]
    if unknown:
        return t.reply(f"I don't know the time zone for {say.join(unknown)}.")
    if not zones:
        return t.ask(PLACE_TYPES, "Which place or time zone should I convert to?")
    home = (None, t.now.tzinfo)
    source, target = (zones[0], zones[1]) if len(zones) >= 2 else (home, zones[0])
    said = t.slots.get("time")
    local = next((z for z in zones if said and re.fullmatch(r"\s*(in|at)\s*", t.u.text[said.end:z[0].start])), None)
    if local is not None or (len(zones) == 1 and re.search(r"\bfrom\b", t.text)):
        # "midnight in colorado": the time is Colorado's; "from ist": the source is IST
        source = local or zones[0]
        target = next((z for z in zones if z is not source), home)
    moment = t.slots.moment()
    if moment.at is not None and moment.grain == "time":
        wall = moment.at.replace(tzinfo=None)
        start = datetime.combine(t.now.astimezone(source[1]).date(), wall.time(), tzinfo=source[1])
    else:
        start = t.now.astimezone(source[1])
    end = start.astimezone(target[1])
    days = (end.date() - start.date()).days
    shift = {1: ", the next day", -1: ", the day before"}.get(days, "")
    src = "here" if source is home else f"in {place_label(source[0].text)}"
    dst = "here" if target is home else f"in {place_label(target[0].text)}"
    if moment.at is None:
        return t.reply(f"It's {say.clock_time(start)} {src}, which is {say.clock_time(end)} {dst}{shift}.")
    return t.reply(f"{say.clock_time(start).capitalize()} {src} is {say.clock_time(end)} {dst}{shift}.")
