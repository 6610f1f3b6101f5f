import logging
import shutil

import numpy as np
import pytest

from app import tts
from app.errors import HearthError
from app.tts import (
    TtsOptions,
    espeak,
    list_voices,
    piper,
    stream,
    synthesize,
    voice_names,
    voices,
)

ESPEAK = TtsOptions(voice="gmw/en-us")


def test_synthesizes_audible_speech_of_plausible_length():
    speech = synthesize("The timer is set for ten minutes.")
    assert speech.sample_rate > 8000
    assert speech.audio.dtype == np.float32
    assert 1.0 < speech.duration_s < 6.0
    assert np.abs(speech.audio).max() > 0.05


def test_faster_rate_is_shorter():
    slow = synthesize("one two three four five six", TtsOptions(voice="gmw/en-us", rate=120))
    fast = synthesize("one two three four five six", TtsOptions(voice="gmw/en-us", rate=260))
    assert fast.duration_s < slow.duration_s


def test_empty_text_is_an_error_before_anything_is_yielded():
    with pytest.raises(HearthError, match="empty"):
        synthesize("   ")
    with pytest.raises(HearthError, match="empty"):
        stream("")


def test_voices_listed_with_their_engine():
    listed = list_voices()
    assert any(v.id == "gmw/en-us" and v.engine == "espeak" and v.name == "English (America)" for v in listed)
    assert voices() == [v.id for v in listed]
    assert ("gmw/en-us", "English (America)") in voice_names()


def test_stream_yields_clause_by_clause_at_one_rate():
    chunks = list(stream("Okay, the kitchen light is on. The hallway light is off. Anything else?", ESPEAK))
    assert len(chunks) == 4  # "Okay," first: the listener waits for the first clause only
    assert {c.sample_rate for c in chunks} == {chunks[0].sample_rate}
    assert all(c.audio.dtype == np.float32 and c.audio.ndim == 1 and np.abs(c.audio).max() > 0.05 for c in chunks)
    whole = synthesize("Okay, the kitchen light is on. The hallway light is off. Anything else?", ESPEAK)
    assert abs(whole.audio.size - sum(c.audio.size for c in chunks)) < 0.05 * whole.audio.size


def test_stream_synthesizes_only_as_far_as_it_is_read(monkeypatch):
    said = []
    real = espeak.EspeakEngine.synthesize
    monkeypatch.setattr(espeak.EspeakEngine, "synthesize", lambda self, text, o: said.append(text) or real(self, text, o))
    chunks = stream("The first clause is here. The second one follows.", ESPEAK)
    first = next(chunks)
    assert said == ["The first clause is here."] and first.duration_s > 0.5
    next(chunks)
    assert said == ["The first clause is here.", "The second one follows."]


def test_text_is_normalized_before_synthesis(monkeypatch):
    said = []
    monkeypatch.setattr(espeak.EspeakEngine, "synthesize", lambda self, text, o: said.append(text))
    list(stream("It is 21°C.", ESPEAK))
    assert said == ["It is twenty-one degrees Celsius."]


def test_unknown_voices_are_clear_errors():
    with pytest.raises(HearthError, match="no espeak-ng voice"):
        synthesize("hello there", TtsOptions(voice="xx/nonsense"))
    with pytest.raises(HearthError, match="no text-to-speech engine"):
        synthesize("hello there", TtsOptions(voice="festival:kal"))
    with pytest.raises(HearthError, match="no neural voice"):
        synthesize("hello there", TtsOptions(voice="piper:en_GB-nobody-low"))


def test_espeak_voice_id_may_name_its_engine():
    assert synthesize("hello there", TtsOptions(voice="espeak:gmw/en-us")).duration_s > 0.3


@pytest.fixture
def no_neural_voice(monkeypatch):
    monkeypatch.setattr(piper, "folder", lambda: None)
    piper._load.cache_clear()
    yield
    piper._load.cache_clear()


def test_without_the_neural_voice_espeak_is_the_default(no_neural_voice):
    assert tts.default_voice() == "gmw/en-us"
    assert all(v.engine == "espeak" for v in list_voices())
    assert synthesize("hello there").sample_rate == 22050


def test_a_chosen_neural_voice_that_is_missing_falls_back_to_espeak(no_neural_voice, caplog):
    with caplog.at_level(logging.WARNING):
        speech = synthesize("hello there", TtsOptions(voice="piper:en_US-joe-medium"))
    assert speech.duration_s > 0.3
    assert "neural voice unavailable" in caplog.text


@pytest.mark.skipif(not piper.installed(), reason="the neural voice (hearth[voice]) is not installed")
def test_a_damaged_neural_voice_is_named_and_espeak_speaks(tmp_path, monkeypatch, caplog):
    for name in piper.JOE_MEDIUM.files:
        shutil.copy(piper.folder() / name, tmp_path / name)
    weights = tmp_path / f"{piper.VOICE}.onnx"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed: only the sha256 sees it
    weights.write_bytes(bytes(data))
    monkeypatch.setattr(piper, "folder", lambda: tmp_path)
    piper._load.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            speech = synthesize("hello there")
        assert speech.duration_s > 0.3
        assert "does not match the shipped file" in caplog.text
    finally:
        piper._load.cache_clear()


def test_without_libespeak_the_system_voices_speak(monkeypatch):
    from app.tts import system

    monkeypatch.setattr(espeak, "available", lambda: False)
    said = []
    monkeypatch.setattr(system.SystemEngine, "synthesize",
                        lambda self, text, o: said.append((text, o.voice)) or tts.Speech(np.ones(10, np.float32), 16000))
    assert tts.default_voice() == "system:"
    assert synthesize("Hello there.").sample_rate == 16000
    synthesize("Hello again.", TtsOptions(voice="system:HKEY_ZIRA"))
    assert said == [("Hello there.", ""), ("Hello again.", "HKEY_ZIRA")]


@pytest.mark.skipif(not piper.installed(), reason="the neural voice (hearth[voice]) is not installed")
def test_both_engines_keep_to_the_rate_in_words_a_minute():
    text = ("The kitchen lights are on, the timer has nine minutes left, and tomorrow will be dry and mild "
            "with a light breeze from the west in the afternoon.")
    for rate in (130, 200):
        neural, espeak = (synthesize(text, TtsOptions(voice=v, rate=rate)).duration_s
                          for v in ("piper:en_US-joe-medium", "gmw/en-us"))
        assert abs(neural / espeak - 1) < 0.15, (rate, neural, espeak)  # the same pace, give or take the voice
