"""`hearth gui --demo ... --screenshot` end to end with the real models: offscreen, and in a real
X server (Xvfb) the way a user's desktop would run it."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.wav"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def demo(tmp_path, wavs, env):
    out = tmp_path / "demo.png"
    env = dict(os.environ, HEARTH_HOME=str(tmp_path / "home"), **env)
    run = subprocess.run([sys.executable, "-m", "app", "gui", "--demo", *map(str, wavs), "--screenshot", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert out.read_bytes()[:8] == PNG_MAGIC
    return out


def test_demo_command_writes_a_screenshot(tmp_path):
    """A subprocess: the demo ends with QApplication.exit, which would break later in-process Qt tests."""
    demo(tmp_path, SAMPLES[:2], {"QT_QPA_PLATFORM": "offscreen"})


def test_demo_rejects_a_missing_file(tmp_path):
    from app.errors import HearthError
    from app.gui.main import run_gui

    with pytest.raises(HearthError, match="demo file not found"):
        run_gui(argparse.Namespace(demo=[str(tmp_path / "nope.wav")], screenshot=None))


@pytest.fixture
def xvfb():
    """A private X server; the display number is chosen by Xvfb itself (-displayfd), so parallel runs never clash."""
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()
    if not display:
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield f":{display}"
    proc.terminate()
    proc.wait(10)


def test_real_window_end_to_end_under_xvfb(xvfb, tmp_path):
    wavs = [p for p in SAMPLES if "timer" in p.name or "lights" in p.name]
    out = demo(tmp_path, wavs, {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 760 and image.height() >= 520
