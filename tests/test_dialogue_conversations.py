"""Scripted multi-turn conversations through DialogueManager, built from Understanding objects.

Entities are given as text spans; their values come from the same normalizer the NLU uses,
anchored on a FakeClock, so these tests exercise the real slot path without a model.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from app.config import datasets_dir
from app.dialogue import DialogueManager, FakeClock, Reply
from app.dialogue.skills import SKILLS
from app.nlu.types import Entity, Understanding

START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # a Monday


def u(text: str, intent: str, confidence: float = 0.9, **entities: str) -> Understanding:
    """An Understanding whose entities are the named substrings of `text` (values left to the manager)."""
    found = []
    for kind, words in entities.items():
        start = text.index(words)
        found.append(Entity(kind.rstrip("_"), words, start, start + len(words)))
    return Understanding(text, intent, confidence, found)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_HOME", str(tmp_path))
    clock = FakeClock(START)
    return SimpleNamespace(clock=clock, db=tmp_path / "hearth.db", dm=DialogueManager(clock=clock))


def test_default_db_lives_in_hearth_home(env, tmp_path):
    env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    assert (tmp_path / "hearth.db").exists()


def test_a_preview_gives_the_reply_and_changes_nothing(env):
    """At a pause Hearth previews the reply to synthesize its start (app/endpoint.py): the home, the timers and
    the conversation stay as they were, and the real turn then gives the same reply and makes the change."""
    lights = u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen")
    timer = u("set a timer for ten minutes", "alarm_set", time="ten minutes")
    before = env.dm.world_snapshot()
    for said in (lights, timer):
        preview = env.dm.preview(said)
        assert env.dm.world_snapshot() == before and env.dm.preview(said).text == preview.text
        assert env.dm.handle(said).text == preview.text
        before = env.dm.world_snapshot()
    after = env.dm.world_snapshot()
    assert after["timers"] and any(d["name"] == "kitchen lights" and d["state"].get("on") for d in after["devices"])
    assert env.dm.preview(u("cancel my timer", "alarm_remove")).text and env.dm.world_snapshot() == after


def test_timer_fires_via_due_announcements(env):
    r = env.dm.handle(u("set a timer for ten minutes", "alarm_set", time="ten minutes"))
    assert "ten minutes" in r.text and r.actions
    env.clock.advance(minutes=9)
    assert env.dm.due_announcements() == []
    env.clock.advance(minutes=1)
    fired = env.dm.due_announcements()
    assert len(fired) == 1 and "ten minutes" in fired[0].text
    assert env.dm.due_announcements() == []  # announced once


def test_make_it_ten_minutes_changes_the_timer(env):
    env.dm.handle(u("set a timer for five minutes", "alarm_set", time="five minutes"))
    r = env.dm.handle(u("make it ten minutes", "alarm_set", 0.5, time="ten minutes"))
    assert "ten minutes" in r.text
    timers = env.dm.world_snapshot()["timers"]
    assert len(timers) == 1 and timers[0]["seconds"] == 600
    env.clock.advance(minutes=5)
    assert env.dm.due_announcements() == []
    env.clock.advance(minutes=5)
    assert len(env.dm.due_announcements()) == 1


def test_alarm_for_tomorrow(env):
    r = env.dm.handle(u("wake me up tomorrow at seven am", "alarm_set", date="tomorrow", time="seven am"))
    assert r.text.count("tomorrow") == 1 and "seven a.m." in r.text
    (alarm,) = env.dm.world_snapshot()["alarms"]
    assert datetime.fromisoformat(alarm["due"]) == datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)
    assert "seven a.m." in env.dm.handle(u("what alarms do i have", "alarm_query")).text
    env.clock.set(datetime(2026, 12, 1, 7, 0, 30, tzinfo=timezone.utc))
    (fired,) = env.dm.due_announcements()
    assert "alarm" in fired.text


def test_alarm_with_explicit_values(env):
    """Values as app.nlu.values makes them are used as given."""
    when = {"kind": "datetime", "iso": "2026-11-30T19:30:00+00:00", "grain": "time"}
    r = env.dm.handle(Understanding("alarm at half seven", "alarm_set", 0.9, [Entity("time", "half seven", 9, 19, when)]))
    assert "seven thirty p.m." in r.text


def test_weather_and_tomorrow_follow_up(env):
    today = env.dm.handle(u("what's the weather in london", "weather_query", place_name="london"))
    assert "simulated" in today.text and "London" in today.text and "today" in today.text
    tomorrow = env.dm.handle(u("and tomorrow?", "weather_query", 0.6, date="tomorrow"))
    assert tomorrow.intent == "weather_query"
    assert "London" in tomorrow.text and "tomorrow" in tomorrow.text and "simulated" in tomorrow.text


def test_follow_up_even_when_nlu_guesses_another_intent(env):
    env.dm.handle(u("what's the weather in tokyo", "weather_query", place_name="tokyo"))
    r = env.dm.handle(u("what about tomorrow", "datetime_query", 0.5, date="tomorrow"))
    assert r.intent == "weather_query" and "Tokyo" in r.text


def test_turn_them_off_uses_the_last_devices(env):
    on = env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    assert on.actions == [{"device": "light.kitchen", "set": {"on": True}}]
    off = env.dm.handle(u("turn them off", "iot_hue_lightoff"))
    assert off.actions == [{"device": "light.kitchen", "set": {"on": False}}]


def test_what_about_the_bedroom_reuses_the_intent(env):
    env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    r = env.dm.handle(u("what about the bedroom", "iot_hue_lightoff", 0.5, house_place="bedroom"))
    assert r.intent == "iot_hue_lighton"
    assert r.actions == [{"device": "light.bedroom", "set": {"on": True}}]


def test_missing_slot_question_and_answer(env):
    q = env.dm.handle(u("set a timer", "alarm_set"))
    assert q.expects_reply and "how long" in q.text.lower()
    a = env.dm.handle(u("fifteen minutes", "alarm_set", 0.4, time="fifteen minutes"))
    assert "fifteen minutes" in a.text and not a.expects_reply
    assert env.dm.world_snapshot()["timers"][0]["seconds"] == 900


def test_missing_slot_answered_without_an_entity(env):
    env.dm.handle(u("add tape to my moving list", "lists_createoradd", list_name="moving"))
    env.dm.handle(u("add milk to my shopping list", "lists_createoradd", list_name="shopping"))
    q = env.dm.handle(u("add bread to my list", "lists_createoradd"))  # two lists: which one?
    assert q.expects_reply
    a = env.dm.handle(u("shopping", "general_quirky", 0.3))
    assert a.intent == "lists_createoradd"
    assert env.dm.world_snapshot()["lists"] == {"moving": ["tape"], "shopping": ["milk", "bread"]}


def test_an_item_with_no_list_yet_starts_the_shopping_list(env):
    r = env.dm.handle(u("add bread to my list", "lists_createoradd"))
    assert not r.expects_reply and env.dm.world_snapshot()["lists"] == {"shopping": ["bread"]}


def test_clearing_a_list_asks_first(env):
    env.dm.handle(u("add eggs and milk to my shopping list", "lists_createoradd", list_name="shopping"))
    q = env.dm.handle(u("delete my shopping list", "lists_remove", list_name="shopping"))
    assert q.expects_reply and "?" in q.text
    kept = env.dm.handle(u("no", "general_negate"))
    assert not kept.actions
    assert env.dm.world_snapshot()["lists"] == {"shopping": ["eggs", "milk"]}
    env.dm.handle(u("delete my shopping list", "lists_remove", list_name="shopping"))
    gone = env.dm.handle(u("yes please", "general_affirm"))
    assert gone.actions == [{"list": "shopping", "deleted": True}]
    assert env.dm.world_snapshot()["lists"] == {}


def test_plain_yes_text_confirms_whatever_the_intent(env):
    env.dm.handle(u("wake me at six am", "alarm_set", time="six am"))
    env.dm.handle(u("wake me at seven am", "alarm_set", time="seven am"))
    assert env.dm.handle(u("remove all alarms", "alarm_remove")).expects_reply
    env.dm.handle(u("yes", "general_quirky", 0.3))
    assert env.dm.world_snapshot()["alarms"] == []


def test_low_confidence_asks_with_the_best_guess(env):
    q = env.dm.handle(u("mumble lights", "iot_hue_lighton", 0.2))
    assert q.expects_reply and "lights on" in q.text and not q.actions
    r = env.dm.handle(u("yes", "general_affirm"))
    assert r.actions and all(a["set"] == {"on": True} for a in r.actions)


def test_weak_intent_in_a_sure_scenario_acts_without_asking(env):
    weak = u("turn on the kitchen lights", "iot_hue_lighton", 0.31, house_place="kitchen")
    weak.alternatives = [("iot_hue_lightup", 0.19), ("iot_hue_lightoff", 0.13)]
    r = env.dm.handle(weak)
    assert not r.expects_reply and r.actions and all(a["set"]["on"] for a in r.actions)
    scattered = u("lights or music", "iot_hue_lighton", 0.31)
    scattered.alternatives = [("play_music", 0.3), ("iot_hue_lightoff", 0.05)]
    assert env.dm.handle(scattered).expects_reply


def test_stop_cancels_a_pending_question_and_playback(env):
    env.dm.handle(u("play some jazz", "play_music", music_genre="jazz"))
    assert env.dm.world_snapshot()["now_playing"]["genre"] == "jazz"
    env.dm.handle(u("set a timer", "alarm_set"))
    r = env.dm.handle(u("stop", "general_commandstop"))
    assert r.end_session and env.dm.world_snapshot()["now_playing"] is None
    after = env.dm.handle(u("ten minutes", "alarm_set", 0.3, time="ten minutes"))
    assert after.intent == "alarm_set"  # a fresh request, not the cancelled question


def test_repeat_says_the_last_reply_again(env):
    first = env.dm.handle(u("what is twelve times three", "qa_maths"))
    assert "thirty-six" in first.text
    assert env.dm.handle(u("say that again", "general_repeat")).text == first.text


def test_state_survives_a_restart(env):
    env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    env.dm.handle(u("add eggs to my grocery list", "lists_createoradd", list_name="grocery"))
    env.dm.handle(u("set a timer for ten minutes", "alarm_set", time="ten minutes"))
    env.dm.handle(u("play the radio", "play_radio"))
    env.dm.close()
    env.clock.advance(hours=1)
    again = DialogueManager(env.db, clock=env.clock)
    snap = again.world_snapshot()
    kitchen = next(d for d in snap["devices"] if d["id"] == "light.kitchen")
    assert kitchen["state"]["on"] is True
    assert snap["lists"] == {"grocery": ["eggs"]}
    assert snap["now_playing"]["kind"] == "radio"
    (overdue,) = again.due_announcements()  # the timer ran out while Hearth was closed
    assert "while i was away" in overdue.text.lower()
    # session context survives too: "turn them off" still knows which lights
    off = again.handle(u("turn them off", "iot_hue_lightoff"))
    assert off.actions == [{"device": "light.kitchen", "set": {"on": False}}]


def test_a_pending_question_survives_a_restart(env):
    env.dm.handle(u("add bread to my list", "lists_createoradd"))
    env.dm.close()
    again = DialogueManager(env.db, clock=env.clock)
    again.handle(u("the shopping", "lists_query", 0.3))
    assert again.world_snapshot()["lists"] == {"shopping": ["bread"]}


def test_damaged_db_is_moved_aside_and_announced(env, tmp_path):
    env.dm.close()
    env.db.write_bytes(b"this is not a database" * 100)
    dm = DialogueManager(env.db, clock=env.clock)
    kept = list(tmp_path.glob("hearth.db.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not")
    (notice,) = dm.due_announcements()
    assert "damaged" in notice.text and str(kept[0]) in notice.text
    assert dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen")).actions
    sqlite3.connect(env.db).execute("SELECT * FROM kv").fetchall()  # the fresh file is a database


def test_failed_turn_changes_nothing(env, monkeypatch):
    from app.dialogue.skills import devices

    def broken(t, kind, on):
        t.world.set(t.world.devices["light.kitchen"], on=True)
        raise RuntimeError("boom")

    monkeypatch.setattr(devices, "_switch", broken)
    r = env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    assert "nothing was changed" in r.text
    kitchen = next(d for d in env.dm.world_snapshot()["devices"] if d["id"] == "light.kitchen")
    assert kitchen["state"]["on"] is False


def test_scene_greets_lightly(env):
    scene = SimpleNamespace(people=1, looking=True, labels=["person"])
    assert env.dm.handle(u("what time is it", "datetime_query"), scene=scene).text.startswith("Hi")
    assert not env.dm.handle(u("what time is it", "datetime_query"), scene=scene).text.startswith("Hi")


def test_offline_intents_say_what_hearth_cannot_do(env):
    r = env.dm.handle(u("send an email to bob", "email_sendemail", person="bob"))
    assert "offline" in r.text and "email" in r.text


def test_currency_says_it_is_offline_and_dated(env):
    r = env.dm.handle(u("how many euros for ten dollars", "qa_currency", currency_name="euros", currency_name_="dollars"))
    assert "offline" in r.text and "2025" in r.text and "isn't live" in r.text
    assert r.text.index("ten US dollars") < r.text.index("euros")


def _intents() -> list[str]:
    path = datasets_dir() / "hwu64" / "annotated.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    with path.open(encoding="utf-8") as f:
        return sorted({json.loads(line)["intent"] for line in f})


def test_every_intent_has_a_skill():
    intents = _intents()
    assert len(intents) == 64
    assert [i for i in intents if i not in SKILLS] == []


def test_every_intent_gets_a_non_empty_reply(env):
    for intent in _intents():
        text = next(json.loads(line)["text"] for line in open(datasets_dir() / "hwu64" / "annotated.jsonl")
                    if json.loads(line)["intent"] == intent)
        r = env.dm.handle(Understanding(text, intent, 0.9))
        assert isinstance(r, Reply) and r.text.strip(), intent
        assert "went wrong" not in r.text, (intent, r.text)
        env.dm.handle(u("stop", "general_commandstop"))  # close any question before the next intent


def test_every_dataset_example_gets_a_reply(env):
    """Every annotated HWU64 utterance, entities included, runs without an error reply."""
    path = datasets_dir() / "hwu64" / "annotated.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    rows = [json.loads(line) for line in path.open(encoding="utf-8")][::10]
    failures = []
    for row in rows:
        ents = [Entity(e["entity"], row["text"][e["start"]:e["end"]], e["start"], e["end"]) for e in row["entities"]]
        r = env.dm.handle(Understanding(row["text"], row["intent"], 0.9, ents), session=f"s{len(failures)}")
        if not r.text.strip() or "went wrong" in r.text:
            failures.append((row["text"], r.text))
    assert failures == []


def test_a_confident_new_request_drops_the_open_question(env):
    env.dm.handle(u("add tape to my moving list", "lists_createoradd", list_name="moving"))
    env.dm.handle(u("add soap to my chores list", "lists_createoradd", list_name="chores"))
    assert env.dm.handle(u("add milk", "lists_createoradd")).expects_reply  # which list?
    r = env.dm.handle(u("what time is it", "datetime_query", 0.95))
    assert r.intent == "datetime_query"
    env.dm.handle(u("groceries", "lists_createoradd", 0.5, list_name="groceries"))
    assert env.dm.world_snapshot()["lists"] == {"moving": ["tape"], "chore": ["soap"], "grocery": []}  # no stray "milk"


def test_make_it_blue_recolours_the_same_lights(env):
    env.dm.handle(u("make the kitchen lights red", "iot_hue_lightchange", house_place="kitchen", color_type="red"))
    r = env.dm.handle(u("make it blue", "iot_hue_lightchange", 0.6, color_type="blue"))
    assert r.actions == [{"device": "light.kitchen", "set": {"on": True, "color": "blue"}}]


def test_bulb_white_tones_keep_their_spoken_name(env):
    """The normalizer and the home share one vocabulary ("cool white" used to become "coolwhite", unknown to the
    home)."""
    r = env.dm.handle(u("set the bedroom lights to cool white", "iot_hue_lightchange",
                        house_place="bedroom", color_type="cool white"))
    assert r.actions == [{"device": "light.bedroom", "set": {"on": True, "color": "cool white"}}]
    assert "cool white" in r.text and "can't" not in r.text
    light = next(d for d in env.dm.world_snapshot()["devices"] if d["id"] == "light.bedroom")
    assert light["state"]["color"] == "cool white"


def test_a_mood_is_not_a_colour_but_a_tone_and_a_level(env):
    r = env.dm.handle(u("make the lights romantic", "iot_hue_lightchange", color_type="romantic"))
    assert r.intent == "iot_scene" and "warm white at thirty percent" in r.text and r.actions
    lit = [d["state"] for d in env.dm.world_snapshot()["devices"] if d["kind"] == "light" and d["state"]["on"]]
    assert lit and all((s["color"], s["brightness"]) == ("warm white", 30) for s in lit)


def test_currencies_come_as_codes_and_are_named_from_the_vocabulary(env):
    r = env.dm.handle(u("convert one pound sterling to yen", "qa_currency",
                        currency_name="pound sterling", currency_name_="yen"))
    assert "one pound is about" in r.text and r.text.endswith("yen.")
    missing = env.dm.handle(u("how many philippine pesos for a dollar", "qa_currency",
                              currency_name="philippine pesos", currency_name_="dollar"))
    assert "doesn't have philippine pesos" in missing.text


@pytest.mark.parametrize("text, intent, expected", [
    ("how long is left on my timer", "calendar_query", "alarm_query"),
    ("cancel the timer", "general_commandstop", "alarm_remove"),
    ("start a timer for five minutes", "calendar_set", "alarm_set"),
    ("wake me up at seven", "alarm_set", "alarm_set"),
    ("what is on my calendar", "calendar_query", "calendar_query"),
    ("take two minutes off the timer", "calendar_remove", "alarm_set"),
    ("remove five minutes from the pasta timer", "calendar_remove", "alarm_set"),
    ("remove the pasta timer", "calendar_set", "alarm_remove"),
    ("how many timers do i have", "alarm_set", "alarm_query"),
    ("set an egg timer", "alarm_set", "alarm_set"),
    ("remind me to call mum in twenty minutes", "alarm_set", "calendar_set"),
    ("remind me to cancel the gym", "calendar_remove", "calendar_set"),
    ("what reminders do i have", "general_quirky", "calendar_query"),
    ("cancel my reminder to call mum", "calendar_set", "calendar_remove"),
    ("set a reminder for 12:21 to check the oven", "calendar_query", "calendar_set"),
])
def test_timer_and_reminder_words_choose_the_skill(text, intent, expected):
    from app.dialogue.manager import LOW_CONFIDENCE, timer_request

    minutes = re.search(r"\w+ minutes", text)
    routed = timer_request(u(text, intent, 0.2, **({"time": minutes.group()} if minutes else {})))
    assert routed.intent == expected
    if re.search(r"timer|remind", text):  # acted on, never "did you mean ...?"
        assert routed.confidence >= LOW_CONFIDENCE


def test_asking_about_a_running_timer(env):
    env.dm.handle(u("set a timer for ten minutes", "alarm_set", time="ten minutes"))
    env.clock.advance(seconds=120)
    r = env.dm.handle(u("how long is left on my timer", "calendar_query", 0.56))
    assert r.intent == "alarm_query" and "eight minutes" in r.text


def test_stop_playing_labelled_as_mute_stops_the_music(env):
    env.dm.handle(u("play some jazz", "play_music", music_genre="jazz"))
    r = env.dm.handle(u("stop playing", "audio_volume_mute"))
    assert env.dm.world_snapshot()["now_playing"] is None and r.actions
    r = env.dm.handle(u("mute", "audio_volume_mute"))
    assert "mute" in r.text.lower()


# ---- references to the last turn (issue 11) -----------------------------------------------------
# The labels below are the shipped model's own for these words, mistakes included: the rules must hold
# whatever it guesses.

def _light(env, device_id: str) -> dict:
    return next(d for d in env.dm.world_snapshot()["devices"] if d["id"] == device_id)["state"]


def test_turn_it_off_means_the_lights_just_switched_on_even_when_heard_as_mute(env):
    env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", 0.61, house_place="kitchen"))
    r = env.dm.handle(u("turn it off", "audio_volume_mute", 0.42))
    assert r.actions == [{"device": "light.kitchen", "set": {"on": False}}]
    speaker = next(d for d in env.dm.world_snapshot()["devices"] if d["kind"] == "speaker")
    assert not speaker["state"].get("muted")


def test_make_them_warmer_and_set_them_to_fifty_percent(env):
    env.dm.handle(u("turn on the bedroom lights", "iot_hue_lighton", 0.57, house_place="bedroom"))
    warmer = env.dm.handle(u("make them warmer", "weather_query", 0.61))
    assert warmer.actions == [{"device": "light.bedroom", "set": {"on": True, "color": "warm white"}}]
    half = env.dm.handle(u("set them to 50 percent", "qa_maths", 0.63, time="50", change_amount="percent"))
    assert half.actions == [{"device": "light.bedroom", "set": {"on": True, "brightness": 50}}]
    assert "fifty percent" in half.text and _light(env, "light.kitchen")["on"] is False


def test_there_is_the_room_of_the_last_turn(env):
    env.dm.handle(u("turn on the bedroom lights", "iot_hue_lighton", house_place="bedroom"))
    env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    r = env.dm.handle(u("turn the lights off there", "iot_hue_lightoff", 0.99))
    assert r.actions == [{"device": "light.kitchen", "set": {"on": False}}]
    assert _light(env, "light.bedroom")["on"] is True


def test_what_about_paris_follows_the_weather_though_tagged_a_person(env):
    env.dm.handle(u("what's the weather in london", "weather_query", place_name="london"))
    r = env.dm.handle(u("what about paris", "qa_factoid", 0.87, person="paris"))
    assert r.intent == "weather_query" and "Paris" in r.text and "simulated" in r.text


def test_the_weather_there_is_the_place_of_the_last_turn(env):
    env.dm.handle(u("what time is it in tokyo", "datetime_query", place_name="tokyo"))
    r = env.dm.handle(u("what's the weather there", "weather_query", 0.99))
    assert r.intent == "weather_query" and "Tokyo" in r.text


def test_maths_on_the_previous_answer(env):
    assert env.dm.handle(u("what is 12 times 3", "qa_maths", 0.98)).text == "Twelve times three is thirty-six."
    assert env.dm.handle(u("divide that by 4", "qa_maths", 0.98)).text == "Thirty-six divided by four is nine."
    assert "eighteen" in env.dm.handle(u("times two", "qa_maths", 0.85)).text
    env.dm.handle(u("thanks", "general_praise", 0.99))  # small talk keeps the number
    r = env.dm.handle(u("and what's half of that", "general_quirky", 0.5))
    assert r.intent == "qa_maths" and r.text == "Half of eighteen is nine."


def test_a_sum_is_said_as_it_was_asked(env):
    assert env.dm.handle(u("what is 15 percent of 80", "qa_maths", 0.98)).text == "Fifteen percent of eighty is twelve."
    assert env.dm.handle(u("what is one divided by three", "qa_maths")).text == "One divided by three is about zero point three three."
    assert env.dm.handle(u("what's 3 quarters of a cup times 2", "qa_maths")).text == "Three quarters times two is one point five."


def test_how_much_is_twenty_dollars_in_euros_then_in_pounds(env):
    env.dm.handle(u("how much is 20 dollars in euros", "qa_currency", 0.99, currency_name="dollars", currency_name_="euros"))
    r = env.dm.handle(u("and in pounds?", "qa_currency", 0.85, currency_name="pounds"))
    assert "twenty US dollars is about" in r.text and r.text.endswith("pounds.")


def test_and_in_pounds_converts_the_same_amount(env):
    env.dm.handle(u("how many euros is ten dollars", "qa_currency", 0.99, currency_name="euros", currency_name_="dollars"))
    r = env.dm.handle(u("and in pounds?", "qa_currency", 0.85, currency_name="pounds"))
    assert "ten US dollars is about" in r.text and r.text.endswith("pounds.")


def test_another_one_is_another_joke_never_the_same_twice_in_a_row(env):
    told = [env.dm.handle(u("tell me a joke", "general_joke", 0.99)).text]
    for _ in range(25):
        r = env.dm.handle(u("another one", "general_repeat", 0.32))
        assert r.intent == "general_joke"
        told.append(r.text)
    assert all(a != b for a, b in zip(told, told[1:]))
    for _ in range(5):
        told.append(env.dm.handle(u("tell me a food joke", "general_joke", joke_type="food")).text)
        assert told[-1] != told[-2]


def test_when_a_kind_has_one_joke_the_next_is_of_another_kind(env, monkeypatch):
    from app.dialogue.skills import jokes

    monkeypatch.setattr(jokes, "jokes", lambda: [{"kind": "weather", "text": "W."}, {"kind": "food", "text": "F."}])
    assert env.dm.handle(u("tell me a weather joke", "general_joke", joke_type="weather")).text == "W."
    again = env.dm.handle(u("tell me a weather joke", "general_joke", joke_type="weather")).text
    assert again.endswith("F.") and "only weather joke" in again


# ---- an open question gives way to a new request --------------------------------------------------

def test_a_new_command_is_not_taken_as_the_answer(env):
    q = env.dm.handle(u("turn on the plug", "iot_wemo_on", 0.96, device_type="plug"))
    assert q.expects_reply and "Which plug" in q.text
    r = env.dm.handle(u("set a timer for", "alarm_set", 0.46))
    assert r.intent == "alarm_set" and "how long" in r.text.lower()
    assert not any(d["state"].get("on") for d in env.dm.world_snapshot()["devices"] if d["kind"] == "plug")


def test_a_sum_after_when_should_it_ring_sets_no_alarm(env):
    assert env.dm.handle(u("set an alarm", "alarm_set", 0.99)).expects_reply
    r = env.dm.handle(u("what is 2 to the power of 300", "qa_maths", 0.77, time="300"))
    assert r.intent == "qa_maths" and "ten to the power of ninety" in r.text
    assert env.dm.world_snapshot()["alarms"] == []


def test_a_full_command_of_the_same_kind_replaces_the_question(env):
    assert env.dm.handle(u("set an egg timer", "alarm_set", 0.6)).expects_reply
    env.dm.handle(u("set a pasta timer for 10 minutes", "alarm_set", 0.9, time="10 minutes"))
    assert [(t["label"], t["seconds"]) for t in env.dm.world_snapshot()["timers"]] == [("pasta", 600)]


def test_a_question_left_open_still_takes_its_answer(env):
    env.dm.handle(u("set an alarm", "alarm_set", 0.99))
    r = env.dm.handle(u("make it seven am", "iot_hue_lightchange", 0.5, time="seven am"))
    assert r.intent == "alarm_set" and len(env.dm.world_snapshot()["alarms"]) == 1


def test_a_bare_answer_the_model_files_elsewhere_still_answers(env):
    assert env.dm.handle(u("remind me in 5 minutes", "calendar_set", 0.96, time="5 minutes")).expects_reply
    env.dm.handle(u("to check the rice", "cooking_recipe", 0.84, food_type="rice"))
    assert [e["title"] for e in env.dm.world_snapshot()["events"]] == ["check the rice"]


def test_cancel_the_timer_during_an_open_question_cancels_it(env):
    env.dm.handle(u("set a timer for ten minutes", "alarm_set", time="ten minutes"))
    assert env.dm.handle(u("remind me to call mum", "calendar_set", 0.99)).expects_reply  # when?
    r = env.dm.handle(u("cancel the timer", "alarm_remove", 0.9))
    assert r.intent == "alarm_remove" and env.dm.world_snapshot()["timers"] == []
    assert env.dm.world_snapshot()["events"] == []


# ---- lists ----------------------------------------------------------------------------------------

def add_milk_to_do() -> Understanding:
    """The model tags "to-do" as two list names, "to" and "do" (u() would find the first "to" instead)."""
    return Understanding("add milk to my to-do list", "lists_createoradd", 0.98,
                         [Entity("list_name", "to", 15, 17), Entity("list_name", "do", 18, 20)])


def test_one_list_needs_no_which_list(env):
    env.dm.handle(u("add eggs to my shopping list", "lists_createoradd", list_name="shopping"))
    r = env.dm.handle(u("add milk", "lists_createoradd", 0.87, item="milk"))
    assert not r.expects_reply and env.dm.world_snapshot()["lists"] == {"shopping": ["eggs", "milk"]}
    assert "eggs and milk" in env.dm.handle(u("what's on my list", "lists_query", 0.99)).text


def test_to_do_is_one_list_and_the_item_is_the_item(env):
    env.dm.handle(u("add call mum to my to do list", "lists_createoradd", 0.97, relation="mum", list_name="to do"))
    env.dm.handle(add_milk_to_do())
    env.dm.handle(u("add eggs to the groceries", "lists_createoradd", 0.85))
    env.dm.handle(u("add sunscreen to my packing list", "lists_createoradd", 0.96))
    assert env.dm.world_snapshot()["lists"] == {"grocery": ["eggs"], "packing": ["sunscreen"],
                                                 "to do": ["call mum", "milk"]}
    lists = env.dm.handle(u("what lists do i have", "lists_query", 0.99))
    assert lists.text == "You have three lists: grocery, packing and to do." and not lists.expects_reply


def test_take_milk_off_the_list_finds_the_list_with_milk(env):
    env.dm.handle(add_milk_to_do())
    env.dm.handle(u("add eggs to my shopping list", "lists_createoradd", list_name="shopping"))
    r = env.dm.handle(u("take milk off the list", "lists_remove", 0.97))
    assert r.actions == [{"list": "to do", "remove": ["milk"]}]


def test_clear_the_list_asks_then_empties_it(env):
    env.dm.handle(u("add eggs and milk to my shopping list", "lists_createoradd", list_name="shopping"))
    q = env.dm.handle(u("clear the shopping list", "lists_remove", 0.99, list_name="shopping"))
    assert q.expects_reply and "Clear your shopping list" in q.text
    assert env.dm.world_snapshot()["lists"] == {"shopping": ["eggs", "milk"]}
    env.dm.handle(u("yes", "general_affirm"))
    assert env.dm.world_snapshot()["lists"] == {"shopping": []}


def test_more_for_the_last_list_whatever_the_model_made_of_it(env):
    env.dm.handle(u("add milk to the shopping list", "lists_createoradd", 0.99, list_name="shopping"))
    assert "eggs" in env.dm.handle(u("and eggs", "cooking_recipe", 0.9)).text
    assert "sugar" in env.dm.handle(u("and sugar too", "general_quirky", 0.57)).text
    assert env.dm.handle(u("what's on it", "lists_query", 0.23)).text == "Your shopping list has three items: milk, eggs and sugar."
    env.dm.handle(u("make a packing list", "lists_createoradd", 0.98, list_name="packing"))
    env.dm.handle(u("add sunscreen to it", "weather_query", 0.91, weather_descriptor="sunscreen"))
    assert env.dm.world_snapshot()["lists"] == {"packing": ["sunscreen"], "shopping": ["milk", "eggs", "sugar"]}


def test_take_that_off_removes_what_was_just_added(env):
    env.dm.handle(u("add paper towels to the shopping list", "lists_createoradd", 0.98, list_name="towels",
                    list_name_="shopping"))
    assert env.dm.world_snapshot()["lists"] == {"shopping": ["paper towels"]}  # "towels" is an item, not the name
    r = env.dm.handle(u("actually take that off", "audio_volume_mute", 0.23))
    assert r.actions == [{"list": "shopping", "remove": ["paper towels"]}]


def test_out_of_something_puts_it_on_the_list(env):
    env.dm.handle(u("add coffee to my shopping list", "lists_createoradd", list_name="shopping"))
    env.dm.handle(u("we're out of toilet paper, put it on the list", "lists_createoradd", 0.93, list_name="toilet"))
    assert env.dm.world_snapshot()["lists"] == {"shopping": ["coffee", "toilet paper"]}


def test_with_two_lists_a_bare_add_asks_which(env):
    env.dm.handle(u("add milk to my shopping list", "lists_createoradd", list_name="shopping"))
    env.dm.handle(u("add call mum to my to do list", "lists_createoradd", list_name="to do"))
    q = env.dm.handle(u("add cheese", "lists_createoradd", 0.45, item="cheese"))
    assert q.expects_reply and "Which list" in q.text


def test_the_request_said_in_full_answers_the_open_question(env):
    env.dm.handle(u("make a new list", "lists_createoradd", 0.99))
    assert "moving house" in env.dm.handle(u("moving house", "iot_cleaning", 0.19, house_place="house")).text
    env.dm.handle(u("add tape to my moving house list", "lists_createoradd", 0.98, list_name="moving", list_name_="house"))
    assert env.dm.world_snapshot()["lists"] == {"moving house": ["tape"]}


def test_make_it_fifteen_keeps_the_unit(env):
    env.dm.handle(u("set a timer for 10 minutes", "alarm_set", 0.52, time="10 minutes"))
    env.dm.handle(u("no, make it 15", "qa_maths", 0.26))
    assert [t["seconds"] for t in env.dm.world_snapshot()["timers"]] == [900]


def test_actually_make_it_six_thirty_moves_the_alarm(env):
    env.dm.handle(u("set an alarm for 7 am tomorrow", "alarm_set", 0.99, time="7 am", date="tomorrow"))
    env.dm.handle(u("actually make it 6:30", "qa_maths", 0.55, time="6:30"))
    (alarm,) = env.dm.world_snapshot()["alarms"]
    assert datetime.fromisoformat(alarm["due"]) == datetime(2026, 12, 1, 6, 30, tzinfo=timezone.utc)


# ---- conversions and date arithmetic --------------------------------------------------------------

@pytest.mark.parametrize("text, intent, entities, said", [
    ("convert 5 miles to km", "qa_maths", {"currency_name": "km"}, "Five miles is about eight point zero five kilometres."),
    ("how many ounces in a pound", "qa_maths", {}, "There are sixteen ounces in a pound."),
    ("what's 20 celsius in fahrenheit", "qa_factoid", {"place_name": "fahrenheit"},
     "Twenty degrees Celsius is sixty-eight degrees Fahrenheit."),
    ("how many pounds in a kilo", "qa_currency", {"currency_name": "kilo"}, "There are about two point two pounds in a kilogram."),
    ("convert 100 kilometers per hour to miles per hour", "qa_maths", {},
     "One hundred kilometres per hour is about sixty-two point one miles per hour."),
    ("how many cups in a liter", "cooking_recipe", {}, "There are about four point two three US cups in a litre."),
    ("how many ounces in a liter", "qa_maths", {}, "There are about thirty-three point eight US fluid ounces in a litre."),
    ("convert 12 ounces to milliliters", "qa_maths", {},
     "Twelve US fluid ounces is about three hundred and fifty-five millilitres."),
    ("convert 5 miles to kilograms", "qa_maths", {}, "I can't convert miles to kilograms: one is a length and the other a weight."),
    ("how many days until christmas", "datetime_query", {"date": "christmas"},
     "There are twenty-five days until Christmas, Friday, December the twenty-fifth."),
    ("what day is it in 3 weeks", "datetime_query", {"time": "3", "date": "weeks"},
     "In three weeks it'll be Monday, December the twenty-first."),
    ("how many weeks until december 25th", "datetime_query", {"date": "december 25th"},
     "There are three weeks and four days until Friday, December the twenty-fifth."),
    ("how old is someone born in 1990", "qa_factoid", {},
     "Someone born in 1990 is thirty-five or thirty-six, depending on whether they've had their birthday this year."),
    ("what day of the week is christmas eve", "datetime_query", {"event_name": "christmas", "date": "eve"},
     "Christmas Eve is on Thursday, December the twenty-fourth."),
    ("how many days ago was halloween", "datetime_query", {"event_name": "halloween"},
     "It's been thirty days since Halloween, Saturday, October the thirty-first."),
])
def test_conversions_and_date_sums_whatever_the_model_called_them(env, text, intent, entities, said):
    r = env.dm.handle(u(text, intent, 0.8, **entities))
    assert (r.intent, r.text) == ("qa_convert", said)


def test_and_in_kelvin_converts_the_last_amount(env):
    env.dm.handle(u("what's 20 celsius in fahrenheit", "qa_factoid", 0.88, place_name="fahrenheit"))
    r = env.dm.handle(u("and in kelvin", "cooking_recipe", 0.1, person="kelvin"))
    assert r.text == "Twenty degrees Celsius is about two hundred and ninety-three kelvin."


def test_days_until_then_a_sum_on_them(env):
    env.dm.handle(u("how many days until christmas", "datetime_query", 0.98, date="christmas"))
    assert "about three point five seven" in env.dm.handle(u("divide that by 7", "qa_maths", 0.98)).text


def test_a_recipe_question_with_to_is_not_a_date_sum(env):
    r = env.dm.handle(u("how long to boil an egg", "cooking_recipe", 0.98, food_type="egg"))
    assert r.intent == "cooking_recipe" and "recipe" in r.text


# ---- small talk -----------------------------------------------------------------------------------

def test_good_morning_greets_with_the_time_of_day(env):
    r = env.dm.handle(u("good morning", "general_quirky", 0.96, timeofday="morning"))
    assert r.text.startswith("Good morning! It's nine a.m.") and "chit-chat" not in r.text
    env.clock.advance(hours=6)
    assert env.dm.handle(u("good morning", "general_quirky", 0.96)).text.startswith("Good afternoon! It's already three p.m.")
    env.clock.advance(hours=-5)
    assert env.dm.handle(u("good evening", "general_quirky", 0.91)).text.startswith("Good morning! It's only ten a.m.")


@pytest.mark.parametrize("text, intent, said", [
    ("thanks", "general_praise", r"welcome|Any time|Happy to help"),
    ("how are you", "general_quirky", r"doing well|All good"),
    ("what can you do", "general_quirky", r"^I can set timers.*offline"),
    ("who are you", "general_quirky", r"^I'm Hearth"),
    ("what's your name", "email_querycontact", r"^I'm Hearth"),
    ("are you there", "general_quirky", r"^Yes, I'm here"),
    ("I love you", "music_likeness", r"kind of you"),
])
def test_small_talk(env, text, intent, said):
    r = env.dm.handle(u(text, intent, 0.97))
    assert re.search(said, r.text) and "chit-chat" not in r.text


def test_a_damaged_reference_in_the_session_is_dropped():
    from app.dialogue.skills.base import Session

    s = Session.load({"last_number": "nine", "last_list": 3, "last_quantity": [1], "turn": 2})
    assert (s.last_number, s.last_list, s.last_quantity, s.turn) == (None, None, None, 2)
    assert Session.load({"last_number": 36}).last_number == 36


# ---- issue 11: times as people mean them, named timers, reminders, recurring alarms -------------------------

def _due(dm, kind="alarms"):
    return [datetime.fromisoformat(a["due"]) for a in dm.world_snapshot()[kind]]


@pytest.mark.parametrize("hour, understanding, due", [
    (10, u("wake me at 6:45", "alarm_set", time="6:45"), datetime(2026, 12, 1, 6, 45, tzinfo=timezone.utc)),
    (10, u("set an alarm for 7", "alarm_set", time="7"), datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)),
    (22, u("set an alarm for 7", "alarm_set", time="7"), datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)),
    (5, u("wake me up at 6", "alarm_set", time="6"), datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)),
    (10, u("set an alarm for 6:30 tomorrow morning", "alarm_set", time="6:30", date="tomorrow", timeofday="morning"),
     datetime(2026, 12, 1, 6, 30, tzinfo=timezone.utc)),
    (10, u("set an alarm for half past seven tonight", "alarm_set", time="half past seven", timeofday="tonight"),
     datetime(2026, 11, 30, 19, 30, tzinfo=timezone.utc)),
    (10, u("set an alarm for 6 this afternoon", "alarm_set", time="6", date="this", timeofday="afternoon"),
     datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)),
    (10, u("set an alarm for 3 pm", "alarm_set", time="3 pm"), datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)),
])
def test_an_alarm_without_am_or_pm_is_the_next_morning_one(env, hour, understanding, due):
    env.clock.set(START.replace(hour=hour))
    r = env.dm.handle(understanding)
    assert _due(env.dm) == [due], r.text
    assert ("p.m." in r.text) == (due.hour >= 12)


def test_an_event_with_a_time_is_never_all_day_and_a_bare_hour_is_in_the_day(env):
    env.clock.set(START.replace(hour=10))
    # the model tags only "Thursday": the clock time is read from the words
    r = env.dm.handle(u("put lunch with sam on my calendar for thursday at 1", "calendar_set",
                        event_name="lunch", person="sam", date="thursday"))
    (event,) = env.dm.world_snapshot()["events"]
    assert event["title"] == "lunch with sam" and not event["all_day"]
    assert datetime.fromisoformat(event["start"]) == datetime(2026, 12, 3, 13, 0, tzinfo=timezone.utc)
    assert "one p.m." in r.text
    env.dm.handle(u("add christmas dinner to my calendar on christmas day at 6 pm", "calendar_set",
                    event_name="christmas", event_name_="dinner", date="christmas day", time="6 pm"))
    christmas = env.dm.world_snapshot()["events"][-1]
    assert christmas["title"] == "christmas dinner"
    assert datetime.fromisoformat(christmas["start"]) == datetime(2026, 12, 25, 18, 0, tzinfo=timezone.utc)


def test_a_weekday_alarm_rings_rearms_and_rings_again(env):
    r = env.dm.handle(u("wake me up every weekday at 7", "alarm_set", date="weekday", time="7"))
    assert "seven a.m. on weekdays" in r.text and "tomorrow" in r.text
    tuesday = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)
    assert _due(env.dm) == [tuesday]
    assert "on weekdays" in env.dm.handle(u("what alarms do i have", "alarm_query")).text
    env.clock.set(tuesday - timedelta(seconds=1))
    assert env.dm.due_announcements() == []
    env.clock.set(tuesday)
    (ring,) = env.dm.due_announcements()
    assert "seven a.m." in ring.text and "alarm" in ring.text
    assert _due(env.dm) == [tuesday + timedelta(days=1)]  # re-armed for Wednesday
    assert env.dm.seconds_until_due() == 86400
    assert env.dm.due_announcements() == []
    env.clock.set(datetime(2026, 12, 4, 7, 0, 1, tzinfo=timezone.utc))  # Friday; Wednesday and Thursday missed
    (late,) = env.dm.due_announcements()  # rings once, not once per missed day
    assert late.text.startswith("While I was away")
    assert _due(env.dm) == [datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)]  # then Monday, past the weekend
    env.dm.handle(u("delete my weekday alarm", "alarm_remove", date="weekday"))
    assert env.dm.world_snapshot()["alarms"] == []


def test_an_alarm_on_mondays_rings_every_monday(env):
    r = env.dm.handle(u("set an alarm on mondays at 6", "alarm_set", date="mondays", time="6"))
    assert "every Monday" in r.text
    first = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)  # 6:00 today has passed
    assert _due(env.dm) == [first]
    env.clock.set(first)
    assert len(env.dm.due_announcements()) == 1
    assert _due(env.dm) == [first + timedelta(days=7)]


def test_named_timers_are_told_apart(env):
    r = env.dm.handle(u("set a pasta timer for 10 minutes", "calendar_set", 0.49, time="10 minutes"))
    assert r.intent == "alarm_set" and "pasta timer" in r.text.lower()
    env.dm.handle(u("set a 4 minute timer for the eggs", "calendar_set", 0.47, time="4 minute"))
    assert {t["label"]: t["seconds"] for t in env.dm.world_snapshot()["timers"]} == {"pasta": 600, "eggs": 240}
    env.clock.advance(minutes=1)
    assert env.dm.handle(u("how long is left on the pasta timer", "cooking_recipe", 0.22)).text == (
        "Your pasta timer has nine minutes left.")
    listed = env.dm.handle(u("what timers do i have", "calendar_query")).text
    assert "two timers" in listed and "pasta" in listed and "eggs" in listed
    r = env.dm.handle(u("add five minutes to the pasta timer", "calendar_set", 0.5, time="five minutes"))
    assert r.text == "I've added five minutes to your pasta timer."
    assert {t["label"]: t["remaining_s"] for t in env.dm.world_snapshot()["timers"]} == {"pasta": 840, "eggs": 180}
    env.clock.advance(minutes=3)
    (ring,) = env.dm.due_announcements()
    assert ring.text == "Time's up! Your eggs timer is done."
    env.dm.handle(u("cancel the pasta timer", "calendar_remove", 0.62))
    assert env.dm.world_snapshot()["timers"] == []


def test_right_after_a_timer_a_bare_change_adjusts_it_whatever_the_model_guessed(env):
    """"take two minutes off" right after setting it took the new length for the timer's ("your timer is now two
    minutes"); "take a minute off" was heard as mute; "add 2 minutes" after asking what is left was answered
    as the question again."""
    env.dm.handle(u("set a timer for 5 minutes", "alarm_set", time="5 minutes"))
    r = env.dm.handle(u("take 2 minutes off", "alarm_set", 0.7, time="2 minutes"))
    assert r.text == "I've taken two minutes off your timer: three minutes left."
    r = env.dm.handle(u("take a minute off", "audio_volume_mute", 0.8))  # no time tagged either
    assert r.text == "I've taken one minute off your timer: two minutes left."
    env.dm.handle(u("how much time is left", "alarm_query"))
    r = env.dm.handle(u("add 2 minutes", "alarm_query", 0.6, time="2 minutes"))
    assert r.text == "I've added two minutes to your timer."
    r = env.dm.handle(u("give me 5 more minutes", "qa_maths", 0.3, time="5"))
    assert r.text == "I've added five minutes to your timer."
    assert [t["remaining_s"] for t in env.dm.world_snapshot()["timers"]] == [540]
    r = env.dm.handle(u("add a timer for 3 minutes", "alarm_set", time="3 minutes"))
    assert len(env.dm.world_snapshot()["timers"]) == 2  # a new one: "add a timer" is no change


def test_add_or_take_off_time_changes_the_right_timer(env):
    env.dm.handle(u("set a timer for 10 minutes", "alarm_set", time="10 minutes"))
    env.dm.handle(u("set another timer for 20 minutes", "alarm_set", time="20 minutes"))
    r = env.dm.handle(u("add five minutes to the timer", "alarm_set", 0.59, time="five minutes"))
    assert "I've added five minutes" in r.text and len(env.dm.world_snapshot()["timers"]) == 2  # no third timer
    assert sorted(t["remaining_s"] for t in env.dm.world_snapshot()["timers"]) == [600, 1500]  # the last one set
    r = env.dm.handle(u("take two minutes off the timer", "calendar_remove", 0.25, time="two minutes"))
    assert r.text == "I've taken two minutes off your timer: twenty-three minutes left."
    r = env.dm.handle(u("take an hour off the timer", "calendar_remove", 0.25, time="an hour"))
    assert "left it as it is" in r.text
    r = env.dm.handle(u("cancel the ten minute timer", "calendar_remove", 0.62, time="ten minute"))
    assert r.text.endswith("your timer for ten minutes.") or "timer for ten minutes" in r.text
    assert [t["seconds"] for t in env.dm.world_snapshot()["timers"]] == [1380]


def test_an_egg_timer_asks_how_long_not_alarm_or_timer(env):
    q = env.dm.handle(u("set an egg timer", "alarm_set", 0.39))
    assert q.text == "How long should the egg timer be?"
    env.dm.handle(u("four minutes", "alarm_set", 0.4, time="four minutes"))
    assert [(t["label"], t["seconds"]) for t in env.dm.world_snapshot()["timers"]] == [("egg", 240)]


def test_a_relative_reminder_rings_with_its_task(env):
    r = env.dm.handle(u("remind me to call mum in twenty minutes", "calendar_set", relation="mum",
                        time="twenty minutes"))
    assert r.text.endswith("remind you to call mum in twenty minutes.")
    (event,) = env.dm.world_snapshot()["events"]
    assert event["title"] == "call mum" and not event["all_day"]
    assert datetime.fromisoformat(event["start"]) == START + timedelta(minutes=20)
    env.clock.advance(minutes=19)
    assert env.dm.due_announcements() == []
    env.clock.advance(minutes=1)
    (ring,) = env.dm.due_announcements()
    assert ring.text == "Reminder: call mum." and ring.actions[0]["event"] == event["id"]


@pytest.mark.parametrize("understanding, title, start", [
    (u("remind me at 6 to take the bread out", "calendar_set", time="6", event_name="take", event_name_="bread"),
     "take the bread out", datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)),
    (u("remind me tomorrow at 9 to call the dentist", "calendar_set", date="tomorrow", time="9",
       event_name="dentist"), "call the dentist", datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)),
    (u("set a reminder for 12:21 to take the bread out", "calendar_set", time="12"),
     "take the bread out", datetime(2026, 11, 30, 12, 21, tzinfo=timezone.utc)),
    (u("remind me to take my pills at 8", "alarm_set", time="8"),
     "take your pills", datetime(2026, 11, 30, 20, 0, tzinfo=timezone.utc)),
    (u("set a reminder for the school play on thursday at 6 pm", "calendar_set", event_name="school play",
       date="thursday", time="6 pm"), "the school play", datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)),
])
def test_a_reminder_is_titled_with_its_task(env, understanding, title, start):
    r = env.dm.handle(understanding)
    (event,) = env.dm.world_snapshot()["events"]
    assert (event["title"], datetime.fromisoformat(event["start"])) == (title, start), r.text
    assert r.intent == "calendar_set" and title in r.text


def test_reminders_are_listed_and_cancelled_by_task(env):
    env.dm.handle(u("remind me to call mum in twenty minutes", "calendar_set", time="twenty minutes"))
    env.dm.handle(u("remind me tomorrow at 9 to call the dentist", "calendar_set", date="tomorrow", time="9"))
    env.dm.handle(u("add lunch with sam on friday at 1", "calendar_set", event_name="lunch", person="sam",
                    date="friday", time="1"))
    listed = env.dm.handle(u("what reminders do i have", "calendar_query")).text
    assert listed == ("You have two reminders: call mum at nine twenty a.m. and call the dentist tomorrow at "
                      "nine a.m.")
    r = env.dm.handle(u("cancel the reminder to call mum", "calendar_remove", relation="mum"))
    assert "call mum" in r.text and not r.expects_reply
    assert [e["title"] for e in env.dm.world_snapshot()["events"]] == ["call the dentist", "lunch with sam"]
    env.clock.advance(minutes=20)
    assert env.dm.due_announcements() == []


def test_a_reminder_without_a_time_asks_when(env):
    q = env.dm.handle(u("remind me to buy stamps", "calendar_set"))
    assert q.expects_reply and q.text == "When should I remind you to buy stamps?"
    env.dm.handle(u("at 5 pm", "calendar_set", 0.5, time="5 pm"))
    (event,) = env.dm.world_snapshot()["events"]
    assert event["title"] == "buy stamps" and datetime.fromisoformat(event["start"]).hour == 17


def test_cancel_the_8_pm_one_removes_that_alarm(env):
    env.dm.handle(u("set an alarm for 8 pm", "alarm_set", time="8 pm"))
    env.dm.handle(u("set an alarm for 7 am tomorrow", "alarm_set", time="7 am", date="tomorrow"))
    env.dm.handle(u("cancel the 8 pm one", "calendar_remove", 0.75, time="8 pm one"))
    assert _due(env.dm) == [datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)]


def test_a_schema_1_database_opens_as_the_current_schema_with_its_rows(tmp_path):
    from app.dialogue.state import SCHEMA, SCHEMA_VERSION, Store

    path = tmp_path / "hearth.db"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA)
    old.execute("INSERT INTO alarms (kind, due, seconds, label) VALUES ('timer', '2026-11-30T09:10:00+00:00', 600, '')")
    old.execute("INSERT INTO events (title, start, all_day) VALUES ('dentist', '2026-12-01T09:00:00+00:00', 0)")
    old.execute("INSERT INTO kv (key, value) VALUES ('now_playing', 'null')")
    old.execute("PRAGMA user_version=1")
    old.commit()
    old.close()
    store = Store(path)
    assert store._read("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 4
    (timer,) = store.alarms()
    assert (timer.kind, timer.seconds, timer.repeat, timer.paused) == ("timer", 600, (), None)
    (event,) = store.events()
    assert (event.title, event.all_day, event.reminder, event.repeat) == ("dentist", False, False, ())
    store.add_alarm("alarm", datetime(2026, 12, 1, 7, tzinfo=timezone.utc), repeat=(0, 1, 2, 3, 4))
    store.close()
    assert Store(path).alarms()[-1].repeat == (0, 1, 2, 3, 4)  # opening again changes nothing


def _ask(home, text: str) -> dict:
    """One `hearth ask --json` turn through the shipped language model, in its own process."""
    r = subprocess.run([sys.executable, "-m", "app", "ask", "--json", text], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "HEARTH_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_headline_requests_through_the_language_model(tmp_path):
    wake = _ask(tmp_path, "wake me at 6:45")
    due = datetime.fromisoformat(wake["actions"][0]["set"]["due"])
    assert (due.hour, due.minute) == (6, 45) and "a.m." in wake["reply"]
    egg = _ask(tmp_path / "eggs", "set an egg timer")
    assert egg["reply"] == "How long should the egg timer be?"
    pasta = _ask(tmp_path, "set a pasta timer for 10 minutes")
    assert "pasta timer" in pasta["reply"].lower() and "ten minutes" in pasta["reply"]
    more = _ask(tmp_path, "add five minutes to the pasta timer")
    assert more["reply"] == "I've added five minutes to your pasta timer."
    remind = _ask(tmp_path, "remind me to call mum in twenty minutes")
    assert remind["reply"].endswith("remind you to call mum in twenty minutes.")
    assert remind["actions"][0]["set"]["title"] == "call mum"
    lunch = _ask(tmp_path, "put lunch with Sam on my calendar for Thursday at 1")
    start = datetime.fromisoformat(lunch["actions"][0]["set"]["start"])
    assert (start.hour, start.minute) == (13, 0) and lunch["actions"][0]["set"]["title"] == "lunch with sam"


# ---- questions never change state; opposite actions; whole home; media; replies that say what changed ----

def _home(env) -> dict:
    return {k: v for k, v in env.dm.world_snapshot().items() if k != "now"}


def _on(env) -> list[str]:
    return sorted(d["id"] for d in env.dm.world_snapshot()["devices"] if d["state"].get("on"))


@pytest.mark.parametrize("text, intent, said", [
    ("are any lights on", "iot_hue_lighton", r"^Yes, two lights are on: the living room lights .* office lamp"),
    ("is the coffee maker on", "iot_coffee", r"^No, the coffee maker is off\."),
    ("what's the volume", "audio_volume_up", r"^The volume is at forty percent\.$"),
    ("are the living room lights on", "iot_hue_lightoff", r"^Yes, the living room lights are on at seventy"),
    ("what colour are the bedroom lights", "iot_hue_lightchange", r"warm white"),
    ("is the vacuum running", "iot_cleaning", r"^No, the robot vacuum is docked"),
    ("is the fairy lights plug on", "iot_hue_lighton", r"^No, the fairy lights plug is off\."),
    ("is everything off", "audio_volume_mute", r"^No, the living room lights and the office lamp are on\."),
    ("what's playing", "play_music", r"Nothing is playing"),
])
def test_a_question_is_answered_from_state_and_changes_nothing(env, text, intent, said):
    before = _home(env)
    r = env.dm.handle(u(text, intent, 0.5, **({"house_place": "living room"} if "living room" in text else {})))
    assert re.search(said, r.text), r.text
    assert not r.actions and _home(env) == before


def test_a_follow_up_to_a_question_stays_a_question(env):
    env.dm.handle(u("is the kitchen light on", "iot_hue_lightoff", 0.55, house_place="kitchen"))
    before = _home(env)
    r = env.dm.handle(u("what about the bedroom", "iot_hue_lighton", 0.5, house_place="bedroom"))
    assert "bedroom lights are off" in r.text and _home(env) == before
    on = env.dm.handle(u("turn them on", "iot_hue_lighton"))  # the devices asked about are "them"
    assert on.actions == [{"device": "light.bedroom", "set": {"on": True}}]


def test_a_request_phrased_as_a_question_is_carried_out(env):
    r = env.dm.handle(u("can you turn on the kitchen lights?", "iot_hue_lighton", house_place="kitchen"))
    assert r.actions == [{"device": "light.kitchen", "set": {"on": True}}]


def test_turn_off_the_coffee_maker_stops_it(env):
    assert "latte" in env.dm.handle(u("make me a latte", "iot_coffee", device_type="latte")).text
    r = env.dm.handle(u("turn off the coffee maker", "iot_coffee", device_type="coffee maker"))
    assert "stopped" in r.text and r.actions == [{"device": "coffee_maker.kitchen", "set": {"status": "idle", "drink": ""}}]
    assert "already off" in env.dm.handle(u("turn of the coffee maker", "iot_coffee")).text


def test_turn_of_is_turn_off(env):
    r = env.dm.handle(u("turn of the lights", "iot_hue_lightup", 0.57))
    assert r.intent == "iot_hue_lightoff" and _on(env) == []
    assert "turned off two lights: living room and office" in r.text and "already off" in r.text


def test_a_plug_named_in_a_light_command_is_the_plug(env):
    r = env.dm.handle(u("turn on the fairy lights", "iot_hue_lighton", color_type="fairy"))
    assert r.actions == [{"device": "plug.living_room", "set": {"on": True}}] and "fairy lights plug" in r.text


def test_dont_turn_on_does_nothing(env):
    before = _home(env)
    r = env.dm.handle(u("don't turn on the kitchen lights", "iot_hue_lightoff", house_place="kitchen"))
    assert not r.actions and _home(env) == before and "leave" in r.text


def test_volume_to_a_number_sets_exactly_that(env):
    r = env.dm.handle(u("set the volume to 30", "audio_volume_up", 0.95, change_amount="to", time="30"))
    assert r.actions == [{"device": "speaker.living_room", "set": {"volume": 30, "muted": False}}]
    assert env.dm.handle(u("volume 70", "audio_volume_up", time="70")).actions[0]["set"]["volume"] == 70
    refused = env.dm.handle(u("set the volume to 130", "audio_volume_up", change_amount="to"))
    assert not refused.actions and "one hundred percent" in refused.text


def test_a_level_without_a_colour_is_brightness(env):
    """The reply follows what happened: an off light set to 30 % got brighter."""
    r = env.dm.handle(u("set the bedroom lights to 120 percent", "iot_hue_lightchange", house_place="bedroom",
                        change_amount="to 120 percent"))
    assert not r.actions and "one hundred percent" in r.text
    r = env.dm.handle(u("set the bedroom lights to 30 percent", "iot_hue_lightchange", house_place="bedroom",
                        change_amount="to 30 percent"))
    assert r.actions == [{"device": "light.bedroom", "set": {"on": True, "brightness": 30}}]
    assert r.text == "I've turned the bedroom lights up to thirty percent. They were off, so I turned them on."


def test_kill_the_music_stops_it_and_resume_continues_it(env):
    env.dm.handle(u("play some jazz", "play_music", music_genre="jazz"))
    playing = env.dm.world_snapshot()["now_playing"]
    assert env.dm.handle(u("kill the music", "play_music", 0.54)).text == "Stopped."
    assert env.dm.world_snapshot()["now_playing"] is None
    r = env.dm.handle(u("resume", "play_audiobook", 0.96, player_setting="resume"))
    assert r.text == f"Resuming {playing['title']}." and env.dm.world_snapshot()["now_playing"]["title"] == playing["title"]


def test_pause_then_resume_an_audiobook_where_it_was(env):
    env.dm.handle(u("play the lantern keeper", "play_radio", 0.46, radio_name="lantern keeper"))
    env.dm.handle(u("next chapter", "play_audiobook"))
    assert env.dm.world_snapshot()["now_playing"]["chapter"] == 2
    assert env.dm.handle(u("pause", "audio_volume_mute", 0.88)).text == "I've paused The Lantern Keeper."
    assert env.dm.world_snapshot()["now_playing"]["paused"] is True
    assert env.dm.handle(u("resume", "play_audiobook", 0.96)).text == "Resuming The Lantern Keeper."
    now = env.dm.world_snapshot()["now_playing"]
    assert (now["chapter"], now["paused"]) == (2, False)


def test_skip_and_previous_move_through_the_artist(env):
    env.dm.handle(u("play Blue Hour by Ruby Okafor", "play_music", 0.87, artist_name="Blue"))
    assert env.dm.world_snapshot()["now_playing"]["title"] == "Blue Hour"
    assert "Late Train Home" in env.dm.handle(u("skip", "play_podcasts", 0.85)).text
    assert "Blue Hour" in env.dm.handle(u("go back to the previous song", "play_music", 0.42)).text
    assert env.dm.handle(u("next song", "music_likeness", 0.57)).actions[0]["item"]["title"] == "Late Train Home"


def test_goodnight_turns_off_lights_plugs_and_music_and_says_which(env):
    env.dm.handle(u("play some jazz", "play_music", music_genre="jazz"))
    r = env.dm.handle(u("goodnight", "audio_volume_mute", 0.81))
    assert r.text == ("Goodnight. Off now: the living room lights and the office lamp. I stopped the music too.")
    assert _on(env) == [] and env.dm.world_snapshot()["now_playing"] is None
    assert env.dm.handle(u("turn everything off", "audio_volume_mute", 0.43)).text == "Okay. Everything was already off."


def test_everything_off_in_one_room(env):
    env.dm.handle(u("turn on the fairy lights", "iot_hue_lighton"))
    r = env.dm.handle(u("turn off everything in the living room", "iot_hue_lightoff", 0.39, house_place="living room"))
    assert _on(env) == ["light.office"] and "fairy lights plug" in r.text


def test_everything_off_in_a_room_the_model_took_for_a_town(env):
    env.dm.handle(u("play some jazz", "play_music", music_genre="jazz"))
    r = env.dm.handle(u("turn everything off in the office", "iot_wemo_off", 0.5, place_name="office"))
    assert r.text == "Okay. Off now: the office lamp." and _on(env) == ["light.living_room"]
    assert env.dm.world_snapshot()["now_playing"] is not None  # the speaker is in the living room


@pytest.mark.parametrize("text, said", [("what year is it", "It's 2026."), ("which year are we in", "It's 2026."),
                                        ("what month is it", "It's November 2026.")])
def test_the_year_and_the_month(env, text, said):
    assert env.dm.handle(u(text, "datetime_query")).text == said


def test_in_here_is_the_speakers_room(env):
    r = env.dm.handle(u("turn off the lights in here", "iot_hue_lightoff"))
    assert r.actions == [{"device": "light.living_room", "set": {"on": False}}]


def test_switching_says_which_devices_changed(env):
    r = env.dm.handle(u("turn on the lights", "iot_hue_lighton"))
    assert r.text == ("Okay, I turned on four lights: kitchen, bedroom, bathroom and hallway. The living room lights "
                      "and the office lamp were already on.")
    both = env.dm.handle(u("turn off the kitchen and bedroom lights", "iot_hue_lightoff", house_place="kitchen",
                           house_place_="bedroom"))
    assert [a["device"] for a in both.actions] == ["light.kitchen", "light.bedroom"]


def test_dimming_acts_on_the_lights_that_are_on(env):
    r = env.dm.handle(u("dim the lights", "iot_hue_lightdim"))  # and says to what level each went
    assert [a["device"] for a in r.actions] == ["light.living_room", "light.office"]
    assert r.text == "I've turned the living room lights down to fifty percent and the office lamp down to seventy percent."


@pytest.mark.parametrize("texts, expected", [
    (("what is 12 times 3", "divide that by 4"), "Thirty-six divided by four is nine."),
    (("how many euros is ten dollars", "and in pounds?"), "ten US dollars is about eight point zero six pounds"),
    (("what's the weather in london", "what about paris"), "in Paris"),
    (("set an alarm", "what is 2 to the power of 300"), "ten to the power of ninety"),
    (("add call mum to my to do list", "what's on my list"), "Your to do list has one item: call mum."),
    (("convert 5 miles to km",), "Five miles is about eight point zero five kilometres."),
    (("how many ounces in a pound",), "There are sixteen ounces in a pound."),
])
def test_follow_ups_and_conversions_through_the_language_model(tmp_path, texts, expected):
    """One conversation per row: each `hearth ask` continues the session kept in its HEARTH_HOME."""
    *_, last = [_ask(tmp_path, text) for text in texts]
    assert expected in last["reply"] and last["actions"] == [], last


def test_turn_it_off_another_joke_and_good_morning_through_the_language_model(tmp_path):
    texts = ("turn on the kitchen lights", "turn it off", "tell me a joke", "another one", "good morning")
    _, off, joke, another, morning = [_ask(tmp_path, text) for text in texts]
    assert off["actions"] == [{"device": "light.kitchen", "set": {"on": False}}]
    assert another["reply"] != joke["reply"] and another["reply"] != off["reply"]  # a new joke, not the last one again
    assert morning["reply"].startswith("Good ") and "chit-chat" not in morning["reply"]


def test_undo_puts_the_last_devices_back(env):
    env.dm.handle(u("make the kitchen lights red", "iot_hue_lightchange", house_place="kitchen", color_type="red"))
    env.dm.handle(u("are the kitchen lights on", "iot_hue_lighton", house_place="kitchen"))  # a question keeps the undo
    r = env.dm.handle(u("undo that", "general_quirky", 0.2))
    assert r.text == "Okay, the kitchen lights are back as they were." and _on(env) == ["light.living_room", "light.office"]
    kitchen = next(d for d in env.dm.world_snapshot()["devices"] if d["id"] == "light.kitchen")
    assert kitchen["state"]["color"] == "cool white"
    assert env.dm.handle(u("undo that", "general_quirky", 0.2)).text == "There's nothing to undo."


def test_a_level_below_the_current_one_is_said_as_dimming_and_the_same_level_as_already(env):
    place = {"house_place": "living room"}
    r = env.dm.handle(u("set the living room lights to 35 percent", "iot_hue_lightup", change_amount="to 35 percent",
                        **place))
    assert r.text == "I've turned the living room lights down to thirty-five percent."  # from 70 %, whatever the intent
    r = env.dm.handle(u("set the living room lights to 35 percent", "iot_hue_lightup", change_amount="to 35 percent",
                        **place))
    assert r.text == "The living room lights are already at thirty-five percent." and not r.actions


def test_an_alarm_on_another_day_is_said_without_a_stray_on(env):
    r = env.dm.handle(u("set an alarm for saturday at noon", "alarm_set", date="saturday", time="noon"))
    assert "for on" not in r.text and "Saturday" in r.text


def test_only_a_conversion_builds_the_unit_registry(env):
    """pint's registry takes a third of a second to build: a weather or light turn must not pay for it."""
    from app.dialogue.skills import conversions

    conversions.registry.cache_clear()
    env.dm.handle(u("what is the weather like in paris tomorrow", "weather_query", place_name="paris", date="tomorrow"))
    env.dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    assert conversions.registry.cache_info().currsize == 0
    r = env.dm.handle(u("convert 5 miles to km", "qa_convert"))
    assert "kilometres" in r.text and conversions.registry.cache_info().currsize == 1


