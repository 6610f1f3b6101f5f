"""general_joke: clean jokes from assets/jokes.toml, taking turns, and never the same one twice in a row."""

from __future__ import annotations

import functools
import re

from ..world import ASSETS, load_toml
from .base import Reply, Turn, skill


@functools.cache
def jokes() -> list[dict]:
    return load_toml(ASSETS / "jokes.toml")["jokes"]


# What is said about a joke just told, which the model hears as asking for one ("that's not funny": 0.98 sure).
ASKING = re.compile(r"\b(?:tell|another|more|give|know|got|have|hear|say)\b")
FLAT = re.compile(r"\bnot (?:very |that |so |even )?funny\b|\b(?:terrible|awful|bad|lame|worst|boring|rubbish|dumb|"
                  r"stupid|corny|cheesy)\b")
LIKED = re.compile(r"\b(?:funny|hilarious|good one|great one|nice one|love it|ha(?:ha)+|lol)\b")


def reaction(t: Turn) -> Reply | None:
    """"that's not funny", "good one": a word on the last joke, not another; None when it asks for one."""
    if ASKING.search(t.text) or not (FLAT.search(t.text) or LIKED.search(t.text)):
        return None
    t.remember = False  # "another one" next still means a joke
    if FLAT.search(t.text):
        return t.reply(t.pick("Fair enough, that one fell flat.", "Tough crowd. I'll work on it."))
    return t.reply(t.pick("Glad you liked it.", "I thought you'd like that one."))


@skill("general_joke", accepts=("joke_type",), does="tell you a joke")
def general_joke(t: Turn) -> Reply:
    if t.session.last_intent == "general_joke" and (said := reaction(t)):
        return said
    kind = t.slots.text("joke_type") or ""
    last = t.store.get("last_joke")
    pool = [j for j in jokes() if j["kind"] in kind] or jokes()
    fresh = [j for j in pool if j["text"] != last]
    options = fresh or [j for j in jokes() if j["text"] != last]
    told = t.store.get("jokes_told", 0)
    joke = options[told % len(options)]
    t.store.put("jokes_told", told + 1)
    t.store.put("last_joke", joke["text"])
    if not fresh:  # "another weather joke" when there is only one
        return t.reply(f"That was my only {pool[0]['kind']} joke, so here's another kind. {joke['text']}")
    return t.reply(joke["text"])
