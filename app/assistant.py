"""The conversation loop every front end drives: listen -> answer -> speak -> (follow-up | idle),
and the scheduler that rings timers, alarms and reminders on time, by itself.

The window (app/gui/bridge.py), `hearth talk` and `hearth chat` only submit requests and watch
the bus, so each gets the same assistant: hands-free follow-ups, "expects a reply", barge-in,
cancel, the speaking state and ringing timers live here, with no Qt. Requests come from any
thread and run one at a time on the loop's thread; `stop()` acts at once from any thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Iterator

import numpy as np

from app.audio.files import SAMPLE_RATE
from app.audio.source import AudioSource
from app.errors import AudioFormatError, DeviceError, HearthError, InternalError
from app.events import (
    Announcement, ErrorEvent, Event, HeardNothing, Ready, RequestDone, SnapshotChanged, StateChanged, TurnDone,
    WakeDetected,
)
from app.hardware import Microphone, SourceFactory
from app.pipeline import Pipeline, TurnResult
from app.stages import SpeechPlayer, Stage, State
from app.tts import synthesize
from app.wake import WakeDetector, WakeGate, WakeOptions, wake_chime, wake_options

log = logging.getLogger(__name__)


@dataclass
class ConversationOptions:
    hands_free: bool = False  # listen again after every reply
    follow_up_s: float = 5.0  # a follow-up listen gives up when no speech starts within this
    announce: bool = True  # speak due timers and alarms when there is a speaker
    tick_s: float = 0.25  # the scheduler's longest sleep: how soon it sees a newly set item
    max_listen_s: float = 30.0  # a listen that never ends (a stuck key, a noisy room) stops here
    wake: WakeOptions | None = None  # while idle, wait for "hey hearth" (app/wake.py), then listen
    # In wake mode "hey hearth" also stops a reply (voice barge-in); Hearth's own voice reaches the microphone
    # too, so while it speaks the word must score this high (docs/models.md, "Voice barge-in").
    barge_in_threshold: float | None = 0.94


class Cancelled(Exception):
    """Stop was pressed while listening: drop the utterance, answer nothing."""


class WokeAgain(Cancelled):
    """"Hey hearth" was said in a follow-up listen: the words so far answer nothing; a new request follows."""


class WakeWatch:
    """A follow-up listen's microphone in wake mode: frames pass through while the wake-word detector hears them
    too, so "hey hearth" said where an answer was expected starts a new request instead of answering it (Whisper
    writes the word as "Hey, Horace." or "Okay, heart.", which the dialogue would take for the answer). The word
    raises WokeAgain before any of it reaches the dialogue; `after()` is the stream after it, already woken."""

    def __init__(self, inner: AudioSource, detector: WakeDetector, on_wake: Callable[[float], None]):
        self.inner, self.detector, self.on_wake = inner, detector, on_wake
        self.path = getattr(inner, "path", None)
        self.woke_at: float | None = None
        self._frames: Iterator[np.ndarray] | None = None

    def frames(self) -> Iterator[np.ndarray]:
        self._frames = iter(self.inner.frames())
        self.detector.reset()
        for frame in self._frames:
            if self.detector.feed(frame):
                self.woke_at = self.detector.fired_s
                self.on_wake(self.woke_at)
                raise WokeAgain
            yield frame

    def after(self) -> WakeGate:
        """The rest of the stream, past the word: a gate that has already woken."""
        gate = WakeGate(self.inner, self.detector)
        gate.woke_at, gate._frames = self.woke_at, self._frames
        return gate

    def close(self) -> None:
        if self.woke_at is None:  # once woken, the microphone is the gate's (after())
            self.inner.close()


class Capture:
    """The microphone for one listen: Stop cancels it (speech dropped), push-to-talk release finishes
    it (speech kept), and `max_s` caps it. Giving up when nobody speaks is the VAD's (`wait_s`)."""

    def __init__(self, inner: AudioSource, cancelled: Callable[[], bool], max_s: float):
        self.inner, self.cancelled, self.max_s = inner, cancelled, max_s
        self.finished = threading.Event()
        self.path = getattr(inner, "path", None)  # a file standing in for the microphone names the turn

    def frames(self) -> Iterator[np.ndarray]:
        heard = 0
        try:
            for frame in self.inner.frames():
                if self.cancelled():
                    raise Cancelled
                if self.finished.is_set():
                    return
                yield frame
                heard += len(frame)
                if heard >= self.max_s * SAMPLE_RATE:
                    return
        except DeviceError:
            if self.cancelled() or self.finished.is_set():  # we stopped it: not the microphone's fault
                raise Cancelled from None
            raise
        if self.cancelled():
            raise Cancelled

    def close(self) -> None:
        self.inner.close()


