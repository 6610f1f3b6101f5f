import json

import pytest

from app.config import Settings
from app.errors import HearthError


def test_settings_round_trip_and_damaged_file_kept_aside(hearth_home):
    Settings(theme="dark", speech_rate=150).save()
    assert Settings.load().theme == "dark"
    Settings.path().write_text("{not json")
    assert Settings.load() == Settings()
    assert Settings.path().with_suffix(".json.damaged").read_text() == "{not json"


def test_failed_save_keeps_the_previous_settings(hearth_home, monkeypatch):
    Settings(theme="dark").save()

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr("pathlib.Path.write_text", disk_full)
        with pytest.raises(HearthError, match="No space left") as info:
            Settings(theme="light").save()
    assert "previous settings are kept" in info.value.fix
    assert json.loads(Settings.path().read_text())["theme"] == "dark"
    assert not Settings.path().with_suffix(".json.tmp").exists()
