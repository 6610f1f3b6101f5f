"""alarm_set / alarm_query / alarm_remove, covering timers too (HWU64 has no timer intent:
"set a timer for ten minutes" arrives as alarm_set with a duration)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime, timedelta

from app.nlu.values import normalize, repeat_days

from .. import speech_text as say
from ..slots import Moment, Slots, digits
from ..state import Alarm
from .base import Reply, Turn, on_confirm, skill

TIME_SLOTS = ("time", "date", "timeofday")
# A kitchen timer runs for a day at most: longer is an alarm (it should name the day), or a slip ("10000 weeks").
MAX_TIMER_S = 24 * 3600
# Alarms ring within a year (a leap day included); further ahead is a slip, not a plan.
ALARM_HORIZON = timedelta(days=366)
# With a duration, a change to a running timer or alarm, never a new one: "add five minutes to the timer", "take
# two minutes off", "five more minutes" (the manager sends these here whatever the model's intent).
ADJUST = re.compile(r"\b(?:add|put|extend|subtract|take|knock|shave|cut|remove)\b.*\b(?:to|onto|on|off|from)\b"
                    r"|\b(?:more|extra|longer|shorter|less)\b")
SHORTEN = re.compile(r"\b(?:subtract|take|knock|shave|cut|remove|shorter|less)\b")
# Right after a timer or alarm came up, a bare "add two minutes" / "take a minute off" needs no "to the timer".
BARE_ADJUST = re.compile(r"^(?:please |and |now |just )?(?:add|subtract|take|knock|shave)\b(?!.*\b(?:timer|alarm)s?\b)")
# A duration said in words the model may not tag as a time ("take a minute off"): read by the normalizer.
DURATION_WORDS = re.compile(r"\b(?:a couple of|half an?|an?|one|\d+(?:\.\d+)?) (?:more |extra )?"
                            r"(?:seconds?|minutes?|hours?)\b")
# "and another one for 10 minutes" is a new timer; "add another five minutes to it" is more time on this one.
ANOTHER = re.compile(r"\b(?:another|new|second|one more)\b(?! (?:[\w.]+ )?(?:seconds?|minutes?|hours?)\b(?! timer))"
                     r"|^\W*(?:and|also|plus|then)\W+(?:one|an alarm|a timer) (?:for|at)\b")  # "and one for 9 on weekends"
# Words next to "timer" that say which timer or what kind, never what it is for.
NOT_A_NAME = frozenset(
    "a an the my your our this that it its me us one new another other first second third last next current running"
    " kitchen set start cancel stop delete remove add of on off to for and minute minutes hour hours min mins"
    " seconds sec secs half quarter please now timer timers".split())
# "cancel it" / "that one": the timer or alarm talked about last; "cancel the alarm" with two set: one, not both.
POINTS = re.compile(r"\b(?:it|that(?: one)?|this one)\b")
ONE_OF = re.compile(r"\b(?:the|my|that|this) (?:alarm|timer)\b(?!s)")
CHANGE_IT = re.compile(r"\b(?:make|change|move|set|push|put|switch) (?:it|that)\b")
# "change my alarm to 6:45": the alarm there is, not a second one
CHANGE_THE = re.compile(r"\b(?:change|move|push|reschedule|update|switch) (?:my |the |that |this )?"
                        r"(?P<kind>alarm|timer)\b(?!s)")
# "pause the timer" / "resume it", "start the pasta timer again"; "resume the rice" alone (RESUME_ALONE)
PAUSE_WORD = re.compile(r"\b(?:pause|freeze|hold)\b")
PAUSE_VERB = re.compile(r"\b(?:pause|freeze|hold|unpause|resume|continue|carry on)\b")
PAUSE = re.compile(r"\b(?:pause|freeze|hold)\b.*\b(?:timers?|alarms?|it)\b|\b(?:timers?|alarms?|it) on hold\b")
RESUME = re.compile(r"\b(?:unpause|resume|continue|carry on)\b.*\b(?:timers?|alarms?|it)\b"
                    r"|\bstart (?:it|that|the (?:[\w']+ )?timer) again\b")
RESUME_ALONE = re.compile(r"^\W*(?:please\W+)?(?:resume|unpause|continue|carry on with)\b"
                          r"(?!.*\b(?:music|song|audiobook|book|podcast|radio|playlist|track|episode|chapter)\b)")
# "move it to 8", "make it 7 instead": an hour said alone
BARE_HOUR = re.compile(r"\b(?:to|it|that) (\d{1,2})(?::(\d\d))?(?:\s+(?:instead|please|then))*\W*$")
ALL = re.compile(r"\b(?:both|all|every ?one)\b")
OTHER = re.compile(r"\bthe other (?:one|alarm|timer)\b")
# "the second one", answering "Which one: ...?": the place in the order they were named (soonest first).
ORDINAL = re.compile(r"(?<!\d )\b(first|second|third|fourth|last)\b")
PLACES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}


ONE_FOR = re.compile(r"\b(?:one|1|another(?: one| 1)?) (?:for|called) (?:the |my )?([a-z']+(?: [a-z']+)?) "
                     r"(?:for|in) \d")


def timer_name(text: str) -> str:
    """What a timer is for: "a pasta timer", "a timer for the eggs", "... called pasta" -> "pasta" / "eggs";
    "" for none. Words that are a time ("a timer for ten minutes") or say which one ("the second timer") aren't."""
    s = digits(text)
    if before := re.search(r"\b(?:a|an|the|my|your|this|that)((?: [a-z']+){1,2}) timers?\b", s):
        words = before.group(1).split()
        while words and words[0] in NOT_A_NAME:
            words.pop(0)
        if words and not set(words) & NOT_A_NAME:
            return " ".join(words)
    if one := ONE_FOR.search(s):
        return one[1]  # "and one for the chicken for 25 minutes", right after a timer
    after = re.search(r"\btimers?\b(.*)", s)
    for part in re.split(r"\b(?:for|called|named|labell?ed)\b", after.group(1) if after else "")[1:]:
        words = [w for w in re.findall(r"[a-z']+|\d+", part) if w not in ("please", "now", "timer")]
        if words and not any(w.isdigit() for w in words) and normalize("time", " ".join(words)) is None:
            while words and words[0] in NOT_A_NAME:
                words.pop(0)
            if 0 < len(words) <= 3:
                return " ".join(words)
    return ""


