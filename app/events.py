"""Typed events the pipeline emits, so the GUI, the CLI and the benchmarks observe one core.

Modelled on Home Assistant's assist pipeline: every stage announces its start and end (with
timing), plus transcript, understanding, reply and error events.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Event:
    timestamp: float = field(default_factory=time.time, kw_only=True)


@dataclass
class StageStarted(Event):
    stage: str


@dataclass
class StageFinished(Event):
    stage: str
    elapsed_ms: float


@dataclass
class StateChanged(Event):
    """idle | listening | thinking | speaking"""

    state: str


@dataclass
class InputLevel(Event):
    rms: float


@dataclass
class PartialTranscript(Event):
    text: str


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
    stage: str
    message: str
    fix: str = ""


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
                import logging

                logging.getLogger(__name__).exception("event listener failed: %s", exc)
