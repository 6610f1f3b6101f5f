"""The worker thread that owns the Pipeline: listening, inference, speaking and dialogue polls.

The window never calls the pipeline directly. Requests cross to the worker as queued signals;
pipeline bus events come back as Qt signals (queued onto the GUI thread). Stop is the one
call made straight from the GUI thread: it only sets a flag and stops the player, so it works
at once even while the worker is blocked in capture or playback.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any, Callable, Iterator

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.audio.files import SAMPLE_RATE
from app.audio.source import AudioSource
from app.errors import DeviceError, HearthError
from app.events import ErrorEvent, Event, FinalTranscript, InputLevel, PartialTranscript, StateChanged
from app.pipeline import Pipeline, TurnResult
from app.tts import synthesize

log = logging.getLogger(__name__)

SourceFactory = Callable[[], AudioSource]


class Cancelled(Exception):
    """Stop was pressed while listening: drop the utterance, answer nothing."""


class Capture:
    """Wraps the microphone for one listen.

    `cancel()` (Stop) ends it and discards the speech; `finish()` (push-to-talk released) ends it
    and keeps the speech; `max_s` caps a listen that never ends. Giving up when nobody speaks
    (hands-free follow-ups) is the pipeline's `listen(wait_s=...)`, judged by the VAD.
    """

    def __init__(self, inner: AudioSource, max_s: float = 30.0):
        self.inner, self.max_s = inner, max_s
        self.cancelled = threading.Event()
        self.finished = threading.Event()

    def frames(self) -> Iterator[np.ndarray]:
        heard = 0
        for frame in self.inner.frames():
            if self.cancelled.is_set():
                raise Cancelled
            if self.finished.is_set():
                return
            yield frame
            heard += len(frame)
            if heard >= self.max_s * SAMPLE_RATE:
                return
        if self.cancelled.is_set():
            raise Cancelled

    def cancel(self) -> None:
        self.cancelled.set()

    def finish(self) -> None:
        self.finished.set()

    def close(self) -> None:
        self.inner.close()


def _guarded(slot: Callable, request: bool = True) -> Callable:
    """A worker slot never dies silently: problems become `problem` signals and the state resets.
    `request` slots (a listen or a typed turn) end with `finished`, so callers know the turn is over."""

    @functools.wraps(slot)
    def run(self: "PipelineWorker", *args: Any) -> None:
        try:
            slot(self, *args)
        except HearthError as exc:
            self.problem.emit(slot.__name__.strip("_"), exc.message, exc.fix)
            self.state.emit("idle")
        except Exception as exc:  # noqa: BLE001 - a bug must not freeze the app; it is logged in full
            log.exception("worker failed")
            self.problem.emit("internal", f"something went wrong: {exc}", "try again; if it repeats, see the log")
            self.state.emit("idle")
        finally:
            if request:
                self.finished.emit()

    return run


class PipelineWorker(QObject):
    # to the window
    state = Signal(str)
    level = Signal(float)
    partial = Signal(str)
    final = Signal(str)
    turn_done = Signal(object)  # TurnResult
    heard_nothing = Signal()
    announced = Signal(object)  # Reply from due_announcements()
    snapshot = Signal(dict)
    problem = Signal(str, str, str)  # where, message, fix
    ready = Signal()
    finished = Signal()  # one per request, after any speaking and follow-up listening
    # requests, queued onto the worker thread
    _req_preload = Signal()
    _req_listen = Signal(object, object)  # source factory, follow-up window seconds or None
    _req_text = Signal(str)
    _req_poll = Signal()

    def __init__(self, pipeline: Pipeline, player: Any | None = None):
        super().__init__()
        self.pipeline = pipeline
        self.player = player  # None: no speaker, replies are text only
        self.follow_up_source: SourceFactory | None = None  # hands-free listens here after a reply
        self.hands_free = False
        self.follow_up_s = 5.0
        self._capture: Capture | None = None
        self._stopped = threading.Event()
        self._poll_pending = threading.Event()
        self._is_ready = False
        pipeline.bus.subscribe(self._forward)
        self._req_preload.connect(self._preload)
        self._req_listen.connect(self._listen)
        self._req_text.connect(self._text)
        self._req_poll.connect(self._poll)

    # -- called from the GUI thread -------------------------------------------------------
    def preload(self) -> None:
        self._req_preload.emit()

    def listen(self, make_source: SourceFactory, window_s: float | None = None) -> None:
        self._stopped.clear()
        self._req_listen.emit(make_source, window_s)

    def ask(self, text: str) -> None:
        self._stopped.clear()
        self._req_text.emit(text)

    def poll(self) -> None:
        """At most one poll waits in the queue, however long the worker is busy."""
        if not self._poll_pending.is_set():
            self._poll_pending.set()
            self._req_poll.emit()

    def release(self) -> None:
        """Push-to-talk released: end capture now and answer what was said."""
        if self._capture is not None:
            self._capture.finish()

    def stop(self) -> None:
        """Barge-in: silence the reply at once and cancel any listening (also hands-free follow-ups)."""
        self._stopped.set()
        if self._capture is not None:
            self._capture.cancel()
        if self.player is not None:
            self.player.stop()

    # -- on the worker thread -------------------------------------------------------------
    def _forward(self, event: Event) -> None:
        if isinstance(event, StateChanged):
            self.state.emit(event.state)
        elif isinstance(event, InputLevel):
            self.level.emit(event.rms)
        elif isinstance(event, PartialTranscript):
            self.partial.emit(event.text)
        elif isinstance(event, FinalTranscript):
            self.final.emit(event.text)
        elif isinstance(event, ErrorEvent) and not self._stopped.is_set():
            self.problem.emit(event.stage, event.message, event.fix)

    @Slot()
    @functools.partial(_guarded, request=False)
    def _preload(self) -> None:
        self.pipeline.preload()
        self._is_ready = True
        self.ready.emit()
        self._poll()

    @Slot(object, object)
    @_guarded
    def _listen(self, make_source: SourceFactory, window_s: float | None) -> None:
        self._converse(self._capture_turn(make_source, window_s))

    @Slot(str)
    @_guarded
    def _text(self, text: str) -> None:
        self._converse(self.pipeline.run_text(text))

    def _converse(self, turn: TurnResult | None) -> None:
        """Show and speak each turn; hands-free (or when Hearth asked a question) listen again, until a
        follow-up window passes in silence or Stop is pressed. A loop, so long conversations never recurse."""
        while turn is not None:
            self.turn_done.emit(turn)
            self._publish_snapshot()
            if turn.speech is not None:
                self._play(turn.speech)
            reply = turn.reply
            wants_more = reply is not None and not getattr(reply, "end_session", False) \
                and (self.hands_free or getattr(reply, "expects_reply", False))
            if not wants_more or self.follow_up_source is None:
                return
            turn = self._capture_turn(self.follow_up_source, self.follow_up_s)

    def _capture_turn(self, make_source: SourceFactory, window_s: float | None) -> TurnResult | None:
        """One utterance from the microphone, run through the pipeline; None when there is nothing to answer."""
        if self._stopped.is_set():
            return None
        try:
            self._capture = Capture(make_source())
        except DeviceError as exc:
            self.problem.emit("microphone", exc.message, exc.fix)
            return None
        try:
            turn = self.pipeline.listen(self._capture, wait_s=window_s)
        except Cancelled:
            self.state.emit("idle")
            return None
        finally:
            self._capture.close()
            self._capture = None
        if turn is None or (turn.error is not None and not turn.transcript):
            self.heard_nothing.emit()
            if turn is not None:
                self.turn_done.emit(turn)  # e.g. "no speech detected": say so in the conversation
            return None
        return turn

    def _play(self, speech) -> None:
        if self.player is None or self._stopped.is_set():
            return
        self.state.emit("speaking")
        try:
            self.player.play(speech)
        except DeviceError as exc:
            self.problem.emit("speaker", exc.message, exc.fix)
        finally:
            self.state.emit("idle")

    @Slot()
    @functools.partial(_guarded, request=False)
    def _poll(self) -> None:
        """Due timers/alarms are announced (shown, and spoken if there is a speaker); panels refresh."""
        self._poll_pending.clear()
        if not self._is_ready:
            return
        for reply in self.pipeline.dialogue.due_announcements():
            self.announced.emit(reply)
            if self.player is not None and self.pipeline.options.speak:
                self._play(synthesize(reply.text, self.pipeline.options.tts))
        self._publish_snapshot()

    def _publish_snapshot(self) -> None:
        snap = getattr(self.pipeline.dialogue, "world_snapshot", None)
        if snap is not None:
            self.snapshot.emit(snap())


class WorkerThread(QThread):
    """Runs a PipelineWorker's event loop; `shutdown()` stops speech and capture, then joins."""

    def __init__(self, worker: PipelineWorker):
        super().__init__()
        self.setObjectName("hearth-pipeline")
        self.worker = worker
        worker.moveToThread(self)

    def shutdown(self, wait_ms: int = 5000) -> None:
        self.worker.stop()
        self.quit()
        self.wait(wait_ms)
