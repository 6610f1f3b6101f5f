"""PortAudio's device list kept fresh, without pulling a stream from under anyone.

PortAudio reads the list of devices once, when it initialises: a headset plugged in after
start-up stays invisible until `Pa_Terminate` + `Pa_Initialize`, and terminating closes every
open stream on every thread. So whoever opens a stream (the speaker's output thread, a
microphone) first `claim`s PortAudio and `release`s it after closing, and a re-initialisation
only ever runs with no stream open: asked for while one is (Hearth speaking or listening), it
waits for the next moment none is, and the caller keeps the list it had meanwhile.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from app.errors import DeviceError

Kind = Literal["input", "output"]

_cond = threading.Condition()
_open = 0  # streams open now, on any thread
_stale = False  # a rescan was asked for while a stream was open: run it when none is


def sounddevice() -> Any:
    """Import sounddevice lazily: without PortAudio the import itself fails."""
    try:
        import sounddevice as sd
    except OSError as exc:
        raise DeviceError(
            f"audio system unavailable: {exc}",
            "install PortAudio (apt-get install libportaudio2) or use a file: hearth listen FILE.wav",
        ) from exc
    return sd


def devices(kind: Kind) -> list[dict]:
    """The devices that can record (`input`) or play (`output`), each with its `index`; none
    without PortAudio. Fresh when no stream is open, else as of the last rescan."""
    try:
        sd = sounddevice()
    except DeviceError:
        return []
    key = f"max_{kind}_channels"
    with _cond:
        _reinit_if_stale(sd)
        return [dict(d, index=i) for i, d in enumerate(sd.query_devices()) if d[key] > 0]


def rescan(wait_s: float = 0.0) -> bool:
    """Ask PortAudio for its devices again (those plugged in or out since the last look). True when
    done now; False when a stream stayed open for `wait_s`: it is done as soon as none is."""
    global _stale
    sd = sounddevice()
    with _cond:
        _stale = True
        if _cond.wait_for(lambda: _open == 0, wait_s):
            _reinit_if_stale(sd)
            return True
        return False


def claim(device: str | int | None, kind: Kind) -> None:
    """Call before opening a stream on `device`. A device named in settings but unknown to PortAudio
    was plugged in after it started: look again first, so choosing it works without a restart."""
    global _open, _stale
    sd = sounddevice()
    with _cond:
        if isinstance(device, str) and _open == 0 and not _known(sd, device, kind):
            _stale = True
        _reinit_if_stale(sd)
        _open += 1


def release() -> None:
    """Call after closing a stream opened under `claim`."""
    global _open
    with _cond:
        _open -= 1
        _cond.notify_all()


def _known(sd: Any, device: str, kind: Kind) -> bool:
    try:
        sd.query_devices(device, kind)
    except ValueError:  # no device, or several, by that name
        return False
    return True


def _reinit_if_stale(sd: Any) -> None:
    """Re-initialise PortAudio when a rescan is due and no stream is open; holds `_cond`."""
    global _stale
    if not _stale or _open:
        return
    try:
        if sd._initialized:  # not after a failed restart: PortAudio is down already
            sd._terminate()
        sd._initialize()
    except Exception as exc:  # PortAudioError has no stable import path
        raise DeviceError(f"the audio system did not restart: {exc}",
                          "check the sound server (pactl info), then look for devices again") from exc
    _stale = False
