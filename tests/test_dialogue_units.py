"""The dialogue's building blocks: safe maths, speech phrasing, slots, world and store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.dialogue import speech_text as say
from app.dialogue.skills.maths import MathsError, evaluate, spoken_to_expression
from app.dialogue.slots import Slots
from app.dialogue.state import Store
from app.dialogue.world import ASSETS, World
from app.nlu.types import Entity

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("spoken, expected", [
    ("what is twelve times three", 36),
    ("square root of eighty one", 9),
    ("what is two point five plus one", 3.5),
    ("seven squared", 49),
    ("a hundred divided by eight", 12.5),
    ("fifteen percent of two hundred", 30),
    ("what's ten minus twenty", -10),
])
def test_spoken_maths(spoken, expected):
    assert evaluate(spoken_to_expression(spoken)) == pytest.approx(expected)


@pytest.mark.parametrize("dangerous", [
    "__import__('os').system('echo hacked')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "lambda: 1",
    "[1] * 10",
    "x + 1",
    "sqrt.__call__(4)",
    "9 ** 9 ** 9",
    "2 ** 100000",
    "1 / 0",
    "'a' * 3",
    "True + True",
    "1 if 1 else 2",
    "1" * 500,
])
def test_maths_rejects_anything_but_arithmetic(dangerous):
    with pytest.raises(MathsError):
        evaluate(dangerous)


@pytest.mark.parametrize("value, words", [
    (12, "twelve"), (2.5, "two point five"), (-3, "minus three"), (36.0, "thirty-six"), (1 / 3, "zero point three three"),
])
def test_numbers_for_speech(value, words):
    assert say.number(value) == words


def test_times_and_durations_for_speech():
    assert say.clock_time(datetime(2026, 1, 1, 7, 30)) == "seven thirty a.m."
    assert say.clock_time(datetime(2026, 1, 1, 19, 5)) == "seven oh five p.m."
    assert say.clock_time(datetime(2026, 1, 1, 12, 0)) == "twelve noon"
    assert say.duration(600) == "ten minutes"
    assert say.duration(3900) == "one hour and five minutes"
    assert say.duration(1) == "one second"
    assert say.when(datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc), NOW) == "tomorrow at seven a.m."
    assert say.day(datetime(2026, 12, 3, tzinfo=timezone.utc), NOW) == "on Thursday"


def test_slots_fill_missing_values_and_combine_date_and_time():
    slots = Slots([Entity("date", "tomorrow", 0, 8), Entity("time", "seven thirty am", 12, 27)], NOW)
    m = slots.moment()
    assert m.at == datetime(2026, 12, 1, 7, 30, tzinfo=timezone.utc) and m.grain == "time"
    assert Slots([Entity("time", "ten minutes", 0, 11)], NOW).moment().seconds == 600
    assert Slots([Entity("house_place", "Living Room", 0, 11)], NOW).value("house_place") == "living_room"
    assert Slots([Entity("list_name", "My Groceries", 0, 12)], NOW).value("list_name") == "my groceries"


def test_world_rooms_and_device_kinds(tmp_path):
    """The world takes the slot values the normalizer made from the words (it no longer reads words itself)."""
    world = World(ASSETS / "world.toml", Store(tmp_path / "s.db"))

    def value(entity_type: str, words: str):
        return Slots([Entity(entity_type, words, 0, len(words))], NOW).value(entity_type)

    assert world.room(value("house_place", "the bedrooms")) == "bedroom"
    assert world.room(value("house_place", "lounge")) == "living_room"
    assert world.room(value("house_place", "house")) == "*"
    assert world.room(value("house_place", "attic")) is None
    assert value("device_type", "smart plug socket") == "plug"
    assert value("device_type", "coffee machine") == "coffee_maker"
    assert value("color_type", "a nice blue") == {"kind": "color", "name": "blue", "hex": "#0000ff"}
    assert {d.kind for d in world.devices.values()} == {"light", "plug", "vacuum", "coffee_maker", "speaker"}
    assert list(world.rooms) == ["living_room", "kitchen", "bedroom", "bathroom", "office", "hallway"]


def test_store_transaction_is_all_or_nothing(tmp_path):
    store = Store(tmp_path / "s.db")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_items("shopping", ["eggs"])
            store.put("k", 1)
            raise RuntimeError("crash mid-turn")
    assert store.lists() == [] and store.get("k") is None
    store.add_items("shopping", ["eggs"])
    store.close()
    assert Store(tmp_path / "s.db").items("shopping") == ["eggs"]
    assert Store(tmp_path / "s.db")._read("PRAGMA journal_mode")[0][0] == "wal"