def _same_name(label: str, name: str) -> bool:
    """"egg" names the eggs timer."""
    return label.removesuffix("s") == name.removesuffix("s")


def _timer_called(a: Alarm, length: bool = False) -> str:
    """"pasta timer", else "timer" or, to tell it from others, "timer for ten minutes"."""
    if a.label:
        return f"{a.label} timer"
    return f"timer for {say.duration(a.seconds or 0)}" if length else "timer"


# "how long until my alarm", "how much time before the alarm goes off", "when does my alarm go off"
HOW_LONG = re.compile(r"\bhow (?:long|much (?:longer|time)|many (?:hours|minutes))\b.*\b(?:until|till|til|before|to)\b"
                      r"|\bwhen (?:does|will|is) (?:my|the) (?:next )?alarm\b")


def seconds_left(a: Alarm, now: datetime) -> float:
    """Seconds until it rings, never more than a timer's length (its due time is rounded up to the second, so
    asking at once hears "ten minutes", not "ten minutes and one second"); a paused timer's stopped clock."""
    if a.paused is not None:
        return a.paused
    left = (a.due - now).total_seconds()
    return min(left, a.seconds) if a.seconds else left


def _left(a: Alarm, now: datetime) -> str:
    return say.duration(seconds_left(a, now))


def describe(a: Alarm, now: datetime) -> str:
    if a.kind == "timer":
        left = f"{'paused ' if a.paused is not None else ''}with {_left(a, now)} left"
        return f"the {a.label} timer {left}" if a.label else f"a timer for {say.duration(a.seconds or 0)} {left}"
    label = f" for {a.label}" if a.label else ""
    if a.repeat:
        return f"{say.clock_time(a.due.astimezone(now.tzinfo))} {say.repeat(a.repeat)}{label}"
    return f"{say.when(a.due, now)}{label}"


def next_ring(a: Alarm, now: datetime) -> datetime | None:
    """When a recurring alarm that just rang rings again (its time of day on its next weekday); None: it is done."""
    return next_on(a.repeat, a.due, now) if a.repeat else None


