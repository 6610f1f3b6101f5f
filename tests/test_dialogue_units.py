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
    ("what is a third of ninety", 30),
    ("round 2.5", 3),  # half away from zero, not Python's half to even
    ("round minus 2.5", -3),
    ("round 3.2 up", 4),
    ("round down 3.9", 3),
    ("what is 22 divided by 7 rounded", 3),
    ("what is 22 divided by 7 rounded up", 4),
    ("nine divided by two rounded to the nearest whole number", 5),
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


def _at(text: str, ampm: str | None, hour: int = 9) -> datetime:
    entities = [Entity("time", text, 0, len(text))]
    return Slots(entities, NOW.replace(hour=hour)).moment(ampm).at


@pytest.mark.parametrize("text, hour, ampm, expected", [
    ("6:45", 9, "am", datetime(2026, 12, 1, 6, 45)),  # alarms: the next morning one
    ("6:45", 5, "am", datetime(2026, 11, 30, 6, 45)),
    ("7", 20, "am", datetime(2026, 12, 1, 7, 0)),
    ("12:30", 9, "am", datetime(2026, 11, 30, 12, 30)),  # twelve stays noon
    ("6:45", 9, None, datetime(2026, 11, 30, 18, 45)),  # no rule: the next one to come
    ("1", 9, "awake", datetime(2026, 11, 30, 13, 0)),  # events and reminders: the next in waking hours
    ("8", 10, "awake", datetime(2026, 11, 30, 20, 0)),
    ("8", 7, "awake", datetime(2026, 11, 30, 8, 0)),
    ("2", 22, "awake", datetime(2026, 12, 1, 14, 0)),
    ("10", 11, "awake", datetime(2026, 12, 1, 10, 0)),  # not 10 p.m.
    ("tomorrow at 7", 9, "awake", datetime(2026, 12, 1, 7, 0)),
    ("thursday at 1", 9, "awake", datetime(2026, 12, 3, 13, 0)),
    ("7 pm", 9, "am", datetime(2026, 11, 30, 19, 0)),  # said: never changed
    ("seven in the evening", 9, "am", datetime(2026, 11, 30, 19, 0)),
])
def test_an_hour_without_am_or_pm_is_settled_per_skill(text, hour, ampm, expected):
    assert _at(text, ampm, hour) == expected.replace(tzinfo=timezone.utc)


def test_time_words_split_by_the_model_are_read_together():
    text = "set an alarm for 6:30 tomorrow morning"
    spans = [Entity(kind, words, text.index(words), text.index(words) + len(words))
             for kind, words in (("time", "6:30"), ("date", "tomorrow"), ("timeofday", "morning"))]
    assert Slots(spans, NOW).moment().at == datetime(2026, 12, 1, 6, 30, tzinfo=timezone.utc)


def test_recurrences_and_times_after_a_verb_for_speech():
    assert say.repeat((0, 1, 2, 3, 4)) == "on weekdays"
    assert say.repeat(tuple(range(7))) == "every day"
    assert say.repeat((5, 6)) == "at weekends"
    assert say.repeat((0, 2)) == "every Monday and Wednesday"
    assert say.at(datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc), NOW) == "at six p.m."
    assert say.at(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc), NOW) == "tomorrow at nine a.m."


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


@pytest.mark.parametrize("spoken, last, expected", [
    ("divide that by 4", 36, "36 / 4"),
    ("times two", 36, "36 * 2"),
    ("and minus five", 10, "10 - 5"),
    ("what is minus five times three", 10, "- 5 * 3"),  # a negative number, not a subtraction from the last
    ("what is half of the answer", 18, "0.5 * 18"),
    ("add 10 to that", 1e20, "10 + 100000000000000000000"),
    ("what is twelve times three", 9, "12 * 3"),
    ("round that", 14.285, "round(14.285)"),
    ("round it down", 14.285, "floor(14.285)"),
])
def test_maths_on_the_previous_answer(spoken, last, expected):
    from app.dialogue.skills.maths import on_last

    assert spoken_to_expression(on_last(spoken, last)) == expected


@pytest.mark.parametrize("expr, said", [
    ("15 / 100 * 80", "fifteen percent of eighty"),
    ("0.5 * 18", "half of eighteen"),
    ("7 ** 2 + 1", "seven squared plus one"),
    ("2 ** 20", "two to the power of twenty"),
    ("0.333 * 3", None),  # said rounded, the sum would be wrong
    (spoken_to_expression("what's 3 quarters of a cup times 2"), "three quarters times two"),
    (spoken_to_expression("two thirds of 90"), "two thirds times ninety"),
    ("round(3.5)", "three point five rounded"),
    ("ceil(22 / 7)", "twenty-two divided by seven, rounded up,"),
])
def test_sums_are_said_as_people_say_them(expr, said):
    from app.dialogue.skills.maths import speak_expression

    assert speak_expression(expr) == said


@pytest.mark.parametrize("words, unit", [
    ("miles", "mile"), ("kilometres per hour", "kilometer / hour"), ("km", "kilometer"), ("kilos", "kilogram"),
    ("degrees celsius", "degree_Celsius"), ("fahrenheit", "degree_Fahrenheit"), ("a pound", "pound"),
    ("fl oz", "fluid_ounce"), ("mph", "mile_per_hour"), ("cups", "cup"), ("litres", "liter"),
    ("kelvin", "kelvin"), ("days", "day"),
    ("a", None), ("c sharp", None), ("joules", None), ("the kitchen", None), ("call mum", None), ("degrees", None),
])
def test_unit_words_are_read_as_people_mean_them(words, unit):
    from app.dialogue.skills.conversions import unit as parse

    found = parse(words)
    assert (str(found) if found is not None else None) == unit


@pytest.mark.parametrize("start, n, unit, expected", [
    ((2026, 1, 31), 1, "month", (2026, 2, 28)),
    ((2024, 2, 29), 1, "year", (2025, 2, 28)),
    ((2026, 11, 30), 3, "week", (2026, 12, 21)),
    ((2026, 11, 30), -1, "fortnight", (2026, 11, 16)),
    ((2026, 12, 15), 2, "month", (2027, 2, 15)),
])
def test_dates_move_by_calendar_units(start, n, unit, expected):
    from datetime import date

    from app.dialogue.skills.conversions import shift

    assert shift(date(*start), n, unit) == date(*expected)


@pytest.mark.parametrize("words, name", [
    ("to do", "to do"), ("to-do", "to do"), ("todo list", "to do"), ("my groceries", "grocery"),
    ("the packing list", "packing"), ("list of clients", "client"), ("my list", None),
])
def test_list_names(words, name):
    from app.dialogue.skills.lists import list_name

    assert list_name(words) == name


def test_the_unit_table_is_parsed_once_into_the_cache_then_read_back(hearth_home):
    from app.dialogue.skills import conversions

    conversions.registry.cache_clear()
    try:
        first = conversions.registry()
        assert (1 * first.pound).to(first.gram).magnitude == pytest.approx(453.59237)
        cached = list((hearth_home / "cache" / "pint").glob("*.pickle"))
        assert cached
        for path in cached:  # a damaged cache only costs time
            path.write_bytes(b"not a pickle")
        conversions.registry.cache_clear()
        again = conversions.registry()
        assert (1 * again.mile).to(again.kilometer).magnitude == pytest.approx(1.609344)
    finally:
        conversions.registry.cache_clear()
