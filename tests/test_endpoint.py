"""Semantic endpointing and work while the user speaks: Smart Turn's features and model, the
endpointer's quick end, and the speculative worker."""

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from app.asr.engine import Transcript
from app.audio import SAMPLE_RATE, FileSource, load_audio
from app.audio.source import FRAME
from app.endpoint import Recognition, Speculator, SpeculatorHooks, agreed_prefix, left_open, missing_value
from app.nlu import Entity, Understanding
from app.errors import ModelError
from app.turn import SmartTurn, smart_turn_dir
from app.turn.features import mel_filters, turn_features
from app.vad import Endpointer, SileroVad, VadOptions
from tests.speech import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smart():
    return SmartTurn()


@pytest.fixture(scope="module")
def vad():
    return SileroVad()


# -- features and model --------------------------------------------------------------------------

def test_mel_filters_are_the_ones_whisper_was_trained_with():
    shipped = np.load(ROOT / "models" / "whisper" / "shipped" / "mel_filters.npy")  # librosa's, from OpenAI
    assert mel_filters().shape == shipped.shape == (80, 201)
    assert np.abs(mel_filters() - shipped).max() < 1e-6


def test_features_see_the_last_8_s_with_silence_in_front():
    speech = load_audio(FIXTURES / "goforward.wav")
    n = 8 * SAMPLE_RATE
    assert turn_features(speech).shape == (1, 80, 800)
    padded = np.concatenate([np.zeros(n - len(speech), np.float32), speech])
    assert np.array_equal(turn_features(speech), turn_features(padded))
    noise = np.random.default_rng(0).normal(0, 0.1, 9 * SAMPLE_RATE).astype(np.float32)
    long = np.concatenate([noise, speech])
    assert np.array_equal(turn_features(long), turn_features(long[-n:]))


def test_smart_turn_tells_a_finished_command_from_a_sentence_cut_short(smart):
    assert smart.probability(load_audio(FIXTURES / "goforward.wav")) > 0.5  # "go forward ten meters": 0.99
    jfk = load_audio(FIXTURES / "jfk.wav")
    assert smart.probability(jfk[: int(5.5 * SAMPLE_RATE)]) < 0.5  # "... ask not what your" : 0.21


def test_a_missing_or_damaged_model_is_a_model_error_with_a_fix(tmp_path):
    with pytest.raises(ModelError) as missing:
        SmartTurn(tmp_path)
    assert "models.turn.fetch" in missing.value.fix
    shutil.copy(smart_turn_dir() / "checksums.json", tmp_path)
    (tmp_path / "smart-turn-v3.2-cpu.onnx").write_bytes(b"\0" * 100)
    with pytest.raises(ModelError, match="missing or damaged"):
        SmartTurn(tmp_path)


# -- the endpointer's quick end ------------------------------------------------------------------

def _utterance(vad, judge, name="goforward.wav", **options):
    asked = []
    ep = Endpointer(vad, VadOptions(**options), judge=lambda audio: asked.append(len(audio)) or judge)
    for frame in FileSource(FIXTURES / name, tail_silence_s=2.0).frames():
        if (u := ep.push(frame)) is not None:
            return u, asked
    raise AssertionError("no end found")


def test_a_finished_utterance_ends_at_the_quick_silence(vad):
    u, asked = _utterance(vad, True, quick_silence_ms=200, trailing_silence_ms=700)
    assert len(u.audio) - u.voiced_samples == 6 * FRAME  # 192 ms of silence, not 700
    assert len(asked) == 1


def test_the_default_quick_silence_lets_a_readers_pause_inside_a_list_pass(vad):
    """cards_005 ("eight of spades, four of clubs, seven of hearts") pauses 224 ms after its first item."""
    whole, _ = _utterance(vad, True, "cards_005.wav")
    assert whole.voiced_samples / SAMPLE_RATE > 3.0
    cut, _ = _utterance(vad, True, "cards_005.wav", quick_silence_ms=200)
    assert cut.voiced_samples / SAMPLE_RATE < 1.5


def test_an_unfinished_one_waits_for_the_full_silence(vad):
    u, asked = _utterance(vad, False, quick_silence_ms=200, trailing_silence_ms=700)
    assert (len(u.audio) - u.voiced_samples) * 1000 / SAMPLE_RATE >= 700
    assert len(asked) >= 1 and all(n < len(u.audio) for n in asked)  # once per pause, before the end


# -- the speculative worker ----------------------------------------------------------------------

def _heard(text):
    return lambda audio: Recognition(Transcript(text, "en", len(audio) / SAMPLE_RATE), 0.8)


def test_a_pause_is_judged_transcribed_and_understood_once():
    judged = []
    s = Speculator(SpeculatorHooks(recognize=_heard("turn off the lights"),
                                   complete=lambda audio: judged.append(1) or 0.9,
                                   understand=lambda text: Understanding(text, "iot_hue_lightoff", 0.99)))
    try:
        s.pause(np.zeros(4000, np.float32), voiced_samples=3500)
        assert s.complete(3500, timeout=10) == 0.9
        heard = s.heard(3500, timeout=10)
        assert heard.recognition.transcript.text == "turn off the lights" and judged == [1]
        assert s.understood == {"turn off the lights": Understanding("turn off the lights", "iot_hue_lightoff", 0.99)}
        assert s.heard(1234, timeout=0.05) is None  # another pause: not this utterance
    finally:
        s.close()


