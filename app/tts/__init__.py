"""Offline text-to-speech: a neural Piper voice (onnxruntime) or espeak-ng, clause by clause.

Synthesis always goes to a buffer, so the reply can be saved, measured and interrupted (barge-in
stops playback at once; nothing is half-spoken by a driver we cannot stop): playing it is
app/audio/player.py's job. `stream` yields a reply clause by clause so playback can start as soon as
the first clause is ready; `synthesize` is the whole reply at once. A voice id names its engine:
"piper:<voice>" is the neural voice, "system:<id>" one of the system's voices through pyttsx3 (only
where libespeak-ng is absent), anything else an espeak-ng voice ("gmw/en-us"); no voice is the default
voice (`default_voice`). docs/voice.md has the measurements behind the choice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from app.errors import HearthError, ModelError
from app.tts import espeak, piper, system
from app.tts.speech import Engine, Speech, TtsOptions, Voice
from app.tts.text import clauses, speakable

__all__ = ["Speech", "TtsOptions", "Voice", "default_voice", "list_voices", "stream", "synthesize", "voice_names",
           "voices"]


log = logging.getLogger(__name__)


def _engines() -> list[Engine]:
    """The neural voice takes its phonemes from espeak-ng: without libespeak-ng (Windows, macOS) the
    system's own voices speak."""
    if not espeak.available():
        return [system.SystemEngine()]
    return [piper.PiperEngine(), espeak.EspeakEngine()]


def default_voice() -> str:
    """The neural voice when it is installed (natural, and fast enough: docs/voice.md), else espeak-ng's
    American English, else the system's default voice."""
    if not espeak.available():
        return f"{system.NAME}:"
    return f"{piper.NAME}:{piper.VOICE}" if piper.installed() else espeak.DEFAULT_VOICE


def _engine_for(voice: str) -> Engine:
    name = voice.partition(":")[0] if ":" in voice else espeak.NAME
    for engine in _engines():
        if engine.name == name:
            return engine
    raise HearthError(f"no text-to-speech engine for voice {voice!r}", "pick one from `hearth speak --list-voices`")


def list_voices() -> list[Voice]:
    """Every installed voice, with its engine."""
    return [voice for engine in _engines() for voice in engine.voices()]


def voices() -> list[str]:
    return [voice.id for voice in list_voices()]


def voice_names() -> list[tuple[str, str]]:
    """(id, readable name) of each installed voice, e.g. ("gmw/en-us", "English (America)"): pickers
    show names, not espeak codes."""
    return [(voice.id, voice.name) for voice in list_voices()]


def stream(text: str, options: TtsOptions | None = None) -> Iterator[Speech]:
    """The reply clause by clause, each chunk float32 mono at the voice's one sample rate; the first
    comes as soon as the start of the first clause is synthesized (the neural voice makes a clause in
    pieces), and nothing is synthesized that is not read (a reply cut short by barge-in stops costing).
    Empty text, an unknown engine or neural voice raise HearthError here, before any chunk; the neural
    model loads here too. A missing espeak-ng voice raises at the first chunk."""
    parts, engine, options = _prepared(text, options)
    return (piece for part in parts for piece in engine.pieces(part, options))


def synthesize(text: str, options: TtsOptions | None = None) -> Speech:
    """The whole reply as one Speech, each clause made in one go (no piece is wanted early)."""
    parts, engine, options = _prepared(text, options)
    chunks = [engine.synthesize(part, options) for part in parts]
    return Speech(audio=np.concatenate([c.audio for c in chunks]), sample_rate=chunks[0].sample_rate)


def _prepared(text: str, options: TtsOptions | None) -> tuple[list[str], Engine, TtsOptions]:
    """The clauses of `text`, the engine that speaks them and the options it gets (see `stream` for the errors)."""
    options = options or TtsOptions()
    parts = clauses(speakable(text))
    if not parts:
        raise HearthError("nothing to say: the text is empty", "give some text to speak")
    voice = options.voice or default_voice()
    engine = _engine_for(voice)
    if engine.name == piper.NAME:
        try:
            piper.model(_with_voice(options, voice).voice)
        except ModelError as exc:  # a missing or damaged optional voice must not silence Hearth
            log.warning("neural voice unavailable (%s): speaking with espeak-ng", exc.message)
            voice, engine = espeak.DEFAULT_VOICE, espeak.EspeakEngine()
    return parts, engine, _with_voice(options, voice)


def _with_voice(options: TtsOptions, voice: str) -> TtsOptions:
    """The options an engine gets: its own voice name, without the engine's prefix."""
    return replace(options, voice=voice.partition(":")[2] if ":" in voice else voice)