def next_on(days: tuple[int, ...], at: datetime, after: datetime) -> datetime:
    """The time of day of `at` on the first of `days` (0 = Monday) later than `after`, in after's time zone."""
    wall = at.astimezone(after.tzinfo).time()
    dates = (after.date() + timedelta(days=n) for n in range(8))
    return next(t for d in dates if d.weekday() in days and (t := datetime.combine(d, wall, after.tzinfo)) > after)


def is_sleep_timer(a: Alarm) -> bool:
    """"Set a sleep timer for 30 minutes": when it is done the music stops (DialogueManager.due_announcements)."""
    return a.kind == "timer" and a.label == "sleep"


def announce(a: Alarm, now: datetime) -> str:
    """What Hearth says when an alarm or timer goes off (or went off while it was closed)."""
    late = (now - a.due).total_seconds() > 120
    if is_sleep_timer(a):
        return "While I was away, your sleep timer finished." if late else "Your sleep timer is done. Good night."
    if a.kind == "timer":
        what = f"your {_timer_called(a, length=True)}"
        return f"While I was away, {what} finished." if late else f"Time's up! {what.capitalize()} is done."
    label = f" for {a.label}" if a.label else ""
    if late:
        return f"While I was away, your alarm{label} went off {say.when(a.due, now)}."
    return f"It's {say.clock_time(a.due.astimezone(now.tzinfo))}. This is your alarm{label}."


def _refusal(t: Turn, m: Moment, timer: bool) -> Reply | None:
    """A question instead of an action when the time asked for can't be: a day that doesn't exist, a negative
    or too long duration, a moment past the horizon. The time words are dropped, so the answer replaces them."""
    if m.impossible:
        question = f"{m.impossible}. Which day did you mean?"
    elif m.seconds is not None and m.seconds < 0:
        question = ("A timer can't run backwards. How long should it be?" if timer
                    else "An alarm can't go off in the past. When should it ring?")
    elif timer and (m.seconds or 0) > MAX_TIMER_S:
        question = (f"A timer can run for at most {say.duration(MAX_TIMER_S)}; for longer, set an alarm. "
                    "How long should the timer be?")
    elif not timer and ((m.seconds or 0) > ALARM_HORIZON.total_seconds()
                        or (m.at is not None and m.at - t.now > ALARM_HORIZON)):
        question = "I can set alarms up to a year ahead. When should it ring?"
    else:
        return None
    t.u = replace(t.u, entities=[e for e in t.u.entities if e.type not in TIME_SLOTS])
    return t.ask("time", question)


LENGTHS = re.compile(r"\btimers\b.*?\bfor\s+(?P<ns>\d+(?:\.\d+)?(?:\s*(?:,\s*)?(?:and\s+)?\d+(?:\.\d+)?)+)\s*"
                     r"(?P<unit>seconds?|minutes?|mins?|hours?)\b")
SEVERAL = re.compile(r"\btimer\b.*\band (?:another|a second|one more)\b|\btimer\b.*\band an? .*\btimer\b")


def _several_timers(t: Turn) -> Reply | None:
    """"a timer for 5 minutes and another for 10 minutes", "a 5 minute timer and a 10 minute timer": one timer for
    each length said (read together they would make one timer of the last)."""
    if listed := LENGTHS.search(digits(t.text)):  # "timers for 5, 10 and 15 minutes": the unit said once
        per = {"s": 1, "m": 60, "h": 3600}[listed["unit"][0]]
        lengths = [round(float(n) * per) for n in re.findall(r"\d+(?:\.\d+)?", listed["ns"])]
    elif not SEVERAL.search(t.text) or ADJUST.search(t.text):  # "5 minutes and 30 seconds" is one timer
        return None
    else:
        lengths = [seconds for e in t.slots.all("time") if (seconds := Slots([e], t.now).moment().seconds)]
    if len(lengths) < 2:
        return None
    ids = [t.store.add_alarm("timer", t.now + timedelta(seconds=n), n, "") for n in lengths]
    t.session.last_alarm_id = None  # "cancel it" next: which one?
    said = say.join([say.duration(n) for n in lengths])
    return t.reply(f"Okay, {say.plural(len(ids), 'timer')}: {said}.",
                   [{"timer": i, "set": {"seconds": n}} for i, n in zip(ids, lengths)])


