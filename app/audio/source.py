"""Frame sources: a real microphone (sounddevice) or a file standing in for one.

Both yield 16 kHz mono float32 frames of FRAME samples, so VAD and the GUI never know which
they have. A device that vanishes mid-utterance ends the stream with a DeviceError; the frames
captured so far are kept by the caller.
"""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

from app.audio import portaudio
from app.audio.files import SAMPLE_RATE, clean, load_audio
from app.errors import DeviceError, HearthError

FRAME = 512  # 32 ms: Silero VAD's native window at 16 kHz


class AudioSource(Protocol):
    def frames(self) -> Iterator[np.ndarray]: ...

    def close(self) -> None: ...


def list_input_devices() -> list[dict]:
    return portaudio.devices("input")


def list_output_devices() -> list[dict]:
    return portaudio.devices("output")


class FileSource:
    """A WAV/FLAC/OGG file played as if it were the microphone.

    `realtime=True` paces frames at speaking speed (for the GUI demo); tests run it flat out.
    `tail_silence_s` appends silence so endpointing sees the end of speech.
    """

    def __init__(self, path: str | Path, realtime: bool = False, tail_silence_s: float = 1.0):
        self.path = Path(path)
        self.audio = load_audio(self.path)
        self.audio = np.concatenate([self.audio, np.zeros(int(tail_silence_s * SAMPLE_RATE), np.float32)])
        self.realtime = realtime
        self._closed = False

    def frames(self) -> Iterator[np.ndarray]:
        n = len(self.audio) // FRAME * FRAME
        start = time.monotonic()
        for i in range(0, n, FRAME):
            if self._closed:
                return
            if self.realtime:
                delay = start + i / SAMPLE_RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield self.audio[i : i + FRAME]

    def close(self) -> None:
        self._closed = True


class MicrophoneSource:
    """sounddevice input stream at 16 kHz mono; frames pass through a queue to the reader thread."""

    def __init__(self, device: str | int | None = None, timeout_s: float = 2.0):
        sd = portaudio.sounddevice()
        if not list_input_devices():
            raise DeviceError(
                "no microphone found",
                "plug in a microphone (and check the OS sound settings), or use a file: hearth listen FILE.wav",
            )
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._timeout_s = timeout_s
        self._stream = None
        portaudio.claim(device, "input")
        self._claimed = True
        try:
            self._stream = sd.InputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="float32", blocksize=FRAME,
                device=device, callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError has no stable import path
            self.close()
            raise DeviceError(f"cannot open microphone {device or '(default)'}: {exc}",
                              "choose another input device in Settings") from exc

    def _callback(self, indata, frames, time_info, status) -> None:
        self._queue.put(clean(indata[:, 0]))  # a copy: the driver reuses its buffer

    def frames(self) -> Iterator[np.ndarray]:
        stream = self._stream
        while stream is not None and stream.active:
            try:
                yield self._queue.get(timeout=self._timeout_s)
            except queue.Empty:
                raise DeviceError("the microphone stopped delivering audio",
                                  "check that it is still connected, then try again") from None

    def close(self) -> None:
        """Close the stream and let PortAudio go (a device rescan may be waiting); twice is harmless."""
        stream, self._stream = self._stream, None
        if not self._claimed:
            return
        self._claimed = False
        try:
            if stream is not None:
                stream.stop()
                stream.close()
        finally:
            portaudio.release()


class Silence:
    """A quiet room, paced like a real microphone: what a demo listens to once its files are over."""

    def __init__(self, seconds: float | None = None):
        self.seconds = seconds
        self._closed = False

    def frames(self) -> Iterator[np.ndarray]:
        start, sent = time.monotonic(), 0
        while not self._closed and (self.seconds is None or sent < self.seconds * SAMPLE_RATE):
            delay = start + sent / SAMPLE_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent += FRAME
            yield np.zeros(FRAME, np.float32)

    def close(self) -> None:
        self._closed = True


class Room:
    """Recordings standing in for a room an always-on microphone hears (wake-word demos): they play on in real
    time from the first open, whether or not anyone listens, as speech does, so each open hears from that moment
    on; what was said while nobody listened (Hearth thinking) is gone, as it would be. A Playlist would start
    every listen at the next file's beginning and drop the rest of a long recording after its first wake word.
    Once the recordings are over, every open is a quiet room. A file that cannot be read is left out and
    kept in `unreadable` (its error), for the caller to report."""

    def __init__(self, paths: list[str | Path], gap_s: float = 1.0):
        gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
        parts, self.unreadable = [], []
        for path in paths:
            try:
                parts += [load_audio(path), gap]
            except HearthError as exc:
                self.unreadable.append(exc)
        self.audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        self._start: float | None = None

    @property
    def over(self) -> bool:
        return self._start is not None and time.monotonic() - self._start >= len(self.audio) / SAMPLE_RATE

    def __call__(self) -> _RoomSource | Silence:
        if self._start is None:
            self._start = time.monotonic()
        return Silence() if self.over else _RoomSource(self.audio, self._start)


class _RoomSource:
    """One open of a Room: its audio from now on, at the pace it is spoken, until it is over."""

    def __init__(self, audio: np.ndarray, start: float):
        self.audio, self.start = audio, start
        self._closed = False

    def frames(self) -> Iterator[np.ndarray]:
        i = int((time.monotonic() - self.start) * SAMPLE_RATE) // FRAME * FRAME
        while not self._closed and i + FRAME <= len(self.audio):
            delay = self.start + (i + FRAME) / SAMPLE_RATE - time.monotonic()  # a frame is there once spoken
            if delay > 0:
                time.sleep(delay)
            yield self.audio[i:i + FRAME]
            i += FRAME

    def close(self) -> None:
        self._closed = True


class Playlist:
    """Recorded commands standing in for a microphone: each listen gets the next file, at speaking
    pace, then silence, so demos hold a real conversation (follow-ups, ringing timers)."""

    def __init__(self, paths: list[str | Path], realtime: bool = True):
        self.pending = [Path(p) for p in paths]
        self.realtime = realtime

    def __call__(self) -> FileSource | Silence:
        if not self.pending:
            return Silence()
        return FileSource(self.pending.pop(0), realtime=self.realtime)
