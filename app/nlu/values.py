"""Turn entity spans ("ten minutes", "next friday", "living room") into values the dialogue can act on.

`normalize(entity_type, text, now)` is the one entry point. It never raises on odd input: anything it cannot
make sense of comes back as None, so a bad span costs one slot, never the utterance. Runs once per entity per
utterance, so tables are built at import and the dateparser parser is cached per day.

Value forms (see docs/entities.md):
  time/date/timeofday  {"kind": "duration", "seconds": 600}
                       {"kind": "datetime", "iso": "2026-11-30T07:00:00+00:00", "grain": "time"|"day"}
  change_amount        12 | 2.5 | {"kind": "percent", "value": 50}
  color_type           {"kind": "color", "name": "blue", "hex": "#0000ff"} ("cool white" for a bulb tone)
  house_place          room id, e.g. "living_room"
  device_type          device kind, e.g. "coffee_maker"
  currency_name        ISO 4217 code, e.g. "USD"
  anything else        the cleaned text (lowercased, stripped)
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

import tzlocal
import webcolors
from dateparser.date import DateDataParser
from text_to_num import alpha2digit

from app.vocabulary import index, vocabulary

log = logging.getLogger(__name__)

TEMPORAL_TYPES = frozenset({"time", "date", "timeofday"})

# Hours assumed for vague parts of the day ("tomorrow morning" -> 08:00). Exact names are in NAMED_TIMES.
DAYPART_DEFAULTS = {"morning": 8, "afternoon": 15, "evening": 19, "tonight": 21, "night": 21}
NAMED_TIMES = {"noon": 12, "midday": 12, "midnight": 0}
_PM_DAYPARTS = {"afternoon", "evening", "tonight", "night"}  # "seven in the evening" -> 19:00

_UNIT_SECONDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("day", "days"), 86400),
    **dict.fromkeys(("week", "weeks"), 604800),
}
# How many of a unit a spoken quantity means; digits are handled separately.
_QUANTITY_WORDS = {
    "a": 1, "an": 1, "half a": 0.5, "half an": 0.5, "a quarter of a": 0.25, "a quarter of an": 0.25,
    "quarter of an": 0.25, "3 quarters of a": 0.75, "3 quarters of an": 0.75, "a couple of": 2, "couple of": 2,
}

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december"
           "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")


# ---------------------------------------------------------------------------------------------- text clean-up

def clean_text(text: str) -> str | None:
    """Lowercase, NFKC, single spaces, no edge punctuation; None when nothing is left."""
    if not isinstance(text, str):
        return None
    s = unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()
    s = "".join(ch for ch in s if ch.isspace() or unicodedata.category(ch)[0] != "C")
    s = re.sub(r"[\s_]+", " ", s).strip(" \t.,!?;:\"'()[]{}")
    return s or None


def _spell_letters(s: str) -> str:
    """ASR writes spelled letters as "u. s. d." or "g m t"; join them into "usd" / "gmt"."""
    return re.sub(r"\b(?:[a-z]\.? ){1,}[a-z]\b\.?", lambda m: re.sub(r"[\s.]", "", m.group()), s)


def spoken_numbers(s: str) -> str:
    """Replace number words by digits: "seven thirty am" -> "7 30 am", "one second" stays a unit."""
    s = alpha2digit(re.sub(r"\bo'? ?clock\b", "o'clock", s), "en", threshold=0)  # else "o" becomes 0
    # alpha2digit reads the unit "second" as the ordinal: "a 2nd", "1 2nd".
    s = re.sub(r"\b(\d+(?:\.\d+)?|an?) 2nd\b", r"\1 second", s)
    s = re.sub(r"\ba (\d)", r"\1", s)  # "a 100" -> "100"
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)  # "1,000" -> "1000"


def to_number(text: str) -> int | float | None:
    """A number from words or digits: "twenty five" 25, "a dozen" 12, "two point five" 2.5, else None."""
    s = clean_text(text)
    if s is None:
        return None
    s = re.sub(r"\b(?:half a dozen)\b", "6", s)
    s = re.sub(r"\b(?:a )?dozen\b", "12", s)
    s = re.sub(r"^(?:minus|negative) ", "-", spoken_numbers(s))
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", s):
        return None
    value = float(s)
    if not math.isfinite(value):  # hundreds of digits: not a number anyone said, and not valid JSON
        return None
    return int(value) if value.is_integer() else value


# ---------------------------------------------------------------------------------------------- durations

_UNITS_RE = "|".join(sorted(_UNIT_SECONDS, key=len, reverse=True))
_QTY_RE = "|".join(sorted(map(re.escape, _QUANTITY_WORDS), key=len, reverse=True))
_DURATION_PART = re.compile(
    rf"(?P<q>\d+(?:\.\d+)?|{_QTY_RE})\s*(?P<u>{_UNITS_RE})\b(?P<half> and a half)?"
)


def duration_seconds(s: str) -> int | float | None:
    """Seconds in a digit-normalized duration ("1 hour and 30 minutes", "an hour and a half"), else None.

    Every word must belong to a quantity+unit pair (or "and"/","), so "7 am" or "last hour" are not durations.
    """
    s = re.sub(r"\b(\d+) and a half\b", lambda m: f"{int(m.group(1)) + 0.5}", s)
    total, pos = 0.0, 0
    for m in _DURATION_PART.finditer(s):
        if s[pos:m.start()].strip(" ,").removeprefix("and").strip():
            return None
        q = m.group("q")
        count = _QUANTITY_WORDS[q] if q in _QUANTITY_WORDS else float(q)
        total += (count + (0.5 if m.group("half") else 0)) * _UNIT_SECONDS[m.group("u")]
        pos = m.end()
    if pos == 0 or s[pos:].strip():
        return None
    return int(total) if total.is_integer() else total


# ---------------------------------------------------------------------------------------------- dates and times

@dataclass
class _Clock:
    hour: int
    minute: int
    meridiem: str | None  # "a" / "p" when said, so "seven" can still mean 19:00


_CLOCK = re.compile(
    r"(?P<at>\bat )?(?<![\d:/.-])(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?(?![\d/-]|st\b|nd\b|rd\b|th\b)"
    r"\s*(?:(?P<ap>[ap])\.?\s?m\b\.?|(?P<oc>o'?\s?clock\b))?"
)
_DAYPART_AHEAD = re.compile(r"\s*(?:in the |at |this )?(?:morning|afternoon|evening|night|tonight)\b")
_UNIT_AHEAD = r"(?!\s*(?:st|nd|rd|th|%|percent|" + _UNITS_RE + r")\b)"


def _spoken_clock(s: str, bare_number_is_time: bool) -> str:
    """Write spoken clock forms as h:mm for the clock regex.

    "7 30 am" -> "7:30 am", "7 oh 5" -> "7:05", "quarter past 7" -> "7:15", "10 to 6" -> "5:50",
    "800 am" / "at 1300" -> "8:00 am" / "at 13:00"; years ("march 20 17") are joined first.
    """
    s = re.sub(rf"\b((?:{_MONTHS})(?: \d{{1,2}}(?:st|nd|rd|th)?)?|\d(?:st|nd|rd|th)(?: of (?:{_MONTHS}))?)"
               r" (19|20) (\d\d)\b", r"\1 \2\3", s)
    s = re.sub(r"\b(\d{1,2}) (?:oh|o) (\d)\b", r"\1:0\2", s)
    s = re.sub(rf"(?<![\d:/.-])\b([01]?\d|2[0-3]) ([0-5]\d)\b{_UNIT_AHEAD}", r"\1:\2", s)

    def before_after(m: re.Match) -> str:
        mins = {"quarter": 15, "half": 30}.get(m.group(1)) or int(m.group(1))
        hour = int(m.group(3))
        if mins >= 60 or hour > 23:
            return m.group()
        if m.group(2) in ("to", "till", "before"):
            return f"{(hour - 1) % 24}:{60 - mins:02d}"
        return f"{hour}:{mins:02d}"

    s = re.sub(rf"\b(quarter|half|\d{{1,2}})(?: minutes?)? (past|after|to|till|before) (\d{{1,2}})\b{_UNIT_AHEAD}",
               before_after, s)
    hhmm = r"(?<![\d:/.-])\b(\d{1,2})([0-5]\d)\b"
    s = re.sub(hhmm + r"(?=\s*(?:[ap]\.?\s?m\b|o'?\s?clock|hours\b))", r"\1:\2", s)
    s = re.sub(r"\bat " + hhmm + "$", r"at \1:\2", s)
    if bare_number_is_time:
        s = re.sub("^" + hhmm + "$", r"\1:\2", s)
    return s


def _find_clock(s: str, whole_is_time: bool) -> tuple[_Clock, re.Match] | None:
    """The first stated clock time: needs ":mm", am/pm, o'clock, "at" or a part of the day after it ("7 in the
    morning"), or a lone number in a time slot."""
    for m in _CLOCK.finditer(s):
        whole = m.start() == 0 and m.end() == len(s) and whole_is_time
        marked = m.group("m") or m.group("ap") or m.group("oc") or m.group("at") or _DAYPART_AHEAD.match(s, m.end())
        if not (marked or whole):
            continue
        hour, minute, ap = int(m.group("h")), int(m.group("m") or 0), m.group("ap")
        if hour > 23 or (ap and not 1 <= hour <= 12):
            return None
        if ap:
            hour = hour % 12 + (12 if ap == "p" else 0)
        return _Clock(hour, minute, ap), m
    return None


