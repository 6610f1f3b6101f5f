"""The terminal front ends: `hearth talk` (voice) and `hearth chat` (typed) over the Assistant.

Both only submit requests and print the bus: what was heard, the reply, per-stage timings,
announcements of timers and alarms the moment they ring (also while waiting for the user), and
problems with their fix. `--json` prints one object per line instead.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from app.assemble import build_assistant
from app.assistant import Assistant
from app.audio.source import Playlist, Room, Silence
from app.errors import HearthError
from app.events import Announcement, ErrorEvent, Event, FinalTranscript, HeardNothing, TurnDone
from app.stages import Stage, in_stage_order
from app.text import typed

HANDS_FREE_WINDOW_S = 10.0  # a hands-free listen hands back control this often, so due items are spoken


def print_json(obj: Any, out: TextIO | None = None) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), file=out or sys.stdout, flush=True)


def timings_line(timings: dict[str, float], during_speech: dict[str, float] | None = None, sep: str = ", ") -> str:
    """Each stage's ms in pipeline order. A stage the listen's worker did while the user spoke shows that work's
    real time, "asr 48 ms (while you spoke)", not the moment the turn waited for it (and the wait, if any)."""
    during = during_speech or {}

    def stage(k: str) -> str:
        if k not in during:
            return f"{k} {timings[k]:.0f} ms"
        waited = f"; waited {timings[k]:.0f} ms" if round(timings.get(k, 0.0)) else ""
        return f"{k} {during[k]:.0f} ms (while you spoke{waited})"

    return sep.join(stage(k) for k in in_stage_order(timings.keys() | during.keys()))


class TerminalView:
    """Prints the assistant's events; thread-safe, since announcements arrive from the scheduler."""

    def __init__(self, as_json: bool, echo_user: bool, prompt: str = ""):
        self.as_json, self.echo_user = as_json, echo_user
        self.prompt = prompt  # re-shown after an announcement interrupts a waiting prompt
        self.waiting = False
        self.says_heard_nothing = False  # push-to-talk: a press that heard nothing says so (not a follow-up)
        self.awaiting_words = False  # a press is waiting for its words
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self.as_json:
                self._json(event)
            else:
                self._text(event)

    def _json(self, event: Event) -> None:
        if isinstance(event, TurnDone):
            print_json(event.turn.to_json())
        elif isinstance(event, Announcement):
            print_json(event.to_json())
        elif isinstance(event, ErrorEvent) and not event.turn_error:
            print_json(event.to_json())

    def _text(self, event: Event) -> None:
        if isinstance(event, FinalTranscript) and event.text:
            self.awaiting_words = False
            if self.echo_user:
                print(f"you said> {event.text}", flush=True)
        elif isinstance(event, TurnDone):
            turn = event.turn
            if turn.reply is not None:
                print(f"hearth> {turn.reply.text}")
            elif turn.error is not None and not (self.says_heard_nothing and turn.error.code == "no_speech"):
                print(f"hearth> Sorry, {turn.error.message}. ({turn.error.fix})")
            if self.echo_user:
                print(f"  timings: {timings_line(turn.timings_ms, turn.during_speech_ms)}")
            sys.stdout.flush()
        elif isinstance(event, HeardNothing) and self.awaiting_words:
            self.awaiting_words = False
            print(f"hearth> {HeardNothing.MESSAGE} (`hearth doctor` lists the microphones).", flush=True)
        elif isinstance(event, Announcement):
            lead = "\n" if self.waiting else ""
            print(f"{lead}hearth> {event.text}", flush=True)
            if self.waiting:
                print(self.prompt, end="", flush=True)
        elif isinstance(event, ErrorEvent) and not event.turn_error:
            print(f"hearth: {event.message}\n  fix: {event.fix}", file=sys.stderr, flush=True)


def settings_overrides(args: Any) -> dict[str, Any]:
    """CLI flags over the saved settings; an absent flag (None) keeps the saved value."""
    device = getattr(args, "device", None)
    return {"asr_engine": getattr(args, "engine", None), "asr_compute_type": getattr(args, "compute_type", None),
            "compute_device": {"cuda": "gpu"}.get(device, device),
            "hands_free": True if getattr(args, "hands_free", False) else None,
            "wake_word": True if getattr(args, "wake", False) else None}