def _change_last(t: Turn, a: Alarm) -> Reply:
    """A follow-up like "make it ten minutes" or "make it seven thirty" edits what was just set."""
    m = t.slots.moment("am")
    if refusal := _refusal(t, m, a.kind == "timer"):
        return refusal
    if m.seconds:
        t.store.update_alarm(a.id, t.now + timedelta(seconds=m.seconds), m.seconds if a.kind == "timer" else None)
        what = f"your timer is now {say.duration(m.seconds)}" if a.kind == "timer" else (
            f"your alarm is now in {say.duration(m.seconds)}")
        return t.reply(t.pick("Okay, {}.", "Done: {}.").format(what), [{"alarm": a.id, "set": {"seconds": m.seconds}}])
    at = m.at if m.at and m.grain == "time" else _hour_near(a, t.text, t.now)
    if at is not None:
        at = at if at > t.now else at + timedelta(days=1)
        t.store.update_alarm(a.id, at, None)
        return t.reply(f"Okay, I moved it to {say.when(at, t.now)}.", [{"alarm": a.id, "set": {"due": at.isoformat()}}])
    return t.ask("time", "What should I change it to?")


def _hour_near(a: Alarm, text: str, now: datetime) -> datetime | None:
    """"Move it to 8" for an alarm at 7 a.m.: that hour on the alarm's day, in the same half of the day."""
    said = BARE_HOUR.search(text)
    if a.kind != "alarm" or said is None or not 1 <= int(said[1]) <= 12 or int(said[2] or 0) > 59:
        return None
    due = a.due.astimezone(now.tzinfo)  # the user's clock, not the stored UTC
    hour = int(said[1]) % 12 + (12 if due.hour >= 12 else 0)
    return due.replace(hour=hour, minute=int(said[2] or 0), second=0, microsecond=0)


def _the_one(t: Turn, kind: str) -> Alarm | None:
    """The alarm (or timer) a change means: the one just talked about, else the only one set."""
    last = t.store.alarm(t.session.last_alarm_id) if t.session.last_alarm_id else None
    if last is not None and last.kind == kind:
        return last
    of_kind = [a for a in t.store.alarms() if a.kind == kind]
    return of_kind[0] if len(of_kind) == 1 else None


def _named_id(t: Turn) -> int | None:
    """The alarm or timer a panel tap names by id (an `alarm_id` entity; speech never has one). A tap
    is not context for follow-ups, so the id never carries into the next spoken request."""
    e = t.slots.get("alarm_id")
    if e is None or not e.text.isdigit():
        return None
    t.remember = False
    return int(e.text)


def _extend(t: Turn, a: Alarm, seconds: int) -> Reply:
    """"Add a minute" to one timer or alarm, or take some off: it goes off that much later or sooner; "make it ..."
    then edits it. Taking off more than is left changes nothing."""
    due = a.due + timedelta(seconds=seconds)
    what = f"your {_timer_called(a)}" if a.kind == "timer" else "your alarm"
    left = seconds_left(a, t.now) + seconds
    if left <= 0:
        return t.reply(f"{what.capitalize()} has only {_left(a, t.now)} left, so I left it as it is.")
    length = a.seconds + seconds if a.seconds else None
    t.store.update_alarm(a.id, due, length)
    if a.paused is not None:  # more time on its stopped clock; it stays paused
        t.store.pause_alarm(a.id, round(left))
    t.session.last_alarm_id = a.id
    if a.kind == "alarm":
        what += f": it now goes off {say.when(due, t.now)}"
    elif seconds < 0:
        what += f": {say.duration(left)} left"
    change = f"I've added {say.duration(seconds)} to" if seconds > 0 else f"I've taken {say.duration(-seconds)} off"
    return t.reply(f"{change} {what}.", [{a.kind: a.id, "set": {"due": due.isoformat()}}])


def _said_seconds(t: Turn, m: Moment) -> int:
    """The duration of a change: the model's time words, else the duration phrase itself ("take a minute off")."""
    if m.seconds:
        return m.seconds
    found = DURATION_WORDS.search(digits(t.text))
    value = normalize("time", re.sub(r" (?:more|extra)\b", "", found[0]), t.now) if found else None
    return value["seconds"] if isinstance(value, dict) and value.get("kind") == "duration" else 0


def adjusts(text: str) -> bool:
    """"add five minutes to the timer", "five more minutes", "take a minute off": a change to a running one."""
    return bool(ADJUST.search(text) or BARE_ADJUST.match(text))


