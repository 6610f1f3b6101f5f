import numpy as np
import pytest

from app.errors import HearthError
from app.tts import TtsOptions, synthesize, voices


def test_synthesizes_audible_speech_of_plausible_length():
    speech = synthesize("The timer is set for ten minutes.")
    assert speech.sample_rate > 8000
    assert 1.0 < speech.duration_s < 6.0
    assert np.abs(speech.audio).max() > 0.05


def test_faster_rate_is_shorter():
    slow = synthesize("one two three four five six", TtsOptions(rate=120))
    fast = synthesize("one two three four five six", TtsOptions(rate=260))
    assert fast.duration_s < slow.duration_s


def test_empty_text_is_an_error():
    with pytest.raises(HearthError, match="empty"):
        synthesize("   ")


def test_voices_listed():
    assert any("en" in v for v in voices())
