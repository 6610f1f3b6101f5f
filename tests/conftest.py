import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _files(folder: Path) -> list[tuple[str, int, int]] | None:
    return sorted((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in folder.rglob("*")) if folder.exists() else None


@pytest.fixture(scope="session", autouse=True)
def real_home_untouched():
    """No test writes the user's real state: a module-scoped fixture, built before `hearth_home` sets HEARTH_HOME,
    once wrote hearth.db there."""
    import platformdirs

    from app.config import APP_NAME

    real = [Path(where(APP_NAME, appauthor=False)) for where in (platformdirs.user_data_dir,
                                                                platformdirs.user_config_dir)]
    before = [_files(folder) for folder in real]
    yield
    assert [_files(folder) for folder in real] == before, f"tests wrote into the real Hearth folders {real}"


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
