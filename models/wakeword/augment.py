"""Rooms and noises made here from numbers: reverberation from simple impulse responses, room,
white, pink and brown noise, music-like signals, and gain, so clean TTS sounds like a kitchen."""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve, lfilter

from app.audio.files import SAMPLE_RATE


def noise(rng: np.random.Generator, n: int, kind: str | None = None) -> np.ndarray:
    """Unit-RMS noise: white, pink (1/f), brown (1/f^2) or room (low hum plus soft hiss)."""
    kind = kind or rng.choice(["white", "pink", "brown", "room"])
    white = rng.standard_normal(n)
    if kind == "pink":  # Paul Kellet's economical pink filter
        out = lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875,
                                                                               -0.522189400], white)
    elif kind == "brown":
        out = lfilter([1.0], [1.0, -0.995], white)
    elif kind == "room":  # mains hum, a rumble and a little hiss
        t = np.arange(n) / SAMPLE_RATE
        out = 0.5 * np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * t) + lfilter([1.0], [1.0, -0.995], white) / 30
        out += 0.1 * white
    else:
        out = white
    out = out - out.mean()
    return (out / max(float(np.sqrt(np.mean(out ** 2))), 1e-9)).astype(np.float32)


def music(rng: np.random.Generator, n: int) -> np.ndarray:
    """Music-like: chords of harmonic notes that change every 0.2-0.6 s, with drum-like noise hits."""
    out = np.zeros(n)
    at = 0
    while at < n:
        length = min(n - at, int(rng.uniform(0.2, 0.6) * SAMPLE_RATE))
        t = np.arange(length) / SAMPLE_RATE
        envelope = np.exp(-rng.uniform(1, 6) * t)
        for midi in rng.choice(np.arange(45, 80), size=rng.integers(1, 4), replace=False):
            f0 = 440.0 * 2 ** ((midi - 69) / 12)
            for k in range(1, 5):
                out[at:at + length] += envelope * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k
        if rng.random() < 0.5:
            hit = min(length, 1600)
            out[at:at + hit] += rng.standard_normal(hit) * np.exp(-np.arange(hit) / 300.0)
        at += length
    return (out / max(float(np.abs(out).max()), 1e-9) * 0.5).astype(np.float32)


def impulse_response(rng: np.random.Generator) -> np.ndarray:
    """A room: direct sound, then exponentially decaying noise with an RT60 of 0.15-0.8 s."""
    rt60 = rng.uniform(0.15, 0.8)
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60) * rng.uniform(0.1, 0.5)
    tail[: int(0.002 * SAMPLE_RATE)] = 0.0  # the first reflection comes a little after the direct sound
    tail[0] = 1.0
    return tail / np.sqrt(np.sum(tail ** 2))


def reverb(rng: np.random.Generator, audio: np.ndarray) -> np.ndarray:
    wet = fftconvolve(audio, impulse_response(rng))[: len(audio)]
    return (wet * np.abs(audio).max() / max(float(np.abs(wet).max()), 1e-9)).astype(np.float32)


def room(rng: np.random.Generator, audio: np.ndarray, p_reverb: float = 0.5, snr_db: tuple[float, float] = (5, 30),
         p_noise: float = 0.7) -> np.ndarray:
    """Reverberation (sometimes), background noise at a random SNR (often), and a random gain."""
    out = reverb(rng, audio) if rng.random() < p_reverb else audio
    if rng.random() < p_noise:
        level = float(np.sqrt(np.mean(out ** 2))) or 1e-3
        out = out + noise(rng, len(out)) * level / 10 ** (rng.uniform(*snr_db) / 20)
    out = out * 10 ** (rng.uniform(-20, 0) / 20)  # from across the room to close by
    return np.clip(out, -1.0, 1.0).astype(np.float32)
