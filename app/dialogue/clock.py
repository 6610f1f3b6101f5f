"""Where "now" comes from: the wall clock in the app, a hand-moved one in tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in the home's time zone."""
        ...


class SystemClock:
    """The computer's clock in its local time zone."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


class FakeClock:
    """A clock that only moves when told to, so timers and alarms are testable without waiting."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0, **kwargs: float) -> datetime:
        """Move forward, e.g. advance(600) or advance(hours=2)."""
        self._now += timedelta(seconds=seconds, **kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when
