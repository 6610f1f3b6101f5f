"""Numbers, durations, times and dates phrased the way a person would say them aloud."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from num2words import num2words

if TYPE_CHECKING:
    from app.vocabulary import Currency

SCIENTIFIC_FROM = 10**15  # "one point two times ten to the power of twenty" beats 20 spoken words


def number(x: float | int, digits: int = 2) -> str:
    """12 -> "twelve", 2.5 -> "two point five", -3 -> "minus three"; floats are rounded first.

    From SCIENTIFIC_FROM on, "one point zero eight times ten to the power of thirty-eight", with "about" when
    that rounds. Exact for ints of any size (a float would overflow past 1e308).
    """
    if isinstance(x, float):
        if x != x or x in (float("inf"), float("-inf")):
            return "not a number"
        x = round(x, digits)
        if x.is_integer():
            x = int(x)
    if abs(x) >= SCIENTIFIC_FROM:
        exact = Decimal(x)
        mantissa, exponent = f"{exact:.2e}".split("e")
        about = "" if Decimal(f"{mantissa}e{exponent}") == exact else "about "
        return f"{about}{number(float(mantissa))} times ten to the power of {number(int(exponent))}"
    return num2words(x).replace(",", "")


def money(currency: Currency, amount: float) -> str:
    """"nine US dollars", "six US dollars and seventy-five cents", "fifty cents": whole units and hundredths (a
    currency without hundredths says whole units only)."""
    whole, cents = divmod(round(amount * 100), 100)
    units = f"{number(whole)} {currency.name if whole == 1 else currency.plural}"
    if not cents or currency.hundredth is None:
        return units
    part = f"{number(cents)} {currency.hundredth[0] if cents == 1 else currency.hundredth[1]}"
    return f"{units} and {part}" if whole else part


def ordinal(n: int) -> str:
    return num2words(n, to="ordinal")


def a(name: str) -> str:
    """"an eggs timer", "a pasta timer", "an hour": the article by the first letter, and the silent h of "hour"."""
    return ("an " if name[:1] in ("a", "e", "i", "o") or name.startswith(("hour", "honest", "heir")) else "a ") + name


def plural(n: float, unit: str) -> str:
    return f"{number(n)} {unit}" + ("" if n == 1 else "s")


def duration(seconds: float) -> str:
    """600 -> "ten minutes", 3900 -> "one hour and five minutes", 45 -> "forty-five seconds"."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [plural(v, u) for v, u in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if v]
    if hours and secs and not minutes:
        parts = [plural(hours, "hour"), plural(secs, "second")]
    if hours and minutes and secs:  # nobody says all three: round to the minute
        parts = [plural(hours, "hour"), plural(minutes + (secs >= 30), "minute")]
    return join(parts) if parts else "zero seconds"


def clock_time(t: datetime) -> str:
    """07:30 -> "seven thirty a.m.", 19:05 -> "seven oh five p.m.", 12:00 -> "twelve noon"."""
    if t.hour == 0 and t.minute == 0:
        return "midnight"
    if t.hour == 12 and t.minute == 0:
        return "twelve noon"
    hour = t.hour % 12 or 12
    suffix = "a.m." if t.hour < 12 else "p.m."
    if t.minute == 0:
        return f"{number(hour)} {suffix}"
    minute = number(t.minute) if t.minute >= 10 else f"oh {number(t.minute)}"
    return f"{number(hour)} {minute} {suffix}"


def day(d: date | datetime, today: date | datetime) -> str:
    """"today", "tomorrow", "on Friday" (within a week), else "on Monday, December the seventh"."""
    d = d.date() if isinstance(d, datetime) else d
    today = today.date() if isinstance(today, datetime) else today
    delta = (d - today).days
    named = {0: "today", 1: "tomorrow", -1: "yesterday"}
    if delta in named:
        return named[delta]
    if 1 < delta < 7:
        return f"on {d:%A}"
    return f"on {full_date(d)}"


def full_date(d: date) -> str:
    return f"{d:%A}, {d:%B} the {ordinal(d.day)}"


def when(t: datetime, now: datetime) -> str:
    """"tomorrow at seven a.m."; times today drop the "today"."""
    t = t.astimezone(now.tzinfo)
    spoken_day = day(t, now)
    return clock_time(t) if spoken_day == "today" else f"{spoken_day} at {clock_time(t)}"


def at(t: datetime, now: datetime) -> str:
    """`when` after a verb: "I'll wake you at seven a.m." today, "... tomorrow at seven a.m." another day."""
    spoken = when(t, now)
    return f"at {spoken}" if day(t.astimezone(now.tzinfo), now) == "today" else spoken


def repeat(days: tuple[int, ...]) -> str:
    """Weekdays (0 = Monday) a recurring alarm rings on: "every day", "on weekdays", "every Monday and Friday"."""
    named = {tuple(range(7)): "every day", tuple(range(5)): "on weekdays", (5, 6): "at weekends"}
    return named.get(tuple(days)) or "every " + join([calendar.day_name[d] for d in days])


def join(items: list[str], last: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