# ---- bugs users hit: an item said alone, "cancel it" after asking, a door the home has no lock for ------------
# The labels are the shipped model's own for these words.

@pytest.mark.parametrize("text, removed, left", [
    ("remove eggs", ["eggs"], ["milk"]),
    ("remove the eggs please", ["eggs"], ["milk"]),
    ("delete eggs and milk", ["eggs", "milk"], []),
])
def test_an_item_said_alone_is_removed_not_the_whole_list(env, text, removed, left):
    env.dm.handle(u("add eggs and milk to my shopping list", "lists_createoradd", 0.99, list_name="shopping"))
    r = env.dm.handle(u(text, "lists_remove", 0.89))
    assert not r.expects_reply and r.actions == [{"list": "shopping", "remove": removed}]
    assert env.dm.world_snapshot()["lists"] == {"shopping": left}


@pytest.mark.parametrize("text", ["delete my shopping list", "delete the list", "remove the whole list"])
def test_a_list_named_alone_is_still_the_whole_list(env, text):
    env.dm.handle(u("add eggs to my shopping list", "lists_createoradd", 0.99, list_name="shopping"))
    q = env.dm.handle(u(text, "lists_remove", 0.9))
    assert q.expects_reply and "Delete your whole shopping list" in q.text


def test_cancel_it_after_asking_cancels_the_one_alarm(env):
    env.dm.handle(u("set an alarm for 7 am tomorrow", "alarm_set", 0.99, time="7 am", date="tomorrow"))
    env.dm.handle(u("what alarms do i have", "alarm_query", 0.99))
    r = env.dm.handle(u("cancel it", "calendar_remove", 0.67))
    assert r.intent == "alarm_remove" and env.dm.world_snapshot()["alarms"] == []


