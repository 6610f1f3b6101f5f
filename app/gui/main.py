"""`hearth gui`: assemble settings, hardware and pipeline, show the window; `--demo` drives it
from WAV files standing in for the microphone and `--screenshot` saves the window and exits."""

from __future__ import annotations

import os
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
SCREENSHOT_SIZE = (1600, 1000)  # a fixed size, so screenshots in docs/ compare between runs


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

    def __init__(self, window: MainWindow, files: list[str], screenshot: str | None, realtime: bool = False,
                 size: tuple[int, int] = SCREENSHOT_SIZE):
        super().__init__(window)
        self.window, self.screenshot, self.realtime = window, screenshot, realtime
        self.pending = [Path(f) for f in files]
        self.replies = 0
        self.turns = 0
        self.failed = False
        self.microphone = window.hardware.microphone
        if screenshot:
            window.resize(*size)
        if files:
            hint = (f"Demo: {len(files)} recorded commands play as the microphone." if len(files) != 1
                    else "Demo: 1 recorded command plays as the microphone.")
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
            self.window.quit_app(2)
            return
        print(f"wrote {self.screenshot}")
        self.window.quit_app(1 if self.failed or self.replies < self.turns else 0)


HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}  # need no display server


def display_problem(env: dict[str, str] | None = None, platform: str = sys.platform) -> HearthError | None:
    """Why Qt could not open a window here, or None. Checked before the QApplication exists: without
    a display Qt aborts the whole process (exit 134) instead of raising."""
    env = os.environ if env is None else env
    if platform in ("win32", "darwin"):
        return None
    wanted = [p.split(":")[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    if any(p in HEADLESS_PLATFORMS for p in wanted):
        return None
    if env.get("DISPLAY") and (not wanted or "xcb" in wanted):
        return None
    if env.get("WAYLAND_DISPLAY") and (not wanted or any(p.startswith("wayland") for p in wanted)):
        return None
    asked = f" for QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']}" if wanted else ""
    return HearthError(f"no display{asked}: the desktop app needs X11 (DISPLAY) or Wayland (WAYLAND_DISPLAY)",
                       "run it in a desktop session; without one use `hearth talk`, `hearth chat` or `hearth demo`, "
                       "or QT_QPA_PLATFORM=offscreen hearth gui --demo FILES --screenshot OUT.png")


def run_gui(args: Any) -> int:
    """`args.screenshot_size` ((width, height), default SCREENSHOT_SIZE) sizes the window for --screenshot."""
    demo = getattr(args, "demo", None)
    screenshot = getattr(args, "screenshot", None)
    size = getattr(args, "screenshot_size", None) or SCREENSHOT_SIZE
    if QApplication.instance() is None and (problem := display_problem()) is not None:
        raise problem
    for f in demo or []:
        if not Path(f).is_file():
            raise HearthError(f"demo file not found: {f}", "give existing WAV files, e.g. assets/samples/*.wav")
    app = application()
    assistant, hardware = build_assistant(microphone=not demo, partial_interval_s=PARTIAL_INTERVAL_S)
    # A screenshot run must end by itself: no tray to hide in, whatever the desktop offers.
    window = MainWindow(load_settings(), assistant, hardware, tray=False if screenshot else None)
    window.quit_requested.connect(app.exit)
    app.setQuitOnLastWindowClosed(window.tray is None)  # with a tray, only Quit quits
    if demo or screenshot:
        DemoDriver(window, demo or [], screenshot, size=size)
    if not (getattr(args, "hidden", False) and window.tray is not None):  # hidden: only the tray icon shows
        window.show()
    return app.exec()
