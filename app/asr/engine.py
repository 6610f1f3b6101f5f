"""The ASR engine interface and the factory that picks one by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


@dataclass
class AsrOptions:
    """How to run Whisper. Defaults are Hearth's product settings (int8, greedy);
    `stock()` gives faster-whisper's own defaults, the baseline in bench/."""

    engine: str = "onnx"  # onnx: short-window int8 (fastest here, docs/whisper.md); faster-whisper: CTranslate2
    model_dir: Path | None = None  # None: the packaged tiny.en
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


@dataclass
class Transcript:
    text: str
    language: str
    duration_s: float
    segments: list[str] = field(default_factory=list)
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


class AsrEngine(Protocol):
    options: AsrOptions

    def transcribe(self, audio: np.ndarray) -> Transcript: ...


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