def test_cancel_it_with_two_alarms_asks_which_naming_them(env):
    env.dm.handle(u("set an alarm for 7 am tomorrow", "alarm_set", 0.99, time="7 am", date="tomorrow"))
    env.dm.handle(u("set an alarm for 8 pm", "alarm_set", 0.99, time="8 pm"))
    env.dm.handle(u("what alarms do i have", "alarm_query", 0.99))
    q = env.dm.handle(u("cancel it", "calendar_remove", 0.67))
    assert q.text == "Which one: the alarm at eight p.m. or the alarm tomorrow at seven a.m.?" and q.expects_reply
    assert len(env.dm.world_snapshot()["alarms"]) == 2
    r = env.dm.handle(u("the 8 pm one", "alarm_set", 0.44, time="8 pm one"))
    assert "eight p.m." in r.text
    assert [a["due"] for a in env.dm.world_snapshot()["alarms"]] == ["2026-12-01T07:00:00+00:00"]


def test_which_timer_is_answered_by_name_or_place(env):
    env.dm.handle(u("set a pasta timer for 10 minutes", "alarm_set", time="10 minutes"))
    env.dm.handle(u("set a rice timer for 20 minutes", "alarm_set", time="20 minutes"))
    q = env.dm.handle(u("cancel the timer", "alarm_remove", 0.9))
    assert q.text == "Which one: the pasta timer or the rice timer?"
    env.dm.handle(u("the rice one", "cooking_recipe", 0.89, food_type="rice"))
    assert [t["label"] for t in env.dm.world_snapshot()["timers"]] == ["pasta"]
    env.dm.handle(u("set a timer for 5 minutes", "alarm_set", time="5 minutes"))
    env.dm.handle(u("what timers do i have", "alarm_query", 0.5))
    env.dm.handle(u("cancel it", "calendar_remove", 0.67))
    env.dm.handle(u("the second one", "datetime_query", 0.69))
    assert [t["seconds"] for t in env.dm.world_snapshot()["timers"]] == [300]  # soonest first: five, then pasta


