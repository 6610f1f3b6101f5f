"""The speaker on a real (virtual) sound server: Stop and close during speech, hundreds of times,
never hang or crash. PulseAudio's null sink plays at real-time pace, like a sound card, which
ALSA's null device does not (it swallows any buffer at once, so nothing would be mid-speech)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CYCLES = """
import sys, threading, time
import numpy as np
from app.audio.player import Player
from app.tts import Speech

speech = Speech((np.sin(np.arange(48000 * 3) * 0.05) * 0.1).astype(np.float32), 48000)
player, hangs, errors = Player(), 0, []

def play(p):
    try:
        p.play(speech)
    except Exception as exc:
        errors.append(repr(exc))

for i in range({stops}):  # Stop at every moment of a reply's first ~200 ms
    t = threading.Thread(target=play, args=(player,))
    t.start()
    time.sleep(0.02 + (i % 10) * 0.02)
    player.stop()
    t.join(5)
    hangs += t.is_alive()
for i in range({closes}):  # the window closed while Hearth speaks
    p = Player()
    t = threading.Thread(target=play, args=(p,), daemon=True)
    t.start()
    time.sleep(0.02 + (i % 5) * 0.03)
    p.close()
    t.join(5)
    hangs += t.is_alive()
player.play(type(speech)(speech.audio[:4800], 48000))  # and it still plays to the end afterwards
player.close()
print("hangs", hangs, "errors", len(errors), errors[:3])
"""


@pytest.fixture
def sound_server(tmp_path):
    """A private PulseAudio with one null sink, reached through ALSA's pulse plugin."""
    if not shutil.which("pulseaudio"):
        pytest.skip("PulseAudio is not installed (packaging/setup-and-test.sh installs it)")
    env = dict(os.environ, HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    (tmp_path / ".asoundrc").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
    subprocess.run(["pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1", "--disable-shm=yes",
                    "--load=module-null-sink sink_name=hearth_test", "--load=module-native-protocol-unix"],
                   env=env, check=True, capture_output=True, timeout=30)
    deadline = time.monotonic() + 10
    while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, "PulseAudio did not start"
        time.sleep(0.1)
    yield env
    subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True, timeout=30)


def test_stop_and_close_during_speech_never_hang(sound_server):
    run = subprocess.run([sys.executable, "-c", CYCLES.format(stops=200, closes=50)], cwd=ROOT, env=sound_server,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split()[:4] == ["hangs", "0", "errors", "0"], run.stdout + run.stderr[-2000:]


def test_no_output_device_is_a_clear_device_error(tmp_path):
    (tmp_path / ".asoundrc").write_text("pcm.!default { type hw card 9 }\n")  # no such card
    code = ("import numpy as np\nfrom app.audio.player import Player\nfrom app.tts import Speech\n"
            "from app.errors import DeviceError\n"
            "try:\n    Player().play(Speech(np.zeros(1600, np.float32), 16000))\n"
            "except DeviceError as e:\n    print(e.code, '|', e.message, '|', e.fix)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert "speaker" in run.stdout and "|" in run.stdout, run.stdout + run.stderr[-2000:]
