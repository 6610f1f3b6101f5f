"""qa_convert: unit conversions (pint, offline) and date arithmetic ("how many days until Christmas").

HWU64 has no intent for either: the model files "convert 5 miles to km" under qa_maths, qa_factoid or
cooking_recipe, and "how many days until Christmas" under datetime_query. So the skills of those intents
are wrapped (`ROUTED`): words that parse as a conversion or a date sum are answered here, as qa_convert,
so that "and in grams?" follows up on them; anything else reaches the intent's own skill as before.
"""

from __future__ import annotations

import calendar
import functools
import logging
import re
import string
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from app.config import cache_dir
from app.nlu.types import Entity
from app.nlu.values import names_holiday

from .. import questions
from .. import speech_text as say
from ..slots import Slots, digits, value
# registered before they are wrapped; personal: a remembered birthday to count the days to
from . import clock_skills, currency, general, maths, offline, personal, weather  # noqa: F401
from .base import Reply, Turn, answers_first, skill

if TYPE_CHECKING:
    import pint

    from app.nlu.types import Understanding

    from ..world import World

log = logging.getLogger(__name__)

ROUTED = ("qa_maths", "qa_factoid", "qa_definition", "qa_currency", "cooking_recipe", "datetime_query",
          "datetime_convert", "weather_query", "general_quirky", "calendar_query")

# What Hearth converts, by pint dimensionality; anything else (energy, data, angles...) is not claimed.
KINDS = {"[length]": "a length", "[mass]": "a weight", "[length] ** 3": "a volume", "[temperature]": "a temperature",
         "[length] / [time]": "a speed", "[time]": "a time"}
# Words pint does not know or reads otherwise ("kilos" is kiloseconds to it, "c" the speed of light).
ALIASES = {"kilo": "kilogram", "kilos": "kilogram", "celsius": "degree_Celsius", "centigrade": "degree_Celsius",
           "c": "degree_Celsius", "fahrenheit": "degree_Fahrenheit", "f": "degree_Fahrenheit",
           "fluid ounce": "fluid_ounce", "fl oz": "fluid_ounce", "imperial gallon": "imperial_gallon",
           "imperial pint": "imperial_pint", "nautical mile": "nautical_mile", "light year": "light_year",
           "metric ton": "metric_ton", "tonne": "metric_ton", "h": "hour", "hr": "hour",
           "table spoon": "tablespoon", "tea spoon": "teaspoon"}  # as the recognizer splits them
ABBREVIATIONS = {"km", "cm", "mm", "m", "kg", "g", "mg", "lb", "lbs", "oz", "ft", "ml", "mi", "yd", "mph", "kph"}
# Spoken names where pint's is not what a person says; US customary volumes say so (a UK pint is 568 ml).
NAMES = {"degree_Celsius": ("degree Celsius", "degrees Celsius"),
         "degree_Fahrenheit": ("degree Fahrenheit", "degrees Fahrenheit"), "kelvin": ("kelvin", "kelvin"),
         "foot": ("foot", "feet"), "stone": ("stone", "stone"), "metric_ton": ("tonne", "tonnes"),
         "pint": ("US pint", "US pints"), "quart": ("US quart", "US quarts"), "gallon": ("US gallon", "US gallons"),
         "cup": ("US cup", "US cups"), "fluid_ounce": ("US fluid ounce", "US fluid ounces"), "ton": ("US ton", "US tons"),
         "mile_per_hour": ("mile per hour", "miles per hour"),
         "kilometer_per_hour": ("kilometre per hour", "kilometres per hour")}

