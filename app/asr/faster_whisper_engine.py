"""Whisper through CTranslate2 (faster-whisper): int8 on CPU by default, CUDA when present."""

from __future__ import annotations

import os

import numpy as np

from app.asr.engine import AsrOptions, Transcript
from app.audio.files import SAMPLE_RATE
from app.errors import ModelError
from app.model_files import WHISPER_TINY_EN, verified, whisper_model_dir


def resolve_device(device: str) -> str:
    if device in ("cpu", "cuda"):
        return device
    import ctranslate2

    return "cuda" if device in ("auto", "gpu") and ctranslate2.get_cuda_device_count() > 0 else "cpu"


class FasterWhisperEngine:
    def __init__(self, options: AsrOptions):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:  # an optional extra: the installer ships the ONNX engine only
            raise ModelError("the faster-whisper (CTranslate2) engine is not installed",
                             "install the ctranslate2 extra (pip install 'hearth[ctranslate2]', in a checkout "
                             "pip install -e '.[ctranslate2]'), or use the default engine: --engine onnx") from exc

        self.options = options
        if options.model != "tiny.en" and options.model_dir is None:
            raise ModelError(f"Whisper {options.model} is shipped for the onnx engine only (faster-whisper has tiny.en)",
                             "use --engine onnx, or set asr_model to tiny.en")
        folder = options.model_dir or whisper_model_dir()
        if options.model_dir is not None and not (folder / "model.bin").exists():
            raise ModelError(f"no CTranslate2 Whisper model in {folder}", WHISPER_TINY_EN.hint)
        self.device = resolve_device(options.device)
        compute = options.compute_type
        if self.device == "cpu" and compute == "float16":
            compute = "float32"
        with verified(WHISPER_TINY_EN if options.model_dir is None else None, folder):
            try:
                self.model = WhisperModel(str(folder), device=self.device, compute_type=compute,
                                          cpu_threads=options.threads, local_files_only=True)
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(f"cannot load Whisper from {folder}: {exc}", WHISPER_TINY_EN.hint) from exc
        self.compute_type = compute

    def transcribe(self, audio: np.ndarray, draft: bool = False) -> Transcript:
        o = self.options
        kwargs = dict(language=o.language, beam_size=o.beam_size, initial_prompt=o.initial_prompt,
                      condition_on_previous_text=False, without_timestamps=True, vad_filter=False)
        kwargs.update(o.extra)
        if draft:
            kwargs["temperature"] = 0.0  # no temperature fallback
        segments, info = self.model.transcribe(audio.astype(np.float32), **kwargs)
        segments = list(segments)
        text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(
            text=text,
            language=info.language,
            duration_s=len(audio) / SAMPLE_RATE,
            segments=[s.text.strip() for s in segments],
            avg_logprob=float(np.mean([s.avg_logprob for s in segments])) if segments else None,
            no_speech_prob=float(max(s.no_speech_prob for s in segments)) if segments else None,
        )
