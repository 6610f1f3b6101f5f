"""Settings' microphone check: the chosen microphone's level on a meter for a few seconds, then
what it showed ("heard you", "only silence"), or why there is no microphone and how to fix it.

The microphone is opened, read and closed on one worker thread; the window only polls the
level it left, so a slow or vanished device never freezes the dialog.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.audio.source import AudioSource, MicrophoneSource
from app.errors import HearthError
from app.gui.level_meter import LevelMeter, level_fraction

TEST_S = 4.0
POLL_MS = 50
HEARD = 0.25  # peak level (0..1 of the meter) that counts as hearing something


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _listen(open_source: Callable[[str | None], AudioSource], device: str | None, result: dict,
            stop: threading.Event) -> None:
    """The worker: open, read for TEST_S, close, leaving the level, the peak and any error in `result`.
    A plain function, so the thread holds no widget (one destroyed off the GUI thread crashes Qt)."""
    try:
        source = open_source(device)
    except HearthError as exc:
        result["error"], result["done"] = exc, True
        return
    try:
        ends = time.monotonic() + TEST_S
        for frame in source.frames():
            result["rms"] = float(np.sqrt(np.mean(frame ** 2)))
            result["peak"] = max(result["peak"], level_fraction(result["rms"]))
            if stop.is_set() or time.monotonic() >= ends:
                break
    except HearthError as exc:
        result["error"] = exc
    finally:
        source.close()
        result["done"] = True


class LevelTest(QWidget):
    def __init__(self, device: Callable[[], str | None],
                 open_source: Callable[[str | None], AudioSource] = MicrophoneSource, parent: QWidget | None = None):
        super().__init__(parent)
        self.device, self.open_source = device, open_source
        self.button = QPushButton("Test microphone")
        self.button.setAccessibleName("Test the microphone level")
        self.button.clicked.connect(self.start)
        self.meter = LevelMeter()
        self.meter.setAccessibleName("Microphone test level")
        self.status = QLabel("Speak for a few seconds to see the level.")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addWidget(self.meter, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.status)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._show)
        self._stop = threading.Event()
        self._result: dict = {}

    def start(self) -> None:
        self._stop = threading.Event()
        self._result = result = {"rms": 0.0, "peak": 0.0, "error": None, "done": False}
        self.button.setEnabled(False)
        self.status.setText("Listening… speak now.")
        threading.Thread(target=_listen, args=(self.open_source, self.device(), result, self._stop),
                         name="hearth-level-test", daemon=True).start()
        self._poll.start()

    def stop(self) -> None:
        self._stop.set()

    def _show(self) -> None:
        result = self._result
        self.meter.set_level(result["rms"])
        if not result["done"]:
            return
        self._poll.stop()
        self.meter.reset()
        self.button.setEnabled(True)
        error = result["error"]
        if error is not None:
            self.status.setText(" ".join(_sentence(part) for part in (error.message, error.fix) if part))
        elif result["peak"] >= HEARD:
            self.status.setText(f"The microphone works: the level reached {result['peak']:.0%}.")
        else:
            self.status.setText(f"Only silence (at most {result['peak']:.0%}): check that the microphone is "
                                "not muted, or choose another one.")
        self.status.setAccessibleName(self.status.text())

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API: closing the dialog ends the test
        self.stop()
        super().hideEvent(event)
