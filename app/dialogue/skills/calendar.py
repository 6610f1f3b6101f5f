"""calendar_set / calendar_query / calendar_remove on a local calendar in the state database, reminders included.

A reminder ("remind me to call mum in twenty minutes") is a timed event whose title is the task, so it shows on
the calendar and rings through the same scheduler; it is spoken as a task ("Reminder: call mum.").
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import chain

from app.nlu.types import Entity, Understanding
from app.nlu.values import clean_text, normalize, repeat_days, without_repeats

from .. import speech_text as say
from ..slots import Moment, Slots, digits, weekend
from ..state import Event
from ..world import World
from . import alarms
from .base import Reply, Turn, on_confirm, skill

TIME_SLOTS = ("time", "date", "timeofday")
REMINDER = re.compile(r"\bremind")  # "remind me", "a reminder", "my reminders"
_REQUEST = re.compile(r"\bremind(?:ers?)?(?: (?:me|us))?\b")
_AT_CLOCK = re.compile(r"\bat (?:\d{1,2}(?::\d\d)?(?: ?[ap]\.?m\b\.?)?|noon|midnight)")
# "move it to 11", "push that to Friday" right after an event was set or read out (the model hears a podcast)
MOVE_IT = re.compile(r"\b(?:move|change|push|put|make|reschedule|shift|bring) (?:it|that|the event|the meeting)\b")
CANCEL_IT = re.compile(r"^\W*(?:(?:no|actually|oh|please|sorry)\W+)*(?:cancel|delete|remove|forget|scrap)\s+"
                       r"(?:that|it|this)(?: one| reminder| event)?(?: please)?\W*$")
# "move it to 11", "make it 10 instead": an hour said alone
_BARE_HOUR = re.compile(r"\b(?:to|it|that) (\d{1,2})(?::(\d\d))?(?:\s+(?:instead|please|then))*\W*$")
_HALF_SAID = re.compile(r"\b[ap]\.?m\b|morning|afternoon|evening|night|noon|midnight")
_YOURS = {"my": "your", "me": "you", "i": "you", "i'm": "you're", "myself": "yourself", "mine": "yours"}


def describe(e: Event, now: datetime) -> str:
    return f"{e.title}, {when_of(e, now)}"


def when_of(e: Event, now: datetime) -> str:
    """"tomorrow at ten a.m.", "on Friday" (all day), "at eight a.m. every day" (a recurring reminder)."""
    start = e.start.astimezone(now.tzinfo)
    if e.repeat:
        return f"at {say.clock_time(start)} {say.repeat(e.repeat)}"
    day = say.day(start, now)
    return day if e.all_day else f"{day} at {say.clock_time(start)}"


def announce(e: Event, now: datetime) -> str:
    """What Hearth says when a timed event or a reminder starts, or started while it was closed."""
    if (now - e.start).total_seconds() > 120:
        when = say.when(e.start.astimezone(now.tzinfo), now)
        return f"While I was away, you had a reminder {when}: {e.title}." if e.reminder else (
            f"While I was away, {e.title} was due {when}.")
    return f"Reminder: {e.title}." if e.reminder else f"Reminder: it's time for {e.title}."


def _title(t: Turn) -> str | None:
    """"lunch with sam" from the event words (the model splits "christmas | dinner") and the people."""
    names = " ".join(t.slots.texts("event_name", "meal_type"))
    people = say.join(t.slots.texts("person", "relation"))
    if names and people and people not in names:
        return f"{names} with {people}"
    return names or (f"meeting with {people}" if people else None)


CLEAR_ALL = re.compile(r"\b(?:clear|empty|wipe)(?: out)? (?:my|the) (?:whole )?(?:calendar|diary|schedule)\b"
                       r"|\b(?:all|every one of) (?:my |the )?(?:events|appointments|meetings|reminders)\b"
                       r"|\beverything (?:on|from|in) (?:my|the) (?:calendar|diary|schedule)\b")
# Words for any event, which name none ("what's my next appointment" after "dinner with Jo")
ANY_EVENT = {"appointment", "appointments", "meeting", "meetings", "event", "events", "plans", "anything", "something",
             "thing", "things", "engagement"}
NEXT_ONE = re.compile(r"\b(?:my|the) next (?:appointment|meeting|event|thing|engagement|one)\b"
                      r"|\bwhat(?:'s| is) next on my (?:calendar|diary|schedule)\b")
BOOKING = re.compile(r"^\W*(?:(?:please|can you|could you)\W+)*(?:book|schedule|add|put|set up|make|create|arrange|"
                     r"pencil in)\s+(?:(?:a|an|the|my|in)\s+)?(?:(?:new|appointment|event) (?:for|called)\s+)?")
TRAILING = re.compile(r"(?:\s+(?:on|at|for|in|to|next|this|my|the|calendar|diary|appointment))+\s*$")


def _booked(t: Turn) -> str | None:
    """"haircut" from "book a haircut on saturday at 11", where the model tagged no event: the words between the
    command and the first time or day."""
    m = BOOKING.match(t.text)
    if m is None:
        return None
    times = [e.start for e in t.u.entities if e.type in TIME_SLOTS and e.start >= m.end()]
    title = TRAILING.sub("", t.text[m.end():min(times, default=len(t.text))].strip(" ,.?!"))
    return title if 0 < len(title.split()) <= 5 else None


def _is_time(words: str) -> bool:
    """Words that name a moment or a day ("at 6", "in twenty minutes", "on friday", "every day at 8 am"); a bare
    number does not."""
    rest = without_repeats(words)
    return (not rest and bool(words.strip())) or normalize("date", rest) is not None


def _reminder(t: Turn) -> tuple[str | None, str, str]:
    """The task, how it joins "remind you" ("to", "about", "that") and the time words, read from the words
    themselves: the model tags a reminder's task as scraps ("take", "bread"). The time may come before or after
    the task: "remind me at 6 to take the bread out", "remind me to call mum in twenty minutes", "set a reminder
    for the school play on Thursday at 6 pm". Spoken back to the user: "call my mum" is kept as "call your mum".
    """
    s = clean_text(t.text) or ""
    request = _REQUEST.search(s)
    rest = s[request.end():] if request else s
    for m in chain(re.finditer(r"\b(?:to|about|that)\b", rest), re.finditer(r"\bfor\b", rest)):
        before, task = rest[:m.start()].strip(), rest[m.end():].split()
        if not task or (re.sub(r"^for\b", "", before).strip() and not _is_time(before)):
            continue
        when = next((i for i in range(1, len(task)) if _is_time(" ".join(task[i:]))), len(task))
        words = " ".join(_YOURS.get(w, w) for w in task[:when])
        joins = "to" if m.group() == "to" else "that" if m.group() == "that" else "about"
        said = without_repeats(f"{before} {' '.join(task[when:])}")  # a reminder rings once (calendar_set says so)
        return re.sub(r"\s+(?:at|on|in|for|by|please)$", "", words), joins, said
    return None, "to", rest


def _event_moment(t: Turn) -> Moment:
    """When an event is; a clock time the model left untagged ("Thursday at 1": only "Thursday" is) is read from
    the words, since an event with a time is never all-day."""
    m = t.slots.moment("awake")
    if m.grain == "day" and (clock := _AT_CLOCK.search(digits(t.text))):
        m = Slots(t.u.entities + [Entity("time", clock.group(), clock.start(), clock.end())], t.now).moment("awake")
    return m


def _reminder_moment(t: Turn, words: str) -> Moment:
    """When the time words of a reminder say (hours without a.m./p.m. settled as AWAKE), else the entities."""
    words = words.strip()
    said = Slots([Entity("time", words, 0, len(words))], t.now).moment("awake")
    return said if said.at or said.seconds else t.slots.moment("awake")


def _window(t: Turn) -> tuple[datetime, datetime, str]:
    """The span a query or removal talks about, and how to say it."""
    today = t.now.replace(hour=0, minute=0, second=0, microsecond=0)
    if days := weekend(t.text, today.date()):  # from its first day (or now, during it) to the Monday after
        first = today.replace(year=days[0].year, month=days[0].month, day=days[0].day)
        return max(t.now, first), first + timedelta(days=len(days)), ("next weekend" if "next weekend" in t.text
                                                                       else "this weekend")
    if "next week" in t.text:  # Monday to Sunday after this one; "this week" and "the week" below: the next seven days
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=7), "next week"
    if "week" in t.text:
        return t.now, t.now + timedelta(days=7), "in the next seven days"
    m = t.slots.moment()
    if m.at is not None:
        day = m.at.replace(hour=0, minute=0, second=0, microsecond=0)
        return day, day + timedelta(days=1), say.day(day, t.now)
    return t.now, t.now + timedelta(days=30), "coming up"


@skill("calendar_set", accepts=TIME_SLOTS + ("event_name", "person"), does="add something to your calendar")
def calendar_set(t: Turn) -> Reply:
    reminder = bool(REMINDER.search(t.text))
    task, joins, words = _reminder(t) if reminder else (None, "", "")
    title = task or _title(t) or (None if reminder else _booked(t))
    if title is None:
        return t.ask("event_name", "What should I remind you about?" if reminder else "What should I call it?")
    m = _reminder_moment(t, words) if reminder else _event_moment(t)
    if m.impossible:  # "31st february": never moved to a day that exists; the answer overrides it
        return t.ask(TIME_SLOTS, f"{m.impossible}. Which day is {title}?")
    at = t.now + timedelta(seconds=m.seconds) if reminder and m.at is None and (m.seconds or 0) > 0 else m.at
    if at is None:
        return t.ask(TIME_SLOTS, f"When should I remind you {joins} {title}?" if reminder else f"When is {title}?")
    if reminder and m.grain == "day":  # a reminder rings, so it needs a time
        return t.ask(TIME_SLOTS, f"At what time {say.day(at, t.now)}?")
    if m.grain == "time" and at <= t.now and t.slots.get("date") is None:
        at += timedelta(days=1)
    days = (repeat_days(t.text) or ()) if reminder and m.grain == "time" else ()
    if days:  # "every day at 8 am", "on weekdays at 7": the first of those days, then each (due_announcements)
        at = alarms.next_on(days, at, t.now)
    event_id = t.store.add_event(title, at, all_day=m.grain == "day", reminder=reminder, repeat=days)
    t.session.last_event_id = event_id
    action = [{"event": event_id, "set": {"title": title, "start": at.isoformat()}}]
    if reminder:
        soon = at - t.now < timedelta(hours=1)
        when = f"in {say.duration((at - t.now).total_seconds())}" if soon else say.at(at, t.now)
        if days:
            action[0]["set"]["repeat"] = list(days)
            when = f"{when_of(Event(event_id, title, at, False, True, days), t.now)}, starting {say.day(at, t.now)}"
        return t.reply(t.pick("Okay, I'll remind you {} {} {}.", "Sure, I'll remind you {} {} {}.").format(
            joins, title, when), action)
    text = t.pick("Added {} to your calendar.", "Okay, {} is on your calendar.", "Done: {}.")
    return t.reply(text.format(describe(Event(event_id, title, at, m.grain == "day"), t.now)), action)


@skill("calendar_query", accepts=TIME_SLOTS + ("event_name",), does="check your calendar")
def calendar_query(t: Turn) -> Reply:
    if impossible := t.slots.moment().impossible:
        return t.reply(f"{impossible}.")
    if REMINDER.search(t.text):
        return _reminders(t)
    start, end, scope = _window(t)
    events = t.store.events(start, end)
    if (title := _title(t)) and title not in ANY_EVENT:
        events = [e for e in events if title in e.title.lower() or e.title.lower() in title]
    if events and NEXT_ONE.search(t.text):  # "what's my next appointment": the first, whatever it is called
        t.session.last_event_id = events[0].id
        return t.reply(f"Your next one is {describe(events[0], t.now)}.")
    t.session.last_event_id = events[0].id if len(events) == 1 else None  # "move it to 11" next: that one
    if not events and scope == "coming up":  # no day named: the next thirty days
        return t.reply(t.pick("Nothing coming up on your calendar.", "Your calendar is clear for the next thirty days."))
    if not events:
        return t.reply(t.pick("Nothing on your calendar {}.", "Your calendar is clear {}.").format(scope))
    return t.reply(f"You have {say.plural(len(events), 'event')} {scope}: {say.join([describe(e, t.now) for e in events])}.")


WHEN_IS_MY = re.compile(r"^\W*when(?:'s| is| was) (?:my|the) (?P<what>[\w' ]{3,40}?)\W*$")


def asking_when(u: Understanding, world: World) -> str | None:
    """calendar_query for "when is my haircut" when an event is called that (the model hears chit-chat); one of the
    rules skills/status.py runs before its question rules."""
    m = WHEN_IS_MY.match(u.text.lower())
    if m is None:
        return None
    what = m["what"]
    return "calendar_query" if any(what in e.title.lower() for e in world.store.events()) else None


def event_request(text: str, last_intent: str | None, last_event_id: int | None) -> str | None:
    """"Move it to 11" or "cancel that" said right after an event or reminder was set or read out: that event, whatever
    the model heard ("cancel that" alone is a stop to it)."""
    if not last_event_id or not (last_intent or "").startswith("calendar_"):
        return None
    return "calendar_move" if MOVE_IT.search(text) else "calendar_remove" if CANCEL_IT.match(text) else None


@skill("calendar_move", accepts=TIME_SLOTS, does="move a calendar event")
def calendar_move(t: Turn) -> Reply:
    """A new time keeps the event's day unless a day is said; a new day keeps its time; an hour said alone
    ("to 11") stays in the event's half of the day."""
    e = next((e for e in t.store.events() if e.id == t.session.last_event_id), None)
    if e is None:
        return t.reply("That's no longer on your calendar.")
    m = _event_moment(t)
    if m.impossible:
        return t.reply(f"{m.impossible}.")
    start = e.start.astimezone(t.now.tzinfo)  # the user's clock, not the stored UTC
    day = m.at if m.at is not None and t.slots.get("date") is not None else start
    clock = (m.at.hour, m.at.minute) if m.at is not None and m.grain == "time" else None
    if (hour := _BARE_HOUR.search(digits(t.text))) and 1 <= int(hour[1]) <= 12 and int(hour[2] or 0) <= 59:
        clock = (int(hour[1]), int(hour[2] or 0))
    if clock is not None and clock[0] <= 12 and not _HALF_SAID.search(t.text):  # "to 11" for a 10 a.m. meeting
        clock = (clock[0] % 12 + (12 if start.hour >= 12 else 0), clock[1])
    at, all_day = None, e.all_day
    if clock is not None:
        at, all_day = day.replace(hour=clock[0], minute=clock[1]), False
    elif m.at is not None:  # a day: the same time on it
        at = day.replace(hour=start.hour, minute=start.minute)
    if at is None:
        return t.ask(TIME_SLOTS, f"When should {e.title} be instead?")
    at = at.replace(second=0, microsecond=0)
    t.store.move_event(e.id, at, all_day)
    moved = Event(e.id, e.title, at, all_day, e.reminder)
    return t.reply(f"Okay, {e.title} is now {when_of(moved, t.now)}.", [{"event": e.id, "set": {"start": at.isoformat()}}])