@pytest.mark.parametrize("text, intent, reply", [
    ("is the front door locked", "alarm_query", "I can't tell whether the front door is locked."),
    ("did i lock the back door", "alarm_query", "I can't tell whether the back door is locked."),
    ("lock the front door", "iot_cleaning", "I can't lock the front door."),
    ("unlock the back door", "iot_cleaning", "I can't unlock the back door."),
])
def test_a_door_gets_an_honest_answer_and_nothing_changes(env, text, intent, reply):
    before = env.dm.world_snapshot()
    r = env.dm.handle(u(text, intent, 0.5))
    assert r.intent == "iot_door" and r.text.endswith(reply) and "no door locks" in r.text and not r.actions
    assert env.dm.world_snapshot() == before


@pytest.mark.parametrize("text, intent, asked", [
    ("set the thermostat to 21 degrees", "alarm_set", False),
    ("turn up the heating", "iot_wemo_on", False),
    ("what's the temperature in here", "weather_query", True),
    ("how warm is it in the living room", "weather_query", True),
])
def test_heating_gets_an_honest_answer_and_nothing_changes(env, text, intent, asked):
    before = env.dm.world_snapshot()
    r = env.dm.handle(u(text, intent, 0.6))
    assert r.intent == "iot_climate" and "no thermostat" in r.text and "the heater plug" in r.text and not r.actions
    assert ("can't tell how warm" in r.text) == asked and env.dm.world_snapshot() == before


