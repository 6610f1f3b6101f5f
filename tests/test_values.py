import json
import logging
from datetime import datetime, timedelta

import pytest
from zoneinfo import ZoneInfo

from app.nlu import values
from app.nlu.types import Entity
from app.nlu.values import mend_entities, normalize, repeat_days, spoken_numbers, to_number

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=LONDON)  # a Sunday morning, GMT (+00:00)


def dur(seconds):
    return {"kind": "duration", "seconds": seconds}


def at(iso, grain="time"):
    return {"kind": "datetime", "iso": iso, "grain": grain}


def guessed(iso):
    """An hour said without am/pm: the next one to come, marked so skills can settle it their way."""
    return at(iso) | {"ampm": "guessed"}


def pct(value):
    return {"kind": "percent", "value": value}


def col(name, hex_):
    return {"kind": "color", "name": name, "hex": hex_}


TEMPORAL = [
    # durations
    ("time", "ten minutes", dur(600)),
    ("time", "for ten minutes", dur(600)),
    ("time", "an hour and a half", dur(5400)),
    ("time", "hour and a half", dur(5400)),  # "the hour and a half timer"
    ("time", "a half hour", dur(1800)),
    ("time", "half hour", dur(1800)),
    ("time", "a quarter hour", dur(900)),
    ("time", "half", None),
    ("time", "one and a half hours", dur(5400)),
    ("time", "90 seconds", dur(90)),
    ("time", "one second", dur(1)),
    ("time", "2 hrs", dur(7200)),
    ("time", "half an hour", dur(1800)),
    ("time", "three quarters of an hour", dur(2700)),
    ("time", "one minute and thirty seconds", dur(90)),
    ("time", "2 hours 30 minutes", dur(9000)),
    ("time", "an hour", dur(3600)),
    # signed and huge durations stay what was said, exactly, for the skill to refuse
    ("time", "minus five minutes", dur(-300)),
    ("time", "for -5 minutes", dur(-300)),
    ("time", "negative two hours", dur(-7200)),
    ("time", "10000 weeks", dur(6048000000)),
    ("time", "one hundred trillion trillion minutes", dur(6 * 10**27)),
    ("time", "99999999999999999999 weeks", dur(99999999999999999999 * 604800)),
    ("time", "a million years", dur(31536 * 10**9)),
    ("time", "in minus ten minutes", dur(-600)),  # no moment: the skill says why
    ("time", "in 99999999999 weeks", dur(99999999999 * 604800)),  # past the calendar: no OverflowError
    # now plus a duration
    ("time", "in ten minutes", at("2026-11-29T10:10:00+00:00")),
    ("time", "in two hours", at("2026-11-29T12:00:00+00:00")),
    ("time", "two hours from now", at("2026-11-29T12:00:00+00:00")),
    ("time", "after five minutes", at("2026-11-29T10:05:00+00:00")),
    ("date", "in two days", at("2026-12-01T00:00:00+00:00", "day")),
    ("time", "twelve weeks from today", at("2027-02-21T00:00:00+00:00", "day")),
    # clock times: the next one to come
    ("time", "seven am", at("2026-11-30T07:00:00+00:00")),
    ("time", "at seven am", at("2026-11-30T07:00:00+00:00")),
    ("time", "7:30 pm", at("2026-11-29T19:30:00+00:00")),
    ("time", "seven thirty am", at("2026-11-30T07:30:00+00:00")),
    ("time", "eight forty five am", at("2026-11-30T08:45:00+00:00")),
    ("time", "eleven fifteen pm", at("2026-11-29T23:15:00+00:00")),
    ("time", "twelve am", at("2026-11-30T00:00:00+00:00")),
    ("time", "twelve pm", at("2026-11-29T12:00:00+00:00")),
    ("time", "23:15", at("2026-11-29T23:15:00+00:00")),
    ("time", "eight hundred am", at("2026-11-30T08:00:00+00:00")),
    ("time", "one thousand three hundred", at("2026-11-29T13:00:00+00:00")),
    ("time", "quarter past seven", guessed("2026-11-29T19:15:00+00:00")),
    ("time", "ten to six", guessed("2026-11-29T17:50:00+00:00")),
    ("time", "seven oh five", guessed("2026-11-29T19:05:00+00:00")),
    ("time", "eight o clock", guessed("2026-11-29T20:00:00+00:00")),
    ("time", "until three pm", at("2026-11-29T15:00:00+00:00")),
    ("time", "ten", guessed("2026-11-29T22:00:00+00:00")),  # 10:00 is now, so the next ten is 22:00
    ("time", "five", guessed("2026-11-29T17:00:00+00:00")),
    ("time", "noon", at("2026-11-29T12:00:00+00:00")),
    ("time", "midnight", at("2026-11-30T00:00:00+00:00")),
    ("time", "seven in the morning", at("2026-11-30T07:00:00+00:00")),
    ("time", "five thirty in the evening", at("2026-11-29T17:30:00+00:00")),
    ("time", "eleven at night", at("2026-11-29T23:00:00+00:00")),
    ("time", "two at night", at("2026-11-30T02:00:00+00:00")),
    ("time", "one in the afternoon", at("2026-11-29T13:00:00+00:00")),
    # days, and days with times
    ("date", "tomorrow", at("2026-11-30T00:00:00+00:00", "day")),
    ("date", "today", at("2026-11-29T00:00:00+00:00", "day")),
    ("date", "tomorrows", at("2026-11-30T00:00:00+00:00", "day")),
    ("date", "yesterday", at("2026-11-28T00:00:00+00:00", "day")),
    ("date", "next friday", at("2026-12-04T00:00:00+00:00", "day")),
    ("date", "on friday", at("2026-12-04T00:00:00+00:00", "day")),
    ("date", "coming sunday", at("2026-12-06T00:00:00+00:00", "day")),
    ("date", "this weekend", at("2026-12-05T00:00:00+00:00", "day")),
    ("date", "the day after tomorrow", at("2026-12-01T00:00:00+00:00", "day")),
    ("date", "the fifth of june", at("2027-06-05T00:00:00+01:00", "day")),  # summer time
    ("date", "march first", at("2027-03-01T00:00:00+00:00", "day")),
    ("date", "twenty second", at("2026-12-22T00:00:00+00:00", "day")),  # the 22nd of this month is past
    ("date", "sunday the sixth", at("2026-12-06T00:00:00+00:00", "day")),
    ("date", "tenth of march two thousand seventeen", at("2017-03-10T00:00:00+00:00", "day")),
    ("date", "twenty third of march twenty seventeen", at("2017-03-23T00:00:00+00:00", "day")),
    # days that don't exist are said back, never moved to one that does
    ("date", "31st february", {"kind": "no_such_date", "month": 2, "day": 31}),
    ("date", "the thirty first of june", {"kind": "no_such_date", "month": 6, "day": 31}),
    ("time", "february 30 at 7", {"kind": "no_such_date", "month": 2, "day": 30}),
    ("date", "29th february", at("2028-02-29T00:00:00+00:00", "day")),  # the next leap day
    ("date", "tomorrow at six", guessed("2026-11-30T06:00:00+00:00")),
    ("date", "tomorrow evening at seven", at("2026-11-30T19:00:00+00:00")),
    ("time", "nine pm tomorrow", at("2026-11-30T21:00:00+00:00")),
    ("date", "friday at noon", at("2026-12-04T12:00:00+00:00")),
    ("date", "monday morning", at("2026-11-30T08:00:00+00:00")),
    ("date", "in the morning on monday", at("2026-11-30T08:00:00+00:00")),
    ("date", "last night", at("2026-11-28T21:00:00+00:00")),
    # parts of the day
    ("date", "tonight", at("2026-11-29T21:00:00+00:00")),
    ("date", "this evening", at("2026-11-29T19:00:00+00:00")),
    ("timeofday", "this morning", at("2026-11-29T08:00:00+00:00")),  # said "this": stays today
    ("timeofday", "morning", at("2026-11-30T08:00:00+00:00")),  # 08:00 has passed: tomorrow's
    ("timeofday", "afternoon", at("2026-11-29T15:00:00+00:00")),
    ("timeofday", "next morning", at("2026-11-30T08:00:00+00:00")),
    # an hour without am/pm is marked, so skills can settle it; a part of the day or am/pm settles it here
    ("time", "6:45", guessed("2026-11-29T18:45:00+00:00")),
    ("time", "6:30 tomorrow morning", at("2026-11-30T06:30:00+00:00")),
    ("time", "7 tomorrow morning", at("2026-11-30T07:00:00+00:00")),
    ("time", "half past seven tonight", at("2026-11-29T19:30:00+00:00")),
    ("time", "6 this afternoon", at("2026-11-29T18:00:00+00:00")),
    ("time", "the 8 pm one", at("2026-11-29T20:00:00+00:00")),  # "cancel the 8 pm one"
    ("time", "thursday at 1", guessed("2026-12-03T01:00:00+00:00")),
    # holidays by name: the next one to come
    ("date", "christmas", at("2026-12-25T00:00:00+00:00", "day")),
    ("date", "christmas eve", at("2026-12-24T00:00:00+00:00", "day")),
    ("time", "christmas day at 6 pm", at("2026-12-25T18:00:00+00:00")),
    ("date", "new year's day", at("2027-01-01T00:00:00+00:00", "day")),
    ("date", "new years eve", at("2026-12-31T00:00:00+00:00", "day")),
    ("date", "halloween", at("2027-10-31T00:00:00+01:00", "day")),  # summer time ends that morning
    ("date", "valentine's day", at("2027-02-14T00:00:00+00:00", "day")),
    ("date", "easter", at("2027-03-28T00:00:00+00:00", "day")),  # Western Easter, computed
    ("date", "good friday", at("2027-03-26T00:00:00+00:00", "day")),
    ("date", "thanksgiving", at("2027-11-25T00:00:00+00:00", "day")),  # 4th Thursday of November; 2026's was the 26th
]


