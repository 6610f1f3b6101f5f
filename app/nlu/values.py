"""Turn entity spans ("ten minutes", "next friday", "living room") into values the dialogue can act on.

`normalize(entity_type, text, now)` is the one entry point. It never raises on odd input: anything it cannot
make sense of comes back as None, so a bad span costs one slot, never the utterance. Runs once per entity per
utterance, so tables are built at import and the dateparser parser is cached per day.

Value forms (see docs/entities.md):
  time/date/timeofday  {"kind": "duration", "seconds": 600}  (negative when said so: "minus five minutes")
                       {"kind": "datetime", "iso": "2026-11-30T07:00:00+00:00", "grain": "time"|"day"}
                         (+ "ampm": "guessed" when an hour came without am/pm or a part of the day)
                       {"kind": "no_such_date", "month": 2, "day": 31}  ("31st february": said back, never moved)
  change_amount        12 | 2.5 | -50 | {"kind": "percent", "value": 50}
  color_type           {"kind": "color", "name": "blue", "hex": "#0000ff"} ("cool white" for a bulb tone)
  house_place          room id, e.g. "living_room"
  device_type          device kind, e.g. "coffee_maker"
  currency_name        ISO 4217 code, e.g. "USD"
  anything else        the cleaned text (lowercased, stripped)
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from functools import lru_cache
from typing import Any

import tzlocal
import webcolors
from dateparser.date import DateDataParser
from dateutil.easter import easter
from text_to_num import alpha2digit

from app.nlu.types import Entity
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
    **dict.fromkeys(("year", "years"), 365 * 86400),
}
# How many of a unit a spoken quantity means; digits are handled separately.
_QUANTITY_WORDS = {
    "a": 1, "an": 1, "half a": 0.5, "half an": 0.5, "a quarter of a": 0.25, "a quarter of an": 0.25,
    "quarter of an": 0.25, "3 quarters of a": 0.75, "3 quarters of an": 0.75, "a couple of": 2, "couple of": 2,
    "half": 0.5, "a half": 0.5, "quarter": 0.25, "a quarter": 0.25,  # "a half hour timer", "a quarter hour"
}

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december"
           "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")

# A number longer than this is not a quantity anyone said (a pasted file, a held key): it reads as no number,
# which keeps every value exact, finite and printable (Python refuses int <-> str past 4,300 digits).
MAX_DIGITS = 100
# Short-scale words text2num leaves alone ("12 quintillion"), or joins wrongly when repeated.
SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12, "quadrillion": 15, "quintillion": 18,
          "sextillion": 21, "septillion": 24, "octillion": 27, "nonillion": 30, "decillion": 33}
SCALE_WORD = re.compile(rf"\b(?:{'|'.join(SCALES)})\b")
_SCALED = re.compile(rf"(?:(?<![\d.])(\d+(?:\.\d+)?)|\b(an?))((?: (?:{'|'.join(SCALES)}))+)\b")
_SIGN = re.compile(r"(?:minus|negative)\b ?|[-\u2212] ?")


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


def _scaled(m: re.Match) -> str:
    """"12 quintillion" -> the digits, exactly; left as words past MAX_DIGITS."""
    exponent = sum(SCALES[w] for w in m.group(3).split())
    quantity = m.group(1) or "1"
    if len(quantity) + exponent > MAX_DIGITS:
        return m.group()
    value = Fraction(quantity) * 10**exponent
    return str(value.numerator) if value.denominator == 1 else str(float(value))


def spoken_numbers(s: str) -> str:
    """Replace number words by digits: "seven thirty am" -> "7 30 am", "one second" stays a unit."""
    s = alpha2digit(re.sub(r"\bo'? ?clock\b", "o'clock", s), "en", threshold=0)  # else "o" becomes 0
    # alpha2digit reads the unit "second" as the ordinal: "a 2nd", "1 2nd".
    s = re.sub(r"\b(\d+(?:\.\d+)?|an?) 2nd\b", r"\1 second", s)
    s = _SCALED.sub(_scaled, s)
    s = re.sub(r"\ba (\d)", r"\1", s)  # "a 100" -> "100"
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)  # "1,000" -> "1000"


def _signed(s: str) -> tuple[int, str]:
    """(-1, "5 minutes") from "minus 5 minutes" / "-5 minutes"; (1, s) when no sign leads."""
    m = _SIGN.match(s)
    return (-1, s[m.end():]) if m else (1, s)


def _exact(digits: str) -> Fraction | None:
    """"12" / "2.5" as an exact number; None for anything else or past MAX_DIGITS."""
    if len(digits) > MAX_DIGITS + 1 or not re.fullmatch(r"\d+(?:\.\d+)?", digits):
        return None
    return Fraction(digits)


def _plain(x: Fraction) -> int | float:
    """Whole numbers stay exact ints (JSON has no size limit); fractions become floats."""
    return x.numerator if x.denominator == 1 else float(x)


def to_number(text: str) -> int | float | None:
    """A number from words or digits: "twenty five" 25, "a dozen" 12, "two point five" 2.5, "minus 5" -5,
    else None."""
    s = clean_text(text)
    if s is None:
        return None
    s = re.sub(r"\b(?:half a dozen)\b", "6", s)
    s = re.sub(r"\b(?:a )?dozen\b", "12", s)
    sign, s = _signed(spoken_numbers(s))
    value = _exact(s.removeprefix("+"))
    return None if value is None else _plain(sign * value)


# ---------------------------------------------------------------------------------------------- durations

_UNITS_RE = "|".join(sorted(_UNIT_SECONDS, key=len, reverse=True))
_QTY_RE = "|".join(sorted(map(re.escape, _QUANTITY_WORDS), key=len, reverse=True))
_DURATION_PART = re.compile(
    rf"(?P<q>(?<![\d.])\d+(?:\.\d+)?|{_QTY_RE})\s*(?P<u>{_UNITS_RE})\b(?P<half> and a half)?"
)


def duration_seconds(s: str) -> int | float | None:
    """Seconds in a digit-normalized duration ("1 hour and 30 minutes", "an hour and a half"), else None.

    Every word must belong to a quantity+unit pair (or "and"/","), so "7 am" or "last hour" are not durations.
    Exact at any size, and negative when said so ("minus 5 minutes"): the skill says why it can't, rather than
    dropping the sign.
    """
    sign, s = _signed(s)
    s = re.sub(r"\b(\d+) and a half\b", r"\1.5", s)
    s = re.sub(r"^(hours?|minutes?|seconds?) and a half\b", r"an \1 and a half", s)  # "the hour and a half timer"
    total, pos = Fraction(0), 0
    for m in _DURATION_PART.finditer(s):
        if s[pos:m.start()].strip(" ,").removeprefix("and").strip():
            return None
        q = m.group("q")
        count = Fraction(_QUANTITY_WORDS[q]) if q in _QUANTITY_WORDS else _exact(q)
        if count is None:
            return None
        total += (count + (Fraction(1, 2) if m.group("half") else 0)) * _UNIT_SECONDS[m.group("u")]
        pos = m.end()
    if pos == 0 or s[pos:].strip():
        return None
    return _plain(sign * total)


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
_DAYPART_AHEAD = re.compile(
    r"\s*(?:(?:tomorrow|today) )?(?:in the |at |this )?(?:morning|afternoon|evening|night|tonight)\b")
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



def _thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


# Holidays by name, the next one to come; Easter (Western, dateutil) and Thanksgiving move with the year.
_HOLIDAYS: list[tuple[re.Pattern, Callable[[int], date]]] = [(re.compile(rf"\b(?:{words})\b"), day) for words, day in (
    (r"(?:christmas|xmas) eve", lambda y: date(y, 12, 24)),
    (r"(?:christmas|xmas)(?: day)?", lambda y: date(y, 12, 25)),
    (r"boxing day", lambda y: date(y, 12, 26)),
    (r"new year'?s eve", lambda y: date(y, 12, 31)),
    (r"new year'?s?(?: day)?", lambda y: date(y, 1, 1)),
    (r"hallowe'?en", lambda y: date(y, 10, 31)),
    (r"(?:st |saint )?valentine'?s?(?: day)?", lambda y: date(y, 2, 14)),
    (r"(?:st |saint )?patrick'?s day", lambda y: date(y, 3, 17)),
    (r"good friday", lambda y: easter(y) - timedelta(days=2)),
    (r"easter monday", lambda y: easter(y) + timedelta(days=1)),
    (r"easter(?: sunday| day)?", easter),
    (r"thanksgiving(?: day)?", _thanksgiving),
)]


def names_holiday(s: str) -> bool:
    """Whether `s` names a holiday the day parser knows ("christmas", "easter monday")."""
    return any(pattern.search(s) for pattern, _ in _HOLIDAYS)


def _holiday(s: str, today: date) -> str:
    """The first holiday named in `s` written as its next date ("christmas" -> "2026-12-25"), for the day parser."""
    for pattern, day in _HOLIDAYS:
        if m := pattern.search(s):
            found = day(today.year)
            if found < today:
                found = day(today.year + 1)
            return s[:m.start()] + found.isoformat() + s[m.end():]
    return s


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_REPEATS = [(re.compile(pattern), days) for pattern, days in (
    (r"\b(?:every ?day|daily|each day|every (?:morning|afternoon|evening|night))\b", range(7)),
    (r"\b(?:every week ?day|week ?days|(?:monday|mondays) (?:to|through|thru) (?:friday|fridays))\b", range(5)),
    (r"\b(?:every weekend|weekends)\b", (5, 6)),
    *((rf"\b{name}s\b", (n,)) for n, name in enumerate(_DAY_NAMES)),
)]
_NAMED_DAY = "|".join(_DAY_NAMES)
_LISTED_DAYS = re.compile(rf"\b(?:every|each) ((?:{_NAMED_DAY})(?:(?:,| and|,? or) (?:{_NAMED_DAY}))*)")


def repeat_days(text: str) -> tuple[int, ...] | None:
    """The weekdays (0 = Monday) a recurring request names, or None for a one-off.

    "every weekday" (0-4), "on mondays", "every monday and wednesday", "weekends", "every day", "daily". The model
    tags these as a plain date ("weekday", "mondays"), so the skill reads the whole utterance.
    """
    s = clean_text(text) or ""
    days = {d for pattern, found in _REPEATS if pattern.search(s) for d in found}
    for m in _LISTED_DAYS.finditer(s):
        days.update(_DAY_NAMES.index(name) for name in re.findall(r"[a-z]+", m.group(1)) if name in _DAY_NAMES)
    return tuple(sorted(days)) or None


def without_repeats(text: str) -> str:
    """`text` without the words that make a request recurring, so that what is left says when the first one is:
    "every day at 8 am" -> "at 8 am", "every sunday at 6 pm" / "on sundays at 6 pm" -> "sunday at 6 pm"."""
    text = _LISTED_DAYS.sub(lambda m: re.findall(r"[a-z]+", m.group(1))[0], text)  # the first day listed
    text = re.sub(rf"\b({_NAMED_DAY})s\b", r"\1", text)
    for pattern, _ in _REPEATS[:3]:  # every day, weekdays, weekends: no one day to keep
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def _no_such_date(rest: str) -> dict | None:
    """"31st of february", "june 31": a month and a day it never has (February counts 29)."""
    tokens = rest.split()
    month = next((t for t in tokens if re.fullmatch(_MONTHS, t)), None)
    day = next((int(m[1]) for t in tokens if (m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", t))), None)
    if month is None or day is None:
        return None
    number = [name.lower() for name in calendar.month_abbr].index(month[:3])
    return None if 1 <= day <= calendar.monthrange(2000, number)[1] else {
        "kind": "no_such_date", "month": number, "day": day}


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


# A moment further ahead than this stays the duration it was said as: every skill's own horizon is far nearer,
# and datetime ends at the year 9999.
_FURTHEST_MOMENT_S = 100 * 365 * 86400


def _relative(s: str, now: datetime) -> dict | None:
    """"in 2 hours", "after 5 minutes", "2 hours from now": now plus a duration (real elapsed time across DST).

    "in minus 5 minutes" or "in a million years" is no moment: it comes back as the duration, for the skill to
    refuse with its reason.
    """
    m = re.fullmatch(r"(?:in|after|within) (.+)|(.+) (?:from now|from today|later)", s)
    seconds = m and duration_seconds(m.group(1) or m.group(2))
    if not seconds:
        return None
    if not 0 < seconds <= _FURTHEST_MOMENT_S:
        return {"kind": "duration", "seconds": seconds}
    dt = (now.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(now.tzinfo)
    return _datetime_value(dt, "day" if seconds % 86400 == 0 else "time")


def _temporal(s: str, now: datetime, entity_type: str) -> dict | None:
    s = spoken_numbers(s)
    s = re.sub(rf"(\d\s*(?:{_UNITS_RE})) (?:1|ones?)$", r"\1", s)  # "the 10 minute one"
    if found := _relative(s, now):
        return found
    seconds = duration_seconds(re.sub(r"^(?:for|about|around) ", "", s))
    if seconds:
        return {"kind": "duration", "seconds": seconds}

    s = re.sub(r"\b([ap]\.?m\b\.?|o'clock) (?:1|ones?)$", r"\1", s)  # "the 8 pm one"
    s = _holiday(s, now.date())
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

    if impossible := _no_such_date(rest):
        return impossible
    today = now.date()
    day = _parse_day(rest, today) if rest else today
    if day is None or (clock is None and part is None and not rest and not said_today):
        return None
    if not date.min.year < day.year < date.max.year:  # a time zone could carry it past the calendar's ends
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
    # "at 6:45" leaves a.m. or p.m. open: marked, so each skill settles it its own way (slots.Slots.moment)
    guessed = {"ampm": "guessed"} if clock and clock.meridiem is None and part is None and 1 <= hour <= 12 else {}
    for offset in (0, 1) if may_roll else (0,):
        for t in candidates:
            dt = datetime.combine(day + timedelta(days=offset), t, tzinfo=now.tzinfo)
            if not may_roll or dt > now:
                return _datetime_value(dt, "time") | guessed
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
_DEVICE_WORDS = max(len(phrase.split()) for phrase in _DEVICES)  # longer windows can't match: linear in the span
_CURRENCIES = index({c.code: c.words for c in vocabulary().currencies.values()})
_SYMBOLS = "".join(re.escape(w) for w in _CURRENCIES if len(w) == 1 and not w.isalnum())
_SYMBOL_AMOUNT = re.compile(rf"[{_SYMBOLS}](?=\s?\d)|(?<=\d)[{_SYMBOLS}]|(?<=\d\s)[{_SYMBOLS}]")  # "$20", "20 €"
_BULB_COLORS = {word.replace(" ", ""): color for color in vocabulary().colors.values() for word in color.words}
_CSS_HEX = {name: webcolors.name_to_hex(name) for name in webcolors.names("css3")}
_HERE = frozenset({"here", "in here", "this room", "in this room", "room", "the room", "my room", "current room",
                   "this one room", "the current room", "this here room"})
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


def means_here(text: str) -> bool:
    """Whether a place's words name the speaker's own room ("here", "this room", "in my room"), which only the
    caller knows."""
    s = re.sub(r"^(?:the|my|our|in the|in) ", "", clean_text(text) or "")
    return s in _HERE


def _room(s: str) -> str | None:
    """Canonical room id; rooms outside the table keep a slug of their name (homes have rooms we can't list)."""
    if means_here(s):
        return None  # "here": the room the speaker is in, which only the caller knows
    s = re.sub(r"^(?:the|my|our|in the) ", "", s)
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
        for size in range(min(len(words), _DEVICE_WORDS), 0, -1):
            for i in range(len(words) - size, -1, -1):
                if found := _lookup(_DEVICES, " ".join(words[i:i + size])):
                    return found
    return None


def _currency(s: str) -> str | None:
    """ISO 4217 code from a name, symbol, country or the (spelled) code itself: "u. s. d." -> USD."""
    return _lookup(_CURRENCIES, _spell_letters(s))


# ---------------------------------------------------------------------------------------------- spans

NUMERIC_TYPES = TEMPORAL_TYPES | {"change_amount"}
_MULTIPLIERS = frozenset({"hundred", *SCALES})
_NUMBER_WORDS = _MULTIPLIERS | frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    " eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety minus negative".split())
_DIGITS = re.compile(r"[-\u2212]?\d+(?:[.,]\d+)*")
# Words a span may start with and still be a number's tail: "[five minutes]", "[percent]", "[a minute]";
# "[in ten minutes]" starts a phrase of its own, and "speaker 2" before it stays out.
_NUMBER_TAILS = _NUMBER_WORDS | set(_UNIT_SECONDS) | {"percent", "%", "a", "an", "half", "quarter", "couple"}
_DAY_ALONE = re.compile(r"(?:the )?\d{1,2}(?:st|nd|rd|th)(?: of)?")
_MONTH_ALONE = re.compile(rf"(?:of )?(?:{_MONTHS})")
_DATE_GAP = re.compile(r"(?:\s|,|\bof\b|\bthe\b)*")
_AND_GAP = re.compile(r"\s*(?:and|,)\s*(?:an?\s+)?")
_CLOCK_GAP = re.compile(r"\s+(?:past|after|to|till|before)\s+")
_MINUTES_ALONE = re.compile(r"(?:a )?(?:quarter|half|\d{1,2})(?: minutes?)?")


