"""The typed contract between the runner and its stages: stage and state names, and what each
stage object must offer.

`Stage`'s member order *is* the pipeline order (audio -> vad -> asr -> nlu -> fusion ->
dialogue -> tts, with capture before and playback after), so timings tables, events and error
reports never keep their own lists. To add a stage: add a member here in its place, give it a
Protocol, and run it inside `Pipeline._stage` (app/pipeline.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Callable, Protocol

import numpy as np


class Stage(StrEnum):
    LISTEN = "listen"  # capture from the microphone until the end of the utterance
    AUDIO = "audio"  # decode a file
    VAD = "vad"  # trim silence around the speech
    ASR = "asr"  # speech to text
    NLU = "nlu"  # intent and entities
    FUSION = "fusion"  # the camera frame
    DIALOGUE = "dialogue"  # skills act and reply
    TTS = "tts"  # synthesize the reply
    SPEAK = "speak"  # play it on the speaker


class State(StrEnum):
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Transcription(Protocol):
    text: str
    hallucinated: bool  # Whisper's own signals say this was not speech (noise, a repetition loop)


class SpeechRecognizer(Protocol):
    def transcribe(self, audio: np.ndarray) -> Transcription: ...


class LanguageUnderstanding(Protocol):
    def understand(self, text: str) -> Any: ...  # app.nlu.types.Understanding


class VoiceActivity(Protocol):
    def probabilities(self, audio: np.ndarray) -> np.ndarray: ...

    def reset(self) -> None: ...

    def __call__(self, frame: np.ndarray) -> float: ...


class Dialogue(Protocol):
    """What the runner and the conversation loop need of the dialogue manager."""

    def handle(self, understanding: Any, session: str = "default", scene: Any = None, direct: bool = False) -> Any: ...

    def due_announcements(self) -> list[Any]: ...  # Replies for timers and alarms that went off

    def seconds_until_due(self) -> float | None: ...  # when the next one comes due, None: nothing pending

    def world_snapshot(self) -> dict: ...  # app.dialogue.snapshot.WorldSnapshot


class Camera(Protocol):
    def read(self) -> np.ndarray: ...

    def close(self) -> None: ...


class SpeechPlayer(Protocol):
    """A speaker: `play` blocks until done; `stop` (from any thread) cuts it short. `speech` is one Speech or an
    iterable of Speech chunks played as they come; `on_first_audio` is called when the first sample goes out."""

    def play(self, speech: Any, on_first_audio: Callable[[], None] | None = None) -> None: ...

    def stop(self) -> None: ...


def in_stage_order(keys) -> list:
    """Timing keys in pipeline order, anything that is not a stage ("total") after them."""
    rank = {stage: i for i, stage in enumerate(STAGE_ORDER)}
    return sorted(keys, key=lambda k: rank.get(k, len(rank)))