@lru_cache(maxsize=8)
def _day_parser(base: date) -> DateDataParser:
    """dateparser is only asked for the day; settings are fixed per base day so the parser is reused.

    Times are worked out here (future preference per alarm, dayparts), so RETURN_AS_TIMEZONE_AWARE is not needed:
    the day is combined with the caller's time zone afterwards.
    """
    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": datetime.combine(base, time()),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
    })


_DAY_ALIASES = [
    (r"\b(today|tomorrow|tonight)'?s\b", r"\1"),
    (r"\blast night\b", "yesterday night"),
    (r"\b(?:this |the )?(?:coming )?weekend\b", "saturday"),
    (r"\bnext weekend\b", "next saturday"),
    (r"\b(?:this )?coming\b", ""),
    (r"\bnext (morning|afternoon|evening|night)\b", r"tomorrow \1"),
]
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
# Words a day expression may contain; dateparser alone would read "6 and" as June.
_DAY_TOKEN = re.compile(
    rf"(?:{_WEEKDAYS}|{_MONTHS}|today|tomorrow|yesterday|next|last|this|after|before|from|ago|now|the|of|a|and"
    r"|days?|weeks?|fortnight|months?|years?|\d{1,2}(?:st|nd|rd|th)|\d{4}"
    r"|\d{1,4}(?:[/.-]\d{1,2}){1,2}(?:[/.-]\d{2,4})?)"
)


