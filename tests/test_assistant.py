"""The conversation loop without Qt: follow-ups, barge-in, cancel, timers and reminders that ring
by themselves, settings applied on the next turn, and a runner that always returns to idle."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta

import numpy as np
import pytest

from app.assemble import SettingsWatch, load_settings
from app.assistant import Assistant, Cancelled, Capture, ConversationOptions
from app.audio import FileSource
from app.audio.source import Silence
from app.config import Settings
from app.dialogue import DialogueManager, FakeClock, Reply
from app.errors import DeviceError, ModelError
from app.events import (
    Announcement, ErrorEvent, HeardNothing, RequestDone, StageStarted, StateChanged, TurnDone,
)
from app.nlu.types import Entity, Understanding
from app.pipeline import Pipeline, PipelineOptions
from app.stages import STAGE_ORDER, Stage, State
from tests.fakes import Announcing
from tests.speech import FIXTURES

WAIT_S = 60


class KeywordNlu:
    """A timer request is understood as one; anything else is an echo."""

    def understand(self, text):
        if "timer" in text:
            words = "two seconds"
            start = text.index(words)
            return Understanding(text, "alarm_set", 0.9, [Entity("time", words, start, start + len(words))])
        return Understanding(text, "general_echo", 0.9)


class ScriptedDialogue(Announcing):
    """Answers each turn with the next scripted reply; announces whatever is put in `due`."""

    def __init__(self, *replies: Reply):
        super().__init__()
        self.replies = list(replies)

    def handle(self, understanding, session="default", scene=None, direct=False):
        self.heard.append(understanding.text)
        return self.replies.pop(0) if self.replies else Reply("okay")

    def world_snapshot(self):
        return {"devices": [], "timers": [], "alarms": []}


class BlockingPlayer:
    """A speaker that plays until stopped, so Stop and barge-in can be observed mid-reply."""

    def __init__(self):
        self.playing = threading.Event()
        self.stopped = threading.Event()
        self.played = []

    def play(self, speech):
        self.played.append(speech)
        self.playing.set()
        self.stopped.wait(WAIT_S)

    def stop(self):
        self.stopped.set()


class Microphone:
    """Hands out the given sources one listen at a time, then a quiet room."""

    def __init__(self, *sources):
        self.sources = list(sources)
        self.opened = 0

    def __call__(self):
        self.opened += 1
        return self.sources.pop(0)() if self.sources else Silence()


def speech():
    return FileSource(FIXTURES / "goforward.wav")


@pytest.fixture
def make(asr_engine):
    made = []

    def build(dialogue=None, nlu=None, player=None, microphone=None, speak=False, **options):
        pipeline = Pipeline(PipelineOptions(speak=speak), asr=asr_engine, nlu=nlu or KeywordNlu(),
                            dialogue=dialogue or ScriptedDialogue())
        assistant = Assistant(pipeline, player=player, microphone=microphone,
                              options=ConversationOptions(follow_up_s=1.5, tick_s=0.05, **options))
        assistant.events = []
        assistant.bus.subscribe(assistant.events.append)
        assistant.start()
        assert assistant.wait_ready(WAIT_S)
        made.append(assistant)
        return assistant

    yield build
    for assistant in made:
        assistant.close()


def of(assistant, kind):
    return [e for e in assistant.events if isinstance(e, kind)]


def wait_for(condition, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_question_is_answered_by_listening_again(make):
    dialogue = ScriptedDialogue(Reply("For how long?", expects_reply=True), Reply("Done."))
    mic = Microphone(speech, speech)
    assistant = make(dialogue=dialogue, microphone=mic)
    turns = assistant.talk().result(WAIT_S)
    assert [t.reply.text for t in turns] == ["For how long?", "Done."]
    assert mic.opened == 2 and len(dialogue.heard) == 2
    states = [e.state for e in of(assistant, StateChanged)]
    assert states.count(State.LISTENING) == 2 and states[-1] == State.IDLE
    assert len(of(assistant, RequestDone)) == 1


def test_hands_free_listens_again_and_gives_up_on_silence(make):
    mic = Microphone(speech)
    assistant = make(microphone=mic, hands_free=True)
    turns = assistant.talk().result(WAIT_S)
    assert len(turns) == 1 and mic.opened == 2  # the follow-up window heard only a quiet room
    assert of(assistant, HeardNothing) and assistant.state == State.IDLE


def test_typed_message_with_a_question_but_no_microphone_just_waits(make):
    assistant = make(dialogue=ScriptedDialogue(Reply("Which room?", expects_reply=True)))
    turns = assistant.send("turn on the lights").result(WAIT_S)
    assert [t.reply.text for t in turns] == ["Which room?"]
    assert State.LISTENING not in [e.state for e in of(assistant, StateChanged)]


def test_stop_cuts_the_reply_and_skips_the_follow_up(make):
    player = BlockingPlayer()
    mic = Microphone(speech)
    dialogue = ScriptedDialogue(Reply("Which room do you mean?", expects_reply=True))
    assistant = make(dialogue=dialogue, player=player, microphone=mic, speak=True)
    future = assistant.send("turn on the lights")
    assert player.playing.wait(WAIT_S) and assistant.state == State.SPEAKING
    assistant.stop()
    assert len(future.result(5)) == 1
    assert player.stopped.is_set() and mic.opened == 0 and assistant.state == State.IDLE


def test_talking_over_a_reply_barges_in(make):
    player = BlockingPlayer()
    dialogue = ScriptedDialogue(Reply("Here is a very long answer that goes on and on."),
                                Reply("Okay, what now?"))
    assistant = make(dialogue=dialogue, player=player, microphone=Microphone(speech), speak=True)
    first = assistant.send("tell me a story")
    assert player.playing.wait(WAIT_S)
    second = assistant.talk()  # pressed while Hearth speaks
    assert player.stopped.is_set()
    assert len(first.result(5)) == 1
    (turn,) = second.result(WAIT_S)
    assert turn.transcript and dialogue.heard[-1] == turn.transcript


def test_stop_while_listening_answers_nothing(make):
    dialogue = ScriptedDialogue()
    assistant = make(dialogue=dialogue, microphone=Microphone(Silence))
    future = assistant.talk()
    wait_for(lambda: assistant.state == State.LISTENING)
    assistant.stop()
    assert future.result(5) == [] and dialogue.heard == []
    wait_for(lambda: assistant.state == State.IDLE, 5)


def test_cancelled_capture_raises_so_nothing_is_answered():
    cancelled = threading.Event()
    capture = Capture(Silence(5), cancelled.is_set, max_s=30)
    frames = capture.frames()
    next(frames)
    cancelled.set()
    with pytest.raises(Cancelled):
        next(frames)


def test_a_timer_rings_by_itself_on_time(make):
    assistant = make(dialogue=DialogueManager())
    (turn,) = assistant.send("set a timer for two seconds").result(WAIT_S)
    assert "two seconds" in turn.reply.text
    set_at = datetime.now().astimezone()
    wait_for(lambda: of(assistant, Announcement), 10)  # no request in between: the scheduler rang it
    (ring,) = of(assistant, Announcement)
    assert "Time's up" in ring.text
    assert abs((ring.due - set_at).total_seconds() - 2) < 1.5
    assert ring.timestamp >= ring.due.timestamp()  # not before it was due
    assert DialogueManager().due_announcements() == []  # rung once, marked as announced


def test_a_due_announcement_is_spoken_when_there_is_a_speaker(make):
    player = BlockingPlayer()
    dialogue = ScriptedDialogue()
    assistant = make(dialogue=dialogue, player=player, speak=True)
    dialogue.due.append(Reply("Time's up! Your timer is done.", intent="alarm_set"))
    assert player.playing.wait(WAIT_S)
    assert of(assistant, Announcement)[0].text.startswith("Time's up")
    assistant.stop()


def test_a_reminder_rings_when_its_event_starts(hearth_home):
    clock = FakeClock()
    dm = DialogueManager(clock=clock)
    assert dm.due_announcements() == []  # the first look only sets the mark
    start = clock.now() + timedelta(minutes=1)
    dm.store.add_event("take the bread out", start, all_day=False)
    dm.store.add_event("bin day", start.replace(hour=0), all_day=True)
    assert dm.due_announcements() == []
    clock.advance(61)
    (ring,) = dm.due_announcements()
    assert ring.text == "Reminder: it's time for take the bread out."
    assert ring.actions[0]["due"] == start.isoformat()
    clock.advance(60)
    assert dm.due_announcements() == []
    dm.close()


def test_a_timer_never_rings_early(hearth_home):
    clock = FakeClock(datetime(2026, 11, 30, 9, 0, 0, 700000).astimezone())
    dm = DialogueManager(clock=clock)
    dm.handle(KeywordNlu().understand("set a timer for two seconds"))
    clock.advance(2)  # 9:00:02.7: two seconds have passed, but its due second (9:00:03) has not come
    assert dm.due_announcements() == []
    clock.advance(0.3)
    (ring,) = dm.due_announcements()
    assert "Time's up" in ring.text
    dm.close()


def test_settings_changed_on_disk_apply_on_the_next_turn_flags_still_on_top(make, hearth_home):
    Settings(speech_rate=150).save()
    assistant = make()
    assistant.settings_source = SettingsWatch({"hands_free": True})
    saved = Settings.load()
    saved.speech_rate, saved.trailing_silence_ms = 222, 1500
    saved.save()
    os.utime(Settings.path(), ns=(time.time_ns(), time.time_ns() + 10**9))  # a coarse clock still sees a change
    assistant.send("hello").result(WAIT_S)
    options = assistant.pipeline.options
    assert (options.tts.rate, options.vad.trailing_silence_ms) == (222, 1500)
    assert assistant.options.hands_free  # the flag, though the file says False
    assert load_settings({"hands_free": None}).hands_free is False


class BrokenNlu:
    def understand(self, text):
        raise RuntimeError("bug in a stage")


def test_a_bug_in_a_stage_is_reported_with_its_stage_and_the_loop_goes_on(make):
    assistant = make(nlu=BrokenNlu())
    (turn,) = assistant.send("hello").result(WAIT_S)
    assert (turn.error.code, turn.error.stage) == ("internal", Stage.NLU)
    assert turn.to_json()["error"]["stage"] == "nlu"
    assert assistant.state == State.IDLE
    preload, turn_error = of(assistant, ErrorEvent)  # warming the models hit the bug first
    assert not preload.turn_error and turn_error.turn_error
    assert preload.stage == turn_error.stage == Stage.NLU
    assert assistant.send("again").result(WAIT_S)  # still serving


class BrokenAsr:
    def transcribe(self, audio, draft=False):
        raise ModelError("the speech model is damaged", "reinstall Hearth")


def test_an_asr_failure_names_the_asr_stage():
    pipeline = Pipeline(PipelineOptions(trim_silence=False), asr=BrokenAsr())
    events = []
    pipeline.bus.subscribe(events.append)
    turn = pipeline.run_audio(np.ones(16000, np.float32) * 0.1)
    assert (turn.error.code, turn.error.stage) == ("model_unavailable", Stage.ASR)
    assert [e.state for e in events if isinstance(e, StateChanged)] == [State.THINKING, State.IDLE]
    started = [e.stage for e in events if isinstance(e, StageStarted)]
    assert started == sorted(started, key=STAGE_ORDER.index)


def test_a_listen_on_a_file_names_the_turn_and_reports_each_turn(make):
    assistant = make(microphone=Microphone(speech))
    (turn,) = assistant.talk().result(WAIT_S)
    assert turn.source.endswith("goforward.wav")
    assert [e.turn for e in of(assistant, TurnDone)] == [turn]
    # the worker trimmed and decoded at the pause; the turn's asr is what was left to wait for
    assert set(turn.timings_ms) >= {Stage.LISTEN, Stage.ASR, Stage.NLU, Stage.DIALOGUE, "total"}


def test_a_panel_tap_runs_the_same_skill_without_the_language_model(make):
    assistant = make(nlu=BrokenNlu(), dialogue=DialogueManager())
    text = "turn on the kitchen lights"
    at = text.index("kitchen")
    tap = Understanding(text, "iot_hue_lighton", 1.0, [Entity("house_place", "kitchen", at, at + len("kitchen"))])
    (turn,) = assistant.act(tap).result(WAIT_S)
    assert turn.error is None and Stage.NLU not in turn.timings_ms
    assert turn.reply.actions == [{"device": "light.kitchen", "set": {"on": True}}]


def test_a_tap_never_answers_an_open_question(hearth_home):
    dm = DialogueManager()
    asked = dm.handle(Understanding("set a timer", "alarm_set", 0.9))
    assert asked.expects_reply  # "For how long?"
    tap = Understanding("turn on the kitchen lights", "iot_hue_lighton", 1.0, [Entity("house_place", "kitchen", 12, 19)])
    dm.handle(tap, direct=True)
    assert dm.world_snapshot()["timers"] == []  # the tap set no timer
    answer = dm.handle(KeywordNlu().understand("set a timer for two seconds"))
    assert "two seconds" in answer.text and len(dm.world_snapshot()["timers"]) == 1
    dm.close()


class DyingMicrophone:
    """Stops delivering once it is left alone, as a real stream does when capture is torn down."""

    def __init__(self):
        self.quiet = Silence()

    def frames(self):
        for frame in self.quiet.frames():
            yield frame
        raise DeviceError("the microphone stopped delivering audio", "check that it is still connected")

    def close(self):
        self.quiet.close()


def test_stop_is_never_blamed_on_the_microphone():
    cancelled = threading.Event()
    mic = DyingMicrophone()
    capture = Capture(mic, cancelled.is_set, max_s=30)
    frames = capture.frames()
    next(frames)
    cancelled.set()
    mic.close()  # the stream ends because we stopped it
    with pytest.raises(Cancelled):
        next(frames)
    honest = Capture(DyingMicrophone(), threading.Event().is_set, max_s=30)
    honest.inner.close()
    with pytest.raises(DeviceError):  # a microphone that really vanished is still reported
        list(honest.frames())


class ConsumingPlayer:
    """Takes a reply chunk by chunk, as the real Player does with a stream."""

    def __init__(self):
        self.chunks = []

    def play(self, speech):
        for chunk in speech:
            self.chunks.append(chunk)

    def stop(self):
        pass


def test_a_clause_that_fails_to_synthesize_ends_the_reply_with_a_tts_error(make, monkeypatch):
    from app.errors import HearthError
    from app.tts import Speech

    def clauses(text, options, skip=0):
        yield Speech(np.zeros(100, np.float32), 22050)
        raise HearthError("the voice failed", "pick another voice")

    monkeypatch.setattr("app.pipeline.stream", clauses)
    player = ConsumingPlayer()
    assistant = make(player=player)
    assistant.pipeline.options.speak = True
    (turn,) = assistant.send("hello").result(WAIT_S)
    assert len(player.chunks) == 1 and turn.error is None
    (error,) = of(assistant, ErrorEvent)
    assert (error.stage, error.message) == (Stage.TTS, "the voice failed")
    assert assistant.state == State.IDLE
