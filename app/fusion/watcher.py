"""The perception thread: reads the camera a few times a second, keeps the latest SceneContext and
turns it into actions (look-to-talk -> listen, a raised palm -> stop).

It also stands in for the pipeline's camera and scene stages (assemble injects it as both):
`read()` hands over the frame it last perceived and `analyze()` that frame's scene, so a turn
never reads the camera a second time. The camera is open only while `enabled()` says so (the
window's camera switch, the camera setting); frames stay in memory.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.errors import HearthError, InternalError
from app.events import ErrorEvent, EventBus, SceneChanged
from app.fusion.camera import CameraSource
from app.fusion.perception import Perceived, SceneAnalyzer
from app.fusion.rules import LookToTalk, PalmStop
from app.fusion.scene import SceneContext
from app.stages import Stage

log = logging.getLogger(__name__)

RETRY_S = 2.0  # after the camera fails, try to open it again this much later


@dataclass
class WatchOptions:
    fps: float = 5.0  # perception rate: 5 frames/s is enough for a 1 s dwell and a palm held up
    look_to_talk: bool = False
    look_s: float = 1.0
    palm_stop: bool = True


class Watcher:
    def __init__(self, open_camera: Callable[[], CameraSource], analyzer: SceneAnalyzer, bus: EventBus,
                 options: WatchOptions | None = None, *, enabled: Callable[[], bool] = lambda: True,
                 on_look: Callable[[], Any] | None = None, on_palm: Callable[[], Any] | None = None,
                 can_listen: Callable[[], bool] = lambda: True):
        """`on_look` (the assistant's talk) is called only when `can_listen()` (the assistant is idle),
        so looking at a device that is talking never barges in; `on_palm` (its stop) any time."""
        self.open_camera = open_camera
        self.analyzer = analyzer
        self.bus = bus
        self.options = options or WatchOptions()
        self.enabled = enabled
        self.on_look, self.on_palm, self.can_listen = on_look, on_palm, can_listen
        self._look = LookToTalk(self.options.look_s)
        self._palm = PalmStop()
        self._camera: CameraSource | None = None
        self._latest: tuple[np.ndarray, SceneContext] | None = None
        self._perceiving = threading.Lock()  # the sessions are shared with analyze() on the pipeline thread
        self._closing = threading.Event()
        self._reported: str | None = None  # the last error reported: a camera that stays gone is said once
        self._thread: threading.Thread | None = None

    # -- the pipeline's camera and scene stages ----------------------------------------------
    def read(self) -> np.ndarray | None:
        latest = self._latest
        return None if latest is None else latest[0]

    def analyze(self, frame: np.ndarray | None) -> SceneContext | None:
        latest = self._latest
        if frame is None:
            return None
        if latest is not None and frame is latest[0]:
            return latest[1]
        with self._perceiving:
            return self.analyzer.analyze(frame)

    @property
    def scene(self) -> SceneContext | None:
        latest = self._latest
        return None if latest is None else latest[1]

    # -- the thread ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="hearth-camera", daemon=True)
        self._thread.start()
        atexit.register(self.close)  # a daemon thread killed inside ONNX Runtime aborts the process at exit

    def close(self, timeout: float = 2.0) -> None:
        atexit.unregister(self.close)
        self._closing.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._release()

    def step(self, now: float | None = None) -> Perceived | None:
        """One frame: read, perceive, apply the rules, report. None while the camera is off."""
        if not self.enabled():
            self._release()
            return None
        if self._camera is None:
            self._camera = self.open_camera()
        frame = self._camera.read()
        with self._perceiving:
            perceived = self.analyzer.perceive(frame, hands=self.watching_hands(), follow=True)
        scene = perceived.scene
        self._latest = (frame, scene)
        now = time.monotonic() if now is None else now
        if self._look.update(scene, now) and self.options.look_to_talk and self.on_look and self.can_listen():
            self.on_look()
        if self._palm.update(scene) and self.options.palm_stop and self.on_palm:
            self.on_palm()
        self.bus.emit(SceneChanged(scene=scene, frame=frame))
        return perceived

    def watching_hands(self) -> bool:
        """Hands are looked for only while a raised palm would stop something (a reply or a ring is playing,
        or a listen is on): while the assistant idles the palm chain would cost half of perception for
        nothing (docs/vision.md)."""
        return self.options.palm_stop and self.on_palm is not None and not self.can_listen()

    def _release(self) -> None:
        """Close the camera (its light goes off) and forget the last frame."""
        if self._camera is not None:
            self._camera.close()
            self._camera = None
        if self._latest is not None:
            self._latest = None
            self.bus.emit(SceneChanged(scene=None))

    def _fail(self, error: HearthError) -> None:
        self._release()
        if error.message != self._reported:
            self._reported = error.message
            self.bus.emit(ErrorEvent.of(error, Stage.FUSION))

    def _run(self) -> None:
        period = 1.0 / self.options.fps
        while not self._closing.is_set():
            started = time.monotonic()
            wait = period
            try:
                self.step(started)
                self._reported = None
            except HearthError as exc:  # the camera vanished or a model is missing: report, retry later
                self._fail(exc)
                wait = RETRY_S
            except Exception as exc:  # a bug must not end the thread silently
                log.exception("camera watcher failed")
                self._fail(InternalError(f"camera watcher failed: {exc}", "see the log"))
                wait = RETRY_S
            self._closing.wait(max(0.0, wait - (time.monotonic() - started)))
