"""One exception type the front ends know how to show: a cause and a fix, never a trace.

Every error also carries a stable machine-readable `code` (for `--json` output, tests and
front ends that choose what to do by kind rather than by wording) and, once the runner has
seen it, the `stage` that failed.
"""

from __future__ import annotations

from typing import Any


class HearthError(Exception):
    """A problem the user can act on. `fix` says how."""

    code = "error"

    def __init__(self, message: str, fix: str = "", *, code: str | None = None, stage: Any = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        if code is not None:
            self.code = code
        self.stage = stage  # app.stages.Stage, set by the runner where the error surfaced

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message

    def to_json(self) -> dict:
        return {"code": self.code, "stage": None if self.stage is None else str(self.stage),
                "message": self.message, "fix": self.fix}


class DeviceError(HearthError):
    """A microphone, speaker or camera is missing or vanished."""

    code = "device_unavailable"


class ModelError(HearthError):
    """A model file is missing, damaged or cannot be loaded."""

    code = "model_unavailable"


class AudioFormatError(HearthError):
    """Audio that cannot be decoded."""

    code = "audio_unreadable"


class NoSpeech(HearthError):
    """The audio held no words: nothing to answer."""

    code = "no_speech"


class TooLong(HearthError):
    """Audio longer than one command: refused, not split (app.audio.files.MAX_FILE_S says why)."""

    code = "too_long"


class NotSpeech(NoSpeech):
    """Sound, but not speech (noise, music): what a recognizer makes of it must not be acted on."""

    code = "not_speech"


class InternalError(HearthError):
    """A bug: an unexpected exception, wrapped with the stage it escaped from (its traceback is logged)."""

    code = "internal"
