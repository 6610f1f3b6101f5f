"""Decode WAV/FLAC/OGG to 16 kHz mono float32, the one format every later stage takes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from app.errors import AudioFormatError, HearthError

SAMPLE_RATE = 16000


def to_mono_16k(data: np.ndarray, rate: int) -> np.ndarray:
    """Downmix and resample (soxr, high quality) to what Whisper and Silero expect."""
    if data.ndim == 2:
        data = data.mean(axis=1)
    data = data.astype(np.float32, copy=False)
    if rate != SAMPLE_RATE:
        data = soxr.resample(data, rate, SAMPLE_RATE).astype(np.float32)
    return data


def load_audio(source: str | Path | bytes) -> np.ndarray:
    """Read a file (or bytes) into 16 kHz mono float32 in [-1, 1]."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    if not isinstance(source, bytes) and not Path(source).exists():
        raise AudioFormatError(f"audio file not found: {name}", "check the path")
    try:
        data, rate = sf.read(io.BytesIO(source) if isinstance(source, bytes) else str(source), dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioFormatError(
            f"cannot decode audio {name}: {exc}", "use a WAV, FLAC or OGG file"
        ) from exc
    if data.size == 0:
        raise AudioFormatError(f"audio file is empty: {name}", "record some speech first")
    return to_mono_16k(data, rate)


def save_wav(path: str | Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), audio, rate, subtype="PCM_16")
    except (OSError, sf.LibsndfileError) as exc:
        raise HearthError(f"cannot write {path}: {exc}", "choose a writable folder with free space") from exc
    return path
