"""alarm_set / alarm_query / alarm_remove, covering timers too (HWU64 has no timer intent:
"set a timer for ten minutes" arrives as alarm_set with a duration)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .. import speech_text as say
from ..state import Alarm
from .base import Reply, Turn, on_confirm, skill

TIME_SLOTS = ("time", "date", "timeofday")


def describe(a: Alarm, now: datetime) -> str:
    if a.kind == "timer":
        return f"a timer for {say.duration(a.seconds or 0)} with {say.duration((a.due - now).total_seconds())} left"
    label = f" for {a.label}" if a.label else ""
    return f"{say.when(a.due, now)}{label}"


def announce(a: Alarm, now: datetime) -> str:
    """What Hearth says when an alarm or timer goes off (or went off while it was closed)."""
    late = (now - a.due).total_seconds() > 120
    if a.kind == "timer":
        what = f"your timer for {say.duration(a.seconds or 0)}"
        return f"While I was away, {what} finished." if late else f"Time's up! {what.capitalize()} is done."
    label = f" for {a.label}" if a.label else ""
    if late:
        return f"While I was away, your alarm{label} went off {say.when(a.due, now)}."
    return f"It's {say.clock_time(a.due.astimezone(now.tzinfo))}. This is your alarm{label}."


def _change_last(t: Turn, a: Alarm) -> Reply:
    """A follow-up like "make it ten minutes" or "make it seven thirty" edits what was just set."""
    m = t.slots.moment()
    if m.seconds:
        t.store.update_alarm(a.id, t.now + timedelta(seconds=m.seconds), m.seconds if a.kind == "timer" else None)
        what = f"your timer is now {say.duration(m.seconds)}" if a.kind == "timer" else (
            f"your alarm is now in {say.duration(m.seconds)}")
        return t.reply(t.pick("Okay, {}.", "Done: {}.").format(what), [{"alarm": a.id, "set": {"seconds": m.seconds}}])
    if m.at and m.grain == "time":
        at = m.at if m.at > t.now else m.at + timedelta(days=1)
        t.store.update_alarm(a.id, at, None)
        return t.reply(f"Okay, I moved it to {say.when(at, t.now)}.", [{"alarm": a.id, "set": {"due": at.isoformat()}}])
    return t.ask("time", "What should I change it to?")


@skill("alarm_set", accepts=TIME_SLOTS + ("event_name", "alarm_type"), does="set an alarm or a timer")
def alarm_set(t: Turn) -> Reply:
    if t.followup and t.session.last_alarm_id and (last := t.store.alarm(t.session.last_alarm_id)):
        return _change_last(t, last)
    m = t.slots.moment()
    wants_timer = "timer" in t.text
    label = t.slots.text("event_name") or ""
    if m.seconds and (wants_timer or not re.search(r"alarm|wake", t.text)):
        alarm_id = t.store.add_alarm("timer", t.now + timedelta(seconds=m.seconds), m.seconds, label)
        text = t.pick("Timer set for {}.", "Okay, {}, starting now.", "Your {} timer is running.")
        text = text.format(say.duration(m.seconds))
        action = {"timer": alarm_id, "set": {"seconds": m.seconds}}
    elif m.seconds or (m.at and m.grain == "time"):
        at = t.now + timedelta(seconds=m.seconds) if m.seconds else m.at
        if at <= t.now:
            at += timedelta(days=1)
        alarm_id = t.store.add_alarm("alarm", at, None, label)
        text = t.pick("Alarm set for {}.", "Okay, I'll wake you {}.", "Done, your alarm is set for {}.")
        text = text.format(say.when(at, t.now))
        action = {"alarm": alarm_id, "set": {"due": at.isoformat()}}
    elif m.at:
        return t.ask("time", f"At what time {say.day(m.at, t.now)}?")
    elif wants_timer:
        return t.ask("time", "For how long?")
    else:
        return t.ask("time", "For what time?")
    t.session.last_alarm_id = alarm_id
    return t.reply(text, [action])


@skill("alarm_query", accepts=TIME_SLOTS, does="check your alarms")
def alarm_query(t: Turn) -> Reply:
    pending = _matching(t, t.store.alarms())
    if not pending:
        return t.reply(t.pick("You don't have any alarms or timers set.", "No alarms or timers right now."))
    alarms = [describe(a, t.now) for a in pending if a.kind == "alarm"]
    timers = [describe(a, t.now) for a in pending if a.kind == "timer"]
    parts = []
    if alarms:
        parts.append(f"You have {say.plural(len(alarms), 'alarm')}: {say.join(alarms)}.")
    if timers:
        parts.append(f"{'And' if alarms else 'You have'} {say.join(timers)}.")
    return t.reply(" ".join(parts))


def _matching(t: Turn, alarms: list[Alarm]) -> list[Alarm]:
    """The alarms the user's time/date words point at (all of them when there are none)."""
    m = t.slots.moment()
    if "timer" in t.text:
        return [a for a in alarms if a.kind == "timer"]
    local = [(a, a.due.astimezone(t.now.tzinfo)) for a in alarms]
    if m.at and m.grain == "time":
        date_given = t.slots.get("date") is not None
        return [a for a, d in local if (d.hour, d.minute) == (m.at.hour, m.at.minute)
                and (not date_given or d.date() == m.at.date())]
    if m.at:
        return [a for a, d in local if d.date() == m.at.date()]
    if re.search(r"\bmorning\b", t.text):
        return [a for a, d in local if d.hour < 12]
    if re.search(r"\b(evening|night)\b", t.text):
        return [a for a, d in local if d.hour >= 17]
    return alarms


@skill("alarm_remove", accepts=TIME_SLOTS, does="remove an alarm")
def alarm_remove(t: Turn) -> Reply:
    alarms = t.store.alarms()
    if not alarms:
        return t.reply("You don't have any alarms or timers to remove.")
    chosen = _matching(t, alarms)
    if not chosen:
        have = [describe(a, t.now) if a.kind == "timer" else f"an alarm {describe(a, t.now)}" for a in alarms]
        return t.reply(f"I couldn't find that one. You have {say.join(have)}.")
    if len(chosen) == 1:
        return remove(t, ids=[chosen[0].id])
    noun = "timers" if all(a.kind == "timer" for a in chosen) else "alarms"
    count = "both" if len(chosen) == 2 else f"all {say.number(len(chosen))}"
    return t.confirm(f"Remove {count} {noun}?", "alarms.remove", ids=[a.id for a in chosen])


@on_confirm("alarms.remove")
def remove(t: Turn, ids: list[int]) -> Reply:
    gone = [a for a in t.store.alarms() if a.id in ids]
    t.store.remove_alarms(ids)
    if len(gone) == 1:
        what = "your timer" if gone[0].kind == "timer" else f"your alarm {describe(gone[0], t.now)}"
        text = t.pick("Okay, I cancelled {}.", "Done, {} is gone.").format(what)
    else:
        text = f"Done, I removed {say.number(len(gone))} of them."
    return t.reply(text, [{"alarm": a.id, "removed": True} for a in gone])