@pytest.mark.parametrize("text, intent", [
    ("what's the temperature in paris", "weather_query"),
    ("convert 21 degrees celsius to fahrenheit", "general_quirky"),
    ("make the lights warmer in here", "iot_hue_lightchange"),
    ("turn on the heater", "iot_wemo_on"),
])
def test_weather_conversions_lights_and_the_heater_plug_are_not_heating(env, text, intent):
    assert env.dm.handle(u(text, intent, 0.9)).intent != "iot_climate"


def test_a_door_inside_a_reminder_is_the_reminder(env):
    r = env.dm.handle(u("remind me to lock the back door at 10 pm", "calendar_set", 0.9, time="10 pm"))
    assert r.intent == "calendar_set" and len(env.dm.world_snapshot()["events"]) == 1


def test_change_or_add_to_it_right_after_asking(env):
    env.dm.handle(u("set an alarm for 7 am tomorrow", "alarm_set", 0.99, time="7 am", date="tomorrow"))
    env.dm.handle(u("what alarms do i have", "alarm_query", 0.99))
    r = env.dm.handle(u("change it to 7:30", "datetime_convert", 0.27, time="7:30"))
    assert "seven thirty" in r.text
    assert [a["due"] for a in env.dm.world_snapshot()["alarms"]] == ["2026-12-01T07:30:00+00:00"]
    env.dm.handle(u("set a timer for 10 minutes", "alarm_set", 0.52, time="10 minutes"))
    assert "ten minutes left" in env.dm.handle(u("how much time is left", "datetime_query", 0.86)).text
    env.dm.handle(u("add 5 minutes to it", "alarm_set", 0.4, time="5 minutes"))
    assert [t["remaining_s"] for t in env.dm.world_snapshot()["timers"]] == [900]


