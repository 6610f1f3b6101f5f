"""Every Whisper variant the study compares, by name, built for a given thread count.

Each factory returns an object with `transcribe(audio) -> Transcript` (Hearth's AsrEngine).
"""

from __future__ import annotations

from typing import Callable

from app.asr import create_engine
from app.asr.engine import AsrEngine, AsrOptions


def _openai(int8: bool) -> Callable[[int], AsrEngine]:
    def build(threads: int) -> AsrEngine:
        from models.whisper.torch_engine import OpenAIWhisperEngine

        return OpenAIWhisperEngine(AsrOptions(threads=threads), int8=int8)
    return build


def _ct2(compute_type: str, base: bool = False) -> Callable[[int], AsrEngine]:
    def build(threads: int) -> AsrEngine:
        model_dir = None
        if base:
            from models.whisper.base_model import base_model_dir

            model_dir = base_model_dir()
        return create_engine(AsrOptions(engine="faster-whisper", compute_type=compute_type, threads=threads,
                                        model_dir=model_dir, device="cpu"))
    return build


def _stock(threads: int) -> AsrEngine:
    options = AsrOptions.stock()
    options.threads, options.device = threads, "cpu"
    return create_engine(options)


# name -> (what it is, factory)
ENGINES: dict[str, tuple[str, Callable[[int], AsrEngine]]] = {
    "openai-fp32": ("openai-whisper (PyTorch) fp32, greedy, 30 s window", _openai(False)),
    "openai-int8": ("openai-whisper + torch dynamic int8 (64 Linear layers), greedy", _openai(True)),
    "ct2-float32": ("faster-whisper/CTranslate2 float32, greedy", _ct2("float32")),
    "ct2-int8": ("faster-whisper/CTranslate2 int8, greedy", _ct2("int8")),
    "stock": ("faster-whisper defaults: beam 5, timestamps, compute 'default'", _stock),
    "base-ct2-int8": ("Whisper base (multilingual) CTranslate2 int8, greedy", _ct2("int8", base=True)),
}


def onnx_dir():
    """The shipped export if there is one, else the toolchain's work folder."""
    from app.asr.onnx_engine import default_model_dir
    from models.whisper.corpus import WORK

    shipped = default_model_dir()
    return shipped if (shipped / "whisper_onnx.json").exists() else WORK / "onnx"


def _onnx(**window) -> Callable[[int], AsrEngine]:
    def build(threads: int) -> AsrEngine:
        from app.asr.onnx_engine import OnnxWhisperEngine

        return OnnxWhisperEngine(AsrOptions(engine="onnx", model_dir=onnx_dir(), threads=threads, device="cpu",
                                            extra={"window": window}))
    return build


ENGINES.update({
    "onnx-int8": ("ONNX Runtime int8, window = speech + 1 s, at least 10 s, 30 s retry below log-prob -1 "
                  "(Hearth default)", _onnx()),
    "onnx-int8-short": ("ONNX Runtime int8, window = speech + 1 s, at least 2 s, 30 s retry below log-prob -1",
                        _onnx(min_s=2.0)),
    "onnx-int8-30s": ("ONNX Runtime int8, fixed 30 s window (same decoder)", _onnx(fixed_s=30.0)),
})
