"""The operating system's own voices through pyttsx3 (SAPI5 on Windows, NSSS on macOS): the fallback where
libespeak-ng is absent. On Linux espeak-ng is called directly (app/tts/espeak.py says why).

One pyttsx3 engine lives for the whole process: pyttsx3 keeps engines only weakly and its drivers call
back into them, so an engine made per call can be collected while its driver still reports to it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import tempfile
import threading
from pathlib import Path

import soundfile as sf

from app.errors import HearthError
from app.tts.speech import Speech, TtsOptions, Voice, WholeClauses

NAME = "system"
_LOCK = threading.Lock()  # pyttsx3 engines are not thread-safe


@functools.cache
def _engine():
    try:
        import pyttsx3

        return pyttsx3.init()
    except Exception as exc:  # pyttsx3 raises bare exceptions when the platform has no speech
        raise HearthError(f"text-to-speech unavailable: {exc}",
                          "install espeak-ng (apt-get install espeak-ng), or the system's voices") from exc


class SystemEngine(WholeClauses):
    name = NAME

    def voices(self) -> list[Voice]:
        with _LOCK:
            return [Voice(f"{NAME}:{v.id}", v.name.strip(), NAME) for v in _engine().getProperty("voices")]

    def synthesize(self, text: str, options: TtsOptions) -> Speech:
        with _LOCK, tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "speech.wav"
            engine = _engine()
            engine.setProperty("rate", options.rate)
            engine.setProperty("volume", options.volume)
            if options.voice:
                engine.setProperty("voice", options.voice)
            with contextlib.redirect_stdout(io.StringIO()):  # some drivers print "Audio saved"
                engine.save_to_file(text, str(out))
                engine.runAndWait()
            if not out.exists() or out.stat().st_size <= 44:
                raise HearthError("text-to-speech produced no audio", "check `hearth doctor` for TTS voices")
            audio, rate = sf.read(str(out), dtype="float32", always_2d=True)
        return Speech(audio=audio.mean(axis=1), sample_rate=rate)
