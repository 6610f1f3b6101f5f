"""The ASR engine interface and the factory that picks one by name."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


@dataclass
class AsrOptions:
    """How to run Whisper. Defaults are Hearth's product settings (int8, greedy);
    `stock()` gives faster-whisper's own defaults, the baseline in bench/."""

    engine: str = "onnx"  # onnx: short-window int8 (fastest here, docs/whisper.md); faster-whisper: CTranslate2
    model: str = "tiny.en"  # tiny.en | base (multilingual, run in English): which shipped Whisper (onnx engine)
    model_dir: Path | None = None  # None: the shipped files of `model`
    compute_type: str = "int8"  # int8 | float32 | int8_float32 | float16 (GPU)
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # 0: library default
    beam_size: int = 1
    language: str = "en"
    initial_prompt: str | None = None
    extra: dict = field(default_factory=dict)  # passed to the engine's transcribe call

    @classmethod
    def stock(cls) -> "AsrOptions":
        return cls(engine="faster-whisper", compute_type="default", beam_size=5,
                   extra={"condition_on_previous_text": True, "without_timestamps": False})


# openai-whisper's and faster-whisper's transcribe defaults: a window whose first step finds no
# speech likely (> 0.6) and whose text has a mean token log-probability under -1 is skipped as
# silence; text that compresses more than 2.4x is a decoding loop.
NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4


def compression_ratio(text: str) -> float:
    """Bytes over zlib-compressed bytes: a transcript stuck in a loop ("You You You ...") compresses
    far better than anything said."""
    data = text.encode()
    return len(data) / len(zlib.compress(data)) if data else 0.0


@dataclass
class Transcript:
    text: str
    language: str
    duration_s: float
    segments: list[str] = field(default_factory=list)
    avg_logprob: float | None = None
    no_speech_prob: float | None = None

    @property
    def hallucinated(self) -> bool:
        """Whisper's own signs that it made the text up from noise: no speech likely and the words
        unsure (Whisper's rule for skipping a window), or words repeating in a loop."""
        unsure = (self.no_speech_prob or 0.0) > NO_SPEECH_THRESHOLD and (self.avg_logprob or 0.0) <= LOGPROB_THRESHOLD
        return unsure or compression_ratio(self.text) > COMPRESSION_RATIO_THRESHOLD


class AsrEngine(Protocol):
    options: AsrOptions

    def transcribe(self, audio: np.ndarray, draft: bool = False) -> Transcript:
        """`draft`: a partial transcript, soon replaced by the next, so skip the second passes that make a final
        one more accurate (the 30 s retry, the temperature fallback): on a half-said word they fire often
        and cost a busy worker ~200 ms (docs/benchmarks.md)."""
        ...


def create_engine(options: AsrOptions | None = None) -> AsrEngine:
    options = options or AsrOptions()
    if options.engine == "faster-whisper":
        from app.asr.faster_whisper_engine import FasterWhisperEngine

        return FasterWhisperEngine(options)
    if options.engine == "onnx":
        from app.asr.onnx_engine import OnnxWhisperEngine

        return OnnxWhisperEngine(options)
    from app.errors import HearthError

    raise HearthError(f"unknown ASR engine {options.engine!r}", "use engine 'faster-whisper' or 'onnx'")
