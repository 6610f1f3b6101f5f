"""The memory (hearth.db) under storage faults, each injected for real where the test machine allows.

Only a damaged file is set aside (and kept); busy, full, read-only and unopenable files are left as
they are and the user gets the cause and the fix. Injections: a second SQLite connection holding a
write lock (the same lock another Hearth process takes); `PRAGMA max_page_count` for a full disk
(SQLite's own SQLITE_FULL path, as ENOSPC gives); RLIMIT_FSIZE for a disk that refuses every write
(EFBIG: SQLite's disk I/O error path); a `mode=ro` connection for a read-only file, because the
tests may run as root (they do in this project's containers), where chmod 0444 does not stop writes,
and a read-only mount needs privileges they lack: `mode=ro` opens the file O_RDONLY, which is what
SQLite falls back to when a 0444 file or a read-only disk refuses O_RDWR, so what follows is
SQLite's real SQLITE_READONLY path.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from app import config
from app.config import Settings
from app.dialogue import DialogueManager, FakeClock, state
from app.errors import HearthError
from app.logs import setup_logging
from tests.test_cli import hearth
from tests.test_dialogue_conversations import START, u
from tests.test_logs import file_handler, restore_root_logger  # noqa: F401 - the fixture puts logging back

EGGS = u("add eggs to my shopping list", "lists_createoradd", item="eggs", list_name="shopping")
MILK = u("add milk to my shopping list", "lists_createoradd", item="milk", list_name="shopping")


def manager() -> DialogueManager:
    return DialogueManager(clock=FakeClock(START))


@pytest.fixture
def db(hearth_home) -> Path:
    """A memory holding a shopping list with eggs, closed (as between two runs of Hearth)."""
    dm = manager()
    dm.handle(EGGS)
    dm.close()
    return hearth_home / "hearth.db"


def set_aside(db: Path) -> list[Path]:
    return sorted(db.parent.glob("hearth.db.damaged-*"))


def other_hearth(db: Path, readers_too: bool = False) -> sqlite3.Connection:
    """Another Hearth mid-write: a write transaction holding the lock, with a row of its own.
    `readers_too`: an exclusive locking mode that also keeps readers out (as a non-WAL writer does)."""
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    if readers_too:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO kv (key, value) VALUES ('other', '1')")
    return other


def rows(db: Path, sql: str, *args: object) -> list[tuple]:
    """Read or change hearth.db the way another program would: with a connection of its own."""
    with closing(sqlite3.connect(db, isolation_level=None)) as fresh:
        return fresh.execute(sql, args).fetchall()


# ---- busy -------------------------------------------------------------------------------------
def test_a_lock_released_within_the_timeout_is_waited_for(db):
    other = other_hearth(db)
    threading.Timer(1.0, other.execute, ("COMMIT",)).start()
    started = time.monotonic()
    dm = manager()
    reply = dm.handle(MILK)
    assert time.monotonic() - started >= 0.9  # it waited for the other Hearth, then wrote
    assert "Sorry" not in reply.text
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs", "milk"]}
    dm.close()
    other.close()
    assert not set_aside(db)
    assert rows(db, "SELECT value FROM kv WHERE key = 'other'") == [("1",)]  # its write landed in hearth.db


def test_a_lock_held_past_the_timeout_at_start_is_a_clear_error_and_moves_nothing(db, monkeypatch):
    monkeypatch.setattr(state, "BUSY_TIMEOUT_S", 0.3)
    other = other_hearth(db, readers_too=True)
    with pytest.raises(HearthError) as info:
        manager()
    assert info.value.code == "memory_busy" and "another Hearth" in info.value.message and info.value.fix
    other.execute("COMMIT")
    other.close()
    assert not set_aside(db)
    dm = manager()
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs"]} and dm.store.get("other") == 1


def test_a_lock_held_past_the_timeout_during_a_turn_changes_nothing(db, monkeypatch):
    monkeypatch.setattr(state, "BUSY_TIMEOUT_S", 0.3)
    dm = manager()
    other = other_hearth(db)
    reply = dm.handle(MILK)
    assert reply.text.startswith("Sorry, another Hearth is holding my memory")
    assert "Nothing was changed. (close the other Hearth" in reply.text
    other.execute("COMMIT")
    other.close()
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs"]}
    assert "Sorry" not in dm.handle(MILK).text  # the failed turn left no transaction behind
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs", "milk"]} and not set_aside(db)


# ---- read-only, full, cannot open ---------------------------------------------------------------
def test_a_read_only_file_is_a_clear_reply_and_stays_as_it_is(db, monkeypatch):
    before = db.read_bytes()
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda path, **kw: connect(f"file:{path}?mode=ro", uri=True, **kw))
    dm = manager()
    reply = dm.handle(MILK)
    assert reply.text.startswith(f"Sorry, my memory file {db} is read-only. Nothing was changed. (make")
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs"]}  # still read
    dm.close()
    assert db.read_bytes() == before and not set_aside(db)


def test_a_full_disk_during_a_turn_changes_nothing(db):
    dm = manager()
    pages = dm.store._read("PRAGMA page_count")[0][0]
    dm.store._read(f"PRAGMA max_page_count = {pages}")  # not one more page fits
    big = "x" * 5000  # needs pages of its own
    reply = dm.handle(u(f"add {big} to my shopping list", "lists_createoradd", item=big, list_name="shopping"))
    assert reply.text.startswith("Sorry, the disk holding my memory")
    assert "is full. Nothing was changed. (free some disk space" in reply.text
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs"]}
    dm.store._read("PRAGMA max_page_count = 1073741823")  # space freed
    assert "Sorry" not in dm.handle(MILK).text
    assert dm.world_snapshot()["lists"] == {"shopping": ["eggs", "milk"]} and not set_aside(db)


def test_a_full_disk_at_the_first_start_is_a_clear_error(hearth_home, monkeypatch):
    connect = sqlite3.connect

    def no_room(path, **kw):
        db = connect(path, **kw)
        db.execute("PRAGMA max_page_count = 1")
        return db

    monkeypatch.setattr(sqlite3, "connect", no_room)
    with pytest.raises(HearthError) as info:
        manager()
    assert info.value.code == "memory_full" and "free some disk space" in info.value.fix
    assert not set_aside(hearth_home / "hearth.db")


@pytest.mark.parametrize("blocker", ["a folder in its place", "no permission"])
def test_a_file_that_cannot_be_opened_is_named_and_left_alone(hearth_home, blocker):
    db = hearth_home / "hearth.db"
    if blocker == "a folder in its place":  # SQLite reports it as it reports EACCES: cannot open
        db.mkdir(parents=True)
    elif os.geteuid() == 0:
        pytest.skip("root reads and writes any file whatever its permissions")
    else:
        manager().close()
        db.chmod(0)
    with pytest.raises(HearthError) as info:
        manager()
    assert info.value.code == "memory_denied" and str(db) in info.value.message and "ls -l" in info.value.fix
    assert db.exists() and not set_aside(db)


def test_a_memory_folder_that_cannot_be_made_is_named(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(HearthError) as info:
        DialogueManager(blocker / "hearth.db")
    assert info.value.code == "memory_denied" and str(blocker / "hearth.db") in info.value.message
    assert blocker.read_text() == ""


# ---- damaged ------------------------------------------------------------------------------------
def damage(db: Path, how: str) -> None:
    noise = random.Random(0).randbytes(8192)
    if how == "random bytes":  # not a database at all
        db.write_bytes(noise)
    elif how == "damaged pages":  # a sound header over garbage: reading the schema fails
        data = db.read_bytes()
        db.write_bytes(data[:4096] + noise[: len(data) - 4096])
    else:  # pages lost from the free list: every read works, only the integrity check finds it
        with closing(sqlite3.connect(db, isolation_level=None)) as other:
            other.execute("INSERT INTO kv (key, value) VALUES ('big', ?)", ("x" * 20000,))
            other.execute("DELETE FROM kv WHERE key = 'big'")
        data = bytearray(db.read_bytes())
        data[32:40] = bytes(8)  # the free list's first page and length
        db.write_bytes(data)


@pytest.mark.parametrize("how", ["random bytes", "damaged pages", "lost pages"])
def test_a_damaged_file_is_set_aside_kept_and_announced(db, how):
    damage(db, how)
    damaged = db.read_bytes()
    dm = manager()
    (kept,) = set_aside(db)
    assert kept.read_bytes() == damaged
    (notice,) = dm.due_announcements()
    assert notice.text.startswith("My memory file was damaged") and str(kept) in notice.text
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # the fresh file too
    assert "Sorry" not in dm.handle(MILK).text
    assert dm.world_snapshot()["lists"] == {"shopping": ["milk"]}


# ---- bad rows -----------------------------------------------------------------------------------
@pytest.mark.parametrize("key,value", [
    ("session:default", "{not json"),
    ("session:default", '"not an object"'),
    ("session:default", '{"turn": "many", "pending": 7, "last_entities": {}}'),
    ("device:light.kitchen", "{not json"),
])
def test_a_damaged_kv_row_is_treated_as_missing(db, key, value, caplog):
    rows(db, "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", key, value)
    dm = manager()  # start-up reads the device rows
    reply = dm.handle(u("turn on the kitchen lights", "iot_hue_lighton", house_place="kitchen"))
    assert reply.actions and "Sorry" not in reply.text
    assert "damaged" in caplog.text
    assert isinstance(json.loads(dm.store._read("SELECT value FROM kv WHERE key = ?", (key,))[0][0]), dict)


def test_a_bad_date_skips_only_its_row(db, caplog):
    before = manager()
    before.handle(u("set a timer for ten minutes", "alarm_set", time="ten minutes"))
    before.close()
    bad = "2026-13-45T99:00:00+00:00"
    rows(db, "INSERT INTO alarms (kind, due) VALUES ('alarm', ?), ('alarm', '2026-11-30T09:05:00')", bad)
    rows(db, "INSERT INTO events (title, start) VALUES ('dentist', ?)", bad)
    dm = manager()
    snapshot = dm.world_snapshot()
    assert [t["seconds"] for t in snapshot["timers"]] == [600] and snapshot["events"] == []
    assert dm.seconds_until_due() == 300  # the time without a zone is read as UTC, like every stored time
    assert "Sorry" not in dm.handle(u("what alarms do I have", "alarm_query")).text
    dm.clock.advance(minutes=10)
    assert len(dm.due_announcements()) == 2  # the timer and the alarm at 09:05
    assert dm.due_announcements() == []
    assert caplog.text.count("damaged time") == 2  # once per row, not per poll
    assert rows(db, "SELECT count(*) FROM alarms WHERE due = ?", bad) == [(1,)]  # kept


# ---- the folders --------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["the file", "a folder under the file"])
def test_hearth_home_that_cannot_be_a_folder_is_a_clear_error(hearth_home, monkeypatch, where):
    blocker = hearth_home.parent / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("HEARTH_HOME", str(blocker if where == "the file" else blocker / "home"))
    with pytest.raises(HearthError) as info:
        config.home()
    assert info.value.code == "home_unusable" and "HEARTH_HOME" in info.value.fix


def test_what_the_user_said_is_readable_by_its_owner_only(hearth_home, restore_root_logger):  # noqa: F811
    dm = manager()
    dm.handle(EGGS)
    Settings().save()
    setup_logging()
    handler = file_handler(restore_root_logger)
    handler.doRollover()
    for folder in (hearth_home, hearth_home / "logs"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    files = [hearth_home / name for name in ("hearth.db", "hearth.db-wal", "hearth.db-shm", "settings.toml")]
    files += [hearth_home / "logs" / name for name in ("hearth.log", "hearth.log.1")]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_existing_folder_keeps_its_permissions(hearth_home):
    hearth_home.mkdir(mode=0o750)
    hearth_home.chmod(0o750)  # whatever the umask
    manager().close()
    assert stat.S_IMODE(hearth_home.stat().st_mode) == 0o750


# ---- through the command line --------------------------------------------------------------------
def test_chat_waits_for_another_hearth_and_keeps_the_memory(db):
    other = other_hearth(db)
    threading.Timer(6.0, other.execute, ("COMMIT",)).start()  # longer than SQLite's 5 s default
    r = hearth("chat", input="add milk to my shopping list\nwhat is on my shopping list\n")
    other.close()
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "eggs" in r.stdout and "milk" in r.stdout and "Sorry" not in r.stdout
    assert not set_aside(db)
    assert rows(db, "SELECT value FROM kv WHERE key = 'other'") == [("1",)]


def test_chat_on_a_disk_that_refuses_writes_says_so_without_a_trace(db):
    before = db.read_bytes()
    r = subprocess.run([sys.executable, "-m", "app", "chat"], input="add milk to my shopping list\n",
                       capture_output=True, text=True, timeout=300, check=False,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)))
    assert "Traceback" not in r.stdout + r.stderr
    assert "Sorry, I cannot read or write my memory file" in r.stdout and "fix: check that its disk" in r.stderr
    assert db.read_bytes() == before and not set_aside(db)


def test_chat_with_hearth_home_a_file_says_so_without_a_trace(hearth_home, monkeypatch):
    hearth_home.parent.joinpath("a-file").write_text("")
    monkeypatch.setenv("HEARTH_HOME", str(hearth_home.parent / "a-file"))
    r = hearth("chat", input="hello\n")
    assert r.returncode == 2 and "HEARTH_HOME" in r.stderr and "Traceback" not in r.stderr


def test_a_damaged_open_question_is_forgotten_not_fatal(hearth_home):
    from app.dialogue import DialogueManager
    from app.nlu.types import Entity, Understanding

    dm = DialogueManager()
    dm.store.put("session:default", {"turn": 3, "pending": {"kind": "slot"}})  # the keys it needs are gone
    text = "turn on the kitchen lights"
    reply = dm.handle(Understanding(text, "iot_hue_lighton", 0.9, [Entity("house_place", "kitchen", 12, 19)]))
    assert "kitchen" in reply.text and "Sorry" not in reply.text
    assert dm.store.get("session:default")["pending"] is None
    dm.close()
