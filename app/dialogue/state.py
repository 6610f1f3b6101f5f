"""Everything Hearth remembers, in one SQLite file (WAL mode, every write in a transaction).

Each turn runs inside one transaction, so a crash between turns loses nothing and a crash
inside a turn leaves the previous state intact. Only a file that is truly damaged (not a
database, or failing its integrity check) is moved aside, never deleted; a busy, full, read-only
or unreadable file is left exactly as it is and the failure is a HearthError with its fix.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from app.config import create_private
from app.errors import HearthError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
BUSY_TIMEOUT_S = 10.0  # how long to wait for another Hearth (the window, `hearth chat`) to finish a write
DAMAGED = "memory_damaged"  # the one fault that sets the file aside
# What a failed SQLite call means for the user, by primary result code: (error code, message, fix).
FAULTS: dict[int, tuple[str, str, str]] = {
    sqlite3.SQLITE_BUSY: ("memory_busy", "another Hearth is holding my memory ({path})",
                          "close the other Hearth (window, hearth chat or talk) or let it finish, then try again"),
    sqlite3.SQLITE_FULL: ("memory_full", "the disk holding my memory ({path}) is full",
                          "free some disk space, then try again; everything saved before is kept"),
    sqlite3.SQLITE_READONLY: ("memory_read_only", "my memory file {path} is read-only",
                              "make the file and its folder writable by you (chmod u+w), then try again"),
    sqlite3.SQLITE_CANTOPEN: ("memory_denied", "I cannot open my memory file {path}",
                              ("check that the file and its folder belong to you and that you may read and "
                               "write them (ls -l)")),
    sqlite3.SQLITE_IOERR: ("memory_io", "I cannot read or write my memory file {path} (a disk error)",
                           "check that its disk has free space and works (df -h), then try again"),
    sqlite3.SQLITE_CORRUPT: (DAMAGED, "my memory file {path} is damaged",
                             "start Hearth again: it keeps the damaged file aside and starts a fresh memory"),
}
FAULTS[sqlite3.SQLITE_LOCKED] = FAULTS[sqlite3.SQLITE_BUSY]
FAULTS[sqlite3.SQLITE_PERM] = FAULTS[sqlite3.SQLITE_AUTH] = FAULTS[sqlite3.SQLITE_CANTOPEN]
FAULTS[sqlite3.SQLITE_NOTADB] = FAULTS[sqlite3.SQLITE_CORRUPT]
SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alarms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('alarm', 'timer')),
    due TEXT NOT NULL,              -- UTC ISO 8601, so text order is time order
    seconds INTEGER,                -- a timer's length
    label TEXT NOT NULL DEFAULT '',
    announced INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS list_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list TEXT NOT NULL,
    item TEXT NOT NULL              -- '' marks an empty list that exists
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    start TEXT NOT NULL,            -- UTC ISO 8601
    all_day INTEGER NOT NULL DEFAULT 0
);
"""
# What each later schema version adds to the one before (SCHEMA is version 1): an older file is brought up to
# date with its rows kept, and a new file is built the same way.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("ALTER TABLE alarms ADD COLUMN repeat TEXT NOT NULL DEFAULT ''",  # a recurring alarm's weekdays, "01234"
        "ALTER TABLE events ADD COLUMN reminder INTEGER NOT NULL DEFAULT 0"),  # a task to ring, not an appointment
    3: ("ALTER TABLE alarms ADD COLUMN paused INTEGER",),  # a paused timer's seconds left; NULL while it runs
    4: ("ALTER TABLE events ADD COLUMN repeat TEXT NOT NULL DEFAULT ''",),  # a recurring reminder's weekdays
}