class BargeIn:
    """Voice barge-in: the microphone, read on a thread of its own while a reply plays, through a
    wake-word gate; the word stops the reply at once, and `finish()` hands over the stream after it."""

    def __init__(self, assistant: Assistant, request: _Request, detector: WakeDetector):
        self.assistant = assistant
        self._over = threading.Event()
        capture = Capture(assistant.microphone(), lambda: self._over.is_set() or assistant._cancelled(request),
                          float("inf"))
        self.gate = WakeGate(capture, detector, on_wake=self._woke)
        self._thread = threading.Thread(target=self._listen, name="hearth-barge-in", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        try:
            self.gate.wait()
        except Cancelled:
            pass
        except HearthError as exc:  # the microphone went away mid-reply: the reply goes on
            log.info("voice barge-in stopped listening: %s", exc.message)

    def _woke(self, at_s: float) -> None:
        self.assistant.player.stop()
        self.assistant.bus.emit(WakeDetected(score=self.gate.detector.score, at_s=at_s))

    def finish(self) -> WakeGate | None:
        """The reply is over: the gate, still open on the microphone, if the word stopped it; else None."""
        if self.gate.woke_at is None:
            self._over.set()
        self._thread.join()
        if self.gate.woke_at is not None:
            return self.gate
        self.gate.close()
        return None


@dataclass
class _Request:
    kind: str  # "listen" | "text" | "act" (a front end's requests), "announce" (the scheduler's), "drain"
    generation: int
    text: str = ""
    understanding: Any = None
    source: SourceFactory | None = None
    window_s: float | None = None
    future: Future = field(default_factory=Future)


class Assistant:
    """One conversation at a time over one Pipeline, with a speaker (`player`) and a microphone
    (a factory opening one source per listen) when there are any."""

    def __init__(self, pipeline: Pipeline, *, player: SpeechPlayer | None = None,
                 microphone: SourceFactory | None = None, options: ConversationOptions | None = None,
                 settings_source: Callable[[], Any] | None = None):
        """`settings_source` returns the current Settings (or None when unchanged); it is asked before
        every request, so a change made in Settings or with `hearth config` applies on the next turn."""
        self.pipeline = pipeline
        self.bus = pipeline.bus
        self.player = player
        self.microphone = microphone
        self.options = options or ConversationOptions()
        self.settings_source = settings_source
        self.state = State.IDLE
        self._generation = 0  # stop() bumps it: requests and captures of an older one are cancelled
        self._stopping = threading.Lock()
        self._capture: Capture | None = None
        self._waking: _Request | None = None  # the wake listen, while it waits for the word
        self._detector: WakeDetector | None = None
        self._barge_detector: WakeDetector | None = None  # its own: the stricter threshold while Hearth speaks
        self._requests: queue.Queue[_Request | None] = queue.Queue()
        self._ready = threading.Event()
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ring_failure: str | None = None
        self.bus.subscribe(self._track)

    def _track(self, event: Event) -> None:
        if isinstance(event, StateChanged):
            self.state = event.state

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, audio: bool = True) -> None:
        """Load the models on the loop's thread, then serve requests; the scheduler rings meanwhile."""
        self._threads = [threading.Thread(target=self._serve, args=(audio,), name="hearth-conversation", daemon=True),
                         threading.Thread(target=self._ring_forever, name="hearth-scheduler", daemon=True)]
        for t in self._threads:
            t.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop speech and capture, finish the request in hand, and end both threads."""
        self._closing.set()
        self.stop()
        self._requests.put(None)
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout)

    # -- requests, from any thread ---------------------------------------------------------
    def talk(self, source: SourceFactory | None = None, window_s: float | None = None) -> Future:
        """Listen for one utterance (from `source`, else the microphone) and answer it. Pressed while
        Hearth speaks or listens, it barges in: the reply stops and a fresh listen starts."""
        if self.state in (State.SPEAKING, State.LISTENING):
            self.stop()
        return self._submit("listen", source=source or self.microphone, window_s=window_s)

    def send(self, text: str) -> Future:
        """A typed message, answered like speech (and spoken when there is a speaker)."""
        return self._submit("text", text=text)

    def act(self, understanding: Any) -> Future:
        """A request already understood (a tap on a panel): the skills speech uses, without the NLU."""
        return self._submit("act", understanding=understanding)

    def release(self) -> None:
        """Push-to-talk released: end the capture now and answer what was said."""
        capture = self._capture
        if capture is not None:
            capture.finished.set()

    def stop(self) -> None:
        """Barge-in and cancel: silence the reply at once, drop any listening (follow-ups too) and
        every request not yet started."""
        with self._stopping:
            self._generation += 1
        if self.player is not None:
            self.player.stop()

    def set_wake(self, options: WakeOptions | None) -> None:
        """Wake mode on or off, from any thread: an idle assistant starts (or stops) waiting at once."""
        self.options.wake = options
        self._submit("drain")

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every request submitted so far, announcements included, is done."""
        self._submit("drain").result(timeout)

    def _submit(self, kind: str, **what: Any) -> Future:
        if self._waking is not None:  # still waiting for the wake word: give way at once
            with self._stopping:
                self._generation += 1
        request = _Request(kind, self._generation, **what)
        self._requests.put(request)
        return request.future

    def _cancelled(self, request: _Request) -> bool:
        return request.generation != self._generation

    # -- the loop --------------------------------------------------------------------------
    def _serve(self, audio: bool) -> None:
        error = None
        try:
            self.pipeline.preload(audio=audio)
        except HearthError as exc:
            error = exc
            self.bus.emit(ErrorEvent.of(exc))
        self._ready.set()
        self.bus.emit(Ready(error=error))
        self.publish_snapshot()
        while (request := self._next_request()) is not None:
            self.handle(request)

    def _next_request(self) -> _Request | None:
        """The next request; in wake mode, while none waits, a wake listen that any request ends."""
        if self.options.wake is None or self.microphone is None or not self._requests.empty():
            return self._requests.get()
        self._waking = _Request("wake", self._generation)
        return self._waking

    def handle(self, request: _Request) -> list[TurnResult]:
        """Run one request to its end; the state always returns to idle and RequestDone is always emitted."""
        turns: list[TurnResult] = []
        try:
            self._reload_settings()
            if self._cancelled(request):
                pass
            elif request.kind == "text":
                turns = self._converse(request, self.pipeline.run_text(request.text))
            elif request.kind == "act":
                turns = self._converse(request, self.pipeline.run_understanding(request.understanding))
            elif request.kind == "listen":
                turns = self._converse(request, self._listen(request, request.source, request.window_s))
            elif request.kind == "announce":
                self._announce(request)
            elif request.kind == "wake":
                turns = self._converse(request, self._wake_listen(request))
        except HearthError as exc:
            self.bus.emit(ErrorEvent.of(exc, exc.stage or Stage.DIALOGUE))
        except Exception as exc:  # a bug must not end the conversation; it is logged in full
            log.exception("request %s failed", request.kind)
            self.bus.emit(ErrorEvent.of(InternalError(f"something went wrong: {exc}", "try again; if it repeats, "
                                                      "see the log (hearth --verbose)", stage=Stage.DIALOGUE)))
        finally:
            if self.state != State.IDLE:
                self.bus.emit(StateChanged(state=State.IDLE))
            self._waking = None
            if request.kind in ("listen", "text", "act") or turns:
                self.bus.emit(RequestDone())
            request.future.set_result(turns)
        return turns

    def _converse(self, request: _Request, turn: TurnResult | None) -> list[TurnResult]:
        """Show and speak each turn; listen again when hands-free or when Hearth asked a question,
        until a follow-up window passes in silence or Stop is pressed."""
        turns = []
        while turn is not None:
            turns.append(turn)
            self.bus.emit(TurnDone(turn=turn))
            self.publish_snapshot()
            if turn.speech is not None:
                barge_in = self._barge_in(request)
                self._play(request, turn.speech)
                gate = barge_in.finish() if barge_in is not None else None
                if gate is not None:  # "hey hearth" stopped the reply: what follows the word is the next turn
                    turn = self._listen(request, lambda: gate, self.options.follow_up_s)
                    continue
            reply = turn.reply
            wants_more = reply is not None and not getattr(reply, "end_session", False) \
                and (self.options.hands_free or getattr(reply, "expects_reply", False))
            if not wants_more or self.microphone is None or self._cancelled(request):
                break
            watched: list[WakeWatch] = []
            turn = self._listen(request, self._follow_up_microphone(watched), self.options.follow_up_s)
            if turn is None and watched and watched[0].woke_at is not None:  # "hey hearth" instead of an answer
                turn = self._listen(request, watched[0].after, self.options.follow_up_s)
        return turns

    def _follow_up_microphone(self, watched: list[WakeWatch]) -> SourceFactory:
        """The microphone a follow-up listen opens; in wake mode watched for the word (WakeWatch, kept in `watched`)."""
        if self.options.wake is None:
            return self.microphone

        def watch() -> WakeWatch:
            watched.append(WakeWatch(self.microphone(), self._wake_detector(), on_wake=self._woke))
            return watched[-1]

        return watch

    def _wake_detector(self) -> WakeDetector:
        if self._detector is None:
            self._detector = WakeDetector(self.options.wake)
        self._detector.options = self.options.wake
        return self._detector

    def _listen(self, request: _Request, source: SourceFactory | None, window_s: float | None) -> TurnResult | None:
        """One utterance, run through the pipeline; None when there is nothing to answer."""
        if source is None:
            raise DeviceError("no microphone to listen with", "connect a microphone, or type instead",
                              stage=Stage.LISTEN)
        if self._cancelled(request):
            return None
        try:
            capture = Capture(source(), lambda: self._cancelled(request), self.options.max_listen_s)
        except HearthError as exc:
            exc.stage = exc.stage or (Stage.AUDIO if isinstance(exc, AudioFormatError) else Stage.LISTEN)
            self.bus.emit(ErrorEvent.of(exc))
            return None
        self._capture = capture
        try:
            turn = self.pipeline.listen(capture, wait_s=window_s)
        except Cancelled:
            return None
        finally:
            self._capture = None
            capture.close()
        if turn is None or (turn.error is not None and not turn.transcript):
            self.bus.emit(HeardNothing())
            if turn is not None:
                self.bus.emit(TurnDone(turn=turn))  # e.g. "no speech detected": say so in the conversation
            return None
        return turn

    def _wake_listen(self, request: _Request) -> TurnResult | None:
        """Stay idle (nothing shown) until "hey hearth", chime, then listen as `talk` does. A wake
        listen that fails (no microphone, no model, the device gone) says why once and turns wake
        mode off, rather than failing again at once, forever."""
        gate = None
        try:
            gate = WakeGate(Capture(self.microphone(), lambda: self._cancelled(request), float("inf")),
                            self._wake_detector(), on_wake=self._woke)
            woke = gate.wait()
        except Cancelled:
            woke = False
        except HearthError as exc:
            woke, self.options.wake = False, None
            self.bus.emit(ErrorEvent.of(exc, exc.stage or Stage.LISTEN))
        if not woke:
            if gate is not None:
                gate.close()
            return None
        return self._listen(request, lambda: gate, self.options.follow_up_s)

    def _woke(self, at_s: float) -> None:
        self._waking = None  # from here on it is a listen like any other: requests queue behind it
        self.bus.emit(WakeDetected(score=self._detector.score, at_s=at_s))
        if self.player is not None and self.pipeline.options.speak:
            try:
                self.player.play(wake_chime())
            except DeviceError as exc:
                exc.stage = Stage.SPEAK
                self.bus.emit(ErrorEvent.of(exc))

    def _barge_in(self, request: _Request) -> BargeIn | None:
        """In wake mode, listen for "hey hearth" while the reply plays (None when there is nothing to listen with)."""
        wake, threshold = self.options.wake, self.options.barge_in_threshold
        if wake is None or threshold is None or self.microphone is None or self.player is None:
            return None
        try:
            if self._barge_detector is None:
                self._barge_detector = WakeDetector(wake)
            self._barge_detector.options = replace(wake, threshold=max(threshold, wake.threshold))
            return BargeIn(self, request, self._barge_detector)
        except HearthError as exc:  # no microphone now: the reply plays as before, and the log says why
            log.info("no voice barge-in for this reply: %s", exc.message)
            return None

    def _play(self, request: _Request, speech: Any) -> None:
        if self.player is None or self._cancelled(request):
            return
        self.bus.emit(StateChanged(state=State.SPEAKING))
        try:
            self.player.play(speech)  # a SpeechStream is synthesized clause by clause as it plays
        except DeviceError as exc:
            exc.stage = Stage.SPEAK
            self.bus.emit(ErrorEvent.of(exc))
        except HearthError as exc:  # a later clause failed to synthesize: what came before was heard
            self.bus.emit(ErrorEvent.of(exc, exc.stage or Stage.TTS))
        finally:
            self.bus.emit(StateChanged(state=State.IDLE))

    def _announce(self, request: _Request) -> None:
        try:
            speech = synthesize(request.text, self.pipeline.options.tts)
        except HearthError as exc:
            self.bus.emit(ErrorEvent.of(exc, Stage.TTS))
            return
        self._play(request, speech)

    # -- the scheduler ---------------------------------------------------------------------
    def _ring_forever(self) -> None:
        """Sleep until the next item is due (at most `tick_s`, so new ones are seen), then ring."""
        self._ready.wait()
        while not self._closing.wait(self._sleep_s()):
            self.ring_due()

    def _sleep_s(self) -> float:
        if self._ring_failure is not None:  # the last ring failed: retry at the tick, not in a spin
            return self.options.tick_s
        try:
            until = self.pipeline.dialogue.seconds_until_due()
        except HearthError:
            return self.options.tick_s  # ring_due reports the problem
        return self.options.tick_s if until is None else min(self.options.tick_s, until)

    def ring_due(self) -> list[Announcement]:
        """Announce every timer, alarm and reminder that is due; spoken after the request in hand."""
        try:
            replies = self.pipeline.dialogue.due_announcements()
        except HearthError as exc:  # said once, not every tick
            if exc.message != self._ring_failure:
                self._ring_failure = exc.message
                self.bus.emit(ErrorEvent.of(exc, Stage.DIALOGUE))
            return []
        self._ring_failure = None
        announced = []
        for reply in replies:
            due = next((a["due"] for a in reply.actions if isinstance(a, dict) and a.get("due")), None)
            event = Announcement(text=reply.text, due=datetime.fromisoformat(due) if due else None,
                                 intent=reply.intent, actions=reply.actions)
            announced.append(event)
            self.bus.emit(event)
            if self.options.announce and self.player is not None and self.pipeline.options.speak:
                self._submit("announce", text=reply.text)
        if announced:
            self.publish_snapshot()
        return announced

    def publish_snapshot(self) -> None:
        """The simulated home, timers and lists as they are now, for the panels."""
        if not self.pipeline.options.understand:
            return
        try:
            snapshot = self.pipeline.dialogue.world_snapshot()
        except HearthError as exc:
            self.bus.emit(ErrorEvent.of(exc, Stage.DIALOGUE))
            return
        self.bus.emit(SnapshotChanged(snapshot=snapshot))

    # -- settings --------------------------------------------------------------------------
    def _reload_settings(self) -> None:
        settings = self.settings_source() if self.settings_source else None
        if settings is not None:
            self.apply_settings(settings)

    def apply_settings(self, settings: Any) -> None:
        """What can change between turns: voice, rate, endpointing, hands-free, the follow-up window,
        announcements, and which microphone and speaker are used."""
        tts, vad = self.pipeline.options.tts, self.pipeline.options.vad
        self.pipeline.options.tts = replace(tts, voice=settings.voice, rate=settings.speech_rate)
        self.pipeline.options.vad = replace(vad, trailing_silence_ms=settings.trailing_silence_ms,
                                            endpoint=settings.endpointing, quick_silence_ms=settings.quick_silence_ms)
        self.options.hands_free = settings.hands_free
        self.options.follow_up_s = settings.follow_up_s
        self.options.announce = settings.announce
        self.options.wake = wake_options(settings)
        self.set_microphone(settings.input_device)
        self.set_speaker(settings.output_device)

    def set_speaker(self, device: str | None) -> None:
        """Speak on `device` from the next reply on, even one plugged in after start-up (the reply
        playing now ends where it began); from any thread."""
        if self.player is not None and hasattr(self.player, "device"):
            self.player.device = device

    def set_microphone(self, device: str | None) -> None:
        """Listen on `device` from the next listen on (one in progress ends on the old one)."""
        if isinstance(self.microphone, Microphone):
            self.microphone.device = device
