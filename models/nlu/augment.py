"""Slot-filled variants of the training sentences: more gold entities for the types the data has few of.

Each variant is a labeled training sentence with every entity swapped for another value of the same
type seen in training with the same intent ("wake me at [time: seven am]" -> "wake me at [time: half past
six]"), so the model learns an entity from its context and its type's range of values rather than from
the few sentences a rare type has. Values stay within their intent because some decide it: a device_type
"plug" makes a switch-on request iot_wemo_on, "light" makes it iot_hue_lighton, and swapping them across
intents taught the model that "turn on the kitchen light" is a plug. Sentences with a rare entity type or a
rare intent get more variants. Values come from the training split only: no dev text reaches training.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from models.nlu.data import Example


@dataclass(frozen=True)
class AugmentOptions:
    copies: int = 1  # variants of every sentence that has entities
    rare_copies: int = 3  # variants of a sentence with a rare entity type or intent
    rare_below: int = 60  # an entity type or intent with fewer training examples than this is rare
    seed: int = 13


def value_pools(examples: list[Example]) -> dict[tuple[str, str], list[str]]:
    """Distinct values of each (intent, entity type), as written in training."""
    pools: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ex in examples:
        for start, end, etype in ex.spans:
            pools[ex.intent, etype].add(ex.text[start:end])
    return {k: sorted(v) for k, v in pools.items()}


def fill(example: Example, values: list[str], key: str) -> Example:
    """`example` with its spans' words replaced by `values` (in span order), spans moved to match."""
    parts, spans, cursor = [], [], 0
    length = 0
    for (start, end, etype), value in zip(example.spans, values):
        before = example.text[cursor:start]
        parts += [before, value]
        spans.append((length + len(before), length + len(before) + len(value), etype))
        length += len(before) + len(value)
        cursor = end
    parts.append(example.text[cursor:])
    return Example("".join(parts), example.intent, tuple(spans), key)


def substitute(examples: list[Example], options: AugmentOptions = AugmentOptions()) -> list[Example]:
    """Variants of every training sentence with entities; keys `<key>#fill<n>`."""
    rng = random.Random(options.seed)
    pools = value_pools(examples)
    types = Counter(s[2] for ex in examples for s in ex.spans)
    intents = Counter(ex.intent for ex in examples)
    out = []
    for ex in examples:
        if not ex.spans or any(a[1] > b[0] for a, b in zip(ex.spans, ex.spans[1:])):  # none, or overlapping
            continue
        rare = intents[ex.intent] < options.rare_below or any(types[s[2]] < options.rare_below for s in ex.spans)
        for n in range(options.rare_copies if rare else options.copies):
            values = []
            for start, end, etype in ex.spans:
                others = [v for v in pools[ex.intent, etype] if v != ex.text[start:end]]
                values.append(rng.choice(others) if others else ex.text[start:end])
            if values != [ex.text[s:e] for s, e, _ in ex.spans]:  # an intent with one value of a type: nothing new
                out.append(fill(ex, values, f"{ex.key}#fill{n}"))
    return out
