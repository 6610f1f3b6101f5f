"""Typed events the pipeline emits, so the GUI, the CLI and the benchmarks observe one core.

Modelled on Home Assistant's assist pipeline: every stage announces its start and end (with
timing), plus transcript, understanding, reply and error events. The conversation loop
(app/assistant.py) adds the events of a whole exchange: turns done, announcements of timers
and alarms, the world snapshot, and the end of each request.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from app.errors import HearthError
from app.stages import Stage, State


@dataclass
class Event:
    timestamp: float = field(default_factory=time.time, kw_only=True)


@dataclass
class StageStarted(Event):
    stage: Stage


@dataclass
class StageFinished(Event):
    stage: Stage
    elapsed_ms: float


@dataclass
class StateChanged(Event):
    state: State


@dataclass
class InputLevel(Event):
    rms: float


@dataclass
class PartialTranscript(Event):
    text: str
    stable: str = ""  # the leading words two passes agreed on (app/endpoint.py): unlikely to change


@dataclass
class FinalTranscript(Event):
    text: str


@dataclass
class Understood(Event):
    understanding: Any  # app.nlu.Understanding


@dataclass
class Replied(Event):
    text: str
    actions: list = field(default_factory=list)


@dataclass
class ErrorEvent(Event):
    """A problem in one stage; the run goes on (or ends) cleanly. `turn_error`: it ended a turn and
    comes back in that TurnResult, so front ends show it with the turn; any other is about the
    machine (a device, a model, a bug) and is shown on its own (a banner, stderr)."""

    stage: Stage
    code: str
    message: str
    fix: str = ""
    turn_error: bool = False

    @classmethod
    def of(cls, error: HearthError, stage: Stage | None = None, turn_error: bool = False) -> "ErrorEvent":
        return cls(stage=stage or error.stage, code=error.code, message=error.message, fix=error.fix,
                   turn_error=turn_error)

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "stage": str(self.stage), "message": self.message, "fix": self.fix}}


@dataclass
class Ready(Event):
    """Models are loaded and warm, so the first turn is as fast as the rest; or `error` says which
    could not load (typed turns may still work)."""

    error: HearthError | None = None


@dataclass
class TurnDone(Event):
    turn: Any  # app.pipeline.TurnResult


@dataclass
class HeardNothing(Event):
    """A listen ended with no utterance (silence, or a follow-up window that passed). A front end says
    `MESSAGE` (and where to check the microphone) only when the user asked to be heard: a hands-free or
    follow-up window closing in silence is normal."""

    MESSAGE: ClassVar[str] = "I didn't hear anything. Speak a little closer to the microphone, or check its level"


@dataclass
class WakeDetected(Event):
    """"Hey hearth" was heard (app/wake.py); a chime plays and the listen for the request starts."""

    score: float
    at_s: float  # seconds into this wake listen


@dataclass
class Announcement(Event):
    """A timer, alarm or reminder went off (or a notice the user must see), rung by the scheduler."""

    text: str
    due: datetime | None = None
    intent: str = ""
    actions: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {"announcement": self.text, "due": self.due.isoformat() if self.due else None}


@dataclass
class SnapshotChanged(Event):
    snapshot: dict  # app.dialogue.snapshot.WorldSnapshot


@dataclass
class SceneChanged(Event):
    """The camera watcher saw a frame (app/fusion/watcher.py): its SceneContext, None when the camera
    went off. `frame` (RGB array) is for a live preview only: kept in memory, never logged or stored."""

    scene: Any = None  # app.fusion.scene.SceneContext
    frame: Any = field(default=None, repr=False)


@dataclass
class RequestDone(Event):
    """One front-end request (a listen or a typed message) is over: replies shown and spoken, follow-ups heard."""


log = logging.getLogger(__name__)

Listener = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out; a failing listener is reported, never breaks the pipeline."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:  # a broken observer must not stop speech
                log.exception("event listener failed: %s", exc)
