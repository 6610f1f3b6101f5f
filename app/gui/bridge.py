"""The window's view of the Assistant: bus events in, Qt signals out.

The conversation itself (follow-ups, barge-in, speaking, ringing timers) lives in
app/assistant.py. Bus events arrive on the assistant's threads; signals emitted from there are
queued onto the GUI thread, so the window only ever touches widgets on its own thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.assistant import Assistant
from app.events import (
    Announcement, ErrorEvent, Event, FinalTranscript, HeardNothing, InputLevel, PartialTranscript, Ready,
    RequestDone, SnapshotChanged, StateChanged, TurnDone,
)
from app.pipeline import Pipeline


class AssistantBridge(QObject):
    state = Signal(str)  # app.stages.State
    level = Signal(float)
    partial = Signal(str)
    final = Signal(str)
    turn_done = Signal(object)  # TurnResult
    heard_nothing = Signal()
    announced = Signal(object)  # Announcement
    snapshot = Signal(dict)  # WorldSnapshot
    problem = Signal(object)  # ErrorEvent
    ready = Signal(object)  # the HearthError that stopped a model loading, or None
    finished = Signal()  # one per request, after any speaking and follow-up listening

    def __init__(self, assistant: Assistant):
        super().__init__()
        self.assistant = assistant
        self._signals = {
            StateChanged: lambda e: self.state.emit(str(e.state)),
            InputLevel: lambda e: self.level.emit(e.rms),
            PartialTranscript: lambda e: self.partial.emit(e.text),
            FinalTranscript: lambda e: self.final.emit(e.text),
            TurnDone: lambda e: self.turn_done.emit(e.turn),
            HeardNothing: lambda e: self.heard_nothing.emit(),
            Announcement: self.announced.emit,
            SnapshotChanged: lambda e: self.snapshot.emit(e.snapshot),
            ErrorEvent: self.problem.emit,
            Ready: lambda e: self.ready.emit(e.error),
            RequestDone: lambda e: self.finished.emit(),
        }
        self._unsubscribe = assistant.bus.subscribe(self._forward)

    @property
    def pipeline(self) -> Pipeline:
        return self.assistant.pipeline

    def _forward(self, event: Event) -> None:
        emit = self._signals.get(type(event))
        if emit is not None:
            emit(event)

    def shutdown(self) -> None:
        """Stop speech and capture and end the assistant's threads; no signal is sent after this.
        Called on close and again when the window is destroyed: the second call does nothing."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            self.assistant.close()
