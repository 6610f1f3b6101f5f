"""Voice activity detection and endpointing with Silero VAD (the ONNX model Hearth ships in models/vad/).

`Endpointer` consumes 32 ms frames and decides when an utterance began and ended: speech starts
after `start_frames` speechy frames, ends after `trailing_silence_ms` of silence or at
`max_utterance_s`; `pre_roll_ms` of audio before the start is kept so the first syllable survives.
With a `judge` (semantic endpointing, app/endpoint.py) it ends sooner, after `quick_silence_ms`,
when the judge says the utterance is complete: a person answers a finished command in ~200-250
ms, and only a sentence left hanging ("set a timer for ...") waits for the full silence.
`find_speech` cuts leading/trailing silence from a whole clip before ASR and says how much of
what is left is speech (too little is noise); `trim` is its audio alone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from app.audio.files import SAMPLE_RATE
from app.audio.source import FRAME
from app.model_files import SILERO_VAD, verified
from app.onnx_session import open_session

CONTEXT = 64  # samples of the previous frame Silero v6 expects in front of each 512


def silero_model_path() -> Path:
    """Silero VAD v6 (MIT), shipped with Hearth in models/vad/ (models/vad/MODEL_CARD.md)."""
    return Path(__file__).resolve().parent.parent / "models" / "vad" / "silero_vad_v6.onnx"


@dataclass
class VadOptions:
    threshold: float = 0.5
    trailing_silence_ms: int = 700
    endpoint: str = "smart"  # "smart": end at quick_silence_ms when Smart Turn hears a finished turn; "silence"
    # 250 ms (8 frames, 256): real readers pause 224 ms inside a list ("four ... queen of clubs",
    # ../shared/speech cards_002, cards_005), which Smart Turn hears as finished; 200 (192 ms) cut them.
    quick_silence_ms: int = 250
    turn_threshold: float = 0.5  # P(turn complete) at or above which the quick end is taken
    pre_roll_ms: int = 300
    max_utterance_s: float = 15.0
    start_frames: int = 3
    pad_ms: int = 400  # kept around speech by `trim` (200 cut syllables: synth WER 10.2 -> 14.8 %)
    # Below this share of speech frames in the trimmed clip it is noise, not a command: noise makes
    # Silero fire on a stray frame now and then, which trim would stretch into seconds of noise for
    # Whisper to make words of ("You"). Real speech holds 0.45-0.9 (tests/fixtures, ../shared/speech,
    # 20 synthesized commands), a stray frame in noise 0.04.
    min_speech_fraction: float = 0.1


class SileroVad:
    """Streaming speech probability per 512-sample frame; keeps the LSTM state between calls."""

    def __init__(self, path: str | Path | None = None):
        """`path`: a Silero file of your own, used unchecked; by default the shipped one, verified."""
        shipped = silero_model_path()
        with verified(SILERO_VAD if path is None else None, shipped.parent):
            self.session = open_session(path or shipped, threads=1, device="cpu")
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        x = np.concatenate([self._context, frame.astype(np.float32)])[None, :]
        prob, self._h, self._c = self.session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = frame[-CONTEXT:].astype(np.float32)
        return float(prob.reshape(-1)[0])

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Whole-clip probabilities in one batched call (the model runs its LSTM over the batch)."""
        self.reset()
        n = len(audio) // FRAME
        if n == 0:
            return np.zeros(0, np.float32)
        frames = audio[: n * FRAME].astype(np.float32).reshape(n, FRAME)
        context = np.roll(frames[:, -CONTEXT:], 1, axis=0)
        context[0] = 0
        batch = np.concatenate([context, frames], axis=1)
        probs, _, _ = self.session.run(None, {"input": batch, "h": self._h, "c": self._c})
        return probs.reshape(-1).astype(np.float32)


@dataclass
class Utterance:
    audio: np.ndarray
    truncated: bool  # hit max_utterance_s
    voiced_samples: int = 0  # audio up to the end of the last speechy frame

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


