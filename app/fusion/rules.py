"""The camera's two triggers, as small state machines over successive SceneContexts (time is passed
in, so they are tested without a clock): look-to-talk and the raised-palm stop."""

from __future__ import annotations

from app.fusion.scene import SceneContext


class LookToTalk:
    """Fires once when someone has faced the device for `dwell_s` without a break. It re-arms only
    after nobody faces it, so a person who keeps looking after a reply does not start a new listen,
    and someone walking past (facing it for a moment) does not start one at all."""

    def __init__(self, dwell_s: float = 1.0):
        self.dwell_s = dwell_s
        self._since: float | None = None
        self._fired = False

    def update(self, scene: SceneContext, now: float) -> bool:
        if not scene.looking:
            self._since, self._fired = None, False
            return False
        if self._since is None:
            self._since = now
        if not self._fired and now - self._since >= self.dwell_s:
            self._fired = True
            return True
        return False


class PalmStop:
    """Fires on the frame a raised open palm appears, not again while it stays up."""

    def __init__(self) -> None:
        self._up = False

    def update(self, scene: SceneContext) -> bool:
        fired = scene.palm and not self._up
        self._up = scene.palm
        return fired
