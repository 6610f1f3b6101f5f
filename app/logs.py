"""Logging for every front end: a rotating file in the state folder for after-the-fact diagnosis,
and only what the user should see now (warnings, unless asked for more) on stderr."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from app.config import create_private, state_dir
from app.errors import HearthError

LEVELS = ("debug", "info", "warning", "error")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUPS = 3
_OURS = "hearth"  # the name on our handlers, so a second setup replaces them instead of adding more

log = logging.getLogger(__name__)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (pytest and GUIs swap it after setup)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _LogFile(RotatingFileHandler):
    def _open(self) -> TextIO:
        """The log quotes what the user said: a new file (first or after rotation) is the owner's only."""
        create_private(Path(self.baseFilename))
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        """A disk that fills up mid-run: stop writing the file and say so once, not a trace per record."""
        logging.getLogger().removeHandler(self)
        self.close()
        log.warning("cannot write %s (%s): logging to stderr only", self.baseFilename, sys.exc_info()[1])


def setup_logging(level: str | None = None, verbose: bool = False) -> Path | None:
    """Configure the root logger; calling it again replaces, never duplicates, its handlers.

    The file gets `level`, else DEBUG with `verbose`, else INFO; stderr gets `level`, else INFO with
    `verbose`, else WARNING. Returns the log file, or None when it cannot be written (stderr only).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _OURS]:
        root.removeHandler(handler)
        handler.close()
    file_level = logging.getLevelName(level.upper()) if level else logging.DEBUG if verbose else logging.INFO
    console_level = logging.getLevelName(level.upper()) if level else logging.INFO if verbose else logging.WARNING
    root.setLevel(min(file_level, console_level))
    _add(root, _Stderr(), console_level)
    try:
        path = state_dir() / "hearth.log"
        _add(root, _LogFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"), file_level)
    except (OSError, HearthError) as exc:  # HearthError: the state folder cannot be made
        log.warning("cannot write the log (%s): logging to stderr only", exc)
        return None
    return path


def _add(root: logging.Logger, handler: logging.Handler, level: int) -> None:
    handler.set_name(_OURS)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
