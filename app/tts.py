"""Offline text-to-speech: pyttsx3 on espeak-ng, synthesized to a buffer, played if a speaker exists.

Synthesis always goes to a WAV first, so the reply can be saved, measured and interrupted
(barge-in stops playback at once; nothing is half-spoken by a driver we cannot stop): playing
it is app/audio/player.py's job.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from app.errors import HearthError

_LOCK = threading.Lock()  # pyttsx3 engines are not thread-safe


@dataclass
class TtsOptions:
    voice: str | None = None  # an espeak-ng voice id, e.g. "gmw/en-us"
    rate: int = 175  # words per minute
    volume: float = 1.0


@dataclass
class Speech:
    audio: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


def _engine(options: TtsOptions):
    try:
        import pyttsx3

        engine = pyttsx3.init()
    except Exception as exc:  # pyttsx3 raises bare exceptions when espeak-ng is absent
        raise HearthError(f"text-to-speech unavailable: {exc}",
                          "install espeak-ng (apt-get install espeak-ng)") from exc
    engine.setProperty("rate", options.rate)
    engine.setProperty("volume", options.volume)
    if options.voice:
        engine.setProperty("voice", options.voice)
    return engine


def voices() -> list[str]:
    return [voice_id for voice_id, _ in voice_names()]


def voice_names() -> list[tuple[str, str]]:
    """(id, readable name) of each installed voice, e.g. ("gmw/en-us", "English (America)"): pickers
    show names, not espeak codes."""
    with _LOCK:
        return [(v.id, v.name.strip()) for v in _engine(TtsOptions()).getProperty("voices")]


def synthesize(text: str, options: TtsOptions | None = None) -> Speech:
    if not text.strip():
        raise HearthError("nothing to say: the text is empty", "give some text to speak")
    options = options or TtsOptions()
    with _LOCK, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        engine = _engine(options)
        with contextlib.redirect_stdout(io.StringIO()):  # the espeak driver prints "Audio saved"
            engine.save_to_file(text, str(out))
            engine.runAndWait()
        if not out.exists() or out.stat().st_size <= 44:
            raise HearthError("text-to-speech produced no audio", "check `hearth doctor` for TTS voices")
        audio, rate = sf.read(str(out), dtype="float32")
    return Speech(audio=audio, sample_rate=rate)

