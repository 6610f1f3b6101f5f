"""`hearth gui`: assemble settings, hardware and pipeline, show the window; `--demo` drives it
from WAV files standing in for the microphone and `--screenshot` saves the window and exits."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from app.assemble import build_assistant, load_settings
from app.audio.source import FileSource
from app.errors import DeviceError, HearthError
from app.gui.window import ICON, MainWindow

PARTIAL_INTERVAL_S = 1.0
SCREENSHOT_SETTLE_MS = 400  # let the last bubble and panels lay out before grabbing
SCREENSHOT_SIZE = (1240, 900)  # a fixed size, so screenshots in docs/ compare between runs


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Hearth")
        app.setDesktopFileName("hearth")
        app.setWindowIcon(QIcon(str(ICON)))
    return app


class DemoDriver(QObject):
    """Plays each file as one push-to-talk turn; then screenshots the window and quits, or, without
    --screenshot, hands the real microphone back so the conversation can go on."""

    def __init__(self, window: MainWindow, files: list[str], screenshot: str | None, realtime: bool = False):
        super().__init__(window)
        self.window, self.screenshot, self.realtime = window, screenshot, realtime
        self.pending = [Path(f) for f in files]
        self.replies = 0
        self.turns = 0
        self.failed = False
        self.microphone = window.hardware.microphone
        if screenshot:
            window.resize(*SCREENSHOT_SIZE)
        if files:
            plural = "s" if len(files) != 1 else ""
            hint = f"Demo: {len(files)} recorded command{plural} play as the microphone."
            window.set_microphone(self._source, hint=hint)
            window.assistant.microphone = None  # the files are the whole conversation: no follow-ups
        window.bridge.ready.connect(self._start)
        window.request_done.connect(self._next)
        window.bridge.turn_done.connect(self._count)

    def _start(self, error: HearthError | None) -> None:
        if error is None:
            self._next()
            return
        print(f"hearth: {error}", file=sys.stderr)  # no models, no conversation: show the banner, save, fail
        self.pending = []
        self.failed = True
        QTimer.singleShot(SCREENSHOT_SETTLE_MS, self._finish)

    def _source(self) -> FileSource:
        if not self.pending:
            raise DeviceError("the demo has no recorded commands left", "wait for the demo to finish")
        return FileSource(self.pending.pop(0), realtime=self.realtime)

    def _count(self, turn: Any) -> None:
        self.turns += 1
        self.replies += turn.reply is not None

    def _next(self) -> None:
        if self.pending:
            self.window.press_to_talk()
            self.window.release_to_talk()
        else:
            QTimer.singleShot(SCREENSHOT_SETTLE_MS, self._finish)

    def _finish(self) -> None:
        if not self.screenshot:
            self.window.request_done.disconnect(self._next)
            self.window.set_microphone(self.microphone, hint=None if self.microphone else
                                       "Demo finished: type below to carry on.")
            return
        replies = [b for b in self.window.conversation.bubbles if b.toggle is not None]
        if replies:  # show how the last reply was understood
            replies[-1].toggle.setChecked(True)
            QApplication.processEvents()
        Path(self.screenshot).parent.mkdir(parents=True, exist_ok=True)
        if not self.window.grab().save(self.screenshot):
            print(f"hearth: cannot write screenshot {self.screenshot}", file=sys.stderr)
            QApplication.instance().exit(2)
            return
        print(f"wrote {self.screenshot}")
        self.window.close()
        QApplication.instance().exit(1 if self.failed or self.replies < self.turns else 0)


def run_gui(args: Any) -> int:
    demo = getattr(args, "demo", None)
    screenshot = getattr(args, "screenshot", None)
    for f in demo or []:
        if not Path(f).is_file():
            raise HearthError(f"demo file not found: {f}", "give existing WAV files, e.g. assets/samples/*.wav")
    app = application()
    assistant, hardware = build_assistant(microphone=not demo, partial_interval_s=PARTIAL_INTERVAL_S)
    window = MainWindow(load_settings(), assistant, hardware)
    if demo:
        DemoDriver(window, demo, screenshot)
    elif screenshot:
        DemoDriver(window, [], screenshot)
    window.show()
    return app.exec()
