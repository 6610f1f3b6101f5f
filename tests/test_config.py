import json
import os
import logging
import tomllib

import pytest

from app import cli
from app.config import Settings, config_dir, home, state_dir
from app.errors import HearthError


def test_settings_round_trip_as_toml_without_none(hearth_home):
    Settings(theme="dark", speech_rate=150, follow_up_s=2.5, announce=False, voice=None, camera="0",
             extra={"window": {"seconds": 8}}).save()
    assert Settings.path() == hearth_home / "settings.toml"
    data = tomllib.loads(Settings.path().read_text())
    assert data["theme"] == "dark" and data["camera"] == "0" and "voice" not in data
    assert Settings.load() == Settings(theme="dark", speech_rate=150, follow_up_s=2.5, announce=False,
                                       camera="0", extra={"window": {"seconds": 8}})


def test_folders_follow_hearth_home(hearth_home):
    assert config_dir() == home() == hearth_home
    assert state_dir() == hearth_home / "logs" and state_dir().is_dir()


def test_damaged_file_falls_back_to_defaults_and_is_kept_aside(hearth_home):
    Settings.path().write_text("theme = [unclosed")
    assert Settings.load() == Settings()
    assert (hearth_home / "settings.toml.damaged").read_text() == "theme = [unclosed"
    assert not Settings.path().exists()


def test_wrong_or_unknown_values_fall_back_to_that_keys_default(hearth_home, caplog):
    Settings.path().write_text('speech_rate = "fast"\ntheme = "dark"\ncompute_device = "tpu"\n'
                               'follow_up_s = 99\nhands_free = 1\nnew_key = 3\nannounce = false\n')
    with caplog.at_level(logging.WARNING, logger="app.config"):
        loaded = Settings.load()
    assert loaded == Settings(theme="dark", announce=False)
    for key in ("speech_rate", "compute_device", "follow_up_s", "hands_free", "new_key"):
        assert key in caplog.text


def test_an_int_is_accepted_where_a_float_is_expected(hearth_home):
    Settings.path().write_text("follow_up_s = 3\n")
    assert Settings.load().follow_up_s == 3.0


def test_old_json_settings_are_migrated_once(hearth_home):
    old = home() / "settings.json"
    old.write_text(json.dumps({"theme": "dark", "speech_rate": 160, "voice": None, "gone": 1}))
    assert Settings.load() == Settings(theme="dark", speech_rate=160)
    assert tomllib.loads(Settings.path().read_text())["speech_rate"] == 160
    assert not old.exists() and (hearth_home / "settings.json.migrated").exists()
    Settings(theme="light").save()
    assert Settings.load().theme == "light"  # the migrated JSON is not read again


def test_failed_save_keeps_the_previous_settings(hearth_home, monkeypatch):
    Settings(theme="dark").save()

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr("pathlib.Path.write_text", disk_full)
        with pytest.raises(HearthError, match="No space left") as info:
            Settings(theme="light").save()
    assert "previous settings are kept" in info.value.fix
    assert tomllib.loads(Settings.path().read_text())["theme"] == "dark"
    assert not (hearth_home / "settings.toml.tmp").exists()


def test_mtime_changes_when_the_file_does(hearth_home):
    assert Settings.mtime() is None
    Settings().save()
    os.utime(Settings.path(), ns=(10**18, 10**18))
    assert Settings.mtime() == 10**18
    Settings(theme="dark").save()
    assert Settings.mtime() != 10**18


def test_set_text_converts_and_checks(hearth_home):
    s = Settings(voice="en")
    for key, text, value in (("hands_free", "True", True), ("speech_rate", "200", 200), ("follow_up_s", "1.5", 1.5),
                             ("voice", "none", None), ("camera", "/tmp/frames", "/tmp/frames"),
                             ("extra", '{"a": 1}', {"a": 1})):
        s.set_text(key, text)
        assert getattr(s, key) == value
    for key, text in (("speech_rate", "fast"), ("speech_rate", "1000"), ("speech_rate", "true"),
                      ("follow_up_s", "nan"), ("theme", "blue"), ("hands_free", "maybe"), ("theme", "none"),
                      ("extra", "[1]")):
        with pytest.raises(HearthError):
            s.set_text(key, text)


def test_hearth_config_lists_gets_and_sets(hearth_home, capsys):
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert str(Settings.path()) in out and "speech_rate = 175" in out and "voice = none" in out
    assert cli.main(["config", "theme", "dark"]) == 0
    assert capsys.readouterr().out.strip() == "theme = dark"
    assert Settings.load().theme == "dark"
    assert cli.main(["config", "theme"]) == 0
    assert capsys.readouterr().out.strip() == "dark"


def test_hearth_config_unknown_key_or_bad_value_is_a_clear_error(hearth_home, capsys):
    assert cli.main(["config", "volume", "3"]) == 2
    err = capsys.readouterr().err
    assert "unknown setting: volume" in err and "fix:" in err and "speech_rate" in err
    assert cli.main(["config", "speech_rate", "fast"]) == 2
    err = capsys.readouterr().err
    assert "from 80 to 400" in err and "Traceback" not in err
    assert cli.main(["config", "compute_device", "tpu"]) == 2
    assert "auto, cpu, gpu" in capsys.readouterr().err
    assert not Settings.path().exists()
