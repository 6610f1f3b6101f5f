"""qa_currency from the dated offline table in assets/rates.toml; replies say it is not live.
Entities arrive as ISO codes from the normalizer and names come from app.vocabulary: no currency words here."""

from __future__ import annotations

import functools
import re
from datetime import date

from app.vocabulary import vocabulary

from .. import speech_text as say
from ..slots import digits
from ..world import ASSETS, load_toml
from .base import Reply, Turn, skill


@functools.cache
def table() -> dict:
    return load_toml(ASSETS / "rates.toml")


def convert(amount: float, source: str, target: str) -> float:
    rates = table()["rates"]
    return amount / rates[source] * rates[target]


def _name(code: str, amount: float) -> str:
    currency = vocabulary().currencies[code]
    return currency.name if amount == 1 else currency.plural


@skill("qa_currency", accepts=("currency_name",), does="convert currencies")
def qa_currency(t: Turn) -> Reply:
    rates = table()["rates"]
    found = [(e.text, t.slots.value_of(e)) for e in t.slots.all("currency_name")]  # ISO codes, None if unknown
    unknown = [w for w, c in found if c not in rates]
    codes = [c for _, c in found if c in rates]
    home = t.world.home.get("currency", "USD")
    if not codes:
        if unknown:
            return t.reply(f"My offline rate table doesn't have {say.join(unknown, 'or')}.")
        return t.ask("currency_name", "Which currencies?")
    if unknown:
        return t.reply(f"My offline rate table doesn't have {say.join(unknown, 'or')}.")
    # "how many pesos for a dollar" names the target first; "how much is 20 dollars in euros" does not
    asks_for_first = bool(re.search(r"\bhow (many|much)\b(?! (is|are)\b)", t.text))
    number = re.search(r"\d+(?:\.\d+)?", digits(t.u.text))
    amount = float(number[0]) if number else 1.0
    last = t.session.last_quantity or {}
    if t.followup and len(codes) == 1 and last.get("unit") in rates and last["unit"] != codes[0]:
        # "and in pounds?": the amount and currency asked about last turn, in the new one
        source, target = last["unit"], codes[0]
        if not number:
            amount = float(last["amount"])
    elif len(codes) == 1:
        other = home if codes[0] != home else "EUR"
        source, target = (other, codes[0]) if asks_for_first else (codes[0], other)
    else:
        source, target = codes[0], codes[1]
        if asks_for_first:
            source, target = target, source
    result = float(f"{convert(amount, source, target):.3g}")
    t.session.last_quantity = {"amount": amount, "unit": source}
    t.session.last_number = result
    as_of = date.fromisoformat(table()["as_of"])
    return t.reply(f"Going by my offline rate table from {as_of:%B} {as_of.year}, which isn't live: "
                   f"{say.number(amount)} {_name(source, amount)} is about {say.number(result, 6)} "
                   f"{_name(target, result)}.")
