"""What every text-to-speech engine takes and gives back, and the interface an engine implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass
class TtsOptions:
    voice: str | None = None  # a voice id from voices(): "piper:en_US-joe-medium", or an espeak-ng id, e.g. "gmw/en-us"
    rate: int = 175  # words per minute
    volume: float = 1.0


@dataclass
class Speech:
    audio: np.ndarray  # float32 mono
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


SOUND_FLOOR = 0.005  # a sample above this (of full scale 1.0) is heard; below, near silence


def first_sound(audio: np.ndarray) -> int:
    """Index of the first audible sample (len(audio) when there is none): what comes before it is only waiting."""
    sound = np.flatnonzero(np.abs(audio) > SOUND_FLOOR)
    return int(sound[0]) if sound.size else len(audio)


@dataclass(frozen=True)
class Voice:
    id: str  # what the `voice` setting and `hearth speak --voice` take
    name: str  # readable, "Language (Variant)" so pickers can group by language
    engine: str  # "espeak" or "piper"


class Engine(Protocol):
    """One way of turning a clause into sound; app/tts/__init__.py picks one by voice id."""

    name: str

    def voices(self) -> list[Voice]: ...

    def synthesize(self, text: str, options: TtsOptions) -> Speech:
        """One clause of normalized text as audio; raises HearthError rather than return silence."""
        ...

    def pieces(self, text: str, options: TtsOptions) -> Iterator[Speech]:
        """The same audio in pieces, in the order it is heard, each as soon as it is made."""
        ...


class WholeClauses:
    """For an engine that makes a clause's audio in one go: its one piece is the clause."""

    def pieces(self, text: str, options: TtsOptions) -> Iterator[Speech]:
        yield self.synthesize(text, options)