class Endpointer:
    """Frame-by-frame state machine: waiting -> in speech -> utterance complete."""

    def __init__(self, vad: SileroVad, options: VadOptions | None = None,
                 judge: Callable[[np.ndarray], bool] | None = None):
        """`judge(audio so far)`: True when the utterance is complete; asked once per pause, at
        `quick_silence_ms`."""
        self.vad = vad
        self.options = options or VadOptions()
        self.judge = judge
        self.reset()

    def reset(self) -> None:
        o = self.options
        self.vad.reset()
        self._pre = deque(maxlen=max(1, o.pre_roll_ms * SAMPLE_RATE // 1000 // FRAME))
        self._speech: list[np.ndarray] = []
        self._run = 0
        self._silence = 0
        self._voiced = 0  # frames up to the last speechy one
        self.in_speech = False

    def push(self, frame: np.ndarray) -> Utterance | None:
        """Feed one frame; returns the utterance when it has ended."""
        o = self.options
        speechy = self.vad(frame) >= o.threshold
        if not self.in_speech:
            self._pre.append(frame)
            self._run = self._run + 1 if speechy else 0
            if self._run >= o.start_frames:
                self.in_speech = True
                self._speech = list(self._pre)
                self._silence = 0
                self._voiced = len(self._speech)
            return None
        self._speech.append(frame)
        self._silence = 0 if speechy else self._silence + 1
        if speechy:
            self._voiced = len(self._speech)
        if self.silence_ms >= o.trailing_silence_ms:
            return self._finish(truncated=False)
        quick = max(1, round(o.quick_silence_ms * SAMPLE_RATE / 1000 / FRAME))  # 250 ms: 8 frames, 256 ms
        if self.judge is not None and self._silence == quick and self.judge(self.current_audio()):
            return self._finish(truncated=False)
        if len(self._speech) * FRAME >= o.max_utterance_s * SAMPLE_RATE:
            return self._finish(truncated=True)
        return None

    @property
    def captured_samples(self) -> int:
        return len(self._speech) * FRAME if self.in_speech else 0

    @property
    def voiced_samples(self) -> int:
        """Captured audio up to the end of the last speechy frame."""
        return self._voiced * FRAME if self.in_speech else 0

    @property
    def silence_ms(self) -> int:
        """Silence since the last speechy frame of this utterance."""
        return self._silence * FRAME * 1000 // SAMPLE_RATE

    def current_audio(self) -> np.ndarray:
        """Speech so far (for partial transcripts)."""
        return np.concatenate(self._speech) if self.in_speech and self._speech else np.zeros(0, np.float32)

    def flush(self) -> Utterance | None:
        """The stream ended (file over, device gone): hand over what speech there is."""
        return self._finish(truncated=False) if self.in_speech and self._speech else None

    def _finish(self, truncated: bool) -> Utterance:
        audio, voiced = np.concatenate(self._speech), self.voiced_samples
        self.reset()
        return Utterance(audio=audio, truncated=truncated, voiced_samples=voiced)


@dataclass
class SpeechSpan:
    """A clip cut to its speech, and the share of its frames the VAD calls speech."""

    audio: np.ndarray
    fraction: float


def find_speech(vad: SileroVad, audio: np.ndarray, options: VadOptions | None = None) -> SpeechSpan:
    """Cut leading and trailing silence (keeping `pad_ms`); all-silence gives empty audio."""
    o = options or VadOptions()
    probs = vad.probabilities(audio)
    speech = np.flatnonzero(probs >= o.threshold)
    if speech.size == 0:
        return SpeechSpan(audio[:0], 0.0)
    pad = o.pad_ms * SAMPLE_RATE // 1000
    start = max(0, speech[0] * FRAME - pad)
    end = min(len(audio), (speech[-1] + 1) * FRAME + pad)
    return SpeechSpan(audio[start:end], speech.size * FRAME / (end - start))


def trim(vad: SileroVad, audio: np.ndarray, options: VadOptions | None = None) -> np.ndarray:
    """The clip cut to its speech (`find_speech`), as ASR takes it."""
    return find_speech(vad, audio, options).audio
