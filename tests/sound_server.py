"""A private PulseAudio with one null sink (`hearth_test`), reached through ALSA's pulse plugin:
a sound card that plays at real-time pace on a machine without one. Used by the audio tests
(tests/conftest.py: sound_server) and bench/stop_latency.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator


def available() -> bool:
    return shutil.which("pulseaudio") is not None and shutil.which("pactl") is not None


@contextlib.contextmanager
def private_pulseaudio(home: Path) -> Iterator[dict]:
    """Start it with `home` as HOME; yields the environment a process needs to play on it."""
    env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"))
    (home / "run").mkdir(mode=0o700)
    (home / ".asoundrc").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
    subprocess.run(["pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1", "--disable-shm=yes",
                    "--load=module-null-sink sink_name=hearth_test", "--load=module-native-protocol-unix"],
                   env=env, check=True, capture_output=True, timeout=30)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start")
            time.sleep(0.1)
        yield env
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True, timeout=30)
