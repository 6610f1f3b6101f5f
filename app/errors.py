"""One exception type the front ends know how to show: a cause and a fix, never a trace."""


class HearthError(Exception):
    """A problem the user can act on. `fix` says how."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class DeviceError(HearthError):
    """A microphone, speaker or camera is missing or vanished."""


class ModelError(HearthError):
    """A model file is missing, damaged or cannot be loaded."""


class AudioFormatError(HearthError):
    """Audio that cannot be decoded."""