def test_asking_at_once_hears_the_length_set_not_a_second_more(env):
    env.clock.advance(seconds=0.3)  # the due time is rounded up to the next second
    env.dm.handle(u("set a timer for 4 minutes", "alarm_set", time="4 minutes"))
    assert env.dm.handle(u("how long is left on the timer", "alarm_query")).text == "Your timer has four minutes left."


def test_snooze_never_cancels_an_alarm(env):
    env.dm.handle(u("set an alarm for 7 am tomorrow", "alarm_set", 0.99, time="7 am", date="tomorrow"))
    r = env.dm.handle(u("snooze", "alarm_remove", 0.59))
    assert "nothing to snooze" in r.text and len(env.dm.world_snapshot()["alarms"]) == 1


def test_cross_off_and_whats_on_it_after_a_list_turn(env):
    env.dm.handle(u("add bread and milk to my to do list", "lists_createoradd", 0.98, list_name="to do"))
    assert env.dm.handle(u("cross off bread", "iot_wemo_off", 0.23)).actions == [{"list": "to do", "remove": ["bread"]}]
    assert env.dm.handle(u("what is on it", "qa_definition", 0.5)).text == "Your to do list has one item: milk."


def test_convert_is_a_conversion_whatever_the_model_guessed(env):
    r = env.dm.handle(u("convert 2 cups to millilitres", "cooking_recipe", 0.37))
    assert r.text == "Two US cups is about four hundred and seventy-three millilitres."
    money = {"currency_name": "dollars", "currency_name_": "euros"}
    r = env.dm.handle(u("convert 10 dollars to euros", "qa_currency", 0.9, **money))
    assert r.intent == "qa_currency" and "euros" in r.text  # money stays with the currency skill