UNIT = r"[a-z]+(?:[ /][a-z]+){0,3}?"  # bounded, as every gap below: linear on a pasted page
AMOUNT = r"(?P<amount>-?\d+(?:\.\d+)?|an?|one|half an?)"
CONVERSIONS = (  # (pattern, asks "how many X in a Y"): the first that parses wins
    (re.compile(rf"\bhow (?:many|much) (?P<target>{UNIT}) (?:are |go |make )?(?:there )?(?:in|to|per) "
                rf"(?:{AMOUNT} )?(?P<source>{UNIT})$"), True),
    (re.compile(rf"\bhow (?:many|much) (?P<target>{UNIT}) (?:is|are) {AMOUNT} (?P<source>{UNIT})$"), False),
    (re.compile(rf"(?:^|\s){AMOUNT} (?P<source>{UNIT}) (?:in|to|into|as|is how many|in how many) (?P<target>{UNIT})$"),
     False),
)
CONVERT = re.compile(r"^(?:(?:can|could|would) you |please )*convert\b")
# "5 feet 10", "1 pound 4 ounces", "11 stone 6": one amount in two units, as heights and weights are said
COMPOUND = re.compile(r"\b(?P<a>\d+) (?P<big>feet|foot|ft|pounds?|lbs?|stone) (?:and )?(?P<b>\d+(?:\.\d+)?)"
                      r"(?: (?:inch(?:es)?|ounces?|oz|pounds?|lbs?))?(?= |$)")  # not "in": "5 feet 10 in cm"
PARTS = {"feet": ("foot", "inch", 12), "foot": ("foot", "inch", 12), "ft": ("foot", "inch", 12),
         "pound": ("pound", "ounce", 16), "pounds": ("pound", "ounce", 16), "lb": ("pound", "ounce", 16),
         "lbs": ("pound", "ounce", 16), "stone": ("stone", "pound", 14)}
AMOUNT_ONLY = re.compile(r"^(?:and |what about |how about |now |and what about )(?P<n>-?\d+(?:\.\d+)?)$")  # "and 20?"
UNITS_ONLY = re.compile(rf"^(?:and |what about |how about |now )?(?:in |to |into )?(?P<target>{UNIT})$")  # a follow-up
ANOTHER_DAY = re.compile(r"^(?:and|what about|how about|now) (?:in (?P<unit>days|weeks|months|sleeps|nights)"
                         r"|(?!in\b)(?:to |until |till |since )?(?P<what>.{1,40}))$")

N = r"\d+|an?|one"
DATE_UNITS = ("day", "week", "fortnight", "month", "year")
DATE_WORDS = re.compile(r"\d|\b(?:today|tomorrow|" + "|".join(
    n.lower() for n in (*calendar.month_name[1:], *calendar.day_name)) + r")\b")  # a date said as a date, not a name
# "how long until 5 pm", "how many hours until midnight": a time of day, counted in hours and minutes
CLOCK_UNTIL = re.compile(r"\bhow (?:long|many (?:hours|minutes)|much time)\b.{0,30}?\b(?:until|till|til|before) "
                         r"(?P<what>.{1,40})$")
LEFT_IN = re.compile(r"\bhow many (?P<unit>days|weeks|months) (?:are )?(?:left|remaining|to go) (?:in|of) (?:the|this) "
                     r"(?P<span>year|month|week)\b")
UNTIL = re.compile(r"\bhow (?:many (?P<unit>days|weeks|months|sleeps|nights)|long)\b.{0,30}?\b"
                   r"(?P<dir>until|till|til|before|to|since|ago was) (?P<what>.{1,40})$")
WHICH_DAY = re.compile(r"\b(?:what|which) (?:day|date)(?: of the week)? (?P<dir>is|was|will be|falls on) "
                       r"(?P<what>.{1,40}?)(?: this year| on)?$")  # "what day is Christmas"
# "when is easter", "when's christmas this year": a holiday's date (the model hears the time, or the calendar)
WHEN = re.compile(r"^\W*(?:and )?when(?:'s| (?P<dir>is|was|will be|does))? (?P<what>.{1,40}?)"
                  r"(?: fall| this year| next year)*\W*$")
UNITS_OF_DAYS = "|".join(DATE_UNITS)
SHIFT = re.compile(rf"\b(?:what|which)\b.{{0,30}}?\b(?:day|date)\b.{{0,30}}?"
                   rf"(?:\bin (?P<n>{N}) (?P<unit>{UNITS_OF_DAYS})s?\b"
                   rf"|\b(?P<n2>{N}) (?P<unit2>{UNITS_OF_DAYS})s? (?P<dir>from now|from today|ago|later)\b)")