def _linger(assistant: Assistant, seconds: float) -> None:
    """Stay on for `seconds` more, so timers and alarms due by then ring, and are spoken."""
    time.sleep(seconds)
    assistant.drain()


def _start(assistant: Assistant, audio: bool) -> None:
    assistant.start(audio=audio)
    assistant.wait_ready()


def talk(args: Any) -> int:
    """A voice conversation: Enter to talk (or hands-free), or --demo files as the microphone."""
    demo = [Path(f) for f in args.demo or []]
    for f in demo:
        if not f.is_file():
            raise HearthError(f"demo file not found: {f}", "give existing WAV files, e.g. assets/samples/*.wav")
    assistant, hardware = build_assistant(settings_overrides(args), microphone=not demo, session=args.session)
    view = TerminalView(args.json, echo_user=True, prompt="[Enter] talk, q quit> ")
    assistant.bus.subscribe(view)
    for stage, problem in hardware.problems.items():
        if stage != Stage.LISTEN:  # a missing microphone is said below, with the way round it
            view(ErrorEvent.of(problem, stage))
    if demo and assistant.options.wake is not None:  # the always-on microphone of wake mode hears a room
        assistant.microphone = Room(demo)
        for problem in assistant.microphone.unreadable:
            view(ErrorEvent.of(problem, Stage.AUDIO))
    elif demo:  # push-to-talk: a file a listen
        assistant.microphone = Playlist(demo)
    elif assistant.microphone is None:
        raise HearthError("no microphone: hearth talk needs one", "connect a microphone, or try "
                          "`hearth talk --demo assets/samples/*.wav`, or type with `hearth chat`")
    _start(assistant, audio=True)
    try:
        if demo and assistant.options.wake is not None:
            _wake_demo(assistant)
        elif demo:
            playlist = assistant.microphone
            while playlist.pending:
                assistant.talk().result()
        elif assistant.options.wake is not None:
            print('Say "hey hearth" and your request (or press Enter and speak).', flush=True)
            _push_to_talk(assistant, view)
        elif assistant.options.hands_free:
            while True:
                assistant.talk(window_s=HANDS_FREE_WINDOW_S).result()
        else:
            _push_to_talk(assistant, view)
        if args.linger:
            assistant.talk(lambda: Silence(args.linger), window_s=args.linger).result()
            assistant.drain()
    finally:
        assistant.close()
    return 0


def _wake_demo(assistant: Assistant) -> None:
    """--demo with --wake: the files play one after another, in real time, as the room the always-on
    microphone hears (a Room: one recording may hold several "hey hearth"s); done once they are over
    and the assistant has finished with what it heard."""
    room, over = assistant.microphone, threading.Event()

    def microphone():
        source = room()
        if isinstance(source, Silence):
            over.set()
        return source

    assistant.microphone = microphone
    over.wait()
    assistant.drain()


def _push_to_talk(assistant: Assistant, view: TerminalView) -> None:
    print("Press Enter and speak; Hearth answers when you stop. Type q and Enter to quit.", flush=True)
    view.says_heard_nothing = True
    while True:
        view.waiting = True
        print(view.prompt, end="", flush=True)
        try:
            line = input()
        except EOFError:
            return
        finally:
            view.waiting = False
        if line.strip().lower() in {"q", "quit", "exit"}:
            return
        view.awaiting_words = True
        assistant.talk().result()


def chat(args: Any) -> int:
    """A typed conversation; due timers and alarms ring while it waits for the next line."""
    assistant, _ = build_assistant(settings_overrides(args), microphone=False, speaker=False, session=args.session)
    view = TerminalView(args.json, echo_user=False, prompt="you> ")
    assistant.bus.subscribe(view)
    _start(assistant, audio=False)
    if not args.json:
        print("Hearth text chat. Type 'quit' to leave.", flush=True)
    try:
        while True:
            view.waiting = True
            if not args.json:
                print(view.prompt, end="", flush=True)
            try:
                text = typed(input())
            except EOFError:
                if not args.json:
                    print(flush=True)  # end the prompt's line
                break
            finally:
                view.waiting = False
            if text.lower() in {"quit", "exit"}:
                break
            if text:
                assistant.send(text).result()
        if args.linger:
            _linger(assistant, args.linger)
    finally:
        assistant.close()
    return 0