def test_a_count_of_days_follows_up_to_another_day_and_unit(env):
    env.dm.handle(u("how many days until christmas", "datetime_query", 0.9))
    assert "thirty-two days until New Years Day" in env.dm.handle(u("and new years day?", "datetime_query", 0.6)).text
    assert "four weeks and four days" in env.dm.handle(u("and in weeks", "qa_convert", 0.3)).text
    assert env.dm.handle(u("and what is the weather", "weather_query", 0.9)).intent == "weather_query"


def test_switching_a_light_on_at_a_level_sets_the_level(env):
    place = {"house_place": "bedroom"}
    r = env.dm.handle(u("turn the bedroom light on to 50 percent", "iot_hue_lightoff", 0.5, **place))
    bedroom = next(d for d in env.dm.world_snapshot()["devices"] if d["id"] == "light.bedroom")
    assert bedroom["state"]["on"] is True and bedroom["state"]["brightness"] == 50 and "fifty" in r.text


def test_speak_slower_saves_the_speech_rate_a_step_at_a_time(env):
    from app.config import Settings

    r = env.dm.handle(u("speak slower", "audio_volume_down", 0.7))
    assert r.intent == "general_pace" and Settings.load().speech_rate == 150 and "one hundred and fifty" in r.text
    replace_rate = Settings.load()
    replace_rate.speech_rate = 395
    replace_rate.save()
    env.dm.handle(u("can you talk a bit faster", "audio_volume_up", 0.7))
    r = env.dm.handle(u("talk faster", "audio_volume_up", 0.7))
    assert Settings.load().speech_rate == 400 and r.text.startswith("That's as fast as I speak")


@pytest.mark.parametrize("today, this, after", [
    ("2026-11-30", ["2026-12-05", "2026-12-06"], ["2026-12-12", "2026-12-13"]),  # a Monday
    ("2026-12-05", ["2026-12-05", "2026-12-06"], ["2026-12-12", "2026-12-13"]),  # the Saturday itself
    ("2026-12-06", ["2026-12-06"], ["2026-12-12", "2026-12-13"]),  # on Sunday, this weekend is today
])
def test_the_weekend_the_words_name(today, this, after):
    from datetime import date

    from app.dialogue.slots import weekend

    day = date.fromisoformat(today)
    assert [d.isoformat() for d in weekend("what's on this weekend", day)] == this
    assert [d.isoformat() for d in weekend("and next weekend", day)] == after
    assert weekend("what's on this week", day) is None


def test_a_holiday_is_capitalised_as_words_not_after_its_apostrophe(env):
    r = env.dm.handle(u("how many days until new year's day", "qa_convert", 0.9))
    assert "New Year's Day" in r.text, r.text
