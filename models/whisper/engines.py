"""Every Whisper variant the study compares, by name, built for a given thread count.

Each spec builds an object with `transcribe(audio) -> Transcript` (Hearth's AsrEngine) and knows
the weights it runs: their size (the files loaded, or for PyTorch the serialized state dict in the
precision it runs) and the model's parameter count (read from the CTranslate2 file all tiny.en
variants come from).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Callable, NamedTuple

from app.asr import create_engine
from app.asr.engine import AsrEngine, AsrOptions


class EngineSpec(NamedTuple):
    what: str
    build: Callable[[int], AsrEngine]
    weights: Callable[[AsrEngine], tuple[float, int]]  # (size MB, parameters)


@cache
def _parameters(model_bin: Path) -> int:
    from models.whisper.ct2_reader import read_model_bin

    return sum(a.size for a in read_model_bin(model_bin).variables.values() if a.dtype.kind == "f")


def _tiny_dir() -> Path:
    from app.model_files import whisper_model_dir

    return whisper_model_dir()


def _base_dir() -> Path:
    from models.whisper.base_model import base_model_dir

    return base_model_dir()


def _ct2_weights(folder: Callable[[], Path]) -> Callable[[AsrEngine], tuple[float, int]]:
    """The model.bin on disk (float16; CTranslate2 converts to the compute type at load)."""
    return lambda engine: ((folder() / "model.bin").stat().st_size / 1e6, _parameters(folder() / "model.bin"))


def _torch_weights(engine: AsrEngine) -> tuple[float, int]:
    import torch

    buffer = io.BytesIO()
    torch.save(engine.model.state_dict(), buffer)
    return buffer.getbuffer().nbytes / 1e6, _parameters(_tiny_dir() / "model.bin")


def onnx_dir(model: str = "tiny.en") -> Path:
    """The shipped export of `model` if there is one, else the toolchain's work folder."""
    from app.asr.onnx_engine import default_model_dir
    from models.whisper.corpus import onnx_work_dir

    shipped = default_model_dir(model)
    return shipped if (shipped / "whisper_onnx.json").exists() else onnx_work_dir(model)


def _onnx_weights(model: str) -> Callable[[AsrEngine], tuple[float, int]]:
    def weights(engine: AsrEngine) -> tuple[float, int]:
        size = sum((onnx_dir(model) / f"{part}.int8.onnx").stat().st_size for part in ("encoder", "decoder"))
        return size / 1e6, _parameters((_base_dir() if model == "base" else _tiny_dir()) / "model.bin")
    return weights


def _openai(int8: bool) -> Callable[[int], AsrEngine]:
    def build(threads: int) -> AsrEngine:
        from models.whisper.torch_engine import OpenAIWhisperEngine

        return OpenAIWhisperEngine(AsrOptions(threads=threads), int8=int8)
    return build


def _ct2(compute_type: str, base: bool = False) -> Callable[[int], AsrEngine]:
    def build(threads: int) -> AsrEngine:
        return create_engine(AsrOptions(engine="faster-whisper", compute_type=compute_type, threads=threads,
                                        model_dir=_base_dir() if base else None, device="cpu"))
    return build


def _stock(threads: int) -> AsrEngine:
    options = AsrOptions.stock()
    options.threads, options.device = threads, "cpu"
    return create_engine(options)


def _onnx(model: str = "tiny.en", **window) -> Callable[[int], AsrEngine]:
    def build(threads: int) -> AsrEngine:
        from app.asr.onnx_engine import OnnxWhisperEngine

        return OnnxWhisperEngine(AsrOptions(engine="onnx", model=model, model_dir=onnx_dir(model), threads=threads,
                                            device="cpu", extra={"window": window}))
    return build


ENGINES: dict[str, EngineSpec] = {
    "openai-fp32": EngineSpec("openai-whisper (PyTorch) fp32, greedy, 30 s window", _openai(False), _torch_weights),
    "openai-int8": EngineSpec("openai-whisper + torch dynamic int8 (64 Linear layers), greedy", _openai(True),
                              _torch_weights),
    "ct2-float32": EngineSpec("faster-whisper/CTranslate2 float32, greedy", _ct2("float32"), _ct2_weights(_tiny_dir)),
    "ct2-int8": EngineSpec("faster-whisper/CTranslate2 int8, greedy", _ct2("int8"), _ct2_weights(_tiny_dir)),
    "stock": EngineSpec("faster-whisper defaults: beam 5, timestamps, compute 'default'", _stock,
                        _ct2_weights(_tiny_dir)),
    "base-ct2-int8": EngineSpec("Whisper base (multilingual) CTranslate2 int8, greedy", _ct2("int8", base=True),
                                _ct2_weights(_base_dir)),
    "onnx-int8": EngineSpec("ONNX Runtime int8, window = speech + 1 s, at least 10 s, 30 s retry below log-prob -1 "
                            "(Hearth default)", _onnx(), _onnx_weights("tiny.en")),
    "onnx-int8-short": EngineSpec("ONNX Runtime int8, window = speech + 1 s, at least 2 s, 30 s retry below "
                                  "log-prob -1", _onnx(min_s=2.0), _onnx_weights("tiny.en")),
    "onnx-int8-30s": EngineSpec("ONNX Runtime int8, fixed 30 s window (same decoder)", _onnx(fixed_s=30.0),
                                _onnx_weights("tiny.en")),
    "onnx-base-int8": EngineSpec("Whisper base (multilingual, English + transcribe forced) in the same ONNX int8 "
                                 "engine and window as onnx-int8", _onnx("base"), _onnx_weights("base")),
}
