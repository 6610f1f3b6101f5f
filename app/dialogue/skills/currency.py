"""qa_currency from the dated offline table in assets/rates.toml; replies say it is not live."""

from __future__ import annotations

import functools
import re
from datetime import date

from .. import speech_text as say
from ..slots import digits
from ..world import ASSETS, load_toml
from .base import Reply, Turn, skill


@functools.cache
def table() -> dict:
    return load_toml(ASSETS / "rates.toml")


def code(words: str) -> str | None:
    """"u. s. d." / "us dollars" / "pesos" / "EUR" -> an ISO code from the table, or None."""
    rates = table()
    squashed = re.sub(r"[^a-z]", "", words.lower())
    if squashed.upper() in rates["rates"]:
        return squashed.upper()
    return rates["aliases"].get(squashed) or rates["aliases"].get(squashed.removesuffix("s"))


def convert(amount: float, source: str, target: str) -> float:
    rates = table()["rates"]
    return amount / rates[source] * rates[target]


def _name(c: str, amount: float) -> str:
    name = table()["names"][c]
    return name[:-1] if amount == 1 and name.endswith("s") and not name.endswith("ais") else name


@skill("qa_currency", accepts=("currency_name",), does="convert currencies")
def qa_currency(t: Turn) -> Reply:
    found = [(e.text, code(str(t.slots.value_of(e) or e.text))) for e in t.slots.all("currency_name")]
    unknown = [w for w, c in found if c is None]
    codes = [c for _, c in found if c]
    home = t.world.home.get("currency", "USD")
    if not codes:
        if unknown:
            return t.reply(f"My offline rate table doesn't have {say.join(unknown, 'or')}.")
        return t.ask("currency_name", "Which currencies?")
    if unknown:
        return t.reply(f"My offline rate table doesn't have {say.join(unknown, 'or')}.")
    asks_for_first = bool(re.search(r"\bhow (many|much)\b", t.text))  # "how many pesos for a dollar"
    if len(codes) == 1:
        other = home if codes[0] != home else "EUR"
        source, target = (other, codes[0]) if asks_for_first else (codes[0], other)
    else:
        source, target = codes[0], codes[1]
        if asks_for_first:
            source, target = target, source
    number = re.search(r"\d+(?:\.\d+)?", digits(t.u.text))
    amount = float(number[0]) if number else 1.0
    result = convert(amount, source, target)
    as_of = date.fromisoformat(table()["as_of"])
    return t.reply(f"Going by my offline rate table from {as_of:%B} {as_of.year}, which isn't live: "
                   f"{say.number(amount)} {_name(source, amount)} is about {say.number(float(f'{result:.3g}'), 6)} "
                   f"{_name(target, result)}.")