def _reminders(t: Turn) -> Reply:
    """"What reminders do I have": those still to ring, on the day named if one is."""
    m = t.slots.moment()
    start, end, scope = _window(t) if m.at is not None else (t.now, None, "")
    due = [e for e in t.store.events(start, end) if e.reminder]
    if not due:
        return t.reply(f"You don't have any reminders {scope}".rstrip() + ".")
    said = [f"{e.title} {when_of(e, t.now) if e.repeat else say.at(e.start, t.now)}" for e in due]
    return t.reply(f"You have {say.plural(len(due), 'reminder')}: {say.join(said)}.")


def _named(events: list[Event], title: str) -> list[Event]:
    """The events whose titles hold every word of `title`, else any of them ("call mum" is not "call the dentist")."""
    words = set(re.findall(r"\w+", title)) - {"the", "my", "your", "a"}
    held = [(e, set(re.findall(r"\w+", e.title.lower()))) for e in events]
    return [e for e, has in held if words <= has] or [e for e, has in held if words & has]


# What a removal says besides the event's own words ("delete the trash reminder" -> "trash")
_REMOVAL_WORDS = frozenset("delete remove cancel clear drop scrap forget get rid of the my a an that this one reminder "
                           "reminders event events appointment calendar from on about for to please".split())


def _content(text: str) -> str:
    return " ".join(w for w in re.findall(r"\w+", text.lower()) if w not in _REMOVAL_WORDS)