def test_words_left_open_are_never_a_finished_turn():
    s = Speculator(SpeculatorHooks(recognize=_heard("set a timer for"), complete=lambda audio: 0.99))
    try:
        s.pause(np.zeros(4000, np.float32), voiced_samples=4000)
        assert s.complete(4000, timeout=10) == 0.0
    finally:
        s.close()
    assert left_open("Remind me to,") and left_open("turn off the")
    assert not left_open("what's the weather like") and not left_open("")


def test_a_command_still_missing_its_time_is_not_a_finished_turn():
    """Whisper closed "set a timer for" with a word never said ("Set a timer for it.", hearth bench e2e):
    the words do not end open, but a timer without a time is not a finished command."""
    said = {"Set a timer for it.": Understanding("Set a timer for it.", "alarm_set", 0.93),
            "Set a timer for 10 minutes.": Understanding("Set a timer for 10 minutes.", "alarm_set", 0.96,
                                                         [Entity("time", "10 minutes", 16, 26)])}
    for text, expected in [("Set a timer for it.", 0.0), ("Set a timer for 10 minutes.", 0.97)]:
        s = Speculator(SpeculatorHooks(recognize=_heard(text), complete=lambda audio: 0.97, understand=said.get))
        try:
            s.pause(np.zeros(4000, np.float32), voiced_samples=4000)
            assert s.complete(4000, timeout=10) == expected
        finally:
            s.close()
    assert missing_value(Understanding("remind me to call my mother", "calendar_set", 0.99))
    assert not missing_value(Understanding("turn off the lights", "iot_hue_lightoff", 0.99))


def test_the_transcript_is_handed_over_while_the_reply_is_still_being_started():
    """The final turn shows the words and runs the dialogue while the worker synthesizes the previewed reply's
    first clause; the turn takes that clause when it is ready."""
    release = threading.Event()
    said = Understanding("what time is it", "datetime_query", 0.99)
    s = Speculator(SpeculatorHooks(recognize=_heard("what time is it"), complete=lambda audio: 0.9,
                                   understand=lambda text: said,
                                   answer=lambda u: release.wait(10) and f"early start of {u.text}"))
    try:
        s.pause(np.zeros(4000, np.float32), voiced_samples=4000)
        heard = s.heard(4000, timeout=10)
        assert heard is not None and heard.recognition.transcript.text == "what time is it"
        assert s.early_answer("what time is it", timeout=0.05) is None  # still being made
        release.set()
        assert s.early_answer("what time is it", timeout=10) == "early start of what time is it"
        assert s.early_answer("something else", timeout=0.05) is None
    finally:
        release.set()
        s.close()


def test_partials_never_queue_behind_a_busy_worker_and_carry_the_agreed_words():
    release, partials, calls = threading.Event(), [], []

    def recognize(audio):
        calls.append(len(audio))
        release.wait(10)
        return Recognition(Transcript(["go forward", "go forward ten meters"][len(calls) > 1], "en", 1.0), 1.0)

    s = Speculator(SpeculatorHooks(recognize=recognize, on_partial=lambda text, stable: partials.append((text, stable))))
    try:
        s.partial(np.zeros(100, np.float32))
        while not calls:
            threading.Event().wait(0.01)
        s.partial(np.zeros(200, np.float32))  # busy: dropped, not queued
        release.set()
        s.pause(np.zeros(300, np.float32), voiced_samples=300)
        s.heard(300, timeout=10)
    finally:
        s.close()
    assert calls == [100, 300]
    assert partials == [("go forward", ""), ("go forward ten meters", "go forward")]


def test_partials_take_the_quick_draft_and_pauses_the_full_recognizer():
    """A partial is replaced by the next: the worker makes it with `draft` (no second pass), while a pause's
    transcript may become the turn's and gets the full recognizer."""
    used = []
    s = Speculator(SpeculatorHooks(recognize=lambda audio: used.append("full") or _heard("turn on the lights")(audio),
                                   draft=lambda audio: used.append("draft") or _heard("turn on")(audio),
                                   on_partial=lambda text, stable: None))
    try:
        s.partial(np.zeros(100, np.float32))
        while not used:
            threading.Event().wait(0.01)
        s.pause(np.zeros(300, np.float32), voiced_samples=300)
        assert s.heard(300, timeout=10).recognition.transcript.text == "turn on the lights"
    finally:
        s.close()
    assert used == ["draft", "full"]


def test_agreed_prefix_ignores_case_and_punctuation():
    assert agreed_prefix("Set a timer", "set a timer for ten.") == "set a timer"
    assert agreed_prefix("", "anything") == ""