AGE = re.compile(r"\bborn (?:in|on) (?P<when>.{1,40}?)(?:,? how old\b.{0,40})?$")
YEAR = re.compile(r"^(?:in )?(?P<year>\d{4}|\d\d \d\d)$")
OLDEST = 125


@functools.cache
def registry() -> pint.UnitRegistry:
    """Imported and built on first use: most sessions never convert anything. Pint parses its unit
    definitions into the cache folder once; later sessions read them back (the registry in 29 ms instead
    of 271 ms, docs/benchmarks.md). A cache it cannot write or read only costs that time."""
    import pint

    try:
        return pint.UnitRegistry(cache_folder=cache_dir() / "pint")
    except Exception:  # pint's cache (flexcache) raises what its pickles and the file system raise
        log.warning("unit cache unusable, building the units without it", exc_info=True)
        return pint.UnitRegistry()


def unit(words: str) -> pint.Unit | None:
    """"kilometres per hour" / "kilos" / "degrees celsius" -> a pint unit of a kind in KINDS, else None."""
    words = re.sub(r"^(?:the |a |an |one )|^degrees? (?=\w)", "", words.strip())
    parts = re.split(r"\s*/\s*|\s+(?:per|an|a)\s+", words)
    if not 1 <= len(parts) <= 2:
        return None
    found = []
    for part in parts:
        if len(part) <= 2 and part not in ABBREVIATIONS and part not in ALIASES:  # pint reads "a" as a year
            return None
        name = (ALIASES.get(part) or ALIASES.get(part.removesuffix("s")) or part).replace(" ", "_")
        try:  # one unit name, not an expression ("fl oz" would parse as femtolitre-ounces)
            if not registry().parse_unit_name(name):
                return None
            found.append(registry().parse_units(name))
        except (ValueError, AttributeError, TypeError):  # what every pint error also is
            return None
    result = found[0] / found[1] if len(found) == 2 else found[0]
    return result if str(result.dimensionality) in KINDS else None


def names_a_unit(text: str) -> bool:
    """"and in grams?": a unit alone, the follow-up to a conversion."""
    m = UNITS_ONLY.search(digits(text).strip(" ?.!"))
    return bool(m and unit(m["target"]))


def another_amount(text: str, last: dict | None) -> bool:
    """"what about 20?" after "how many kilometres is 10 miles": a new amount alone, converted the same way."""
    return bool(AMOUNT_ONLY.match(_said(text.lower())) and (last or {}).get("target"))


def _amount(words: str | None) -> float:
    if not words or words in ("a", "an", "one"):
        return 1.0
    return 0.5 if words.startswith("half") else float(words)


def _name(unit_text: str, amount: float) -> str:
    """pint's "kilometer / hour" -> "kilometres per hour", spelt and pluralised as said."""
    top, _, per = unit_text.partition(" / ")
    plain = top.replace("_", " ")
    plural = plain + ("es" if plain.endswith(("ch", "sh", "s", "x")) else "s")
    singular, plural = NAMES.get(top, (plain, plural))
    name = (singular if amount == 1 else plural).replace("meter", "metre").replace("liter", "litre")
    return f"{name} per {_name(per, 1)}" if per else name


def _rounded(x: float) -> tuple[float, bool]:
    """Three significant figures (whole numbers from 100 on), and whether that changed it."""
    r = float(round(x)) if abs(x) >= 100 else float(f"{x:.3g}")
    return r, abs(r - x) > 1e-9 * max(1.0, abs(x))


def _words(t: Turn) -> str:
    return _said(t.u.text)


def _said(words: str) -> str:
    text = digits(words).strip(" ?.!")
    text = re.sub(r"\b(?:minus|negative) (?=\d)", "-", text)
    return re.sub(r"\s+please$|^please\s+", "", text)


def _fluid(unit_: pint.Unit, other: pint.Unit) -> pint.Unit:
    """"How many ounces in a litre": an ounce beside a volume is the (US) fluid ounce anyone asking means."""
    if str(unit_) == "ounce" and KINDS.get(str(other.dimensionality)) == "a volume":
        return registry().parse_units("fluid_ounce")
    return unit_


