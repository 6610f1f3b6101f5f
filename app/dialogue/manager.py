"""The dialogue manager: turns an Understanding into a Reply, keeping per-session context.

One turn = one database transaction: the skill's changes and the updated session context are
committed together, so a crash between turns loses nothing and a failed turn changes nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from app import config
from app.errors import HearthError
from app.nlu.types import Entity, Understanding

from .clock import Clock, SystemClock
from .reply import Reply
from .skills import CONFIRMED, SKILLS, Session, Turn, alarms, calendar
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
TIMER_REMOVE = re.compile(r"\b(cancel|stop|remove|delete|clear|turn off|end)\b")
TIMER_QUERY = re.compile(r"\b(how (long|much)|left|remaining|what|which|any|check|list)\b")


def timer_request(u: Understanding) -> Understanding:
    """Route timer requests to the alarm skills, which run timers.

    HWU64 has no timer intent and almost no utterance with "timer" in it, so the model scatters
    them ("how long is left on my timer" -> calendar_query). Timers are a core speaker feature:
    the word itself decides the scenario, the verbs the action.
    """
    text = u.text.lower()
    if not TIMER.search(text) or u.intent.startswith("alarm_"):
        return u
    if TIMER_REMOVE.search(text):
        intent = "alarm_remove"
    elif TIMER_QUERY.search(text) and not u.entity("time"):
        intent = "alarm_query"
    else:
        intent = "alarm_set"
    return Understanding(u.text, intent, max(u.confidence, LOW_CONFIDENCE), u.entities, u.alternatives)


def scenario_confidence(u: Understanding) -> float:
    """Probability that the request belongs to the top intent's scenario (iot, alarm, ...)."""
    scenario = u.intent.split("_")[0]
    return u.confidence + sum(p for intent, p in u.alternatives if intent.split("_")[0] == scenario)

