"""assets/vocabulary.toml is the one list of rooms, device kinds, bulb colours and currencies: everything the home
and the rate table use is in it, every word in it normalizes to something the skills and the GUI accept, and no
module or other asset keeps a copy of it."""

from __future__ import annotations

import ast
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
import webcolors

from app.config import assets_dir, repo_root
from app.dialogue import DialogueManager, FakeClock
from app.dialogue.state import Store
from app.dialogue.world import World
from app.errors import HearthError
from app.nlu.types import Entity, Understanding
from app.nlu.values import normalize
from app.vocabulary import WHOLE_HOME, vocabulary

VOCABULARY = vocabulary()
WORLD = tomllib.loads((assets_dir() / "world.toml").read_text(encoding="utf-8"))
RATES = tomllib.loads((assets_dir() / "rates.toml").read_text(encoding="utf-8"))
LIGHTS = [d for d in WORLD["devices"] if d["kind"] == "light"]


@pytest.fixture
def world(tmp_path):
    return World(assets_dir() / "world.toml", Store(tmp_path / "s.db"))


# ---- the home and the rate table use only what the vocabulary has --------------------------

def test_the_home_uses_vocabulary_rooms_and_device_kinds():
    assert {d["room"] for d in WORLD["devices"]} <= set(VOCABULARY.rooms)
    assert {d["kind"] for d in WORLD["devices"]} <= set(VOCABULARY.devices)


def test_lights_start_with_colours_the_normalizer_gives_back_unchanged():
    for light in LIGHTS:
        color = light["state"]["color"]
        assert normalize("color_type", color)["name"] == color, light["id"]


def test_every_rated_currency_has_a_name():
    assert set(RATES["rates"]) | {RATES["base"], WORLD["home"]["currency"]} <= set(VOCABULARY.currencies)


# ---- every word normalizes to what the world, the skills and the GUI accept ----------------

@pytest.mark.parametrize("room", VOCABULARY.rooms)
def test_every_room_word_names_its_room(room, world):
    for word in VOCABULARY.rooms[room]:
        assert normalize("house_place", word) == room, word
        assert normalize("house_place", f"the {word}") == room, word
    expected = "*" if room == WHOLE_HOME else (room if room in world.rooms else None)
    assert world.room(room) == expected


@pytest.mark.parametrize("kind", VOCABULARY.devices)
def test_every_device_word_names_its_kind(kind):
    for word in VOCABULARY.devices[kind]:
        assert normalize("device_type", word) == kind, word


@pytest.mark.parametrize("code", VOCABULARY.currencies)
def test_every_currency_word_names_its_code(code):
    for word in VOCABULARY.currencies[code].words:
        assert normalize("currency_name", word) == code, word


@pytest.mark.parametrize("name", VOCABULARY.colors)
def test_every_colour_word_is_a_colour_a_light_takes(name, tmp_path, monkeypatch):
    color = VOCABULARY.colors[name]
    monkeypatch.setenv("HEARTH_HOME", str(tmp_path))
    dm = DialogueManager(clock=FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)))
    for word in color.words:
        assert normalize("color_type", word) == {"kind": "color", "name": name, "hex": color.hex}, word
        text = f"make the kitchen lights {word}"
        entities = [Entity("house_place", "kitchen", 9, 16), Entity("color_type", word, 24, len(text))]
        r = dm.handle(Understanding(text, "iot_hue_lightchange", 0.9, entities), session=word)
        assert r.actions == [{"device": "light.kitchen", "set": {"on": True, "color": name}}], word
        assert name in r.text
    dm.close()


def test_the_gui_draws_every_colour_a_light_can_hold():
    world = pytest.importorskip("app.gui.world")
    for color in VOCABULARY.colors.values():
        assert world.color_of(color.name).name() == color.hex
    for css in webcolors.names("css3"):  # the normalizer's fallback: CSS keywords
        assert world.color_of(normalize("color_type", css)["name"]).name() == webcolors.name_to_hex(css), css


# ---- a broken vocabulary says which file ---------------------------------------------------

GOOD = """
[rooms]
whole_house = ["everywhere"]
kitchen = []
[devices]
light = ["lamp"]
[colors]
"warm white" = { hex = "#ffa957", aliases = ["warm"] }
[currencies]
USD = { name = "US dollar", aliases = ["buck"] }
"""


