"""`hearth gui --demo ... --screenshot`: in process (fast, stand-in NLU) and end to end in a real
X server (Xvfb) with the real models, the way a user's desktop would run it."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from tests.test_gui_window import FakeDialogue, FakeNlu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "assets" / "samples").glob("*.wav"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_demo_command_writes_a_screenshot(qtbot, asr_engine, tmp_path, monkeypatch):
    from app.gui import main as gui_main
    from app.pipeline import Pipeline

    real_build = gui_main.build_pipeline

    def build(settings, problems):
        pipeline = real_build(settings, problems)
        return Pipeline(pipeline.options, asr=asr_engine, nlu=FakeNlu(), dialogue=FakeDialogue())

    monkeypatch.setattr(gui_main, "build_pipeline", build)
    out = tmp_path / "shots" / "demo.png"
    code = gui_main.run_gui(argparse.Namespace(demo=[str(p) for p in SAMPLES[:2]], screenshot=str(out)))
    assert code == 0
    assert out.read_bytes()[:8] == PNG_MAGIC


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
    from app.nlu.onnx_model import LABELS_FILE, default_model_dir

    if not (default_model_dir() / LABELS_FILE).exists():
        pytest.skip(f"the NLU model is not built yet ({default_model_dir()})")
    out = tmp_path / "e2e.png"
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", HEARTH_HOME=str(tmp_path / "home"))
    wavs = [str(p) for p in SAMPLES if "timer" in p.name or "lights" in p.name]
    run = subprocess.run([sys.executable, "-m", "app", "gui", "--demo", *wavs, "--screenshot", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert out.read_bytes()[:8] == PNG_MAGIC
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 760 and image.height() >= 520