def mend_entities(text: str, entities: list[Entity], normalize_values: bool = True) -> list[Entity]:
    """The model's entities, repaired where it cuts through a number or a date (its training data has few).

    A number-bearing span grows over the number words and the sign before it ("minus [five minutes]") and the
    multipliers after it ("[one hundred] trillion trillion [minutes]"); spans of one type that then touch become
    one; a lone day beside a lone month becomes one date ("[31st] [february]"), since each alone names another
    day; a colour grows over the word before it when the two are one colour ("warm [white]"). Unchanged entities
    are kept as they are.
    """
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = [a for a, _ in words]

    def word(i: int) -> str:
        return text[words[i][0]:words[i][1]].lower()

    def widen(start: int, end: int, low: int, high: int) -> tuple[int, int]:
        first = (text[start:end].split() or [""])[0].lower()
        if first not in _NUMBER_TAILS and not _DIGITS.fullmatch(first):
            low = start  # grows to the right only
        i = bisect_left(starts, start) - 1
        if i >= 0 and text[words[i][0]:start] in ("-", "\u2212"):  # "-5": the tokenizer splits the sign off
            start, i = words[i][0], i - 1
        while i >= 0 and words[i][0] >= low and (word(i) in _NUMBER_WORDS or _DIGITS.fullmatch(word(i))):
            start, i = words[i][0], i - 1
        j = bisect_left(starts, end)
        while j < len(words) and words[j][1] <= high and word(j) in _MULTIPLIERS:
            end, j = words[j][1], j + 1
        return start, end

    spans: list[tuple[int, int, str]] = []
    for k, e in enumerate(entities):
        start, end = e.start, e.end
        if e.type in NUMERIC_TYPES:
            low = entities[k - 1].end if k else 0
            high = entities[k + 1].start if k + 1 < len(entities) else len(text)
            start, end = widen(start, end, low, high)
        if (e.type == "color_type" and (i := bisect_left(starts, start) - 1) >= 0 and _two_word_color(word(i), e.text)
                and (not _lookup(_DEVICES, word(i)) or (i and word(i - 1) in ("to", "in", "into", "of")))):
            # "the light [green]" is a light, "to light [green]" a colour
            start = words[i][0]  # "warm [white]": the model tags the colour's last word only
            while spans and spans[-1][0] >= start:  # "warm" tagged as something else
                spans.pop()
        if spans and (joined := _joined(text, spans[-1], (start, end, e.type))):
            spans[-1] = joined
        else:
            spans.append((start, end, e.type))
    for m in _SYMBOL_AMOUNT.finditer(text):  # "$20": the model's training data spells currencies out
        inside = [k for k, (a, b, _) in enumerate(spans) if a <= m.start() < b]
        if not inside:
            insort(spans, (m.start(), m.end(), "currency_name"))
        elif spans[inside[0]][2] == "currency_name" and _DIGITS.search(text[spans[inside[0]][0]:spans[inside[0]][1]]):
            spans[inside[0]] = (m.start(), m.end(), "currency_name")  # "[£5]": the currency is the symbol alone
    kept = {(e.start, e.end, e.type): e for e in entities}
    return [kept.get((a, b, kind)) or Entity(kind, text[a:b], a, b, normalize(kind, text[a:b]) if normalize_values
                                            else None) for a, b, kind in spans]


