"""Work that must not freeze the window (a chime, a voice preview) runs on a daemon thread; how it
ended comes back on the GUI thread, where widgets may be touched, by a short poll."""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Callable

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

POLL_MS = 50


def in_background(work: Callable[[], object], parent: QObject,
                  done: Callable[[Exception | None], None] | None = None) -> None:
    """Run `work` off the GUI thread. `done(error or None)`, a widget's method, is then called on the
    GUI thread unless that widget or `parent` is gone first; without it an error is only logged.

    Nothing here keeps a widget alive: `work` must hold none (a widget whose last reference dies on
    another thread is destroyed there), and `done` is held weakly (else the poll, a child of
    `parent`, could end up destroying its own parent)."""
    outcome: list[Exception | None] = []

    def run() -> None:
        try:
            work()
            outcome.append(None)
        except Exception as exc:  # reported to `done`, or logged: a background job must not vanish silently
            log.warning("background job failed: %s", exc)
            outcome.append(exc)

    threading.Thread(target=run, name="hearth-gui-work", daemon=True).start()
    if done is None:
        return
    callback = weakref.WeakMethod(done)
    poll = QTimer(parent)
    poll.setInterval(POLL_MS)

    def check() -> None:
        if outcome:
            poll.stop()
            poll.deleteLater()
            if (method := callback()) is not None:
                method(outcome[0])

    poll.timeout.connect(check)
    poll.start()