def _convert(t: Turn, amount: float, source: pint.Unit, target: pint.Unit, how_many: bool,
             given: str | None = None) -> Reply:
    """`given`: how the amount was said, where that was not one number and one unit ("five feet ten inches")."""
    ureg = registry()
    source, target = _fluid(source, target), _fluid(target, source)
    if source.dimensionality != target.dimensionality:
        what = KINDS[str(source.dimensionality)], KINDS[str(target.dimensionality)]
        return t.reply(f"I can't convert {_name(str(source), 2)} to {_name(str(target), 2)}: "
                       f"one is {what[0]} and the other {what[1]}.")
    result = ureg.Quantity(amount, source).to(target).magnitude
    shown, about = _rounded(result)
    t.session.answered(shown)
    t.session.last_quantity = {"amount": amount, "unit": str(source), "target": str(target)}
    answer = f"{'about ' if about else ''}{say.number(shown, 6)} {_name(str(target), shown)}"
    if how_many:
        given = say.a(_name(str(source), 1)) if amount == 1 else f"{say.number(amount, 6)} {_name(str(source), amount)}"
        return t.reply(f"There {'is' if shown == 1 and not about else 'are'} {answer} in {given}.")
    given = given or f"{say.number(amount, 6)} {_name(str(source), amount)}"
    return t.reply(f"{given[:1].upper()}{given[1:]} is {answer}.")


def _other_scale(words: str, target: pint.Unit | None) -> pint.Unit | None:
    """"20 degrees in fahrenheit": degrees of the other everyday scale."""
    if words not in ("degree", "degrees") or target is None or str(target.dimensionality) != "[temperature]":
        return None
    return registry().parse_units("degree_Celsius" if str(target) == "degree_Fahrenheit" else "degree_Fahrenheit")


def _units(text: str) -> tuple[float, pint.Unit, pint.Unit, bool, str | None] | None:
    """(amount, from, to, asks "how many X in a Y", how it was said) when the words are a conversion of units Hearth
    knows; an amount in two units ("5 feet 10") is counted in the smaller one."""
    given = None
    if m := COMPOUND.search(text):
        big, small, per = PARTS[m["big"]]
        a, b = int(m["a"]), float(m["b"])
        given = f"{say.number(a)} {_name(big, a)} {say.number(b)} {_name(small, b)}"
        text = f"{text[:m.start()]}{a * per + b:g} {small}{text[m.end():]}"
    for pattern, how_many in CONVERSIONS:
        if m := pattern.search(text):
            target = unit(m["target"])
            source = unit(m["source"]) or _other_scale(m["source"], target)
            if source is not None and target is not None:
                return _amount(m["amount"]), source, target, how_many, given
    return None


def _units_answer(t: Turn, text: str) -> Reply | None:
    found = _units(text)
    return _convert(t, *found) if found else None


def command(u: Understanding, world: World) -> str | None:
    """qa_convert for "convert 2 cups to millilitres", which the model may file, unsure, under recipes or the
    lights (then a "did you mean" question would come first); money is the currency skill's."""
    text = _said(u.text.lower())
    return "qa_convert" if CONVERT.match(text) and _units(text) else None


def count_again(text: str, last: dict | None) -> str | None:
    """The count of days the words ask for again, after one: "and new year's day?" after "how many days until
    Christmas" -> "how many days until new year's day"; "and in weeks?" -> "how many weeks until christmas"."""
    last = last or {}
    m = ANOTHER_DAY.match(_said(text.lower())) if last.get("until") else None
    if m is None or (m["what"] and questions.is_question(m["what"])):  # "and what's the weather": not a day
        return None
    return f"how many {m['unit'] or last['until']} {last.get('dir', 'until')} {m['what'] or last.get('what', '')}"