@skill("calendar_remove", accepts=TIME_SLOTS + ("event_name",), does="remove a calendar event")
def calendar_remove(t: Turn) -> Reply:
    if CANCEL_IT.match(t.text) and t.session.last_event_id:  # "cancel that" right after one was set or read out
        if not any(e.id == t.session.last_event_id for e in t.store.events()):
            return t.reply("That's no longer on your calendar.")
        return remove_events(t, ids=[t.session.last_event_id])
    reminder = bool(REMINDER.search(t.text))
    if CLEAR_ALL.search(t.text):  # "clear my calendar", "cancel all my reminders": everything to come, asked first
        kept = [e for e in t.store.events(t.now) if e.reminder or not reminder]
        kind = "reminder" if reminder else "event"
        if not kept:
            return t.reply(f"You don't have any {kind}s to remove.")
        many = {1: f"your {kind}", 2: f"both {kind}s"}.get(len(kept), f"all {say.plural(len(kept), kind)}")
        return t.confirm(f"Remove {many}: {say.join([describe(e, t.now) for e in kept])}?", "calendar.remove",
                         ids=[e.id for e in kept])
    title = (_reminder(t)[0] if reminder else None) or _title(t)
    m = t.slots.moment("awake")
    if m.impossible:
        return t.reply(f"{m.impossible}.")
    start, end, _ = _window(t) if m.at is not None else (t.now if reminder else None, None, "")  # reminders to come
    events = [e for e in t.store.events(start, end) if e.reminder or not reminder]
    if m.grain == "time":  # "the 8 pm one"
        events = [e for e in events if e.start == m.at]
    if not title and m.at is None and (words := _content(t.text)) and (said := _named(events, words)):
        events = said  # "delete the trash reminder": the model tagged nothing, a word of its title is there
    elif title:
        events = _named(events, title)
    elif m.at is None and not (reminder and len(events) == 1):
        return t.ask(TIME_SLOTS + ("event_name",), f"Which {'reminder' if reminder else 'event'} should I remove?")
    if not events and not title and not reminder and m.grain == "time":
        return alarms.alarm_remove(t)  # "cancel the 8 pm one" just after setting alarms: the model says calendar
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
    actions = [{"event": e.id, "removed": True} for e in gone]
    if all(e.reminder for e in gone):
        return t.reply(f"Okay, I cancelled {'the reminder' if len(gone) == 1 else 'the reminders'}: "
                       f"{say.join([e.title for e in gone])}.", actions)
    return t.reply(f"I've removed {say.join([describe(e, t.now) for e in gone])} from your calendar.", actions)