def adjusts_by(text: str) -> bool:
    """A change with its duration in words ("give me five more minutes"): after a turn about a timer, that is
    the timer, whatever the model guessed."""
    return adjusts(text) and bool(DURATION_WORDS.search(digits(text)))


def _adjusted(t: Turn, seconds: int) -> Reply:
    """"Add five minutes to the pasta timer": the timer (or alarm) named, else the only one, else the one set last."""
    kind = "alarm" if re.search(r"\balarm\b", t.text) else "timer"
    name = _name_said(t)
    pending = [a for a in t.store.alarms(kind) if not name or _same_name(a.label, name)]
    if not pending:
        return t.reply(f"You don't have a {name} timer." if name else f"You don't have any {kind}s set.")
    a = next((a for a in pending if a.id == t.session.last_alarm_id), max(pending, key=lambda a: a.id))
    return _extend(t, a, -seconds if SHORTEN.search(t.text) else seconds)


def label_said(text: str, labels) -> str:
    """The first of the timers' names that the words say ("the rice" for a rice timer), or ""."""
    return next((x for x in labels if re.search(rf"\b{re.escape(x)}\b", text)), "")


def pausing(text: str, labels: tuple[str, ...] = ()) -> bool:
    """"Pause the timer", "resume it", "start the pasta timer again"; "resume the rice" where a timer is called that."""
    return bool(PAUSE.search(text) or RESUME.search(text) or PAUSE_VERB.search(text) and label_said(text, labels))


def one_more(text: str) -> bool:
    """"And one for the chicken for 25 minutes" right after a timer: another timer."""
    return bool(ANOTHER.search(text) and DURATION_WORDS.search(digits(text)))


def _name_said(t: Turn) -> str:
    """The timer the words name: "the pasta timer", or a running timer's name alone ("add 2 minutes to the
    chicken", "resume the rice")."""
    return timer_name(t.text) or label_said(t.text, (a.label for a in t.store.alarms("timer") if a.label))


def _pause_request(t: Turn) -> Reply | None:
    """The pause or resume the words ask for, whichever alarm skill the routing picked; None when they ask none."""
    if pausing(t.text, tuple(a.label for a in t.store.alarms("timer") if a.label)) or RESUME_ALONE.match(t.text):
        return _pause(t, resume=not PAUSE_WORD.search(t.text))
    return None


def _pause(t: Turn, resume: bool) -> Reply:
    """"Pause the timer", "resume it": the timer named, else the one talked about last, else the one set last. An
    alarm has no clock to stop."""
    if re.search(r"\balarms?\b", t.text):
        return t.reply("An alarm can't be paused. I can move it or cancel it.")
    name = _name_said(t)
    timers = [a for a in t.store.alarms("timer") if not name or _same_name(a.label, name)]
    if not timers:
        return t.reply(f"You don't have a {name} timer." if name else "You don't have any timers.")
    some = [a for a in timers if (a.paused is not None) == resume] or timers  # "resume it": one that is paused
    a = next((a for a in some if a.id == t.session.last_alarm_id), max(some, key=lambda a: a.id))
    t.session.last_alarm_id = a.id
    called = _timer_called(a, length=len(timers) > 1)
    if resume:
        if a.paused is None:
            return t.reply(f"Your {called} is already running, with {_left(a, t.now)} left.")
        due = t.now.replace(microsecond=0) + timedelta(seconds=a.paused)  # the store rounds up: not a second more
        t.store.update_alarm(a.id, due, a.seconds)
        return t.reply(f"Okay, your {called} is running again, with {_left(a, t.now)} left.",
                       [{"timer": a.id, "set": {"due": due.isoformat()}}])
    if a.paused is not None:
        return t.reply(f"Your {called} is already paused, with {_left(a, t.now)} left.")
    left = max(1, math.ceil(seconds_left(a, t.now)))
    t.store.pause_alarm(a.id, left)
    return t.reply(f"Okay, I've paused your {called} with {say.duration(left)} left.",
                   [{"timer": a.id, "paused": left}])