@pytest.mark.parametrize(("entity_type", "text", "expected"), TEMPORAL)
def test_temporal(entity_type, text, expected):
    assert normalize(entity_type, text, NOW) == expected


@pytest.mark.parametrize("text", ["seven am", "7 am", "at 7 am"])
def test_clock_time_earlier_than_now_rolls_to_tomorrow(text):
    evening = datetime(2026, 11, 29, 18, 0, tzinfo=LONDON)
    early = datetime(2026, 11, 29, 6, 0, tzinfo=LONDON)
    assert normalize("time", text, evening)["iso"] == "2026-11-30T07:00:00+00:00"
    assert normalize("time", text, early)["iso"] == "2026-11-29T07:00:00+00:00"


def test_holidays_of_this_year_until_they_pass():
    september = datetime(2026, 9, 1, 10, 0, tzinfo=LONDON)
    assert normalize("date", "thanksgiving", september)["iso"].startswith("2026-11-26")
    assert normalize("date", "halloween", september)["iso"].startswith("2026-10-31")
    assert normalize("date", "easter", september)["iso"].startswith("2027-03-28")
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=LONDON)
    assert normalize("date", "christmas", christmas)["iso"].startswith("2026-12-25")  # today counts


@pytest.mark.parametrize(("text", "days"), [
    ("wake me up every weekday at 7", (0, 1, 2, 3, 4)),
    ("set an alarm for 6:30 on weekdays", (0, 1, 2, 3, 4)),
    ("monday to friday at 6", (0, 1, 2, 3, 4)),
    ("set an alarm on mondays at 6", (0,)),
    ("every tuesday and thursday", (1, 3)),
    ("every monday, wednesday or friday", (0, 2, 4)),
    ("wake me every day at 7", tuple(range(7))),
    ("a daily alarm", tuple(range(7))),
    ("at weekends", (5, 6)),
    ("this weekend", None),
    ("on monday", None),
    ("every other day", None),
])
def test_repeat_days(text, days):
    assert repeat_days(text) == days


