"""What every skill gets (a Turn) and how skills register for intents.

A skill is a function Turn -> Reply registered with @skill for one or more intents. `accepts`
lists the entity types a follow-up may change ("and tomorrow?" needs `date` in weather's set);
`does` completes "Did you want me to ...?" when the NLU is unsure.
"""

from __future__ import annotations

import logging
import types
import typing
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from app.nlu.types import Entity, Understanding

from ..reply import Reply
from ..slots import Slots
from ..state import Store
from ..world import World

log = logging.getLogger(__name__)


@dataclass
class Session:
    """Per-session context, persisted after every turn."""

    turn: int = 0
    last_intent: str | None = None
    last_entities: list[dict] = field(default_factory=list)
    last_reply: str = ""
    last_text: str = ""  # what the user said in the last remembered turn: "what did I just ask"
    last_devices: list[str] = field(default_factory=list)
    last_alarm_id: int | None = None
    last_event_id: int | None = None  # the calendar event just set or read out: "move it to 11"
    last_number: int | float | None = None  # the last numeric answer: "divide that by 4"
    number_turn: int = -1  # the turn that gave it (`answered`, `moved_on`)
    # what the last conversion converted, {"amount", "unit"}: "and in pounds?"; or how the last count of days
    # counted, {"until": "days", "dir": "until"}: "and new year's day?"
    last_quantity: dict | None = None
    last_list: str | None = None  # the list talked about last: "what's on it", "add eggs too"
    pending: dict | None = None  # an open question: {"kind": "slot" | "confirm" | "intent", ...}

    @classmethod
    def load(cls, saved: object) -> "Session":
        """Tolerates fields written by another version of Hearth, and a damaged row: a value that is
        not an object starts afresh and a field of the wrong type is dropped (logged), so one bad
        write cannot fail every later turn."""
        if not isinstance(saved, dict):
            log.warning("session context is damaged (%s, not an object): starting afresh", type(saved).__name__)
            return cls()
        hints = typing.get_type_hints(cls)  # field name -> annotation
        kept = {k: v for k, v in saved.items() if k in hints and _fits(v, hints[k])}
        for k in (saved.keys() & hints.keys()) - kept.keys():
            log.warning("session context: %s is damaged (%r): dropped", k, saved[k])
        return cls(**kept)

    def entities(self) -> list[Entity]:
        return [Entity(**e) for e in self.last_entities]

    def answered(self, number: int | float) -> None:
        """This turn's answer is `number`."""
        self.last_number, self.number_turn = number, self.turn

    def moved_on(self) -> None:
        """A turn with something else to say than a number was remembered: "add 2 minutes" after a conversion and
        then a timer is more time on the timer, not two more than the conversion gave. (Small talk, which is not
        remembered, keeps the number: "thanks", then "half of that".)"""
        if self.number_turn != self.turn:
            self.last_number = None


def _fits(value: object, hint: object) -> bool:
    """isinstance for a field's annotation (`int`, `str | None`, `list[dict]`: the outer types)."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return isinstance(value, tuple(typing.get_origin(o) or o for o in options))


@dataclass
class Turn:
    u: Understanding
    slots: Slots
    world: World
    store: Store
    session: Session
    now: datetime
    followup: bool = False  # this turn reuses the previous intent with changed slots
    remember: bool = True  # False: this turn leaves last_intent/last_entities as they were

    @property
    def text(self) -> str:
        return self.u.text.lower()

    def pick(self, *variants: str) -> str:
        """A varied but reproducible choice: depends on the turn count and intent, not on chance."""
        return variants[(self.session.turn + zlib.crc32(self.u.intent.encode())) % len(variants)]

    def reply(self, text: str, actions: list[dict] | None = None, *, expects_reply: bool = False,
              end_session: bool = False) -> Reply:
        return Reply(text, actions or [], expects_reply, end_session, self.u.intent)

    def ask(self, missing: str | tuple[str, ...], question: str) -> Reply:
        """Ask for a missing slot; the answer on the next turn completes this intent."""
        missing = (missing,) if isinstance(missing, str) else missing
        self.session.pending = {"kind": "slot", "intent": self.u.intent, "text": self.u.text,
                                "entities": [asdict(e) for e in self.u.entities], "missing": list(missing)}
        return self.reply(question, expects_reply=True)

    def confirm(self, question: str, action: str, **args) -> Reply:
        """Ask yes/no before something destructive; yes runs the @on_confirm handler `action`."""
        self.session.pending = {"kind": "confirm", "intent": self.u.intent, "action": action, "args": args}
        return self.reply(question, expects_reply=True)


SkillFn = Callable[[Turn], Reply]


@dataclass(frozen=True)
class Skill:
    intent: str
    fn: SkillFn
    accepts: frozenset[str]
    does: str
    module: str


SKILLS: dict[str, Skill] = {}
CONFIRMED: dict[str, Callable[..., Reply]] = {}


def skill(*intents: str, accepts: tuple[str, ...] = (), does: str = "help with that") -> Callable[[SkillFn], SkillFn]:
    def register(fn: SkillFn) -> SkillFn:
        for intent in intents:
            SKILLS[intent] = Skill(intent, fn, frozenset(accepts), does, fn.__module__.rsplit(".", 1)[-1])
        return fn

    return register


def answers_first(intent: str, answer: Callable[[Turn], Reply | None]) -> None:
    """Let `answer` take the words it knows before `intent`'s own skill does: the model has no intent for
    conversions or small talk and files them under the nearest ("convert 5 miles to km" as qa_maths)."""
    own = SKILLS[intent].fn
    SKILLS[intent] = replace(SKILLS[intent], fn=lambda t: answer(t) or own(t))


def on_confirm(name: str) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
    def register(fn: Callable[..., Reply]) -> Callable[..., Reply]:
        CONFIRMED[name] = fn
        return fn

    return register
