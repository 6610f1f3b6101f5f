"""Work while the user speaks, so that at the end of speech little is left to do.

`Speculator` is one worker thread per listen. Capture hands it the utterance so far and never waits
for it, except for the endpointer's one question at a pause ("is the turn complete?"):

- while speaking, every `partial_interval_s`: a partial transcript (if the worker is free), shown
  as `PartialTranscript` with the words two passes agree on;
- at the first silent frame after speech: the transcript of the audio up to the pause, then
  P(turn complete), then the language model on it. If nothing voiced follows, that audio *is* the
  utterance (only silence is added), so the final turn takes this transcript and this
  understanding instead of decoding again. Then, unless the command is unfinished, the reply the
  dialogue would give (a preview, rolled back: the dialogue changes state only in the final turn)
  and its first clause synthesized: when the final turn's reply is the same, it starts playing
  without waiting for the voice.

P(turn complete) is Smart Turn's, unless the words end on one no command ends on ("set a timer
for", "turn off the"), or the language model hears a command still missing the value it needs
("wake me up", "remind me to call my mother": no time yet): then 0. Smart Turn hears intonation,
and synthesized or read speech falls at every pause, so "set a timer for" said flatly sounds
finished to it (0.99, espeak-ng), and Whisper may close it with a word never said ("Set a timer
for it.").

Only the newest request waits; an older one not yet started is dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from app.asr.engine import Transcript
from app.text import has_words

log = logging.getLogger(__name__)


@dataclass
class Recognition:
    """Words from one stretch of audio, the share of it the VAD calls speech (noise has little), and what the
    work took: done at a pause, it is time the user was still speaking, which a turn shows as such."""

    transcript: Transcript | None  # None: no speech at all
    fraction: float
    timings_ms: dict[str, float] = field(default_factory=dict)  # Stage -> ms (vad: the trim, asr: the decode)


@dataclass
class Heard:
    """What the worker made of the utterance up to one pause; fields fill in as the work is done."""

    voiced_samples: int
    complete: float | None = None  # P(turn complete), Smart Turn
    recognition: Recognition | None = None
    done: bool = False  # the worker has finished with it (some fields may stay None after an error)


@dataclass
class _Job:
    audio: np.ndarray
    pause: Heard | None = None  # None: a partial transcript


# Words a command does not end on: articles, prepositions, conjunctions and possessives.
OPEN_ENDINGS = frozenset(
    "a an the to for of at in on by with from into onto about until till than and or but "
    "my your our their his her its this these those some every".split())


def left_open(text: str) -> bool:
    """The words stop where a sentence cannot: the speaker has more to say."""
    words = text.lower().replace(",", " ").split()
    return bool(words) and words[-1].strip(".?!") in OPEN_ENDINGS


# Commands that cannot be carried out without a time: the dialogue would ask for one (skills/alarms.py,
# skills/calendar.py), so a pause before it is said is most likely a breath, not the end.
NEEDS_TIME = frozenset({"alarm_set", "calendar_set"})
TIME_TYPES = ("time", "date", "timeofday")


def missing_value(understanding: Any) -> bool:
    """The language model heard a command that still lacks the value it needs."""
    return understanding.intent in NEEDS_TIME and understanding.entity(*TIME_TYPES) is None


def agreed_prefix(a: str, b: str) -> str:
    """The leading words two transcripts share: the part of a partial that is unlikely to change."""
    shared = []
    for x, y in zip(a.split(), b.split()):
        if x.strip(".,?!").lower() != y.strip(".,?!").lower():
            break
        shared.append(y)
    return " ".join(shared)


@dataclass
class SpeculatorHooks:
    """What the worker runs: the recognizer (with its own VAD: capture's is busy), Smart Turn (None:
    no semantic endpointing), the language model (None: no understanding), and where partials go."""

    recognize: Callable[[np.ndarray], Recognition]
    draft: Callable[[np.ndarray], Recognition] | None = None  # for partials, if quicker (no second pass); None: recognize
    complete: Callable[[np.ndarray], float] | None = None
    understand: Callable[[str], Any] | None = None
    on_partial: Callable[[str, str], None] | None = None  # (text, stable prefix)
    answer: Callable[[Any], Any] | None = None  # understanding -> the reply's early start (None: none)


@dataclass
class _State:
    job: _Job | None = None
    busy: bool = False
    closed: bool = False
    pause: Heard | None = None  # the newest pause asked about
    partials: list[str] = field(default_factory=list)


class Speculator:
    """One listen's worker (see the module docstring); `close()` it when the listen ends."""

    def __init__(self, hooks: SpeculatorHooks):
        self.hooks = hooks
        self.understood: dict[str, Any] = {}  # final text -> Understanding, made at a pause
        self.understood_ms: dict[str, float] = {}  # final text -> how long understanding it took
        self.answered: dict[str, Any] = {}  # final text -> `hooks.answer`'s result, made at a pause
        self._answering: str | None = None  # the text whose answer the worker is making now
        self._state = _State()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="hearth-speculate", daemon=True)
        self._thread.start()

    # -- from the capture thread -------------------------------------------------------------
    def partial(self, audio: np.ndarray) -> None:
        """A partial transcript of `audio`, unless the worker is busy (then skipped, never queued)."""
        with self._cond:
            s = self._state
            if not s.busy and s.job is None and self.hooks.on_partial is not None:
                s.job = _Job(audio)
                self._cond.notify()

    def pause(self, audio: np.ndarray, voiced_samples: int) -> None:
        """Speech paused after `voiced_samples`: judge, transcribe and understand `audio` now."""
        with self._cond:
            s = self._state
            s.pause = Heard(voiced_samples)
            s.job = _Job(audio, s.pause)
            self._cond.notify()

    def complete(self, voiced_samples: int, timeout: float) -> float | None:
        """P(turn complete) for the pause after `voiced_samples`, waiting up to `timeout` s for it;
        None when there is no such pause or no answer in time."""
        heard = self._wait(voiced_samples, timeout, lambda h: h.complete is not None)
        return heard.complete if heard else None

    def heard(self, voiced_samples: int, timeout: float) -> Heard | None:
        """The pause after `voiced_samples` once the worker is done with it, or None."""
        return self._wait(voiced_samples, timeout, lambda h: h.done)

    def early_answer(self, text: str, timeout: float) -> Any:
        """`hooks.answer`'s result for the final `text`, waiting up to `timeout` s if the worker is still making
        it; None when there is none."""
        with self._cond:
            self._cond.wait_for(lambda: self._answering != text, timeout)
            return self.answered.get(text)

    def close(self) -> None:
        """End the worker after the job in hand (the recognizer is then free for the caller)."""
        with self._cond:
            self._state.closed = True
            self._state.job = None
            self._cond.notify()
        self._thread.join()

    # -- the worker --------------------------------------------------------------------------
    def _wait(self, voiced_samples: int, timeout: float, ready: Callable[[Heard], bool]) -> Heard | None:
        def settled() -> bool:
            h = self._state.pause
            return h is None or h.voiced_samples != voiced_samples or ready(h) or h.done

        with self._cond:
            self._cond.wait_for(settled, timeout)
            h = self._state.pause
            return h if h is not None and h.voiced_samples == voiced_samples and ready(h) else None

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._state.job is not None or self._state.closed)
                if self._state.closed:
                    return
                job, self._state.job = self._state.job, None
                self._state.busy = True
            try:
                self._run(job)
            except Exception:  # a failed guess costs only time: the final turn decodes again
                log.exception("speculative work failed")
            finally:
                with self._cond:
                    self._state.busy = False
                    if job.pause is not None:
                        job.pause.done = True
                    self._cond.notify_all()

    def _run(self, job: _Job) -> None:
        h = self.hooks
        heard = job.pause
        recognition = (h.recognize if heard is not None or h.draft is None else h.draft)(job.audio)
        text = recognition.transcript.text if recognition.transcript is not None else ""
        understanding = None
        if heard is not None and has_words(text) and h.understand is not None:  # 1-3 ms: before the judgement
            understanding = self.understood.get(text)
            if understanding is None:
                t0 = time.perf_counter()
                understanding = h.understand(text)
                self.understood_ms[text] = (time.perf_counter() - t0) * 1000  # first: a reader that finds the
                self.understood[text] = understanding  # understanding finds its time too
        unfinished = left_open(text) or (understanding is not None and missing_value(understanding))
        if heard is not None:
            p = 0.0 if unfinished else h.complete(job.audio) if h.complete is not None else None
            with self._cond:
                heard.recognition, heard.complete = recognition, p
                self._cond.notify_all()
        if text and h.on_partial is not None:
            previous = self._state.partials[-1] if self._state.partials else ""
            self._state.partials = [previous, text]
            h.on_partial(text, agreed_prefix(previous, text))
        if heard is not None and understanding is not None and not unfinished and h.answer is not None \
                and text not in self.answered:
            with self._cond:  # the recognition is ready: the final turn goes on while the answer is made
                heard.done, self._answering = True, text
                self._cond.notify_all()
            try:
                self.answered[text] = h.answer(understanding)
            finally:
                with self._cond:
                    self._answering = None
                    self._cond.notify_all()
