"""The dialogue manager: turns an Understanding into a Reply, keeping per-session context.

One turn = one database transaction: the skill's changes and the updated session context are
committed together, so a crash between turns loses nothing and a failed turn changes nothing.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app import config
from app.errors import HearthError
from app.nlu.types import Entity, Understanding
from app.nlu.values import NUMERIC_TYPES, mend_entities, number_slips
from app.text import apostrophes

from . import presence, questions, references
from .clock import Clock, SystemClock
from .reply import Reply
from .skills import CONFIRMED, SKILLS, Session, Turn, alarms, calendar, devices, general, lists, media, status
from .skills.base import Skill
from .slots import Slots, value
from .snapshot import WorldSnapshot
from .state import Event, Store
from .world import ASSETS, World

log = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.45
# Act on a weak intent when the model is sure of its scenario: "turn on the kitchen lights" may
# split 0.31 lighton / 0.19 lightup / 0.13 lightoff, yet it is surely about the lights and the
# best action is the top one; a question there would only annoy.
SURE_SCENARIO = 0.6


TIMER = re.compile(r"\btimers?\b")
REMINDER = re.compile(r"\bremind(?: me| us|ers?)\b")
REMIND_ME = re.compile(r"\bremind (?:me|us)\b")
TIMER_REMOVE = re.compile(r"\b(cancel|stop|remove|delete|clear|turn off|end|skip)\b")
TIMER_QUERY = re.compile(r"\b(how (long|much|many)|left|remaining|what|when|which|any|check|list|show)\b")
SETTING = re.compile(r"^\s*(?:please )?(?:set|start|make|create|add|put)\b")
# "it" standing for the timer or alarm just talked about: "how much time is left on it", "cancel it", "is it done
# yet", "how much time is left"; not the "it" of "what time is it".
IT_THE_ALARM = re.compile(r"\b(?:on|to|from|off|for|of|in|cancel|stop|remove|delete|clear|end|check|pause|extend|"
                          r"restart|reset|resume|unpause|continue)"
                          r"\s+(?:it|that(?: one)?|the (?:first|second|third|last|other) one|them(?: all)?|all of them|"
                          r"both(?: of them)?)\b"
                          r"|\b(?:is|has) (?:it|that) (?:\w+ )?(?:done|finished|over|up|gone off|"
                          r"still going|still running|nearly|almost)\b"
                          r"|\bhow (?:much time|long) (?:is |has )?(?:left|remaining)\b"
                          r"|\bhow long (?:until|till|before) (?:it|that) (?:goes off|rings|is done|finishes)\b"
                          r"|\bstart (?:it|that) (?:again|back up)\b|\b(?:it|that) on hold\b"
                          r"|\b(?:when|what time) (?:will|does|is) (?:it|that) "
                          r"(?:go(?:ing)? off|ring|end|finish|be done)\b")


def timer_request(u: Understanding, alarm_said: bool = False, labels: tuple[str, ...] = (),
                  resumable: bool = False) -> Understanding:
    """Route timer requests to the alarm skills, which run timers, and reminders to the calendar's
    (a reminder is a timed event).

    HWU64 has no timer intent and almost no utterance with "timer" in it, so the model scatters
    them ("how long is left on my timer" -> calendar_query, "set an egg timer" -> a weak alarm_set
    that would be questioned); it labels "remind me" as calendar_set or alarm_set. Timers and
    reminders are core speaker features: the word itself decides the scenario, the verbs the action,
    and the request is acted on without a "did you mean" question. `alarm_said`: the last turn was about timers or
    alarms that are still set, so "it" means one of them ("how much time is left on it", "cancel it": the model,
    seeing one utterance, takes that "it" for a calendar event). `labels`: the running timers' names, so "how long
    on the pasta" asks about the pasta timer (the model hears a recipe). `resumable`: a timer is paused and no music
    waits, so "resume the rice" resumes it, whatever the recognizer made of its name ("rise").
    """
    text = u.text.lower()
    it = IT_THE_ALARM.search(text) or alarms.CHANGE_IT.search(text)  # "change it to 7:30"
    said_it = alarm_said and (it or alarms.adjusts_by(text) or alarms.one_more(text)) and not re.search(
        r"\balarms?\b|\bremind", text)
    named = alarms.label_said(text, labels) and (
        TIMER_QUERY.search(text) or TIMER_REMOVE.search(text) or it or alarms.PAUSE_VERB.search(text)) and not (
        SETTING.match(text))
    resumed = resumable and alarms.RESUME_ALONE.match(text)
    for_alarm = (alarms.pausing(text) or re.search(r"\bskip\b", text)) and re.search(r"\balarms?\b", text)
    if TIMER.search(text) or said_it or named or resumed or for_alarm:
        scenario = "alarm"  # "pause my alarm", which the model hears as removing it; "skip my alarm on monday"
    elif REMINDER.search(text):
        scenario = "calendar"
    else:
        return u
    if REMIND_ME.search(text) or (scenario == "alarm" and alarms.adjusts(text) and (u.entity("time") or said_it)):
        action = "set"  # "remind me to cancel the gym", "take two minutes off the timer"
    elif scenario == "alarm" and alarms.pausing(text):
        action = "set"  # "pause my alarm": the alarm skills pause timers and say an alarm can't be
    elif TIMER_REMOVE.search(text):
        action = "remove"
    elif TIMER_QUERY.search(text) and not SETTING.match(text):
        action = "query"
    else:
        action = "set"
    return Understanding(u.text, f"{scenario}_{action}", max(u.confidence, LOW_CONFIDENCE), u.entities, u.alternatives)


def scenario_confidence(u: Understanding) -> float:
    """Probability that the request belongs to the top intent's scenario (iot, alarm, ...)."""
    scenario = u.intent.split("_")[0]
    return u.confidence + sum(p for intent, p in u.alternatives if intent.split("_")[0] == scenario)

