"""Spelling: "how do you spell necessary", "spell rhythm for me".

The model has no intent for it (it hears a definition question or small talk), so the words decide (`request`, one of
the rules skills/status.py runs). The letters are the recognizer's spelling of the word it heard; each is said on its
own, commas between, so both voices name the letter ("A" as "ay", not the article).
"""

from __future__ import annotations

import re

from app.nlu.types import Understanding

from ..world import World
from .base import Reply, Turn, skill

SPELL = re.compile(r"^\W*(?:(?:please|hearth|hey|okay|can you|could you|would you)\W+)*(?:how (?:do|would|should) "
                   r"(?:you|i|we|one) spell|spell|what(?:'s| is) the spelling (?:of|for)|how is)\W+(?P<word>[a-z][a-z'-]*)"
                   r"(?P<spelled>\W+spelt|\W+spelled)?(?:\W+(?:for me|please))*\W*$")
LETTER = {"'": "apostrophe", "-": "hyphen"}


def request(u: Understanding, world: World) -> str | None:
    m = SPELL.match(u.text.lower())
    return "qa_spell" if m and (m["spelled"] or not u.text.lower().lstrip().startswith("how is")) else None


@skill("qa_spell", does="spell a word")
def spell(t: Turn) -> Reply:
    t.remember = False
    word = SPELL.match(t.text.lower())["word"]
    letters = ", ".join(LETTER.get(c, c.upper()) for c in word)
    return t.reply(f"{word.capitalize()} is spelled {letters}.")
