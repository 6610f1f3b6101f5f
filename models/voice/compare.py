"""Does the int8 copy sound like the float32 voice? Differences WER cannot hear, on the first 15 bench replies.

    .venv/bin/python -m models.voice.compare

Prints the log-spectrogram distance (RMS of the difference of log STFT magnitudes) between the float32
and int8 voices with the noise off, beside the float32 voice's own variation between two runs at its
default noise (noise_w off so lengths match), and the ratio of energy above 8 kHz (int8 / float32).
A distance above the voice's own variation, or more high-frequency energy, is a changed sound.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.signal import stft

from app.onnx_session import open_session
from app.tts import piper
from bench.tts import replies
from models.voice.build import fetch, quantize

N = 15
QUIET = np.array([0.0, 1.0, 0.0], np.float32)  # noise, length, noise_w
DEFAULT_NOISE = np.array([0.667, 1.0, 0.0], np.float32)


def audio(model: piper.PiperModel, ids: list[int], scales: np.ndarray) -> np.ndarray:
    feed = {"input": np.array([ids], np.int64), "input_lengths": np.array([len(ids)], np.int64), "scales": scales}
    return model.session.run(None, feed)[0].ravel()


def distance(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.size, b.size)
    spec = lambda x: np.log(np.abs(stft(x[:n], 22050, nperseg=1024, noverlap=768)[2]) + 1e-4)
    return float(np.sqrt(((spec(a) - spec(b)) ** 2).mean()))


def high_share(x: np.ndarray) -> float:
    magnitude = np.abs(np.fft.rfft(x))
    return float(magnitude[int(x.size * 8000 / 22050):].sum() / magnitude.sum())


def main() -> None:
    folder = fetch()
    fp32 = piper.read_model(folder / f"{piper.VOICE}.onnx", folder / f"{piper.VOICE}.onnx.json")
    int8 = replace(fp32, session=open_session(quantize(folder)))
    to_int8, own, high = [], [], []
    for text in replies()[:N]:
        ids = fp32.phoneme_ids(text)
        a, b = audio(fp32, ids, QUIET), audio(int8, ids, QUIET)
        to_int8.append(distance(a, b))
        own.append(distance(audio(fp32, ids, DEFAULT_NOISE), audio(fp32, ids, DEFAULT_NOISE)))
        high.append(high_share(b) / high_share(a))
    print(f"{N} replies: float32 vs int8 (noise off) {np.mean(to_int8):.3f}; float32 vs itself at default noise "
          f"{np.mean(own):.3f}; energy above 8 kHz, int8 / float32: {np.mean(high):.2f}x")


if __name__ == "__main__":
    main()
