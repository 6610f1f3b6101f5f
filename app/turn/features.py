"""Smart Turn's input: Whisper-style log-mel of the last 8 s of speech, left-padded with silence.

Written for Hearth after pipecat's numpy extractor (BSD-2-Clause), which mirrors Hugging Face's
WhisperFeatureExtractor(chunk_length=8, do_normalize=True): the waveform is scaled to zero mean and
unit variance *before* the spectrogram, then Whisper's log-mel (app/asr/onnx_engine.log_mel) with a
Slaney mel filterbank. tests/test_endpoint.py checks it against pipecat's own function.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.asr.onnx_engine import log_mel
from app.audio.files import SAMPLE_RATE

WINDOW_S = 8
N_FFT = 400
N_MELS = 80
FRAMES = WINDOW_S * SAMPLE_RATE // 160  # 800


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, np.float64)
    return np.where(f < 1000.0, 3.0 * f / 200.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) * 27.0 / np.log(6.4))


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, np.float64)
    return np.where(m < 15.0, 200.0 * m / 3.0, 1000.0 * np.exp((m - 15.0) * np.log(6.4) / 27.0))


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """[80, 201] triangular filters, area-normalized (Slaney), 0 to 8 kHz: what Whisper was trained on."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    bins = np.linspace(0, SAMPLE_RATE // 2, N_FFT // 2 + 1)
    slopes = edges[None, :] - bins[:, None]
    width = np.diff(edges)
    tri = np.maximum(0.0, np.minimum(-slopes[:, :-2] / width[:-1], slopes[:, 2:] / width[1:]))
    tri *= 2.0 / (edges[2:] - edges[:-2])[None, :]
    return tri.T.astype(np.float32)


def turn_features(audio: np.ndarray) -> np.ndarray:
    """[1, 80, 800] features of the last 8 s of `audio` (16 kHz mono), silence in front when shorter."""
    n = WINDOW_S * SAMPLE_RATE
    x = np.asarray(audio, np.float32)[-n:]
    x = np.pad(x, (n - len(x), 0))
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    return log_mel(x, mel_filters())[None, :, :FRAMES]
