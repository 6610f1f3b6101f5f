"""Scripted multi-turn conversations through DialogueManager, built from Understanding objects.

Entities are given as text spans; their values come from the same normalizer the NLU uses,
anchored on a FakeClock, so these tests exercise the real slot path without a model.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
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
    env.dm.handle(u("add bread to my list", "lists_createoradd"))
    a = env.dm.handle(u("shopping", "general_quirky", 0.3))
    assert a.intent == "lists_createoradd"
    assert env.dm.world_snapshot()["lists"] == {"shopping": ["bread"]}


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
    env.dm.handle(u("add milk", "lists_createoradd"))
    r = env.dm.handle(u("what time is it", "datetime_query", 0.95))
    assert r.intent == "datetime_query"
    env.dm.handle(u("groceries", "lists_createoradd", 0.5, list_name="groceries"))
    assert env.dm.world_snapshot()["lists"] == {"grocery": []}  # a new list, no stray "milk"


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


def test_a_mood_is_not_a_colour(env):
    r = env.dm.handle(u("make the lights romantic", "iot_hue_lightchange", color_type="romantic"))
    assert "can't make romantic" in r.text and "warm white" in r.text and not r.actions


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
])
def test_timer_requests_reach_the_alarm_skills(text, intent, expected):
    from app.dialogue.manager import timer_request

    assert timer_request(u(text, intent, 0.5)).intent == expected


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