def test_relative_time_counts_real_elapsed_time_across_a_clock_change():
    before_change = datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)  # clocks go forward at 01:00 GMT
    assert normalize("time", "in one hour", before_change)["iso"] == "2026-03-29T02:30:00+01:00"


def test_default_now_is_local_and_aware():
    value = normalize("time", "in ten minutes")
    when = datetime.fromisoformat(value["iso"])
    assert when.tzinfo is not None
    assert abs(when - datetime.now(when.tzinfo) - timedelta(minutes=10)) < timedelta(minutes=1)


def test_naive_now_is_taken_as_local_time():
    assert normalize("date", "tomorrow", datetime(2026, 11, 29, 10))["iso"].startswith("2026-11-30T00:00:00")


@pytest.mark.parametrize(("text", "expected"), [
    ("twenty five", 25), ("3", 3), ("a dozen", 12), ("half a dozen", 6), ("one hundred and two", 102),
    ("two point five", 2.5), ("minus five", -5), ("-5", -5), ("negative 5", -5), ("1,000", 1000), ("zero", 0),
    ("twelve quintillion", 12 * 10**18), ("12345678901234567891", 12345678901234567891), ("9" * 400, None),
    ("lots", None), ("", None), ("five apples", None),
])
def test_to_number(text, expected):
    assert to_number(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("fifty percent", pct(50)), ("50%", pct(50)), ("to fifty percent", pct(50)), ("by twenty percent", pct(20)),
    ("sixty five percent", pct(65)), ("to max", pct(100)), ("to full power", pct(100)), ("loudest", pct(100)),
    ("to half", pct(50)), ("to lowest level", pct(0)),
    ("by ten", 10), ("to ninety", 90), ("to zero", 0), ("to level seven", 7), ("by two levels", 2),
    ("two point five", 2.5), ("a bit", None), ("slightly", None),
    ("to minus 50", -50), ("-20 percent", pct(-20)), ("to 150 percent", pct(150)),
])
def test_change_amount(text, expected):
    assert normalize("change_amount", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("blue", col("blue", "#0000ff")), ("Red", col("red", "#ff0000")), ("light blue", col("lightblue", "#add8e6")),
    ("dark green", col("darkgreen", "#006400")), ("grey", col("grey", "#808080")),
    ("warm white", col("warm white", "#ffa957")), ("warm", col("warm white", "#ffa957")),
    ("cool white", col("cool white", "#ffe4ce")), ("coolwhite", col("cool white", "#ffe4ce")),
    ("cooler tone", col("cool white", "#ffe4ce")), ("pinkish", col("pink", "#ffc0cb")),
    ("dull blue", col("blue", "#0000ff")), ("blue lights", col("blue", "#0000ff")),
    ("romantic", None), ("party mode", None), ("light", None),
])
def test_color(text, expected):
    assert normalize("color_type", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("kitchen", "kitchen"), ("the kitchen", "kitchen"), ("living room", "living_room"), ("lounge", "living_room"),
    ("bed room", "bedroom"), ("bedrooms", "bedroom"), ("bed room two", "bedroom_2"), ("bathroom", "bathroom"),
    ("hall", "hallway"), ("whole house", "whole_house"), ("conservatory", "conservatory"),
    ("my son's room", "sons_room"), ("here", None), ("this room", None),
])
def test_room(text, expected):
    assert normalize("house_place", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("lights", "light"), ("lamp", "light"), ("all lights", "light"), ("desk lamp one", "light"),
    ("lamp next to the sofa", "light"),
    ("right side of light", "light"), ("plug", "plug"), ("wemo plug socket", "plug"), ("kettle socket", "plug"),
    ("vacuum", "vacuum"), ("robot hoover", "vacuum"), ("robot vacuum cleaner", "vacuum"), ("roomba", "vacuum"),
    ("coffee machine", "coffee_maker"), ("coffee pot", "coffee_maker"), ("speaker", "speaker"),
    ("living room speakers", "speaker"), ("television", "tv"), ("equalizer", None), ("machine", None),
])
def test_device(text, expected):
    assert normalize("device_type", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("american dollar", "USD"), ("u. s. d.", "USD"), ("$", "USD"), ("yen", "JPY"), ("yens", "JPY"),
    ("euros", "EUR"), ("pounds", "GBP"), ("g. b. p.", "GBP"), ("indian rupees", "INR"), ("canadian dollars", "CAD"),
    ("philippine pesos", "PHP"), ("czk", "CZK"), ("switzerland", "CHF"), ("bitcoin", None), ("dablune", None),
])
def test_currency(text, expected):
    assert normalize("currency_name", text) == expected


