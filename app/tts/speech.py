"""What every text-to-speech engine takes and gives back, and the interface an engine implements."""

from __future__ import annotations

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