# Speech-recognition slips for a number: "for" heard for four, "to" for two, where the word stands in a number's
# place, between a word that takes a length ("a timer for", "in", "another") and a time unit ("for for minutes").
_SLIPPED_NUMBER = re.compile(r"\b(?:for|in|to|of|about|another|extra|by|and)\s+(?P<word>for|to)\s+"
                             r"(?=(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b)", re.IGNORECASE)


def number_slips(text: str) -> tuple[str, list[int]]:
    """`text` with "for" / "to" heard in a number's place before a time unit spelled as the number ("a timer for
    for minutes" -> "a timer for four minutes"), and where a letter went in, as offsets into `text`."""
    out, inserted, last = [], [], 0
    for m in _SLIPPED_NUMBER.finditer(text):
        at = m.start("word") + (2 if m["word"].lower() == "for" else 1)  # fo|r -> four, t|o -> two
        out.append(text[last:at] + ("u" if m["word"].lower() == "for" else "w"))
        inserted.append(at)
        last = at
    out.append(text[last:])
    return "".join(out), inserted


def _two_word_color(before: str, color: str) -> bool:
    """Whether a word and the colour after it are one known colour ("warm" + "white", "light" + "blue")."""
    joined = re.sub(r"[^a-z]", "", f"{before}{color}".lower())
    return joined != re.sub(r"[^a-z]", "", color.lower()) and (joined in _BULB_COLORS or joined in _CSS_HEX)


