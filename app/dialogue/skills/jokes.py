"""general_joke: clean jokes from assets/jokes.toml, taking turns, and never the same one twice in a row."""

from __future__ import annotations

import functools

from ..world import ASSETS, load_toml
from .base import Reply, Turn, skill


@functools.cache
def jokes() -> list[dict]:
    return load_toml(ASSETS / "jokes.toml")["jokes"]


@skill("general_joke", accepts=("joke_type",), does="tell you a joke")
def general_joke(t: Turn) -> Reply:
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
