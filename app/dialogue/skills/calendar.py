"""calendar_set / calendar_query / calendar_remove on a local calendar in the state database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .. import speech_text as say
from ..state import Event
from .base import Reply, Turn, on_confirm, skill

TIME_SLOTS = ("time", "date", "timeofday")


def describe(e: Event, now: datetime) -> str:
    start = e.start.astimezone(now.tzinfo)
    day = say.day(start, now)
    return f"{e.title}, {day}" if e.all_day else f"{e.title}, {day} at {say.clock_time(start)}"


def announce(e: Event, now: datetime) -> str:
    """What Hearth says when a timed event (a reminder) starts, or started while it was closed."""
    if (now - e.start).total_seconds() > 120:
        return f"While I was away, {e.title} was due {say.when(e.start.astimezone(now.tzinfo), now)}."
    return f"Reminder: it's time for {e.title}."


def _title(t: Turn) -> str | None:
    words = t.slots.texts("event_name", "meal_type") or [f"meeting with {p}" for p in t.slots.texts("person")]
    return words[0] if words else None


def _window(t: Turn) -> tuple[datetime, datetime, str]:
    """The span a query or removal talks about, and how to say it."""
    m = t.slots.moment()
    if m.at is not None:
        day = m.at.replace(hour=0, minute=0, second=0, microsecond=0)
        return day, day + timedelta(days=1), say.day(day, t.now)
    if "week" in t.text:
        return t.now, t.now + timedelta(days=7), "in the next seven days"
    return t.now, t.now + timedelta(days=30), "coming up"


@skill("calendar_set", accepts=TIME_SLOTS + ("event_name", "person"), does="add something to your calendar")
def calendar_set(t: Turn) -> Reply:
    title = _title(t)
    if title is None:
        return t.ask("event_name", "What should I call it?")
    m = t.slots.moment()
    if m.at is None:
        return t.ask(TIME_SLOTS, f"When is {title}?")
    at = m.at
    if m.grain == "time" and at <= t.now and t.slots.get("date") is None:
        at += timedelta(days=1)
    event_id = t.store.add_event(title, at, all_day=m.grain == "day")
    e = Event(event_id, title, at, m.grain == "day")
    text = t.pick("Added {} to your calendar.", "Okay, {} is on your calendar.", "Done: {}.")
    return t.reply(text.format(describe(e, t.now)), [{"event": event_id, "set": {"title": title, "start": at.isoformat()}}])


@skill("calendar_query", accepts=TIME_SLOTS + ("event_name",), does="check your calendar")
def calendar_query(t: Turn) -> Reply:
    start, end, scope = _window(t)
    events = t.store.events(start, end)
    if title := _title(t):
        events = [e for e in events if title in e.title.lower() or e.title.lower() in title]
    if not events:
        return t.reply(t.pick("Nothing on your calendar {}.", "Your calendar is clear {}.").format(scope))
    return t.reply(f"You have {say.plural(len(events), 'event')} {scope}: {say.join([describe(e, t.now) for e in events])}.")


@skill("calendar_remove", accepts=TIME_SLOTS + ("event_name",), does="remove a calendar event")
def calendar_remove(t: Turn) -> Reply:
    title = _title(t)
    m = t.slots.moment()
    start, end, _ = _window(t) if m.at is not None else (None, None, "")
    events = t.store.events(start, end)
    if title:
        words = set(re.findall(r"\w+", title)) - {"the", "my", "a"}
        events = [e for e in events if words & set(re.findall(r"\w+", e.title.lower()))]
    elif m.at is None:
        return t.ask(TIME_SLOTS + ("event_name",), "Which event should I remove?")
    if not events:
        return t.reply(f"I couldn't find {title or 'anything then'} on your calendar.")
    if len(events) == 1:
        return remove_events(t, ids=[events[0].id])
    return t.confirm(f"That matches {say.plural(len(events), 'event')}: {say.join([describe(e, t.now) for e in events])}. "
                     "Remove them all?", "calendar.remove", ids=[e.id for e in events])


@on_confirm("calendar.remove")
def remove_events(t: Turn, ids: list[int]) -> Reply:
    gone = [e for e in t.store.events() if e.id in ids]
    t.store.remove_events(ids)
    return t.reply(f"Removed {say.join([describe(e, t.now) for e in gone])} from your calendar.",
                   [{"event": e.id, "removed": True} for e in gone])
