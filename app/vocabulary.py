"""The words for rooms, device kinds, bulb colours and currencies, read from assets/vocabulary.toml.

One file, so the normalizer (app.nlu.values), the simulated home, the skills and the GUI cannot disagree about
what a word means (they did: the normalizer said "coolwhite", the home only knew "cool white").
tests/test_vocabulary.py keeps it the only copy.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.config import assets_dir
from app.errors import HearthError

WHOLE_HOME = "whole_house"  # the room id that means every room


@dataclass(frozen=True)
class Color:
    name: str  # canonical, and what the user hears and a light's state holds: "cool white"
    hex: str
    words: tuple[str, ...]  # the name first


@dataclass(frozen=True)
class Currency:
    code: str  # ISO 4217
    name: str  # one unit, as spoken: "US dollar"
    plural: str
    words: tuple[str, ...]  # the code, name and plural first, lowercase
    hundredth: tuple[str, str] | None = None  # its cent, one and many: ("penny", "pence"); said in "$3.50"


@dataclass(frozen=True)
class Vocabulary:
    rooms: dict[str, tuple[str, ...]]  # room id -> its words, the id's own first
    devices: dict[str, tuple[str, ...]]  # device kind -> its words, the kind's own first
    colors: dict[str, Color]  # by name
    currencies: dict[str, Currency]  # by code


def load_toml(path: Path) -> dict:
    """Read an asset; a broken one is the installer's problem, so say which file and why."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HearthError(f"Cannot read {path}: {exc}", "Reinstall Hearth or fix the file's TOML syntax.") from exc


def index(entries: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Word -> the entry it names. A word given to two entries is an error: which one it means would be a guess."""
    found: dict[str, str] = {}
    for key, words in entries.items():
        for word in words:
            if found.setdefault(word, key) != key:
                raise ValueError(f"{word!r} is a word for both {found[word]!r} and {key!r}")
    return found


def _words(*words: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.lower() for w in words))


def _id_words(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: _words(key.replace("_", " "), *aliases) for key, aliases in table.items()}


def _color(name: str, entry: dict) -> Color:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", entry["hex"]):
        raise ValueError(f"colour {name!r} has hex {entry['hex']!r}, not #rrggbb")
    return Color(name, entry["hex"].lower(), _words(name, *entry.get("aliases", [])))


def _currency(code: str, entry: dict) -> Currency:
    plural = entry.get("plural", entry["name"] + "s")
    hundredth = tuple(entry["hundredth"]) if "hundredth" in entry else None
    if hundredth is not None and len(hundredth) != 2:
        raise ValueError(f"currency {code!r} has hundredth {entry['hundredth']!r}, not [one, many]")
    return Currency(code, entry["name"], plural, _words(code, entry["name"], plural, *entry.get("aliases", [])),
                    hundredth)


@cache
def vocabulary(path: Path | None = None) -> Vocabulary:
    """The vocabulary (assets/vocabulary.toml unless `path`), checked: a broken file is a HearthError naming it."""
    path = path or assets_dir() / "vocabulary.toml"
    data = load_toml(path)
    try:
        found = Vocabulary(
            rooms=_id_words(data["rooms"]),
            devices=_id_words(data["devices"]),
            colors={name: _color(name, entry) for name, entry in data["colors"].items()},
            currencies={code: _currency(code, entry) for code, entry in data["currencies"].items()},
        )
        if WHOLE_HOME not in found.rooms:
            raise ValueError(f"the room {WHOLE_HOME!r} is missing")
        for table in (found.rooms, found.devices, {c.name: c.words for c in found.colors.values()},
                      {c.code: c.words for c in found.currencies.values()}):
            index(table)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise HearthError(f"{path} is broken: {type(exc).__name__} {exc}",
                          "Reinstall Hearth or fix that entry (docs/entities.md says how entries look).") from exc
    return found