@skill("alarm_set", accepts=TIME_SLOTS + ("event_name", "alarm_type"), does="set an alarm or a timer")
def alarm_set(t: Turn) -> Reply:
    if paused := _pause_request(t):
        return paused
    if t.followup and re.search(r"\b(?:cancel|delete|remove)\b", t.text):  # "cancel the 8 pm one", taken as a
        said = [e for e in t.u.entities if e.text.lower() in t.text]  # follow-up: only its own words count
        t.u, t.slots = replace(t.u, entities=said), Slots(said, t.now)
        return alarm_remove(t)
    another = ANOTHER.search(t.text)
    named = t.slots.get("alarm_id") is not None  # a tap on one timer: changed below, by its id
    if not (another or named) and adjusts(t.text) and (seconds := _said_seconds(t, t.slots.moment("am"))):
        return _adjusted(t, seconds)  # "take two minutes off" right after setting it: not a new length
    changing = t.followup or CHANGE_IT.search(t.text)  # "change it to 7:30" right after setting one
    if changing and not another and t.session.last_alarm_id and (last := t.store.alarm(t.session.last_alarm_id)):
        return _change_last(t, last)
    if (change := CHANGE_THE.search(t.text)) and (one := _the_one(t, change["kind"])):
        return _change_last(t, one)
    if several := _several_timers(t):
        return several
    m = t.slots.moment("am")
    wants_timer = "timer" in t.text
    timer = bool(m.seconds) and (wants_timer or not re.search(r"alarm|wake", t.text))
    if refusal := _refusal(t, m, timer):
        return refusal
    if (named := _named_id(t)) is not None and m.seconds:
        a = t.store.alarm(named)
        return _extend(t, a, m.seconds) if a else t.reply("That one has already gone off.")
    name = timer_name(t.text) if wants_timer or one_more(t.text) else ""
    label = name or t.slots.text("event_name") or ""
    days = repeat_days(t.text)
    if timer:
        alarm_id = t.store.add_alarm("timer", t.now + timedelta(seconds=m.seconds), m.seconds, label)
        if name == "sleep":
            text = "Okay, the music stops in {}."
        elif name:
            text = t.pick(f"I've set {say.a(name)} timer for {{}}.", f"Okay, your {name} timer is running: {{}}.")
        else:
            text = t.pick("I've set a timer for {}.", "Okay, {}, starting now.", "Your timer for {} is running.")
        text = text.format(say.duration(m.seconds))
        action = {"timer": alarm_id, "set": {"seconds": m.seconds}}
    elif days and m.at and m.grain == "time":  # "every weekday at seven": the date words only named the days
        at = next_on(days, m.at, t.now)
        alarm_id = t.store.add_alarm("alarm", at, None, label, days)
        text = (f"Okay, your alarm is set for {say.clock_time(at)} {say.repeat(days)}, "
                f"starting {say.day(at, t.now)}.")
        action = {"alarm": alarm_id, "set": {"due": at.isoformat(), "repeat": list(days)}}
    elif m.seconds or (m.at and m.grain == "time"):
        at = t.now + timedelta(seconds=m.seconds) if m.seconds else m.at
        if at <= t.now:
            at += timedelta(days=1)
        alarm_id = t.store.add_alarm("alarm", at, None, label)
        text = t.pick("Alarm set for {}.", "Okay, I'll wake you {}.", "Done, your alarm is set for {}.")
        text = text.format(say.at(at, t.now) if "wake" in text else say.when(at, t.now).removeprefix("on "))
        action = {"alarm": alarm_id, "set": {"due": at.isoformat()}}
    elif m.at and not days:
        return t.ask("time", f"At what time {say.day(m.at, t.now)}?")
    elif wants_timer:
        return t.ask("time", f"How long should the {name} timer be?" if name else "For how long?")
    else:
        return t.ask("time", "At what time?" if days else "For what time?")
    t.session.last_alarm_id = alarm_id
    return t.reply(text, [action])


