"""Audio out: one thread owns the output stream, so Stop is always safe and always quick.

PortAudio is not safe to drive from several threads at once: the old player called `sd.play` and
`sd.wait` on the conversation thread and `sd.stop` on the GUI thread, and under a real sound
server that hung ("Speaking..." forever), froze the window or crashed. Here only the output
thread touches PortAudio. `play` hands it a buffer and waits; `stop` (from any thread) only sets
a flag: `play` returns at once, the stream's callback sees the flag at its next block (a few ms)
and the output thread closes the stream itself.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.errors import DeviceError

log = logging.getLogger(__name__)

BLOCK = 1024  # frames per callback: ~21-23 ms at 44.1-48 kHz, the longest a stop waits for the callback
NO_SPEAKER_FIX = "connect a speaker or headphones; replies are still shown as text"


@dataclass(eq=False)
class _Job:
    audio: np.ndarray
    sample_rate: int
    device: Any
    stopped: threading.Event = field(default_factory=threading.Event)
    over: threading.Event = field(default_factory=threading.Event)  # played out, failed or stopped
    error: DeviceError | None = None
    position: int = 0


class Player:
    """Plays speech on an output device; `play` blocks until the end or until `stop()` is called."""

    def __init__(self, device: str | int | None = None):
        self.device = device
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._pending: set[_Job] = set()  # queued or playing: Stop ends them all (a chime queued behind speech too)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def play(self, speech: Any) -> None:
        """Play a Speech (audio, sample_rate); a missing or vanished device is a DeviceError."""
        job = _Job(np.ascontiguousarray(speech.audio, dtype=np.float32), speech.sample_rate, self.device)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="hearth-audio-out", daemon=True)
                self._thread.start()
            self._pending.add(job)
            self._jobs.put(job)
        job.over.wait()
        with self._lock:
            self._pending.discard(job)
        if job.error is not None:
            raise job.error

    def stop(self) -> None:
        """Cut the speech short, and drop anything queued behind it; safe from any thread, never blocks."""
        with self._lock:
            jobs = list(self._pending)
        for job in jobs:
            job.stopped.set()
            job.over.set()

    def close(self, timeout: float = 2.0) -> None:
        """Stop and end the output thread (the stream is closed on that thread)."""
        self.stop()
        with self._lock:
            thread, self._thread = self._thread, None
            self._jobs.put(None)
        if thread is not None:
            thread.join(timeout)

    # -- the output thread ----------------------------------------------------------------
    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if not job.stopped.is_set():
                    self._stream(job)
            except DeviceError as exc:
                job.error = exc
            except Exception as exc:  # PortAudioError has no stable import path
                job.error = DeviceError(f"the speaker failed: {exc}", NO_SPEAKER_FIX, code="speaker_failed")
            finally:
                job.over.set()

    @staticmethod
    def _stream(job: _Job) -> None:
        from app.audio.source import _sounddevice, list_output_devices

        if not list_output_devices():
            raise DeviceError("no speaker or audio output found", NO_SPEAKER_FIX)
        sd = _sounddevice()
        ended = threading.Event()

        def fill(out: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            if job.stopped.is_set():
                raise sd.CallbackAbort
            chunk = job.audio[job.position:job.position + frames]
            out[:len(chunk), 0] = chunk
            out[len(chunk):, 0] = 0.0
            job.position += len(chunk)
            if len(chunk) < frames:
                raise sd.CallbackStop

        stream = sd.OutputStream(samplerate=job.sample_rate, channels=1, dtype="float32", blocksize=BLOCK,
                                 device=job.device, callback=fill, finished_callback=ended.set)
        try:
            stream.start()
            while not ended.wait(0.05) and not job.stopped.is_set():
                pass
        finally:
            if job.stopped.is_set():
                stream.abort()  # drop what is buffered: a stop is heard at once
            else:
                stream.stop()
            stream.close()