def _parse_day(rest: str, today: date) -> date | None:
    """A calendar day from what is left once times are removed ("tomorrow", "next friday", "5th of june")."""
    tokens = rest.split()
    has_month = any(re.fullmatch(_MONTHS, t) for t in tokens)
    if has_month or any(re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", t) for t in tokens):
        rest = " ".join(t for t in tokens if not re.fullmatch(_WEEKDAYS, t))  # "sunday the 6th": the date decides
    m = re.fullmatch(r"(?:the )?(\d{1,2})(?:st|nd|rd|th)(?: of (?:this|the) month)?", rest)
    if m:  # a bare day of the month: the next one to come (dateparser would pick this month, even if past)
        day = int(m.group(1))
        for months_ahead in range(3):
            y, mo = divmod(today.month - 1 + months_ahead, 12)
            try:
                candidate = date(today.year + y, mo + 1, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        return None
    if not all(_DAY_TOKEN.fullmatch(t) or (has_month and re.fullmatch(r"\d{1,2}", t)) for t in tokens):
        return None
    found = _day_parser(today).get_date_data(rest).date_obj
    return found.date() if found else None


_EDGE_FILLERS = frozenset({"at", "on", "in", "the", "during", "for", "by", "until", "till", "of", ","})


def _strip_fillers(s: str) -> str:
    """What is left of "at 7 on friday" once the time is out: "friday"; a lone "this" (from "this evening") goes."""
    words = s.replace(",", " , ").split()
    while words and words[0] in _EDGE_FILLERS:
        words.pop(0)
    while words and words[-1] in _EDGE_FILLERS:
        words.pop()
    return "" if words == ["this"] else " ".join(words)


def _datetime_value(dt: datetime, grain: str) -> dict:
    if grain == "day":
        dt = datetime.combine(dt.date(), time(), tzinfo=dt.tzinfo)
    return {"kind": "datetime", "iso": dt.isoformat(), "grain": grain}


def _relative(s: str, now: datetime) -> dict | None:
    """"in 2 hours", "after 5 minutes", "2 hours from now": now plus a duration (real elapsed time across DST)."""
    m = re.fullmatch(r"(?:in|after|within) (.+)|(.+) (?:from now|from today|later)", s)
    seconds = m and duration_seconds(m.group(1) or m.group(2))
    if not seconds:
        return None
    dt = (now.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(now.tzinfo)
    return _datetime_value(dt, "day" if seconds % 86400 == 0 else "time")


def _temporal(s: str, now: datetime, entity_type: str) -> dict | None:
    s = spoken_numbers(s)
    if found := _relative(s, now):
        return found
    seconds = duration_seconds(re.sub(r"^(?:for|about|around) ", "", s))
    if seconds:
        return {"kind": "duration", "seconds": seconds}

    for pattern, replacement in _DAY_ALIASES:
        s = re.sub(pattern, replacement, s)
    s = _spoken_clock(s.strip(), bare_number_is_time=entity_type != "date")
    clock_match = _find_clock(s, whole_is_time=entity_type != "date")
    clock = clock_match[0] if clock_match else None
    if clock_match:
        m = clock_match[1]
        s = s[:m.start()] + " " + s[m.end():]

    part = next((w for w in (*DAYPART_DEFAULTS, *NAMED_TIMES) if re.search(rf"\b{w}\b", s)), None)
    said_today = bool(re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", s))
    if part:
        s = re.sub(rf"\b{part}\b", " ", s)
    rest = _strip_fillers(re.sub(r"\btoday\b", " ", s))

    today = now.date()
    day = _parse_day(rest, today) if rest else today
    if day is None or (clock is None and part is None and not rest and not said_today):
        return None
    if clock is None and part is None:
        return _datetime_value(datetime.combine(day, time(), tzinfo=now.tzinfo), "day")

    if clock is None:
        hour, minute = DAYPART_DEFAULTS.get(part, NAMED_TIMES.get(part)), 0
    else:
        hour, minute = clock.hour, clock.minute
        small_hours = part in ("night", "tonight") and hour < 5  # "two at night" is 02:00
        if clock.meridiem is None and part in _PM_DAYPARTS and hour < 12 and not small_hours:
            hour += 12
    candidates = [time(hour, minute)]
    if clock and clock.meridiem is None and part is None and not rest and 1 <= hour < 12:
        candidates.append(time(hour + 12, minute))  # "at seven" with no day: the next 7:00 or 19:00
    may_roll = not rest and not said_today
    for offset in (0, 1) if may_roll else (0,):
        for t in candidates:
            dt = datetime.combine(day + timedelta(days=offset), t, tzinfo=now.tzinfo)
            if not may_roll or dt > now:
                return _datetime_value(dt, "time")
    return None


# ---------------------------------------------------------------------------------------------- levels

_LEVEL_WORDS = {
    **dict.fromkeys(("max", "maximum", "full", "full power", "full volume", "highest", "loudest", "brightest",
                     "highest level", "max level", "maximum level"), 100),
    **dict.fromkeys(("min", "minimum", "lowest", "lowest level", "min level", "minimum level", "quietest",
                     "dimmest"), 0),
    **dict.fromkeys(("half", "halfway", "half way"), 50),
}


def _change_amount(s: str) -> int | float | dict | None:
    """"to fifty percent" -> percent 50, "by ten" -> 10, "to max" -> percent 100; "a bit" -> None (caller's step)."""
    s = re.sub(r"^(?:(?:to|by|at|about|around|up to|down to|level|the) )+", "", s)
    if s in _LEVEL_WORDS:
        return {"kind": "percent", "value": _LEVEL_WORDS[s]}
    m = re.fullmatch(r"(.+?)\s*(?:%|percent|per cent)", s)
    if m:
        value = to_number(m.group(1))
        return None if value is None else {"kind": "percent", "value": value}
    return to_number(re.sub(r"\s*(?:levels?|steps?|notches?|points?)$", "", s))


# ---------------------------------------------------------------------------------------------- vocabulary

# Rooms, device kinds, bulb colours and currencies come from assets/vocabulary.toml (app.vocabulary), the one list
# the home, the skills and the GUI also read; CSS colour keywords come from webcolors.
_ROOMS = index(vocabulary().rooms)
_DEVICES = index(vocabulary().devices)
_CURRENCIES = index({c.code: c.words for c in vocabulary().currencies.values()})
_BULB_COLORS = {word.replace(" ", ""): color for color in vocabulary().colors.values() for word in color.words}
_CSS_HEX = {name: webcolors.name_to_hex(name) for name in webcolors.names("css3")}
_HERE = frozenset({"here", "in here", "this room", "room", "the room", "my room", "current room"})
_DEVICE_TAIL = re.compile(r"\s+(?:on|in|at|next|near|by|of|to|from|beside|behind|above|under)\b.*$")


def _color(s: str) -> dict | None:
    """Bulb white tones by name ("cool white"), then CSS colour keywords; "pinkish", "dull blue" fall back to the
    hue. Bulb tones keep their spaced name: it is what the user hears and what a light's state holds."""
    words = [re.sub(r"(?<=[a-z]{3})(?:d?ish)$", "", w) for w in re.findall(r"[a-z]+", s)]
    for candidate in ("".join(words), *reversed(words)):
        if bulb := _BULB_COLORS.get(candidate):
            return {"kind": "color", "name": bulb.name, "hex": bulb.hex}
        if hex_ := _CSS_HEX.get(candidate):
            return {"kind": "color", "name": candidate, "hex": hex_}
    return None


def _lookup(table: dict[str, str], s: str) -> str | None:
    """Exact alias, then without a plural "s"."""
    return table.get(s) or (table.get(s[:-1]) if s.endswith("s") else None)


def _room(s: str) -> str | None:
    """Canonical room id; rooms outside the table keep a slug of their name (homes have rooms we can't list)."""
    s = re.sub(r"^(?:the|my|our|in the) ", "", s)
    if s in _HERE:
        return None  # "here": the room the speaker is in, which only the caller knows
    m = re.fullmatch(r"(.+?) (?:number )?(\d+)", spoken_numbers(s))
    base, number = (m.group(1), m.group(2)) if m else (s, None)
    room = _lookup(_ROOMS, base) or re.sub(r"[^a-z0-9]+", "_", base.replace("'", "")).strip("_")
    return (f"{room}_{number}" if number else room) or None


def _device(s: str) -> str | None:
    """Canonical device kind: the longest known phrase, rightmost first (English heads come last: "kettle
    socket" is a plug), looked for before any "on/next to/of ..." tail, then in the whole span."""
    s = re.sub(r"^(?:the|my|all|all the|every|each) ", "", s)
    head = _DEVICE_TAIL.sub("", s)  # "lamp next to the sofa": the head noun comes first
    for phrase in dict.fromkeys((head, s)):
        words = phrase.split()
        for size in range(len(words), 0, -1):
            for i in range(len(words) - size, -1, -1):
                if found := _lookup(_DEVICES, " ".join(words[i:i + size])):
                    return found
    return None


def _currency(s: str) -> str | None:
    """ISO 4217 code from a name, symbol, country or the (spelled) code itself: "u. s. d." -> USD."""
    return _lookup(_CURRENCIES, _spell_letters(s))


# ---------------------------------------------------------------------------------------------- entry point

def _local_now() -> datetime:
    return datetime.now(tzlocal.get_localzone())


def normalize(entity_type: str, text: str, now: datetime | None = None) -> Any:
    """The JSON-serializable value of an entity span, or None when nothing sensible exists. Never raises.

    `now` anchors relative expressions; it defaults to the current time in the system zone, and a naive `now`
    is taken as local time.
    """
    s = clean_text(text)
    if s is None or not isinstance(entity_type, str):
        return None
    try:
        if entity_type in TEMPORAL_TYPES:
            if now is None:
                now = _local_now()
            elif now.tzinfo is None:
                now = now.replace(tzinfo=tzlocal.get_localzone())
            return _temporal(s, now, entity_type)
        handler = _HANDLERS.get(entity_type)
        return handler(s) if handler else s
    except Exception:  # a normalizer bug must not lose the utterance; logged so tests and logs see it
        log.warning("could not normalize %s %r", entity_type, text, exc_info=True)
        return None


_HANDLERS = {
    "change_amount": _change_amount,
    "color_type": _color,
    "house_place": _room,
    "device_type": _device,
    "currency_name": _currency,
}