@skill("alarm_query", accepts=TIME_SLOTS, does="check your alarms")
def alarm_query(t: Turn) -> Reply:
    if paused := _pause_request(t):  # "start it again", heard as a question
        return paused
    # A change said right after the answer, which the follow-up rules take for another question.
    last = t.store.alarm(t.session.last_alarm_id) if t.session.last_alarm_id else None
    if t.followup and last and CHANGE_IT.search(t.text):  # "change it to 7:30" after "what alarms do I have"
        return _change_last(t, last)
    if t.followup and adjusts(t.text) and (seconds := _said_seconds(t, t.slots.moment("am"))):
        return _adjusted(t, seconds)  # "add 5 minutes to it", "add 2 minutes"
    everything = t.store.alarms()
    pending = _matching(t, everything)
    if last and re.search(r"\b(?:it|that)\b", t.text) and not re.search(r"\b(?:alarms?|timers?)\b", t.text):
        pending = [last]  # "how long until it rings" right after a timer was set: that timer
    if not pending and (name := timer_name(t.text)):
        return t.reply(f"You don't have a {name} timer.")
    if not pending and everything:  # the words point at none of them
        return t.reply(_none_like_that(t, everything))
    if not pending:
        return t.reply(t.pick("You don't have any alarms or timers set.", "No alarms or timers right now."))
    t.session.last_alarm_id = pending[0].id if len(pending) == 1 else None  # "cancel it" next: that one, or which?
    one_timer = len(pending) == 1 and pending[0].kind == "timer"
    if one_timer and ("timer" in t.text or pending[0].label or pending == [last]):
        a = pending[0]  # "how long is left on the timer", "how long on the pasta", "how long until it rings"
        paused = " is paused and" if a.paused is not None else ""
        return t.reply(f"Your {_timer_called(a)}{paused} has {_left(a, t.now)} left.")
    if (ringing := [a for a in pending if a.kind == "alarm"]) and "timer" not in t.text and HOW_LONG.search(t.text):
        a = min(ringing, key=lambda a: a.due)  # "how long until my alarm goes off": the time to it, to the minute
        left = say.duration(max(60, round((a.due - t.now).total_seconds() / 60) * 60))
        return t.reply(f"Your {'next ' if len(ringing) > 1 else ''}alarm goes off in {left}: {describe(a, t.now)}.")
    alarms = [describe(a, t.now) for a in pending if a.kind == "alarm"]
    timers = [describe(a, t.now) for a in pending if a.kind == "timer"]
    parts = []
    if alarms:
        parts.append(f"You have {say.plural(len(alarms), 'alarm')}: {say.join(alarms)}.")
    if timers:
        count = f"{say.plural(len(timers), 'timer')}: " if len(timers) > 1 else ""
        parts.append(f"{'And' if alarms else 'You have'} {count}{say.join(timers)}.")
    return t.reply(" ".join(parts))


def _length_named(text: str) -> int:
    """A timer named by its length where the model tagged no time: "the hour and a half timer"."""
    said = re.search(r"\b(?:the|my|that|this)\s+(.+?)\s+timer\b", digits(text))
    value = normalize("time", said[1]) if said else None
    return value["seconds"] if isinstance(value, dict) and value.get("kind") == "duration" else 0


def _matching(t: Turn, alarms: list[Alarm]) -> list[Alarm]:
    """The alarm a panel tap names, else those the user's words point at: a timer by name or length, an alarm by
    its time, day or weekdays (all of them when the words name none)."""
    if (named := _named_id(t)) is not None:
        return [a for a in alarms if a.id == named]
    said = t.slots.text("event_name") or ""  # "the pasta one", answering "Which one?"
    if "timer" not in t.text:  # "how long on the pasta", "cancel the rice": a running timer's name said on its own
        said = f"{said} {t.text}"
    if labelled := [a for a in alarms if a.label and re.search(rf"\b{re.escape(a.label.removesuffix('s'))}s?\b", said)]:
        return labelled
    m = t.slots.moment("am")
    if "timer" in t.text:
        timers = [a for a in alarms if a.kind == "timer"]
        if name := timer_name(t.text):
            return [a for a in timers if _same_name(a.label, name)]
        length = m.seconds or _length_named(t.text)
        return [a for a in timers if a.seconds == length] if length else timers
    if days := repeat_days(t.text):
        return [a for a in alarms if a.repeat == days]
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


