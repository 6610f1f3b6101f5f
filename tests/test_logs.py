import io
import logging
from logging.handlers import RotatingFileHandler

import pytest

from app import cli
from app.logs import BACKUPS, MAX_BYTES, setup_logging


@pytest.fixture(autouse=True)
def restore_root_logger():
    """setup_logging changes the root logger: put it back so other tests see pytest's own setup."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def ours(root):
    return [h for h in root.handlers if h.get_name() == "hearth"]


def file_handler(root):
    return next(h for h in ours(root) if isinstance(h, RotatingFileHandler))


def test_the_log_file_is_written_under_hearth_home_and_rotates(hearth_home, restore_root_logger):
    path = setup_logging()
    assert path == hearth_home / "logs" / "hearth.log"
    logging.getLogger("app.test").info("turn done in %d ms", 42)
    logging.getLogger("app.test").debug("not at the default level")
    handler = file_handler(restore_root_logger)
    handler.flush()
    text = path.read_text()
    assert "INFO app.test: turn done in 42 ms" in text and "not at the default level" not in text
    assert (handler.maxBytes, handler.backupCount) == (MAX_BYTES, BACKUPS) == (1_000_000, 3)


def test_setting_up_twice_does_not_duplicate_handlers(restore_root_logger):
    setup_logging()
    setup_logging(verbose=True)
    assert len(ours(restore_root_logger)) == 2
    levels = sorted(h.level for h in ours(restore_root_logger))
    assert levels == [logging.DEBUG, logging.INFO]


def test_stderr_shows_warnings_by_default(restore_root_logger, capsys):
    setup_logging()
    logging.getLogger("app.test").info("quiet")
    logging.getLogger("app.test").warning("loud")
    err = capsys.readouterr().err
    assert "WARNING app.test: loud" in err and "quiet" not in err


def test_an_unwritable_log_folder_falls_back_to_stderr(hearth_home, monkeypatch, restore_root_logger, capsys):
    blocker = hearth_home.parent / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("HEARTH_HOME", str(blocker))  # logs/ cannot be created under a file
    assert setup_logging() is None
    logging.getLogger("app.test").warning("still heard")
    err = capsys.readouterr().err
    assert err.count("logging to stderr only") == 1 and "still heard" in err
    assert [type(h).__name__ for h in ours(restore_root_logger)] == ["_Stderr"]


def test_a_full_disk_mid_run_stops_the_file_and_says_so_once(restore_root_logger, capsys):
    setup_logging()
    handler = file_handler(restore_root_logger)

    class FullDisk(io.StringIO):
        def write(self, text):
            raise OSError(28, "No space left on device")

    handler.stream.close()
    handler.stream = FullDisk()
    logging.getLogger("app.test").warning("first")
    logging.getLogger("app.test").warning("second")
    err = capsys.readouterr().err
    assert err.count("logging to stderr only") == 1 and "No space left" in err and "Traceback" not in err
    assert "first" in err and "second" in err and handler not in restore_root_logger.handlers


def test_cli_log_level_flag_sets_the_level(restore_root_logger, capsys):
    assert cli.main(["--log-level", "debug", "config", "theme"]) == 0
    assert {h.level for h in ours(restore_root_logger)} == {logging.DEBUG}
    assert restore_root_logger.level == logging.DEBUG
    assert cli.main(["-v", "config", "theme"]) == 0
    assert sorted(h.level for h in ours(restore_root_logger)) == [logging.DEBUG, logging.INFO]
    assert cli.main(["config", "theme"]) == 0
    assert sorted(h.level for h in ours(restore_root_logger)) == [logging.INFO, logging.WARNING]
