import numpy as np
import pytest

from app.audio import SAMPLE_RATE, FileSource, load_audio
from app.vad import Endpointer, SileroVad, VadOptions, trim
from tests.speech import FIXTURES


@pytest.fixture(scope="module")
def vad():
    return SileroVad()


def _pad(audio, before_s, after_s):
    return np.concatenate([np.zeros(int(before_s * SAMPLE_RATE), np.float32), audio,
                           np.zeros(int(after_s * SAMPLE_RATE), np.float32)])


def test_trim_removes_leading_and_trailing_silence(vad):
    speech = load_audio(FIXTURES / "goforward.wav")
    padded = _pad(speech, 2.0, 3.0)
    trimmed = trim(vad, padded, VadOptions(pad_ms=200))
    assert len(trimmed) < len(padded) - 4 * SAMPLE_RATE
    assert len(trimmed) > 0.5 * SAMPLE_RATE


def test_trim_of_silence_is_empty(vad):
    assert trim(vad, np.zeros(SAMPLE_RATE * 2, np.float32)).size == 0


def test_endpointer_finds_one_utterance_with_pre_roll(vad):
    opts = VadOptions(trailing_silence_ms=500, pre_roll_ms=300)
    ep = Endpointer(vad, opts)
    source = FileSource(FIXTURES / "goforward.wav", tail_silence_s=1.5)
    utterances = [u for u in (ep.push(f) for f in source.frames()) if u is not None]
    assert len(utterances) == 1
    u = utterances[0]
    assert not u.truncated
    assert 0.8 < u.duration_s < len(source.audio) / SAMPLE_RATE


def test_endpointer_truncates_at_max_length(vad):
    ep = Endpointer(vad, VadOptions(max_utterance_s=2.0))
    source = FileSource(FIXTURES / "jfk.wav")  # 11 s of continuous speech
    first = next(u for u in (ep.push(f) for f in source.frames()) if u is not None)
    assert first.truncated and first.duration_s <= 2.5


def test_endpointer_flush_returns_speech_when_stream_ends(vad):
    ep = Endpointer(vad, VadOptions(trailing_silence_ms=5000))
    for f in FileSource(FIXTURES / "goforward.wav", tail_silence_s=0).frames():
        assert ep.push(f) is None
    assert ep.flush() is not None