def _utc(t: datetime) -> str:
    """Whole seconds, rounded up: a timer set at 12:00:00.7 for 2 s is due at 12:00:03, never early."""
    if t.microsecond:
        t = t.replace(microsecond=0) + timedelta(seconds=1)
    return t.astimezone(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Alarm:
    id: int
    kind: str  # "alarm" | "timer"
    due: datetime
    seconds: int | None
    label: str  # a timer's name ("pasta"), an alarm's purpose
    repeat: tuple[int, ...] = ()  # weekdays (0 = Monday) a recurring alarm rings on; () rings once
    paused: int | None = None  # a paused timer's seconds left (its `due` then means nothing); None: running


@dataclass
class Event:
    id: int
    title: str
    start: datetime
    all_day: bool
    reminder: bool = False  # "remind me to call mum": the title is a task
    repeat: tuple[int, ...] = ()  # weekdays (0 = Monday) a recurring reminder rings on; `start` is the next time


class Store:
    """The state database. Writes outside `transaction()` get a transaction of their own."""

    def __init__(self, path: Path):
        self.path = path
        self.notice: str | None = None  # set when a damaged file had to be moved aside
        self._lock = threading.RLock()
        self._depth = 0
        self._skipped: set[tuple[str, int]] = set()  # rows with a damaged time, logged once each
        try:
            self._db = self._open()
        except HearthError as exc:
            if exc.code != DAMAGED:
                raise
            aside = self._move_aside()
            self.notice = (
                f"My memory file was damaged ({exc.__cause__}), so I started a fresh one. "
                f"The old file is kept at {aside}."
            )
            log.warning(self.notice)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        """Connect and check the file. A current file is only read here, so opening works while
        another Hearth is writing; busy waits up to BUSY_TIMEOUT_S."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            create_private(self.path)  # SQLite gives -wal and -shm the database file's permissions
        except OSError as exc:
            raise HearthError(f"I cannot create my memory file {self.path} ({exc.strerror or exc})",
                              f"check that {self.path.parent} is a folder you can write to, on a disk with "
                              "free space", code="memory_denied") from exc
        with self._faults():
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                check = db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    damaged = sqlite3.DatabaseError(f"integrity check: {check.splitlines()[-1]}")  # one of its problems
                    damaged.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
                    raise damaged
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise HearthError(
                        f"{self.path} was written by a newer Hearth (schema {version})",
                        "Update Hearth, or move the file away to start with a fresh memory.",
                    )
                if version < SCHEMA_VERSION:
                    self._upgrade(db)
            except BaseException:
                db.close()
                raise
        return db

    @staticmethod
    def _upgrade(db: sqlite3.Connection) -> None:
        """Create or bring the schema up to date in one transaction; the version is read again inside it, since
        another Hearth opening the same old file may have just upgraded it."""
        db.execute("BEGIN IMMEDIATE")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)
        for later in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[later]:
                db.execute(statement)
        db.execute(f"PRAGMA user_version={max(version, SCHEMA_VERSION)}")
        db.execute("COMMIT")

    @contextmanager
    def _faults(self) -> Iterator[None]:
        """SQLite failures the user can act on (busy, full, read-only, denied, damaged) become a
        HearthError with the fix; any other is a bug and stays as it is."""
        try:
            yield
        except sqlite3.Error as exc:
            fault = FAULTS.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF)
            if fault is None:
                raise
            log.info("%s: %s", self.path, exc)  # the raw cause, for the log file
            code, message, fix = fault
            raise HearthError(message.format(path=self.path), fix, code=code) from exc

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            self.path.replace(aside)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    side.replace(aside.with_name(aside.name + suffix))
        except OSError as exc:
            raise HearthError(f"my memory file {self.path} is damaged and I cannot move it aside "
                              f"({exc.strerror or exc})", "move it somewhere else yourself (keep it), "
                              "then start Hearth again for a fresh memory", code=DAMAGED) from exc
        return aside

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all; nests (the outermost one commits).
        A failed write or commit (busy, disk full) rolls back and is a HearthError."""
        with self._lock:
            outer = self._depth == 0
            self._depth += 1
            try:
                with self._faults():
                    if outer:
                        self._db.execute("BEGIN IMMEDIATE")
                    try:
                        yield
                        if outer:
                            self._db.execute("COMMIT")
                    except BaseException:
                        if outer and self._db.in_transaction:
                            self._db.execute("ROLLBACK")
                        raise
            finally:
                self._depth -= 1

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._db.execute(sql, args)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock, self._faults():
            return self._db.execute(sql, args).fetchall()

    def _time(self, table: str, row_id: int, text: str) -> datetime | None:
        """A stored UTC time; None for a damaged one, so that row is skipped (and kept), not the rest."""
        try:
            t = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            if (table, row_id) not in self._skipped:
                self._skipped.add((table, row_id))
                log.warning("%s: %s row %d has a damaged time %r: skipped", self.path, table, row_id, text)
            return None
        return t if t.tzinfo else t.replace(tzinfo=timezone.utc)

    # key/value: device state, now playing, session context, likes
    def get(self, key: str, default: Any = None) -> Any:
        """A damaged value counts as missing (logged); the row stays until it is written again."""
        rows = self._read("SELECT value FROM kv WHERE key = ?", (key,))
        if not rows:
            return default
        try:
            return json.loads(rows[0][0])
        except (TypeError, ValueError):
            log.warning("%s: the value of %r is damaged: treated as missing", self.path, key)
            return default

    def put(self, key: str, value: Any) -> None:
        self._write("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def delete(self, key: str) -> None:
        self._write("DELETE FROM kv WHERE key = ?", (key,))

    # alarms and timers
    def add_alarm(self, kind: str, due: datetime, seconds: int | None = None, label: str = "",
                  repeat: tuple[int, ...] = ()) -> int:
        cur = self._write("INSERT INTO alarms (kind, due, seconds, label, repeat) VALUES (?, ?, ?, ?, ?)",
                          (kind, _utc(due), seconds, label, "".join(map(str, repeat))))
        return int(cur.lastrowid)

    def alarms(self, kind: str | None = None) -> list[Alarm]:
        """Pending (not yet announced) alarms and timers, soonest first."""
        sql = "SELECT id, kind, due, seconds, label, repeat, paused FROM alarms WHERE announced = 0"
        rows = self._read(sql + (" AND kind = ?" if kind else "") + " ORDER BY due", (kind,) if kind else ())
        return [Alarm(i, k, due, s, lbl, tuple(int(c) for c in r if c in "0123456"), p)
                for i, k, d, s, lbl, r, p in rows if (due := self._time("alarms", i, d))]

    def alarm(self, alarm_id: int) -> Alarm | None:
        return next((a for a in self.alarms() if a.id == alarm_id), None)

    def update_alarm(self, alarm_id: int, due: datetime, seconds: int | None = None) -> None:
        """A new due time (and a timer's length); a paused timer runs again."""
        self._write("UPDATE alarms SET due = ?, seconds = ?, paused = NULL WHERE id = ?",
                    (_utc(due), seconds, alarm_id))

    def pause_alarm(self, alarm_id: int, left: int) -> None:
        """Stop a timer's clock with `left` seconds to go: it does not come due until it runs again."""
        self._write("UPDATE alarms SET paused = ? WHERE id = ?", (left, alarm_id))

    def remove_alarms(self, ids: list[int]) -> None:
        with self.transaction():
            for alarm_id in ids:
                self._db.execute("DELETE FROM alarms WHERE id = ?", (alarm_id,))

    def take_due(self, now: datetime, again: Callable[[Alarm], datetime | None] = lambda a: None) -> list[Alarm]:
        """Alarms and timers due by `now`, marked announced in the same transaction, or moved to `again(alarm)`
        when that gives a next time (a recurring alarm). With nothing due it only reads: polling a few times a
        second never waits on, or holds up, another Hearth."""
        if not any(a.due <= now and a.paused is None for a in self.alarms()):
            return []
        with self.transaction():
            due = [a for a in self.alarms() if a.due <= now and a.paused is None]
            for a in due:
                if (later := again(a)) is None:
                    self._db.execute("UPDATE alarms SET announced = 1 WHERE id = ?", (a.id,))
                else:
                    self._db.execute("UPDATE alarms SET due = ? WHERE id = ?", (_utc(later), a.id))
        return due

    # lists
    def lists(self) -> list[str]:
        return [r[0] for r in self._read("SELECT DISTINCT list FROM list_items ORDER BY list")]

    def items(self, name: str) -> list[str]:
        return [r[0] for r in self._read("SELECT item FROM list_items WHERE list = ? AND item != '' ORDER BY id", (name,))]

    def add_items(self, name: str, items: list[str]) -> None:
        with self.transaction():
            if name not in self.lists():
                self._db.execute("INSERT INTO list_items (list, item) VALUES (?, '')", (name,))
            for item in items:
                self._db.execute("INSERT INTO list_items (list, item) VALUES (?, ?)", (name, item))

    def remove_item(self, name: str, item: str) -> bool:
        return self._write("DELETE FROM list_items WHERE list = ? AND item = ?", (name, item)).rowcount > 0

    def rename_list(self, name: str, new: str) -> None:
        self._write("UPDATE list_items SET list = ? WHERE list = ?", (new, name))

    def delete_list(self, name: str) -> None:
        self._write("DELETE FROM list_items WHERE list = ?", (name,))

    # calendar
    def add_event(self, title: str, start: datetime, all_day: bool, reminder: bool = False,
                  repeat: tuple[int, ...] = ()) -> int:
        cur = self._write("INSERT INTO events (title, start, all_day, reminder, repeat) VALUES (?, ?, ?, ?, ?)",
                          (title, _utc(start), int(all_day), int(reminder), "".join(map(str, repeat))))
        return int(cur.lastrowid)

    def events(self, start: datetime | None = None, end: datetime | None = None) -> list[Event]:
        rows = self._read(
            "SELECT id, title, start, all_day, reminder, repeat FROM events WHERE start >= ? AND start < ? "
            "ORDER BY start", (_utc(start) if start else "", _utc(end) if end else "9999"),
        )
        return [Event(i, t, at, bool(a), bool(r), tuple(int(c) for c in days if c in "0123456"))
                for i, t, s, a, r, days in rows if (at := self._time("events", i, s))]

    def move_event(self, event_id: int, start: datetime, all_day: bool) -> None:
        self._write("UPDATE events SET start = ?, all_day = ? WHERE id = ?", (_utc(start), int(all_day), event_id))

    def remove_events(self, ids: list[int]) -> None:
        with self.transaction():
            for event_id in ids:
                self._db.execute("DELETE FROM events WHERE id = ?", (event_id,))