@pytest.mark.parametrize(("entity_type", "text", "expected"), [
    ("person", "  John SMITH ", "john smith"), ("song_name", "Hey Jude!", "hey jude"),
    ("place_name", "Zürich", "zürich"), ("person", "\x00", None), ("list_name", "   ", None),
])
def test_other_types_give_cleaned_text(entity_type, text, expected):
    assert normalize(entity_type, text) == expected


STRUCTURED = ["time", "date", "timeofday", "change_amount", "color_type", "house_place", "device_type",
              "currency_name"]
GARBAGE = ["", "   ", "?!.", "asdf qwerty", "日本語のテキスト", "\u200b\u0000\ufffd", "🙂🙂", "9" * 400,
           "at at at", "99:99 pm", "13 pm", "the the", "in in", "9" * 400 + " weeks", "trillion " * 2000 + "minutes",
           "december 31st 9999 at 11 pm"]


@pytest.mark.parametrize("entity_type", STRUCTURED)
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_gives_none_without_errors(entity_type, text, caplog):
    with caplog.at_level(logging.WARNING, logger=values.__name__):
        result = normalize(entity_type, text, NOW)
    assert not caplog.records  # nothing raised inside (the guard would log it)
    if entity_type != "house_place":  # rooms keep unknown names as a slug
        assert result is None


@pytest.mark.parametrize("text", [None, 5, b"seven am"])
def test_non_text_gives_none(text):
    assert normalize("time", text, NOW) is None


