"""datetime_query and datetime_convert: the home clock and other time zones (zoneinfo)."""

from __future__ import annotations

import calendar
import functools
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from app.nlu.types import Understanding

from .. import speech_text as say
from ..world import World
from .base import Reply, Turn, skill

PLACE_TYPES = ("place_name", "time_zone")
# Calendar facts, which the model files anywhere ("is it a leap year" -> qa_factoid): the words decide (`fact`)
THIS_YEAR_OR_MONTH = re.compile(r"\b(?:what|which) (?:year|month) (?:is it|are we in|is this)\b"
                                r"|\bwhat(?:'s| is) the (?:year|month)\W*$")
WEEK = re.compile(r"\bwhat week(?: of the year| number)? is (?:it|this)\b|\bweek number\b")
LEAP = re.compile(r"\bleap year\b")
MONTH_DAYS = re.compile(r"\bhow many days (?:are )?(?:there )?in (?P<month>" + "|".join(
    m.lower() for m in calendar.month_name[1:]) + r")\b")
# "is it the weekend", "is tomorrow a weekday", "is today friday": yes or no, with the day
DAY_CHECK = re.compile(r"\bis (?P<when>it|today|tomorrow) (?:a |the )?(?P<what>weekend|week ?day|"
                       + "|".join(d.lower() for d in calendar.day_name) + r")\b")
SUN = re.compile(r"\b(?:sun ?(?:set|rise)s?|sundown|sun ?up|dawn|dusk)\b")


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


def fact_request(u: Understanding, world: World) -> str | None:
    """datetime_query for a calendar fact the clock answers; one of the rules skills/status.py runs before its
    question rules."""
    text = u.text.lower()
    return "datetime_query" if any(p.search(text) for p in (WEEK, LEAP, MONTH_DAYS, DAY_CHECK, SUN)) else None


def _fact(t: Turn) -> Reply | None:
    """The week number, leap years, a month's days; sunrise and sunset honestly unknown."""
    today = t.now.date()
    if WEEK.search(t.text):
        return t.reply(f"It's week {say.number(today.isocalendar().week)} of {today.year}.")
    if m := THIS_YEAR_OR_MONTH.search(t.text):  # "what year is it", not "what year was the moon landing"
        return t.reply(f"It's {today.year}." if "year" in m[0] else f"It's {today:%B} {today.year}.")
    if LEAP.search(t.text):
        year = int(m[0]) if (m := re.search(r"\b\d{4}\b", t.text)) else today.year
        if calendar.isleap(year):
            return t.reply(f"Yes, {year} is a leap year.")
        after = next(y for y in range(year + 1, year + 9) if calendar.isleap(y))
        return t.reply(f"No, {year} isn't a leap year. The next one is {after}.")
    if m := MONTH_DAYS.search(t.text):
        month = [n.lower() for n in calendar.month_name].index(m["month"])
        year = today.year if month >= today.month else today.year + 1  # the next one
        days = calendar.monthrange(year, month)[1]
        return t.reply(f"{calendar.month_name[month]} {year} has {say.number(days)} days.")
    if m := DAY_CHECK.search(t.text):
        tomorrow = m["when"] == "tomorrow" or "tomorrow" in t.text  # "is it the weekend tomorrow"
        day = today + timedelta(days=tomorrow)
        what = m["what"].replace(" ", "")
        yes = day.weekday() >= 5 if what == "weekend" else day.weekday() < 5 if what == "weekday" else (
            calendar.day_name[day.weekday()].lower() == what)
        said = ("tomorrow is " if tomorrow else "it's ") + calendar.day_name[day.weekday()]
        later = 5 - today.weekday()
        until = f" The weekend starts in {say.plural(later, 'day')}." if what == "weekend" and not yes else ""
        return t.reply(f"{'Yes' if yes else 'No'}, {said}.{until}")
    if SUN.search(t.text):
        return t.reply("I don't have sunrise or sunset times: my forecast is simulated and I work offline.")
    return None


@skill("datetime_query", accepts=("date", "place_name", "time_zone", "timeofday"), does="tell you the date or time")
def datetime_query(t: Turn) -> Reply:
    if fact := _fact(t):
        return fact
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