def _is_duration(value: Any) -> bool:
    return isinstance(value, dict) and value["kind"] == "duration"


def _joined(text: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> tuple[int, int, str] | None:
    """One span for two neighbours that are one thing: a number cut in two, a length cut at its "and"
    ("[an hour] and a [half]"), minutes cut from their hour ("[quarter] to [seven]"), or a day and its month."""
    gap = text[a[1]:b[0]]
    if a[2] == b[2] and a[2] in NUMERIC_TYPES and not gap.strip():
        return a[0], b[1], a[2]
    if a[2] == b[2] and a[2] in TEMPORAL_TYPES and _AND_GAP.fullmatch(gap.lower()):
        first, second, whole = (normalize(a[2], text[x:y]) for x, y in ((a[0], a[1]), (b[0], b[1]), (a[0], b[1])))
        shorter = not _is_duration(second) or (_is_duration(first) and second["seconds"] < first["seconds"])
        if _is_duration(whole) and shorter:  # "an hour and a half", not "5 minutes and 10 minutes"
            return a[0], b[1], a[2]
    if (a[2] in TEMPORAL_TYPES and b[2] in TEMPORAL_TYPES and _CLOCK_GAP.fullmatch(gap.lower())
            and _MINUTES_ALONE.fullmatch(spoken_numbers(clean_text(text[a[0]:a[1]]) or ""))):
        return a[0], b[1], b[2]  # "[quarter] to [seven]": one clock time, not a quarter and a seven
    if a[2] in TEMPORAL_TYPES and b[2] in TEMPORAL_TYPES and _DATE_GAP.fullmatch(gap.lower()):
        pair = [spoken_numbers(clean_text(text[x:y]) or "") for x, y, _ in (a, b)]
        if any(_DAY_ALONE.fullmatch(d) and _MONTH_ALONE.fullmatch(m) for d, m in (pair, pair[::-1])):
            return a[0], b[1], "date"
    return None


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

