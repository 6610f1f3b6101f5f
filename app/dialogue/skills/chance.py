"""Chance: "flip a coin", "roll a die" ("roll two dice", "roll a d20"), "pick a number between 1 and 10".

The model has no intent for these (it hears "flip a coin" as coffee and "roll a die" as a game it can't play), so the
words decide (`request`, one of the rules skills/status.py runs). The answer comes from the operating system's
random source: a coin that a reply's wording could predict would be no coin.
"""

from __future__ import annotations

import random
import re

from app.nlu.types import Understanding

from .. import speech_text as say
from ..slots import digits
from ..world import World
from .base import Reply, Turn, skill

COIN = re.compile(r"\b(?:flip|toss|throw)\w* (?:a |the )?coin\b|\bheads or tails\b")
DICE = re.compile(r"\broll\w* (?:a |an |the |(?P<n>\d+) )?(?:dice|die|d ?(?P<sides>\d+))\b")
NUMBER = re.compile(r"\b(?:pick|choose|give me|think of) a (?:random )?number (?:between|from) "
                    r"(?P<lo>-?\d+) (?:and|to) (?P<hi>-?\d+)\b")
MAX_DICE, MAX_SIDES = 10, 1000
_random = random.SystemRandom()


def request(u: Understanding, world: World) -> str | None:
    text = digits(u.text)
    return "game_chance" if COIN.search(text) or DICE.search(text) or NUMBER.search(text) else None


@skill("game_chance", does="flip a coin or roll a die")
def chance(t: Turn) -> Reply:
    t.remember = False
    text = digits(t.text)
    if m := NUMBER.search(text):
        lo, hi = sorted((int(m["lo"]), int(m["hi"])))
        return t.reply(f"{say.number(_random.randint(lo, hi)).capitalize()}.")
    if m := DICE.search(text):
        n, sides = int(m["n"] or 1), int(m["sides"] or 6)
        if not (1 <= n <= MAX_DICE and 2 <= sides <= MAX_SIDES):
            return t.reply(f"I can roll up to {say.number(MAX_DICE)} dice of two to {say.number(MAX_SIDES)} sides.")
        rolls = [_random.randint(1, sides) for _ in range(n)]
        if n == 1:
            return t.reply(f"You rolled {say.number(rolls[0])}.")
        return t.reply(f"You rolled {say.join([say.number(r) for r in rolls])}: {say.number(sum(rolls))} in all.")
    return t.reply(f"It's {_random.choice(['heads', 'tails'])}.")