def _follow_up(t: Turn, text: str) -> Reply | None:
    """"and in grams?" after a conversion: the same amount, in the new unit; "what about 20?": that amount, the
    same units; "and new year's day?" after a count of days: the same count, to that day."""
    last = t.session.last_quantity or {}
    if t.followup and (again := count_again(text, last)):
        return _dates_answer(t, again)
    if t.followup and (again := AMOUNT_ONLY.match(text)) and last.get("target"):
        source, target = unit(str(last.get("unit"))), unit(str(last["target"]))
        if source is not None and target is not None:
            return _convert(t, float(again["n"]), source, target, False)
    amount = last.get("amount")
    m = UNITS_ONLY.search(text)
    if not (t.followup and m and isinstance(amount, (int, float))):  # cheap checks first: unit() builds pint
        return None
    source = unit(str(last.get("unit")))  # None after a currency ("USD"): not ours
    if source is None or (target := unit(m["target"])) is None:
        return None
    return _convert(t, float(amount), source, target, False)


def _count(n: str) -> int:
    return 1 if n in ("a", "an", "one") else int(n)


def shift(d: date, n: int, unit_name: str) -> date:
    """d moved by n days, weeks, fortnights, months or years; the 31st of a short month becomes its last day."""
    if unit_name in ("day", "week", "fortnight"):
        return d + timedelta(days=n * {"day": 1, "week": 7, "fortnight": 14}[unit_name])
    months = d.year * 12 + d.month - 1 + n * (12 if unit_name == "year" else 1)
    year, month = divmod(months, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _target_day(what: str, now: datetime, past: bool) -> date | None:
    """"christmas" / "friday" / "december the 25th" -> its next date (its last one for "since")."""
    found = value("date", what, now)
    if not isinstance(found, dict) or found.get("kind") != "datetime":
        return None
    day = datetime.fromisoformat(found["iso"]).astimezone(now.tzinfo).date()
    today = now.date()
    if past and day > today:
        day = shift(day, -1, "year")
    elif not past and day < today and not re.search(r"\d{4}", what):
        day = shift(day, 1, "year")
    return day


def _span(days: int, unit_name: str | None) -> str:
    """Days said in the unit asked for: "three weeks and four days", "about two months"."""
    if unit_name == "weeks" and days >= 7:
        weeks, rest = divmod(days, 7)
        return say.join([say.plural(weeks, "week"), say.plural(rest, "day") if rest else ""])
    if unit_name == "months" and days >= 30:
        return f"about {say.plural(round(days / 30.44), 'month')}"
    return say.plural(days, "sleep" if unit_name in ("sleeps", "nights") else "day")


def _clock_answer(t: Turn, text: str) -> Reply | None:
    """"how long until 5 pm": from now to that time's next occurrence; None when the words name no time of day."""
    m = CLOCK_UNTIL.search(text)
    if m is None:
        return None
    said = Slots([Entity("time", m["what"], 0, len(m["what"]))], t.now).moment()
    if said.at is None or said.grain != "time":
        return None
    at = said.at if said.at > t.now else said.at + timedelta(days=1)
    minutes = max(1, round((at - t.now).total_seconds() / 60))
    return t.reply(f"It's {say.duration(minutes * 60)} until {say.when(at, t.now)}.")


def _dates_answer(t: Turn, text: str) -> Reply | None:
    today = t.now.date()
    if clock := _clock_answer(t, text):
        return clock
    if m := LEFT_IN.search(text):  # "how many days are left in the year": after today, to its last day
        month_end = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        last = {"year": date(today.year, 12, 31), "month": month_end,
                "week": today + timedelta(days=6 - today.weekday())}[m["span"]]
        days = (last - today).days
        t.session.answered(days)
        span = str(today.year) if m["span"] == "year" else f"this {m['span']}"
        return t.reply(f"There {'is' if days == 1 else 'are'} {_span(days, m['unit'])} left in {span}, after today.")
    if m := UNTIL.search(text):
        past = m["dir"] in ("since", "ago was")
        what = re.sub(r"^(?:the|my|next)\s+", "", m["what"])
        day = _target_day(what, t.now, past)
        said = re.sub(r"^my\s+", "your ", m["what"])  # "until my birthday": "your birthday"
        named = "" if DATE_WORDS.search(what) else "the weekend, " if what == "weekend" else (
            f"{string.capwords(what)}, ")  # "New Year's Day"
        if day is None and (when := personal.date_of(t.store, what)):  # "my birthday is march 3rd", remembered
            day, named = _target_day(when, t.now, past), f"{said}, "
        if day is None:  # "how long to boil an egg" is not a date sum; "how many days until my holiday" is one
            example = f"{m['what']} is March the third"  # said so, it is remembered (personal.MY_DATE)
            hint = f" Tell me, like: {example}." if personal.MY_DATE.match(example) else ""
            return t.reply(f"I don't know the date of {said}, so I can't count the days.{hint}") if m["unit"] else None
        days = abs((day - today).days)
        t.session.answered(days)
        t.session.last_quantity = {"until": m["unit"] or "days", "dir": m["dir"], "what": m["what"]}  # "and in weeks?"
        if days == 0:
            return t.reply(f"That's today: {say.full_date(day)}.")
        if past:
            return t.reply(f"It's been {_span(days, m['unit'])} since {named}{say.full_date(day)}.")
        return t.reply(f"There {'is' if days == 1 else 'are'} {_span(days, m['unit'])} until {named}{say.full_date(day)}.")
    if m := SHIFT.search(text):
        n, unit_name = (m["n"], m["unit"]) if m["n"] else (m["n2"], m["unit2"])
        sign = -1 if m["dir"] == "ago" else 1
        day = shift(today, sign * _count(n), unit_name)
        span = say.plural(_count(n), unit_name)
        if sign < 0:
            return t.reply(f"{span.capitalize()} ago it was {say.full_date(day)}.")
        return t.reply(f"In {span} it'll be {say.full_date(day)}.")
    m = WHICH_DAY.search(text) or ((w := WHEN.search(text)) and names_holiday(w["what"]) and w)
    if m and not DATE_WORDS.search(m["what"]):
        what = re.sub(r"^(?:the|my|next)\s+", "", m["what"])
        day = _target_day(what, t.now, m["dir"] == "was")
        if day is None:
            return None  # "what day is it": the clock's
        verb = "was" if day < today else "is"
        return t.reply(f"{string.capwords(what)} {verb} on {say.full_date(day)}.")
    if re.search(r"\bhow old\b", text) and (m := AGE.search(text)):
        return _age(t, m["when"])
    return None


def _age(t: Turn, when: str) -> Reply:
    """"born in 1990": thirty-five or thirty-six, depending on the birthday; a full date gives the exact age."""
    today = t.now.date()
    you = bool(re.search(r"\b(?:i|me|am i)\b", t.u.text.lower()))
    if m := YEAR.match(when):
        year = int(m["year"].replace(" ", ""))
        born, exact = date(year, 1, 1), False
    else:
        found = value("date", when, t.now)
        if not isinstance(found, dict) or found.get("kind") != "datetime":
            return t.reply(f"I couldn't tell which year {when} is.")
        born, exact = datetime.fromisoformat(found["iso"]).date(), True
    if born > today:
        return t.reply(f"{born.year} hasn't come yet, so nobody has been born then.")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    said = f"on {say.full_date(born)}, {born.year}" if exact else f"in {born.year}"
    if age > OLDEST:
        return t.reply(f"That's {say.plural(age, 'year')} ago: nobody alive today was born {said}.")
    t.session.answered(age)
    if you:
        start, verb, their = "If you were born", ", you're", "you've had your"
    else:
        start, verb, their = "Someone born", " is", "they've had their"
    if exact:
        return t.reply(f"{start} {said}{verb} {say.number(age)}.")
    return t.reply(f"{start} {said}{verb} {say.number(age - 1)} or {say.number(age)}, "
                   f"depending on whether {their} birthday this year.")


def answer(t: Turn) -> Reply | None:
    """The reply when the words are a conversion or a date sum, as qa_convert; None otherwise."""
    text = _words(t)
    if not text:
        return None
    original = t.u
    t.u = replace(t.u, intent="qa_convert")
    reply = _follow_up(t, text) or _units_answer(t, text) or _dates_answer(t, text)
    if reply is None:
        t.u = original
    return reply


@skill("qa_convert", does="convert units or count days")
def qa_convert(t: Turn) -> Reply:
    return answer(t) or t.reply("I can convert lengths, weights, volumes, temperatures and speeds, or count the days "
                                "to a date. Try: how many ounces in a pound.")


for _intent in ROUTED:
    answers_first(_intent, answer)
