import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