def _skip(t: Turn, alarms: list[Alarm]) -> Reply | None:
    """"Skip tomorrow's alarm", "cancel tomorrow's alarm" of a recurring alarm: that ring only, the alarm kept (it
    was deleted). Only the next ring can be skipped; a day named with no recurring alarm ringing next on it is not
    this (a one-off alarm that day is removed as before)."""
    recurring = [a for a in alarms if a.kind == "alarm" and a.repeat]
    m = t.slots.moment("am")
    if not recurring or not (re.search(r"\bskip\b", t.text) or m.at is not None and m.grain == "day"):
        return None
    tz = t.now.tzinfo
    day = m.at.date() if m.at is not None else min(a.due for a in recurring).astimezone(tz).date()
    on_day = [a for a in recurring if a.due.astimezone(tz).date() == day]
    if not on_day:
        if not re.search(r"\bskip\b", t.text):
            return None
        nxt = min(recurring, key=lambda a: a.due)
        return t.reply(f"I can only skip the next ring, {say.when(nxt.due.astimezone(tz), t.now)}.")
    actions, said = [], []
    for a in on_day:
        after = next_on(a.repeat, a.due, a.due.astimezone(tz))
        t.store.update_alarm(a.id, after, None)
        actions.append({"alarm": a.id, "set": {"due": after.isoformat()}, "skipped": a.due.isoformat()})
        said.append(f"it next rings {say.when(after.astimezone(tz), t.now)}")
    return t.reply(f"Okay, no alarm {say.day(day, t.now)}: {say.join(said)}.", actions)


@skill("alarm_remove", accepts=TIME_SLOTS, does="remove an alarm")
def alarm_remove(t: Turn) -> Reply:
    if re.search(r"\bsnooze\b", t.text):  # the model files "snooze" here: it must never cancel the alarm
        return t.reply("Nothing is ringing right now, so there's nothing to snooze.")
    alarms = t.store.alarms()
    if not alarms:
        return t.reply("You don't have any alarms or timers to remove.")
    if re.search(r"\balarms?\b", t.text) and "timer" not in t.text:  # "delete all my alarms": the timers stay
        alarms = [a for a in alarms if a.kind == "alarm"]
        if not alarms:
            return t.reply("You don't have any alarms to remove, only timers.")
    if skipped := _skip(t, alarms):
        return skipped
    chosen = _matching(t, alarms)
    if not chosen:
        return t.reply(_none_like_that(t, alarms))
    if len(chosen) == 1:
        return remove(t, ids=[chosen[0].id])
    if (POINTS.search(t.text) or ONE_OF.search(t.text) or ORDINAL.search(t.text) or OTHER.search(t.text)) \
            and not ALL.search(t.text):
        last = next((a for a in chosen if a.id == t.session.last_alarm_id), None)
        if OTHER.search(t.text) and last is not None and len(chosen) == 2:  # "the other one": not the last one
            return remove(t, ids=[a.id for a in chosen if a is not last])
        if (m := ORDINAL.search(t.text)) and PLACES[m[1]] < len(chosen):
            last = chosen[PLACES[m[1]]]
        if last is not None and (m or POINTS.search(t.text)):
            return remove(t, ids=[last.id])
        options = say.join([_which_one(a, t.now) for a in chosen], "or")
        return t.ask(("time", "event_name"), f"Which one: {options}?")
    noun = "timers" if all(a.kind == "timer" for a in chosen) else "alarms"
    count = "both" if len(chosen) == 2 else f"all {say.number(len(chosen))}"
    return t.confirm(f"Remove {count} {noun}?", "alarms.remove", ids=[a.id for a in chosen])


def _none_like_that(t: Turn, alarms: list[Alarm]) -> str:
    have = [describe(a, t.now) if a.kind == "timer" else f"an alarm {describe(a, t.now)}" for a in alarms]
    return f"I couldn't find that one. You have {say.join(have)}."


def _which_one(a: Alarm, now: datetime) -> str:
    """How a question tells one timer or alarm from the others: "the pasta timer", "the alarm at eight p.m."."""
    if a.kind == "timer":
        return f"the {_timer_called(a, length=True)}"
    if a.repeat:
        return f"the alarm at {describe(a, now)}"
    return f"the alarm {say.at(a.due, now)}" + (f" for {a.label}" if a.label else "")


@on_confirm("alarms.remove")
def remove(t: Turn, ids: list[int]) -> Reply:
    gone = [a for a in t.store.alarms() if a.id in ids]
    t.store.remove_alarms(ids)
    if len(gone) == 1:
        a = gone[0]
        what = "your " + _which_one(a, t.now).removeprefix("the ")
        text = t.pick("Okay, I cancelled {}.", "Done, {} is gone.").format(what)
    else:
        text = f"Done, I removed {say.number(len(gone))} of them."
    return t.reply(text, [{"alarm": a.id, "removed": True} for a in gone])
