"""general_joke: clean jokes from assets/jokes.toml, taking turns so none repeats soon."""

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
    pool = [j for j in jokes() if j["kind"] in kind] or jokes()
    told = t.store.get("jokes_told", 0)
    t.store.put("jokes_told", told + 1)
    return t.reply(pool[told % len(pool)]["text"])
