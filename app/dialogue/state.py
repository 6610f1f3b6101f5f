"""Everything Hearth remembers, in one SQLite file (WAL mode, every write in a transaction).

Each turn runs inside one transaction, so a crash between turns loses nothing and a crash
inside a turn leaves the previous state intact. A damaged file is moved aside, never deleted.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from app.errors import HearthError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
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
    label: str


@dataclass
class Event:
    id: int
    title: str
    start: datetime
    all_day: bool


class Store:
    """The state database. Writes outside `transaction()` get a transaction of their own."""

    def __init__(self, path: Path):
        self.path = path
        self.notice: str | None = None  # set when a damaged file had to be moved aside
        self._lock = threading.RLock()
        self._depth = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            aside = self._move_aside()
            self.notice = (
                f"My memory file was damaged ({exc}), so I started a fresh one. "
                f"The old file is kept at {aside}."
            )
            log.warning(self.notice)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HearthError(
                    f"{self.path} was written by a newer Hearth (schema {version}).",
                    "Update Hearth, or move the file away to start with a fresh memory.",
                )
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        self.path.replace(aside)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(aside.with_name(aside.name + suffix))
        return aside

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all; nests (the outermost one commits)."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def _write(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._db.execute(sql, args)

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # key/value: device state, now playing, session context, likes
    def get(self, key: str, default: Any = None) -> Any:
        rows = self._read("SELECT value FROM kv WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def put(self, key: str, value: Any) -> None:
        self._write("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def delete(self, key: str) -> None:
        self._write("DELETE FROM kv WHERE key = ?", (key,))

    # alarms and timers
    def add_alarm(self, kind: str, due: datetime, seconds: int | None = None, label: str = "") -> int:
        cur = self._write(
            "INSERT INTO alarms (kind, due, seconds, label) VALUES (?, ?, ?, ?)", (kind, _utc(due), seconds, label)
        )
        return int(cur.lastrowid)

    def alarms(self, kind: str | None = None) -> list[Alarm]:
        """Pending (not yet announced) alarms and timers, soonest first."""
        sql = "SELECT id, kind, due, seconds, label FROM alarms WHERE announced = 0"
        rows = self._read(sql + (" AND kind = ?" if kind else "") + " ORDER BY due", (kind,) if kind else ())
        return [Alarm(i, k, datetime.fromisoformat(d), s, lbl) for i, k, d, s, lbl in rows]

    def alarm(self, alarm_id: int) -> Alarm | None:
        return next((a for a in self.alarms() if a.id == alarm_id), None)

    def update_alarm(self, alarm_id: int, due: datetime, seconds: int | None = None) -> None:
        self._write("UPDATE alarms SET due = ?, seconds = ? WHERE id = ?", (_utc(due), seconds, alarm_id))

    def remove_alarms(self, ids: list[int]) -> None:
        with self.transaction():
            for alarm_id in ids:
                self._db.execute("DELETE FROM alarms WHERE id = ?", (alarm_id,))

    def take_due(self, now: datetime) -> list[Alarm]:
        """Alarms and timers due by `now`, marked announced in the same transaction."""
        with self.transaction():
            due = [a for a in self.alarms() if a.due <= now]
            for a in due:
                self._db.execute("UPDATE alarms SET announced = 1 WHERE id = ?", (a.id,))
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

    def delete_list(self, name: str) -> None:
        self._write("DELETE FROM list_items WHERE list = ?", (name,))

    # calendar
    def add_event(self, title: str, start: datetime, all_day: bool) -> int:
        cur = self._write(
            "INSERT INTO events (title, start, all_day) VALUES (?, ?, ?)", (title, _utc(start), int(all_day))
        )
        return int(cur.lastrowid)

    def events(self, start: datetime | None = None, end: datetime | None = None) -> list[Event]:
        rows = self._read(
            "SELECT id, title, start, all_day FROM events WHERE start >= ? AND start < ? ORDER BY start",
            (_utc(start) if start else "", _utc(end) if end else "9999"),
        )
        return [Event(i, t, datetime.fromisoformat(s), bool(a)) for i, t, s, a in rows]

    def remove_events(self, ids: list[int]) -> None:
        with self.transaction():
            for event_id in ids:
                self._db.execute("DELETE FROM events WHERE id = ?", (event_id,))
