"""The wake word at run time: streaming features equal the toolchain's, the shipped detector fires on
"hey hearth" and not on other speech, the refractory period, the gate, `hearth listen --wake`, and the
assistant's wake mode (waits idle, answers what follows, gives way at once to anything else)."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from app.assistant import Assistant, ConversationOptions
from app.audio import load_audio, save_wav
from app.audio.source import FRAME, FileSource, Silence
from app.cli import main
from app.config import Settings
from app.errors import ModelError
from app.events import HeardNothing, RequestDone, StateChanged, TurnDone, WakeDetected
from app.pipeline import Pipeline, PipelineOptions
from app.stages import State
from app.wake import (
    CHUNK,
    SAMPLE_RATE,
    WakeDetector,
    WakeFeatures,
    WakeGate,
    WakeOptions,
    firings,
    frames_of,
)
from tests.speech import synthesize
from tests.test_assistant import make  # noqa: F401 - the fixture

WAIT_S = 60


def spoken(tmp_path, text: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    return load_audio(synthesize(text, tmp_path / f"{abs(hash((text, voice, speed)))}.wav", voice, speed))


def with_silence(*parts: np.ndarray, gap_s: float = 1.0) -> np.ndarray:
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    return np.concatenate([gap] + [x for part in parts for x in (part, gap)])


@pytest.fixture(scope="module")
def detector():
    return WakeDetector()


def test_streaming_features_equal_the_toolchains_batched_ones():
    features = WakeFeatures()
    audio = (np.random.default_rng(0).standard_normal(3 * SAMPLE_RATE) * 0.1).astype(np.float32)
    batched = features.clip(audio)
    features.reset()
    streamed = np.concatenate([features.push(frame) for frame in frames_of(audio)])
    assert batched.shape == (len(audio) // CHUNK, 96)
    np.testing.assert_array_equal(batched, streamed)


def test_hey_hearth_fires_once_where_it_was_said(tmp_path, detector):
    phrase = spoken(tmp_path, "hey hearth")
    audio = with_silence(phrase)
    fired = detector.scan(frames_of(audio))
    end_s = (SAMPLE_RATE + len(phrase)) / SAMPLE_RATE  # espeak's own trailing silence included
    assert len(fired) == 1 and 1.5 <= fired[0] <= end_s + 0.5


@pytest.mark.parametrize("text", ["turn on the kitchen lights", "hearth rug", "what is the weather like in paris"])
def test_other_speech_does_not_fire(tmp_path, detector, text):
    assert detector.scan(frames_of(with_silence(spoken(tmp_path, text)))) == []


@pytest.mark.parametrize("patience", [1, 3])
def test_streaming_firings_equal_the_batched_trace(tmp_path, patience):
    detector = WakeDetector(WakeOptions(patience=patience))
    audio = with_silence(spoken(tmp_path, "hey hearth"), spoken(tmp_path, "hey hearth what time is it"))
    fired = detector.scan(frames_of(audio))
    batched = [round((c + 1) * CHUNK / SAMPLE_RATE, 2) for c in firings(detector.trace(audio), detector.options)]
    assert fired == batched and len(fired) == 2


def test_the_refractory_period_silences_repeats():
    scores = np.zeros(100, np.float32)
    scores[[10, 11, 20, 40]] = 0.9  # chunks of 80 ms: 10 and 11 are one word, 20 is 0.8 s later, 40 is 2.4 s later
    assert firings(scores, WakeOptions(0.5, refractory_s=2.0)) == [10, 40]
    assert firings(scores, WakeOptions(0.5, refractory_s=0.5)) == [10, 20, 40]
    assert firings(scores, WakeOptions(0.95)) == []


def test_patience_waits_for_scores_in_a_row():
    scores = np.zeros(100, np.float32)
    scores[[10, 20, 21, 30, 31, 32]] = 0.9  # one high score, then two in a row, then three
    assert firings(scores, WakeOptions(0.5, refractory_s=0.5, patience=1)) == [10, 20, 30]
    assert firings(scores, WakeOptions(0.5, refractory_s=0.5, patience=2)) == [21, 31]
    assert firings(scores, WakeOptions(0.5, refractory_s=0.5, patience=3)) == [32]


class Source:
    def __init__(self, audio):
        self.audio, self.closed = audio, False

    def frames(self):
        return frames_of(self.audio)

    def close(self):
        self.closed = True


def test_the_gate_swallows_audio_until_the_word_then_passes_the_rest(tmp_path, detector):
    audio = with_silence(spoken(tmp_path, "hey hearth"), spoken(tmp_path, "what time is it"))
    woke = []
    gate = WakeGate(Source(audio), detector, on_wake=woke.append)
    passed = np.concatenate(list(gate.frames()))
    assert len(woke) == 1 and gate.woke_at == woke[0]
    assert abs(len(audio) - len(passed) - woke[0] * SAMPLE_RATE) < FRAME + CHUNK
    gate.close()
    assert gate.inner.closed


def test_a_stream_without_the_word_passes_nothing(tmp_path, detector):
    gate = WakeGate(Source(with_silence(spoken(tmp_path, "what time is it"))), detector)
    assert list(gate.frames()) == [] and gate.woke_at is None


def test_listen_wake_reports_seconds_in_a_recording_longer_than_a_command(tmp_path, capsys):
    phrase = spoken(tmp_path, "hey hearth")
    audio = np.zeros(70 * SAMPLE_RATE, np.float32)  # load_audio refuses more than 60 s; --wake must not
    at = 50 * SAMPLE_RATE
    audio[at:at + len(phrase)] = phrase
    path = save_wav(tmp_path / "long.wav", audio)
    assert main(["listen", "--wake", "--json", str(path), str(tmp_path / "missing.wav")]) == 1
    found, missing = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    end_s = (at + len(phrase)) / SAMPLE_RATE
    assert len(found["wake_s"]) == 1 and 50.5 <= found["wake_s"][0] <= end_s + 0.5
    assert found["duration_s"] == pytest.approx(70, abs=0.1)
    assert missing["code"] and "not found" in missing["error"]


def test_a_damaged_classifier_is_a_model_error(tmp_path):
    import shutil

    from app.wake import CLASSIFIER_FILE, wake_model_dir

    folder = tmp_path / "shipped"
    shutil.copytree(wake_model_dir(), folder)
    (folder / CLASSIFIER_FILE).write_bytes(b"\0" * (folder / CLASSIFIER_FILE).stat().st_size)
    with pytest.raises(ModelError, match="wake word model"):
        WakeDetector(folder=folder).scan(iter([np.zeros(FRAME, np.float32)]))


def test_the_settings_turn_it_on(tmp_path):
    from app.wake import wake_options

    assert wake_options(Settings()) is None
    assert wake_options(Settings(wake_word=True, wake_threshold=0.7)) == WakeOptions(0.7, 2.0)
    assert wake_options(Settings(wake_word=True, wake_patience=3)).patience == 3
    on = Settings(wake_word=True)
    assert wake_options(on) == WakeOptions()  # one default, the threshold the build measured


# -- the assistant's wake mode ---------------------------------------------------------------

@pytest.fixture
def assistant(make):  # noqa: F811 - pytest passes the imported fixture
    """An assistant in wake mode over the given microphone (test_assistant's `make`)."""
    return lambda microphone: make(microphone=microphone, wake=WakeOptions())


def test_wake_mode_answers_what_follows_the_word_said_in_one_breath(tmp_path, assistant):
    path = save_wav(tmp_path / "wake.wav", with_silence(spoken(tmp_path, "hey hearth, go forward ten meters")))
    sources = [FileSource(path, realtime=False)]
    a = assistant(lambda: sources.pop(0) if sources else Silence())
    done = threading.Event()
    a.bus.subscribe(lambda e: isinstance(e, TurnDone) and done.set())
    assert done.wait(WAIT_S)
    wakes = [e for e in a.events if isinstance(e, WakeDetected)]
    turns = [e for e in a.events if isinstance(e, TurnDone)]
    assert len(wakes) == 1 and "forward" in turns[0].turn.transcript.lower()
    assert "hey" not in turns[0].turn.transcript.lower()


def test_while_waiting_for_the_word_it_is_idle_and_gives_way_to_typed_text(assistant):
    a = assistant(Silence)
    turns = a.send("hello there").result(5)  # a wake listen was waiting on the quiet room: it gave way at once
    assert [t.reply.text for t in turns] == ["okay"]
    assert State.LISTENING not in [e.state for e in a.events if isinstance(e, StateChanged)]
    assert not [e for e in a.events if isinstance(e, (WakeDetected, HeardNothing))]
    assert len([e for e in a.events if isinstance(e, RequestDone)]) == 1


# -- voice barge-in ------------------------------------------------------------------------------

def typed_then_spoken(command, asr_engine, player, dialogue, typed: str, speak: bool, follow_up_s: float):
    """An assistant in wake mode waiting on a quiet room; `typed` is sent, and the first listen after it (over the
    reply, or a follow-up) hears `command`. Returns the request's turns and every event."""
    opened, sent = [], threading.Event()

    def microphone():
        words = sent.is_set() and "command" not in opened
        opened.append("command" if words else "quiet")
        return FileSource(command) if words else Silence()

    from tests.test_assistant import KeywordNlu

    pipeline = Pipeline(PipelineOptions(speak=speak), asr=asr_engine, nlu=KeywordNlu(), dialogue=dialogue)
    a = Assistant(pipeline, player=player, microphone=microphone,
                  options=ConversationOptions(follow_up_s=follow_up_s, wake=WakeOptions()))
    events = []
    a.bus.subscribe(events.append)
    a.start()
    try:
        assert a.wait_ready(WAIT_S)
        waited = 0
        while opened != ["quiet"] and waited < WAIT_S * 20:  # wake mode waits for the word on the quiet room
            waited += 1
            time.sleep(0.05)
        sent.set()
        return a.send(typed).result(WAIT_S), events
    finally:
        a.close()


def test_hey_hearth_said_over_a_reply_stops_it_and_answers_what_follows(tmp_path, asr_engine):
    from tests.test_assistant import BlockingPlayer, ScriptedDialogue

    command = save_wav(tmp_path / "barge.wav", with_silence(spoken(tmp_path, "hey hearth, go forward ten meters")))
    player = BlockingPlayer()
    turns, events = typed_then_spoken(command, asr_engine, player, ScriptedDialogue(), "tell me something",
                                      speak=True, follow_up_s=1.5)
    assert player.stopped.is_set()  # the word stopped the reply
    assert len([e for e in events if isinstance(e, WakeDetected)]) == 1
    assert [t.transcript for t in turns][0] == "tell me something"
    assert len(turns) == 2 and "forward" in turns[1].transcript.lower() and "hey" not in turns[1].transcript.lower()


def test_without_wake_mode_a_reply_leaves_the_microphone_alone(asr_engine):
    from tests.fakes import RecordingPlayer
    from tests.test_assistant import KeywordNlu, ScriptedDialogue

    opened = []
    pipeline = Pipeline(PipelineOptions(speak=True), asr=asr_engine, nlu=KeywordNlu(), dialogue=ScriptedDialogue())
    a = Assistant(pipeline, player=RecordingPlayer(), microphone=lambda: opened.append(1) or Silence())
    a.start()
    try:
        assert a.wait_ready(WAIT_S)
        a.send("tell me something").result(WAIT_S)
    finally:
        a.close()
    assert opened == []


def test_hey_hearth_said_where_an_answer_was_expected_starts_a_new_request(tmp_path, asr_engine):
    """Whisper writes the word as "Hey, Horace." or "Okay, heart."; heard in a follow-up listen it must not
    answer Hearth's question: what follows the word is a request of its own."""
    from app.dialogue.reply import Reply
    from tests.fakes import RecordingPlayer
    from tests.test_assistant import ScriptedDialogue

    command = save_wav(tmp_path / "again.wav", with_silence(spoken(tmp_path, "hey hearth, go forward ten meters")))
    dialogue = ScriptedDialogue(Reply("What music do you like?", expects_reply=True))
    turns, events = typed_then_spoken(command, asr_engine, RecordingPlayer(), dialogue, "I like music",
                                      speak=False, follow_up_s=3.0)
    assert len([e for e in events if isinstance(e, WakeDetected)]) == 1
    assert len(turns) == 2 and "forward" in turns[1].transcript.lower()
    assert dialogue.heard[0] == "I like music" and len(dialogue.heard) == 2  # nothing answered the question but the request
    assert "hey" not in dialogue.heard[1].lower() and "forward" in dialogue.heard[1].lower()