FOLLOWUP_START = re.compile(r"^\s*(and|what about|how about|make it|what of|same for|also|then)\b")
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
    def handle(self, understanding: Understanding, session: str = "default", scene: Any = None) -> Reply:
        with self._lock:
            try:
                with self.store.transaction():
                    state = Session.load(self.store.get(_session_key(session), {}))
                    reply, turn = self._respond(understanding, state)
                    if turn is None or turn.remember:
                        state.last_reply = reply.text
                    if turn is not None and turn.remember:
                        state.last_intent = turn.u.intent
                        state.last_entities = [asdict(e) for e in turn.u.entities]
                    reply.text = self._greet(state, scene) + reply.text
                    state.turn += 1
                    self.store.put(_session_key(session), asdict(state))
                return reply
            except HearthError as exc:
                self.world = World(self.world_path, self.store)  # drop half-made in-memory changes
                return Reply(f"Sorry, {exc.message} Nothing was changed.", intent=understanding.intent)
            except Exception:
                log.exception("dialogue turn failed for %r", understanding.text)
                self.world = World(self.world_path, self.store)
                return Reply("Sorry, something went wrong with that, so nothing was changed.",
                             intent=understanding.intent)

    def _respond(self, u: Understanding, state: Session) -> tuple[Reply, Turn | None]:
        u = timer_request(u)
        pending, state.pending = state.pending, None
        if pending:
            resolved = self._resolve(pending, u, state)
            if resolved is not None:
                return resolved
        if state.last_intent and (merged := self._follow_up(u, state)) is not None:
            return self._run(merged, state, followup=True)
        unsure = u.confidence < LOW_CONFIDENCE and scenario_confidence(u) < SURE_SCENARIO
        if unsure and not u.intent.startswith("general_") and u.intent in SKILLS:
            state.pending = {"kind": "intent", "understanding": _dump(u)}
            guess = SKILLS[u.intent].does
            return Reply(f"I'm not sure I got that. Did you want me to {guess}?", [], True, False, u.intent), None
        return self._run(u, state)

    def _run(self, u: Understanding, state: Session, followup: bool = False) -> tuple[Reply, Turn]:
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
        yes = u.intent in YES_INTENTS or bool(YES.match(u.text.lower()))
        no = u.intent in NO_INTENTS or bool(NO.match(u.text.lower()))
        kind = pending["kind"]
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
        new_request = u.intent != pending["intent"] and u.confidence >= 0.7
        if whole and text and not new_request:
            words = re.sub(r"^(the|my|a|an|to|it's|it is|call it)\s+", "", text, flags=re.I)
            return [Entity(whole[0], words, 0, len(words))]
        return None

    # ---- follow-ups --------------------------------------------------------------------
    def _follow_up(self, u: Understanding, state: Session) -> Understanding | None:
        """"and tomorrow?", "what about the bedroom", "make it ten minutes": the last intent with new slots."""
        previous = SKILLS.get(state.last_intent or "")
        types = {e.type for e in u.entities}
        if previous is None or not types or not types <= previous.accepts:
            return None
        text = u.text.lower()
        starts = bool(FOLLOWUP_START.match(text))
        if u.intent == previous.intent and not starts:
            return None
        covered = sum(e.end - e.start for e in u.entities)
        rest = len(re.sub(r"\s+", "", FILLER.sub(" ", text)))
        mostly_entities = covered >= 0.6 * max(rest, 1)
        if not (starts or (mostly_entities and u.confidence < 0.8) or u.confidence < LOW_CONFIDENCE):
            return None
        replaced = types | ({"timeofday"} if "date" in types else set())
        kept = [e for e in state.entities() if e.type not in replaced]
        return Understanding(u.text, previous.intent, max(u.confidence, LOW_CONFIDENCE), kept + list(u.entities))

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
            for a in self.store.take_due(now):
                action = {a.kind: a.id, "fired": True, "due": a.due.isoformat()}
                out.append(Reply(alarms.announce(a, now), [action], intent="alarm_set"))
            for e in self._due_events(now):
                action = {"event": e.id, "fired": True, "due": e.start.isoformat()}
                out.append(Reply(calendar.announce(e, now), [action], intent="calendar_set"))
            return out

    def seconds_until_due(self) -> float | None:
        """How long until the next timer, alarm or timed event comes due (None: nothing pending), so
        the scheduler can wake on time instead of polling."""
        with self._lock:
            now = self.clock.now()
            times = [a.due for a in self.store.alarms()[:1]]
            checked = self.store.get(EVENTS_CHECKED)
            if checked is not None:
                times += [e.start for e in self.store.events(datetime.fromisoformat(checked)) if not e.all_day][:1]
            return max(0.0, (min(times) - now).total_seconds()) if times else None

    def _due_events(self, now: datetime) -> list[Event]:
        """Timed events that started since the last one announced. The mark moves only when one
        fires (and on the very first call), so checking several times a second writes nothing."""
        checked = self.store.get(EVENTS_CHECKED)
        if checked is None:
            self.store.put(EVENTS_CHECKED, now.isoformat())
            return []
        due = [e for e in self.store.events(datetime.fromisoformat(checked), now) if not e.all_day]
        if due:
            self.store.put(EVENTS_CHECKED, now.isoformat())
        return due

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
                            "remaining_s": max(0, round((a.due - now).total_seconds()))}
                           for a in pending if a.kind == "timer"],
                "alarms": [{"id": a.id, "label": a.label, "due": a.due.isoformat()} for a in pending if a.kind == "alarm"],
                "lists": {name: self.store.items(name) for name in self.store.lists()},
                "events": [{"id": e.id, "title": e.title, "start": e.start.isoformat(), "all_day": e.all_day}
                           for e in self.store.events(now)],
            }

    def close(self) -> None:
        self.store.close()


def _dump(u: Understanding) -> dict:
    return {"text": u.text, "intent": u.intent, "confidence": u.confidence, "entities": [asdict(e) for e in u.entities]}


def _load(d: dict) -> Understanding:
    return Understanding(d["text"], d["intent"], 1.0, [Entity(**e) for e in d["entities"]])