FOLLOWUP_START = re.compile(r"^\s*(?:(?:actually|no|sorry|oh|well),?\s+)*"
                            r"(and|what about|how about|make it|what of|same for|also|then|now do|do the|do it for)\b")
FILLER = re.compile(r"\b(and|what|about|how|make|it|the|in|for|at|on|to|please|then|same|of|also|a|an|my)\b|[^\w\s]")
YES = re.compile(r"^\s*(yes|yeah|yep|yup|sure|ok|okay|please do|do it|go ahead|correct|right|affirmative|of course)\b")
NO = re.compile(r"^\s*(no|nope|nah|don't|do not|cancel|never mind|stop|negative|not now)\b")
YES_INTENTS = {"general_affirm", "general_confirm"}
NO_INTENTS = {"general_negate", "general_dontcare"}
WHOLE_ANSWER_TYPES = {"list_name", "item", "event_name", "house_place", "color_type", "currency_name",
                      "artist_name", "music_genre", "song_name", "place_name", "time_zone"}


EVENTS_CHECKED = "events:announced_until"  # calendar events starting before this were announced


def _session_key(name: str) -> str:
    return f"session:{name}"


class DialogueManager:
    """Public API for the pipeline: handle(), due_announcements(), world_snapshot()."""

    def __init__(self, db_path: Path | None = None, world_path: Path | None = None, clock: Clock | None = None):
        self.store = Store(db_path or config.home() / "hearth.db")
        self.world_path = world_path or ASSETS / "world.toml"
        self.world = World(self.world_path, self.store)
        self.clock = clock or SystemClock()
        self._lock = threading.RLock()

    # ---- turns -------------------------------------------------------------------------
    def handle(self, understanding: Understanding, session: str = "default", scene: Any = None,
               direct: bool = False) -> Reply:
        """`direct`: a request already understood (a panel tap). It runs its skill as it is: it answers no
        open question, is no follow-up, and leaves both (and the conversation's context) as they were."""
        with self._lock:
            understanding = respelled(understanding)
            try:
                with self.store.transaction():
                    return self._reply(understanding, session, scene, direct)
            except HearthError as exc:  # e.g. the memory is busy or its disk full: the fix is the user's to make
                self.world = World(self.world_path, self.store)  # drop half-made in-memory changes
                fix = f" ({exc.fix})" if exc.fix else ""
                return Reply(f"Sorry, {exc.message}. Nothing was changed.{fix}", intent=understanding.intent)
            except Exception:
                log.exception("dialogue turn failed for %r", understanding.text)
                self.world = World(self.world_path, self.store)
                return Reply("Sorry, something went wrong with that, so nothing was changed.",
                             intent=understanding.intent)

    def preview(self, understanding: Understanding, session: str = "default", scene: Any = None) -> Reply | None:
        """The reply `handle` would give now, with nothing changed: the turn runs and is rolled back. Made
        while the user may still be speaking, so that its first words can be synthesized early (app/endpoint.py).
        None when the turn would fail."""
        with self._lock:
            devices = copy.deepcopy(self.world.devices)  # skills change the home in memory as well as in the store
            try:
                with self.store.transaction():
                    raise _Previewed(self._reply(respelled(understanding), session, scene, direct=False))
            except _Previewed as previewed:
                return previewed.reply
            except Exception:  # a guess: the real turn reports whatever went wrong
                log.debug("preview failed for %r", understanding.text, exc_info=True)
                return None
            finally:
                self.world.devices = devices

    def _reply(self, understanding: Understanding, session: str, scene: Any, direct: bool) -> Reply:
        """One turn inside the caller's transaction: the reply, and the session context it leaves."""
        state = Session.load(self.store.get(_session_key(session), {}))
        reply, turn = self._tap(understanding, state) if direct else self._respond(understanding, state, scene)
        if turn is None or turn.remember:
            state.last_reply = reply.text
        if turn is not None and turn.remember:
            state.last_intent, state.last_text = turn.u.intent, turn.u.text
            state.last_entities = [asdict(e) for e in turn.u.entities]
            state.moved_on()
        reply.text = self._greet(state, scene) + reply.text
        state.turn += 1
        self.store.put(_session_key(session), asdict(state))
        return reply

    def _tap(self, u: Understanding, state: Session) -> tuple[Reply, Turn]:
        pending = state.pending
        reply, turn = self._run(u, state)
        state.pending = pending if state.pending is None else state.pending
        turn.remember = False
        return reply, turn

    def _respond(self, u: Understanding, state: Session, scene: Any = None) -> tuple[Reply, Turn | None]:
        timers = self.store.alarms("timer")
        labels = tuple(a.label.lower() for a in timers if a.label)
        resumable = any(a.paused is not None for a in timers) and not (
            self.store.get(media.NOW) or self.store.get(media.STOPPED))
        u = status.route(timer_request(u, self._alarm_said(state), labels, resumable), self.world)
        if intent := calendar.event_request(u.text.lower(), state.last_intent, state.last_event_id):
            u = Understanding(u.text, intent, 1.0, u.entities, u.alternatives)
        if state.pending and (general.REPEAT.match(u.text.lower()) or general.FILLER.match(u.text.lower())):
            turn = self._turn(Understanding(u.text, "general_repeat", 1.0), state)  # "what?" or "um" after a
            return general.repeat(turn), turn  # question: the question again, still open
        pending, state.pending = state.pending, None
        if pending:
            try:
                resolved = self._resolve(pending, u, state)
            except (KeyError, TypeError, ValueError, AttributeError):  # a damaged saved question: forget it
                log.warning("dropped a damaged open question %r", pending, exc_info=True)
                resolved = None
            if resolved is not None:
                return resolved
        if presence.asks_who(u.text):  # answered from the camera frame, whatever the model guessed
            return Reply(presence.who_is_there(scene), intent=u.intent), None
        if state.last_intent and (merged := self._follow_up(u, state)) is not None:
            return self._run(merged, state, followup=True)
        # A question is answered (from state, changing nothing) rather than asked about when the model is unsure.
        unsure = u.confidence < LOW_CONFIDENCE and scenario_confidence(u) < SURE_SCENARIO
        if unsure and not u.intent.startswith("general_") and u.intent in SKILLS and not questions.is_question(u.text):
            state.pending = {"kind": "intent", "understanding": _dump(u)}
            guess = SKILLS[u.intent].does
            return Reply(f"I'm not sure I got that. Did you want me to {guess}?", [], True, False, u.intent), None
        if presence.unseen(u.intent, scene):  # nobody in view: the same yes/no question first
            state.pending = {"kind": "intent", "understanding": _dump(u)}
            return Reply(presence.confirm_question(SKILLS[u.intent].does, u.text), [], True, False, u.intent), None
        return self._run(u, state)

    def _alarm_said(self, state: Session) -> bool:
        """Whether the last turn was about timers or alarms and one is still set (what "it" may stand for)."""
        return (state.last_intent or "").startswith("alarm_") and bool(self.store.alarms())

    def _run(self, u: Understanding, state: Session, followup: bool = False) -> tuple[Reply, Turn]:
        u = status.route(u, self.world)  # again: a follow-up or an answered question may be a question too
        turn = self._turn(u, state, followup)
        found: Skill | None = SKILLS.get(u.intent)
        if found is None:
            return turn.reply("Sorry, I don't know how to help with that yet."), turn
        return found.fn(turn), turn

    def _turn(self, u: Understanding, state: Session, followup: bool = False) -> Turn:
        now = self.clock.now()
        return Turn(u, Slots(u.entities, now), self.world, self.store, state, now, followup)

    # ---- open questions ----------------------------------------------------------------
    def _resolve(self, pending: dict, u: Understanding, state: Session) -> tuple[Reply, Turn | None] | None:
        """Answer to the question asked last turn, or None when the user moved on (or said stop)."""
        if u.intent == "general_commandstop":
            return None
        kind = pending["kind"]
        if references.is_request(u.text):  # "set a timer for" after "Which room?": not the answer
            if kind == "slot" and pending["intent"] == "lists_createoradd" and lists.spanned(u.text.lower(), lists.ADD):
                u = replace(u, intent="lists_createoradd")  # "add passport and charger" after "What should go on it?"
            if kind != "slot" or u.intent != pending["intent"]:
                return None
            # the same request said in full ("add tape to my moving house list" after "What should go on it?"):
            # its own words, with what the question had gathered that they don't say again
            said = {e.type for e in u.entities}
            kept = [Entity(**e) for e in pending["entities"] if e["type"] not in said]
            full = Understanding(u.text, u.intent, max(u.confidence, LOW_CONFIDENCE), kept + u.entities)
            return self._run(full, state)
        yes = u.intent in YES_INTENTS or bool(YES.match(u.text.lower()))
        no = u.intent in NO_INTENTS or bool(NO.match(u.text.lower()))
        if kind in ("confirm", "intent") and (yes or no):
            if kind == "intent":
                if no:
                    return Reply("Sorry about that. What would you like?", [], True, False, u.intent), None
                return self._run(_load(pending["understanding"]), state)
            turn = self._turn(Understanding(u.text, pending["intent"], 1.0), state)
            turn.remember = False
            if no:
                return turn.reply(turn.pick("Okay, I'll leave it.", "Alright, nothing changed.")), turn
            return CONFIRMED[pending["action"]](turn, **pending["args"]), turn
        if kind == "slot":
            if no:
                return Reply("Okay, never mind.", [], False, False, u.intent), None
            answer = self._slot_answer(pending, u)
            if answer is not None:
                entities = [Entity(**e) for e in pending["entities"]]
                merged = Understanding(f"{pending['text']} {u.text}", pending["intent"], 1.0, entities + answer)
                return self._run(merged, state)
        return None

    def _slot_answer(self, pending: dict, u: Understanding) -> list[Entity] | None:
        missing = pending["missing"]
        given = [e for e in u.entities if e.type in missing]
        if given:
            return given
        text = u.text.strip(" .?!")
        if any(t in ("time", "date") for t in missing):
            now = self.clock.now()
            for t in ("time", "date"):
                if t in missing and value(t, text, now) is not None:
                    return [Entity(t, text, 0, len(text))]
        whole = [t for t in missing if t in WHOLE_ANSWER_TYPES]
        if whole and text:  # a request of its own never gets here (_resolve): "to check the rice" is the answer
            words = re.sub(r"^(the|my|a|an|to|it's|it is|call it)\s+", "", text, flags=re.I)
            return [Entity(whole[0], words, 0, len(words))]
        return None

    # ---- follow-ups --------------------------------------------------------------------
    def _follow_up(self, u: Understanding, state: Session) -> Understanding | None:
        """"and tomorrow?", "what about Paris", "make it ten minutes": the last intent with new slots; or a
        reference to the last turn ("turn them off", "another one", "divide that by 4", see references.py)."""
        if (referred := references.resolve(u, state, self.world)) is not None:
            return referred
        previous = SKILLS.get(state.last_intent or "")
        text = u.text.lower()
        starts = bool(FOLLOWUP_START.match(text))
        entities = references.as_places(u.entities, previous.accepts) if previous and starts else u.entities
        types = {e.type for e in entities}
        if previous is None or not types or not types <= previous.accepts:
            return None
        if u.intent == previous.intent and not starts:
            return None
        if previous.intent in devices.LIGHT_INTENTS and any(d.kind != "light" for d in devices.named(self.world, text)):
            return None  # "set the heater to 50 percent" after a lamp: the heater, not the lamp again
        covered = sum(e.end - e.start for e in u.entities)
        rest = len(re.sub(r"\s+", "", FILLER.sub(" ", text)))
        mostly_entities = covered >= 0.6 * max(rest, 1)
        if not (starts or (mostly_entities and u.confidence < 0.8) or u.confidence < LOW_CONFIDENCE):
            return None
        replaced = types | ({"timeofday"} if "date" in types else set())
        kept = [e for e in state.entities() if e.type not in replaced]
        return Understanding(u.text, previous.intent, max(u.confidence, LOW_CONFIDENCE), kept + entities)

    def _greet(self, state: Session, scene: Any) -> str:
        """The camera is used lightly: a hello on a session's first turn when someone is looking."""
        if state.turn == 0 and scene is not None and getattr(scene, "looking", False) and getattr(scene, "people", 0):
            return "Hi there. "
        return ""

    # ---- polling -----------------------------------------------------------------------
    def due_announcements(self) -> list[Reply]:
        """Timers, alarms and timed calendar events (reminders) that came due since the last call,
        overdue ones after a restart too. Called by the assistant's scheduler a few times a second."""
        with self._lock:
            now = self.clock.now()
            out = []
            if self.store.notice:
                out.append(Reply(self.store.notice, intent="system_notice"))
                self.store.notice = None
            for a in self.store.take_due(now, lambda a: alarms.next_ring(a, now)):  # a recurring one re-arms
                actions = [{a.kind: a.id, "fired": True, "due": a.due.isoformat()}]
                if alarms.is_sleep_timer(a):
                    actions += media.stop_in(self.store)
                out.append(Reply(alarms.announce(a, now), actions, intent="alarm_set"))
            for e in self._due_events(now):
                action = {"event": e.id, "fired": True, "due": e.start.isoformat()}
                out.append(Reply(calendar.announce(e, now), [action], intent="calendar_set"))
                if e.repeat:  # a recurring reminder moves on to its next day
                    self.store.move_event(e.id, alarms.next_on(e.repeat, e.start, now), False)
            return out

    def seconds_until_due(self) -> float | None:
        """How long until the next timer, alarm or timed event comes due (None: nothing pending), so
        the scheduler can wake on time instead of polling."""
        with self._lock:
            now = self.clock.now()
            times = [a.due for a in self.store.alarms() if a.paused is None][:1]
            checked = self._events_checked()
            if checked is not None:
                times += [e.start for e in self.store.events(checked) if not e.all_day][:1]
            return max(0.0, (min(times) - now).total_seconds()) if times else None

    def _due_events(self, now: datetime) -> list[Event]:
        """Timed events that started since the last one announced, one starting this very second
        included (as alarms are). The mark moves only when one fires (and on the very first call),
        so checking several times a second writes nothing."""
        until = now.replace(microsecond=0) + timedelta(seconds=1)  # events start on whole seconds
        checked = self._events_checked()
        if checked is None:
            self.store.put(EVENTS_CHECKED, until.isoformat())
            return []
        due = [e for e in self.store.events(checked, until) if not e.all_day]
        if due:
            self.store.put(EVENTS_CHECKED, until.isoformat())
        return due

    def _events_checked(self) -> datetime | None:
        """The events mark; a damaged one counts as missing (logged), so it is set again as on a first start."""
        checked = self.store.get(EVENTS_CHECKED)
        try:
            return None if checked is None else datetime.fromisoformat(checked)
        except (TypeError, ValueError):
            log.warning("%s is damaged (%r): set again", EVENTS_CHECKED, checked)
            return None

    def world_snapshot(self) -> WorldSnapshot:
        with self._lock:
            now = self.clock.now()
            pending = self.store.alarms()
            return {
                "now": now.isoformat(),
                "rooms": dict(self.world.rooms),
                "devices": self.world.snapshot_devices(),
                "now_playing": self.store.get("now_playing"),
                "timers": [{"id": a.id, "label": a.label, "seconds": a.seconds, "due": a.due.isoformat(),
                            "remaining_s": max(0, round(alarms.seconds_left(a, now))), "paused": a.paused is not None}
                           for a in pending if a.kind == "timer"],
                "alarms": [{"id": a.id, "label": a.label, "due": a.due.isoformat()} for a in pending if a.kind == "alarm"],
                "lists": {name: self.store.items(name) for name in self.store.lists()},
                "events": [{"id": e.id, "title": e.title, "start": e.start.isoformat(), "all_day": e.all_day}
                           for e in self.store.events(now)],
            }

    def close(self) -> None:
        self.store.close()


