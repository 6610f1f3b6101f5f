"""qa_currency from the dated offline table in assets/rates.toml; replies say it is not live.
Entities arrive as ISO codes from the normalizer and names come from app.vocabulary: no currency words here."""

from __future__ import annotations

import functools
import re
from datetime import date

from app.nlu.types import Understanding
from app.vocabulary import vocabulary

from .. import speech_text as say
from ..slots import digits
from ..world import ASSETS, World, load_toml
from .base import Reply, Turn, skill


@functools.cache
def table() -> dict:
    return load_toml(ASSETS / "rates.toml")


def convert(amount: float, source: str, target: str) -> float:
    rates = table()["rates"]
    return amount / rates[source] * rates[target]


# Sums of money the model files as currency ("a 20 percent tip on 45 dollars", "split 90 dollars between 3"): no rate
TIP = re.compile(r"(?:(?P<pct>\d+(?:\.\d+)?) ?(?:percent|per cent|%) )?tip (?:on|for) (?:a |an )?\D{0,3}?"
                 r"(?P<amount>\d+(?:\.\d+)?)")
DISCOUNT = re.compile(r"(?P<pct>\d+(?:\.\d+)?) ?(?:percent|per cent|%) off (?:of )?(?:a |an |the )?\D{0,3}?"
                      r"(?P<amount>\d+(?:\.\d+)?)")
USUAL_TIPS = (15, 20)  # "tip on 80 dollars", no percentage said: the usual ones
SPLIT = re.compile(r"\b(?:split|divide|share)\w* (?:a |an |the )?\D{0,3}?(?P<amount>\d+(?:\.\d+)?)\D{0,30}? "
                   r"(?:between|among|by|into|for|with) (?P<n>\d+)")


def sum_request(u: Understanding, world: World) -> str | None:
    """qa_currency for a tip, a discount or a split, with or without a currency named; one of the rules skills/status.py
    runs."""
    text = digits(u.text)
    return "qa_currency" if TIP.search(text) or SPLIT.search(text) or DISCOUNT.search(text) else None


def money(code: str, amount: float) -> str:
    return say.money(vocabulary().currencies[code], amount)


def _sum(t: Turn, code: str) -> Reply | None:
    text = digits(t.u.text)
    if (m := TIP.search(text)) and not m["pct"]:
        amount = float(m["amount"])
        low, high = (amount * pct / 100 for pct in USUAL_TIPS)
        return t.reply(f"On {money(code, amount)}, a {say.number(USUAL_TIPS[0])} percent tip is {money(code, low)} and "
                       f"a {say.number(USUAL_TIPS[1])} percent tip is {money(code, high)}.")
    if m:
        pct, amount = float(m["pct"]), float(m["amount"])
        tip = amount * pct / 100
        t.session.answered(tip)
        return t.reply(f"A {say.number(pct)} percent tip on {money(code, amount)} is {money(code, tip)}, "
                       f"{money(code, amount + tip)} in all.")
    if (m := DISCOUNT.search(text)) and float(m["pct"]) <= 100:  # "20% off 50 dollars"
        pct, amount = float(m["pct"]), float(m["amount"])
        cut = amount * pct / 100
        t.session.answered(amount - cut)
        whole = money(code, amount)
        return t.reply(f"{whole[0].upper()}{whole[1:]} with {say.number(pct)} percent off is "
                       f"{money(code, amount - cut)}: {money(code, cut)} off.")
    if (m := SPLIT.search(text)) and int(m["n"]) > 0:
        each = float(m["amount"]) / int(m["n"])
        t.session.answered(each)
        whole = money(code, float(m["amount"]))
        ways = say.number(int(m["n"]))
        return t.reply(f"{whole[0].upper()}{whole[1:]} split {ways} ways is {money(code, each)} each.")
    return None


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
    if len(codes) <= 1 and (reply := _sum(t, codes[0] if codes else home)):  # a tagged "split" is no currency
        return reply
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
    t.session.answered(result)
    as_of = date.fromisoformat(table()["as_of"])
    return t.reply(f"Going by my offline rate table from {as_of:%B} {as_of.year}, which isn't live: "
                   f"{say.number(amount)} {_name(source, amount)} is about {say.number(result, 6)} "
                   f"{_name(target, result)}.")
