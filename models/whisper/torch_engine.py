"""openai-whisper (PyTorch) behind Hearth's AsrEngine interface: the fp32 baseline and its int8 twin.

Toolchain only (imports torch). Decoding matches Hearth's product settings: greedy, no
timestamps, no conditioning on previous text, openai-whisper's default temperature fallback.
"""

from __future__ import annotations

import numpy as np

from app.asr.engine import AsrOptions, Transcript
from app.audio.files import SAMPLE_RATE
from app.model_files import whisper_model_dir
from models.whisper.convert import load_whisper


class OpenAIWhisperEngine:
    def __init__(self, options: AsrOptions, int8: bool = False):
        import torch

        if options.threads:
            torch.set_num_threads(options.threads)
        self.options = options
        model = load_whisper(options.model_dir or whisper_model_dir())
        self.quantized_layers = 0
        if int8:
            from models.whisper.quantize import quantize_int8

            model, self.quantized_layers = quantize_int8(model)
        self.model = model

    def transcribe(self, audio: np.ndarray, draft: bool = False) -> Transcript:
        import torch

        o = self.options
        with torch.inference_mode():
            result = self.model.transcribe(
                audio.astype(np.float32), language=o.language, beam_size=o.beam_size if o.beam_size > 1 else None,
                without_timestamps=True, condition_on_previous_text=False, initial_prompt=o.initial_prompt,
                fp16=False, verbose=None, **({"temperature": 0.0} if draft else {}))
        segments = [s["text"].strip() for s in result["segments"]]
        return Transcript(text=result["text"].strip(), language=result["language"],
                          duration_s=len(audio) / SAMPLE_RATE, segments=segments)
