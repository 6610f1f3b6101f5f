import atexit
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Module- and session-scoped fixtures are built before `hearth_home` sets each test's folder: they get a state
# folder of their own too, never the user's real one (a module-scoped DialogueManager once wrote hearth.db there).
os.environ["HEARTH_HOME"] = tempfile.mkdtemp(prefix="hearth-tests-")
atexit.register(shutil.rmtree, os.environ["HEARTH_HOME"], ignore_errors=True)


@pytest.fixture(autouse=True)
def hearth_home(tmp_path, monkeypatch):
    """Every test gets its own state directory: nothing touches the user's real state."""
    home = tmp_path / "hearth-home"
    monkeypatch.setenv("HEARTH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def asr_engine():
    from app.asr import create_engine

    return create_engine()


@pytest.fixture
def sound_server(tmp_path):
    """A private PulseAudio with one null sink (tests/sound_server.py): the environment to play on it."""
    from tests.sound_server import available, private_pulseaudio

    if not available():
        pytest.skip("PulseAudio is not installed (packaging/setup-and-test.sh installs it)")
    with private_pulseaudio(tmp_path) as env:
        yield env
