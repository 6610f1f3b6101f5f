"""Audio out: one thread owns the output stream, so Stop is always safe and always quick.

PortAudio is not safe to drive from several threads at once: the old player called `sd.play`
and `sd.wait` on the conversation thread and `sd.stop` on the GUI thread, and under a real sound
server that hung ("Speaking..." forever), froze the window or crashed. Here only the output
thread touches PortAudio. `play` hands it a job and waits; `stop` (from any thread) only sets a
flag: `play` returns at once, the stream's callback sees the flag at its next block (a few ms)
and the output thread closes the stream itself.

Speech may also come as chunks from a synthesizer that is still working (`play(iterable)`): a
feeder thread pulls them, so the callback never waits on synthesis, and they play gaplessly on
one stream from the first chunk on; when the next chunk is late the device plays silence.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from app.audio import portaudio
from app.errors import DeviceError, HearthError

log = logging.getLogger(__name__)

BLOCK = 1024  # frames per callback: ~21-23 ms at 44.1-48 kHz, the longest a stop waits for the callback
NO_SPEAKER_FIX = "connect a speaker or headphones; replies are still shown as text"


@dataclass(eq=False)
class _Job:
    """One reply: its chunks as they arrive, and how far the device has got through them."""

    device: Any
    on_first_audio: Callable[[], None] | None = None
    sample_rate: int | None = None  # the first chunk's: the stream's rate
    chunks: collections.deque = field(default_factory=collections.deque)  # fed by one thread, read by the callback
    position: int = 0  # into chunks[0]
    fed: threading.Event = field(default_factory=threading.Event)  # every chunk is in `chunks` (or feeding failed)
    wake: threading.Event = field(default_factory=threading.Event)  # for the output thread: something happened
    first_audio: threading.Event = field(default_factory=threading.Event)  # the callback wrote a first sample
    ended: threading.Event = field(default_factory=threading.Event)  # the stream finished (played out or aborted)
    stopped: threading.Event = field(default_factory=threading.Event)
    over: threading.Event = field(default_factory=threading.Event)  # played out, failed or stopped
    error: HearthError | None = None

    def add(self, speech: Any) -> None:
        """Queue one chunk; a chunk at another rate than the first is refused (one stream, one rate)."""
        if self.sample_rate is None:
            self.sample_rate = int(speech.sample_rate)
        elif speech.sample_rate != self.sample_rate:
            raise HearthError(f"speech chunks at {speech.sample_rate} Hz after {self.sample_rate} Hz",
                              "synthesize every chunk of one reply at the same sample rate", code="speech_rate_changed")
        self.chunks.append(np.ascontiguousarray(speech.audio, dtype=np.float32).reshape(-1))
        self.wake.set()

    def take(self, out: np.ndarray) -> int:
        """Copy queued samples into `out` (the callback's block); returns how many there were."""
        n = 0
        while n < len(out) and self.chunks:
            chunk = self.chunks[0]
            k = min(len(out) - n, len(chunk) - self.position)
            out[n:n + k] = chunk[self.position:self.position + k]
            n, self.position = n + k, self.position + k
            if self.position >= len(chunk):
                self.chunks.popleft()
                self.position = 0
        return n


class Player:
    """Plays speech on an output device; `play` blocks until the end or until `stop()` is called."""

    def __init__(self, device: str | int | None = None):
        self.device = device  # read at each `play`: a change applies from the next reply
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._pending: set[_Job] = set()  # queued or playing: Stop ends them all (a chime queued behind speech too)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def play(self, speech: Any, on_first_audio: Callable[[], None] | None = None) -> None:
        """Play one Speech (audio, sample_rate), or an iterable of Speech chunks at one rate, started
        as soon as the first chunk is there. `on_first_audio` is called on the output thread once the
        first sample is handed to the device. A missing or vanished device is a DeviceError; an error
        raised by the iterable ends the speech after what came before it, and is raised here."""
        job = _Job(self.device, on_first_audio)
        if hasattr(speech, "sample_rate"):
            job.add(speech)
            job.fed.set()
        else:
            threading.Thread(target=_feed, args=(job, iter(speech)), name="hearth-audio-feed", daemon=True).start()
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
            job.wake.set()
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
                if _first_chunk(job):
                    self._stream(job)
            except HearthError as exc:
                job.error = exc
            except Exception as exc:  # PortAudioError has no stable import path
                job.error = DeviceError(f"the speaker failed: {exc}", NO_SPEAKER_FIX, code="speaker_failed")
            finally:
                job.over.set()

    @staticmethod
    def _stream(job: _Job) -> None:
        if not portaudio.devices("output"):
            raise DeviceError("no speaker or audio output found", NO_SPEAKER_FIX)
        sd = portaudio.sounddevice()

        def fill(out: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            if job.stopped.is_set():
                raise sd.CallbackAbort
            fed = job.fed.is_set()  # read first: once set, every chunk is already queued
            written = job.take(out[:, 0])
            out[written:, 0] = 0.0  # a late chunk is silence until it comes
            if written and not job.first_audio.is_set():
                job.first_audio.set()
                job.wake.set()
            if fed and written < frames:
                raise sd.CallbackStop

        def finished() -> None:
            job.ended.set()
            job.wake.set()

        portaudio.claim(job.device, "output")
        try:
            stream = sd.OutputStream(samplerate=job.sample_rate, channels=1, dtype="float32", blocksize=BLOCK,
                                     device=job.device, callback=fill, finished_callback=finished)
            try:
                stream.start()
                _await_end(job)
            finally:
                if job.stopped.is_set():
                    stream.abort()  # drop what is buffered: a stop is heard at once
                else:
                    stream.stop()
                stream.close()
        finally:
            portaudio.release()
        if job.error is not None:
            raise job.error


def _feed(job: _Job, chunks: Iterator[Any]) -> None:
    """The feeder thread: pull chunks from the synthesizer until it ends, fails or Stop is pressed."""
    try:
        for speech in chunks:
            if job.stopped.is_set():
                break
            job.add(speech)
    except HearthError as exc:
        job.error = exc
    except Exception as exc:  # a synthesizer's own failure: the reply ends, the caller hears why
        log.exception("speech chunks failed")
        job.error = HearthError(f"speech synthesis failed: {exc}", "check `hearth doctor` for TTS voices",
                                code="tts_failed")
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # a generator's cleanup runs now, on the thread that ran it
        job.fed.set()
        job.wake.set()


def _first_chunk(job: _Job) -> bool:
    """Wait for the first chunk; False when there is none to play (stopped, empty, or failed first)."""
    while not job.chunks and not job.fed.is_set() and not job.stopped.is_set():
        job.wake.wait()
        job.wake.clear()
    if job.error is not None and not job.chunks:
        raise job.error
    return bool(job.chunks) and not job.stopped.is_set()


def _await_end(job: _Job) -> None:
    """Until the stream ends or Stop: tell `on_first_audio` (here, never on PortAudio's thread)."""
    told = False
    while not job.ended.is_set() and not job.stopped.is_set():
        job.wake.wait()
        job.wake.clear()
        if job.first_audio.is_set() and not told:
            told = True
            if job.on_first_audio is not None:
                try:
                    job.on_first_audio()
                except Exception:  # an observer's bug never stops the speech
                    log.exception("on_first_audio failed")