@pytest.mark.parametrize("broken", [
    "[rooms",  # not TOML
    GOOD.replace('kitchen = []', 'kitchen = ["everywhere"]'),  # one word, two rooms
    GOOD.replace('"#ffa957"', '"orange"'),  # not a hex colour
    GOOD.replace('whole_house = ["everywhere"]', ""),  # no room for "every room"
    GOOD.split("[currencies]")[0],  # a table missing
    GOOD.replace('name = "US dollar", ', ""),  # a currency without a name
])
def test_a_broken_vocabulary_is_an_error_naming_the_file(broken, tmp_path):
    path = tmp_path / "vocabulary.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(HearthError) as info:
        vocabulary(path)
    assert str(path) in info.value.message and info.value.fix


def test_a_good_vocabulary_reads_with_every_name_among_its_words(tmp_path):
    path = tmp_path / "vocabulary.toml"
    path.write_text(GOOD, encoding="utf-8")
    v = vocabulary(path)
    assert v.rooms["whole_house"] == ("whole house", "everywhere")
    assert v.currencies["USD"].words == ("usd", "us dollar", "us dollars", "buck")


# ---- no copies -----------------------------------------------------------------------------

def _words(ids: bool) -> set[str]:
    found: set[str] = set()
    for table in (VOCABULARY.rooms, VOCABULARY.devices):
        for key, words in table.items():
            found |= {key, *words} if ids else set(words) - {key.replace("_", " ")}
    for color in VOCABULARY.colors.values():
        found |= set(color.words)
    for currency in VOCABULARY.currencies.values():
        found |= {currency.code.lower(), *currency.words} if ids else set(currency.words) - {currency.code.lower()}
    return found


# Vocabulary words that code also uses in another sense: the weather place "home", "all" the lists, the default
# drink "coffee", a regex's "$", the verbs "switch" and "vacuum" (questions.py's imperatives), the weight
# "pound" that "lb" is read as (app/tts/text.py), and the pronoun "us" (presence.py restates "remind us" as
# "remind you"; the vocabulary's "us" is the US dollar).
EVERYDAY = {"home", "all", "coffee", "$", "switch", "vacuum", "pound", "pounds", "us"}


def _strings(path: Path) -> list[tuple[ast.AST, list[str]]]:
    """Every str constant of a module but its docstrings, and the strings of each literal collection."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            out.append((node, [node.value]))
        elif isinstance(node, (ast.Dict, ast.Tuple, ast.List, ast.Set)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            out.append((node, [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]))
    return out


def copies(path: Path) -> list[str]:
    """Where a module spells out vocabulary: a word of it as a string (ids aside: code may name a kind or a room),
    or a literal table of two or more of its words or ids."""
    aliases, every_word = _words(ids=False) - EVERYDAY, _words(ids=True) - EVERYDAY
    found = []
    for node, strings in _strings(path):
        said = {s.lower() for s in strings}
        if isinstance(node, ast.Constant) and said & aliases:
            found.append(f"{path.name}:{node.lineno} {strings[0]!r}")
        elif not isinstance(node, ast.Constant) and len(said & every_word) >= 2:
            found.append(f"{path.name}:{node.lineno} a table of {sorted(said & every_word)}")
    return found


def test_no_module_keeps_a_copy_of_the_vocabulary():
    assert [c for path in sorted((repo_root() / "app").rglob("*.py")) for c in copies(path)] == []


def test_the_copy_scan_finds_a_copied_table(tmp_path):
    module = tmp_path / "copy.py"
    module.write_text('"""Docstrings may say lounge."""\n'
                      'KINDS = {"light": ("lamp",), "plug": ("socket",)}\n'
                      'if text == "sterling":\n    pass\n', encoding="utf-8")
    assert sorted(copies(module)) == ["copy.py:2 'lamp'", "copy.py:2 'socket'",
                                      "copy.py:2 a table of ['light', 'plug']", "copy.py:3 'sterling'"]


def test_other_assets_keep_no_word_lists():
    assert not {"rooms", "room_aliases", "colors"} & set(WORLD)
    assert set(RATES) == {"as_of", "base", "rates"}