def test_a_failing_normalizer_is_logged_and_gives_none(monkeypatch, caplog):
    def broken(*_):
        raise RuntimeError("bug")

    monkeypatch.setitem(values._HANDLERS, "color_type", broken)
    with caplog.at_level(logging.WARNING, logger=values.__name__):
        assert normalize("color_type", "blue") is None
    assert "color_type" in caplog.text


def test_values_are_json_serializable():
    samples = [normalize(t, x, NOW) for t, x, _ in TEMPORAL]
    samples += [normalize("change_amount", "50%"), normalize("color_type", "red"), normalize("house_place", "den")]
    assert json.loads(json.dumps(samples)) == samples


def test_scale_words_become_exact_digits_up_to_a_limit():
    assert spoken_numbers("twelve quintillion times nine quintillion") == (
        "12000000000000000000 times 9000000000000000000")
    assert spoken_numbers("a trillion") == "1000000000000"
    too_long = "1 " + "trillion " * 20
    assert spoken_numbers(too_long).split()[1] == "trillion"  # left as words past MAX_DIGITS


def ents(text, *spans):
    """Entities as the model cut them: (words, type) in order of appearance."""
    out, pos = [], 0
    for words, kind in spans:
        start = text.index(words, pos)
        out.append(Entity(kind, words, start, start + len(words)))
        pos = start + len(words)
    return out


@pytest.mark.parametrize(("text", "cut", "mended"), [
    ("set a timer for minus five minutes", [("five minutes", "time")], [("minus five minutes", "time")]),
    ("set a timer for -5 minutes", [("5 minutes", "time")], [("-5 minutes", "time")]),
    ("set a timer for negative 5 minutes", [("negative", "time"), ("5 minutes", "time")],
     [("negative 5 minutes", "time")]),
    ("set the volume to minus 50", [("50", "change_amount")], [("minus 50", "change_amount")]),
    ("dim the lights to minus 20 percent", [("percent", "change_amount")], [("minus 20 percent", "change_amount")]),
    ("set an alarm for one hundred trillion trillion minutes", [("one hundred", "time"), ("minutes", "time")],
     [("one hundred trillion trillion minutes", "time")]),
    ("add dentist on 31st february at 7", [("dentist", "event_name"), ("31st", "time"), ("february", "date"),
                                           ("7", "time")],
     [("dentist", "event_name"), ("31st february", "date"), ("7", "time")]),
    ("lunch on the 5th of june", [("5th of", "time"), ("june", "date")], [("5th of june", "date")]),
    ("set a timer for an hour and a half", [("an hour", "time"), ("half", "time")],
     [("an hour and a half", "time")]),
    ("wake me up at quarter to seven", [("quarter", "time"), ("seven", "time")], [("quarter to seven", "time")]),
    ("an alarm at 10 past 6", [("10", "time"), ("6", "time")], [("10 past 6", "time")]),
    ("how much is $20 in euros", [("euros", "currency_name")], [("$", "currency_name"), ("euros", "currency_name")]),
    ("what is 20 € in pounds", [("pounds", "currency_name")], [("€", "currency_name"), ("pounds", "currency_name")]),
    ("convert £5 to yen", [("£5", "currency_name"), ("yen", "currency_name")],
     [("£", "currency_name"), ("yen", "currency_name")]),
    # left alone: nothing to mend, or a number that belongs to something else
    ("wake me up tomorrow at 7", [("tomorrow", "date"), ("7", "time")], [("tomorrow", "date"), ("7", "time")]),
    ("timers for 5 minutes and 10 minutes", [("5 minutes", "time"), ("10 minutes", "time")],
     [("5 minutes", "time"), ("10 minutes", "time")]),  # two lengths, not one cut at its "and"
    ("remind me at 5 to feed the cat", [("5", "time"), ("feed the cat", "event_name")],
     [("5", "time"), ("feed the cat", "event_name")]),
    ("turn on speaker 2 in ten minutes", [("speaker", "device_type"), ("in ten minutes", "time")],
     [("speaker", "device_type"), ("in ten minutes", "time")]),
])
def test_mend_entities_repairs_spans_cut_through_numbers_and_dates(text, cut, mended):
    found = mend_entities(text, ents(text, *cut), normalize_values=False)
    assert [(e.text, e.type) for e in found] == mended
    assert all(text[e.start:e.end] == e.text for e in found)


def test_mended_entities_get_values_and_untouched_ones_are_kept():
    text = "set a timer for minus five minutes in the kitchen"
    kitchen = Entity("house_place", "kitchen", text.index("kitchen"), len(text), "kitchen")
    found = mend_entities(text, ents(text, ("five minutes", "time")) + [kitchen])
    assert found[0].value == dur(-300) and found[1] is kitchen