class _Previewed(Exception):
    """Carries a previewed reply out of its transaction, which the exception rolls back."""

    def __init__(self, reply: Reply):
        super().__init__()
        self.reply = reply


def respelled(u: Understanding) -> Understanding:
    """The request as the rules read it: contractions with their apostrophe ("whats your name" -> "what's your
    name") and a number the recognizer heard as a word ("a timer for for minutes" -> "for four minutes"). The
    entities' spans move along with the letters, and a number span grows over a number put back before it."""
    for fix in (apostrophes, number_slips):
        text, inserted = fix(u.text)
        if not inserted:
            continue

        def moved(i: int, inserted: list[int] = inserted) -> int:
            return i + sum(1 for at in inserted if at < i)

        entities = [replace(e, start=moved(e.start), end=moved(e.end), value=None if e.type in NUMERIC_TYPES else e.value,
                            text=text[moved(e.start):moved(e.end)] if u.text[e.start:e.end] == e.text else e.text)
                    for e in u.entities]
        if fix is number_slips:
            entities = mend_entities(text, entities, normalize_values=False)
        u = replace(u, text=text, entities=entities)
    return u


def _dump(u: Understanding) -> dict:
    return {"text": u.text, "intent": u.intent, "confidence": u.confidence, "entities": [asdict(e) for e in u.entities]}


def _load(d: dict) -> Understanding:
    return Understanding(d["text"], d["intent"], 1.0, [Entity(**e) for e in d["entities"]])
