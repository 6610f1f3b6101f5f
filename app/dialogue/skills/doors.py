"""Doors: "is the front door locked", "lock the back door", "is the garage door open".

HWU64 has no intent for doors (the model hears "is the front door locked" as an alarm query and "unlock the
back door" as the vacuum), so the words decide (`request`, one of the rules skills/status.py runs). The
simulated home (assets/world.toml) has no door lock or sensor, so the answer says so instead of reporting on
something else.
"""

from __future__ import annotations

import re

from app.nlu.types import Understanding

from .. import questions
from ..world import World
from .base import Reply, Turn, skill

DOOR = re.compile(r"\b(?:(?:front|back|side|garage|patio|porch|kitchen|main|garden)\s+)?(?:doors?|gates?)\b")
# What is done to a door or asked of it, the state word first: "locked" in "is it locked", "lock" in "lock it".
STATE = re.compile(r"\b(unlocked|locked|open|closed|shut)\b")
ACT = re.compile(r"\b(unlock|lock|open|close|shut)(?:s|ing|ed)?\b")
# A command starts with its verb, after a greeting or "can you": "remind me to lock the back door" is a reminder.
COMMAND = re.compile(r"^(?:(?:hey|hi|ok|okay|hearth|please|just|can you|could you|would you|will you)\W+)*"
                     r"(?:unlock|lock|open|close|shut)\b")
LOCK_UP = re.compile(r"\b(?:lock up|(?:un)?lock (?:it|them|everything|the house))\b")  # no door named, none needed
NONE = "The simulated home has no door locks or sensors"
PAST = {"unlock": "unlocked", "lock": "locked", "open": "open", "close": "closed", "shut": "shut"}


def request(u: Understanding, world: World) -> str | None:
    """iot_door when the words lock, unlock, open or close a door ("lock up", "lock it" too: nothing else here
    locks), or ask whether one is ("did I lock the back door"); not a door inside other words ("remind me to lock
    the back door")."""
    text = u.text.lower().strip()
    door = bool(DOOR.search(text))
    if COMMAND.match(text) and (door or LOCK_UP.search(text)):
        return "iot_door"
    return "iot_door" if door and ACT.search(text) and questions.is_yes_no(text) else None


@skill("iot_door", does="lock or unlock a door")
def door(t: Turn) -> Reply:
    found = DOOR.search(t.text)
    the_door = f"the {found[0]}" if found else "the doors"
    act = ACT.search(t.text)
    verb = act[1] if act else "lock"
    if questions.is_question(t.text):
        state = m[1] if (m := STATE.search(t.text)) else PAST[verb]
        be = "are" if the_door.endswith("s") else "is"
        return t.reply(f"{NONE}, so I can't tell whether {the_door} {be} {state}.")
    return t.reply(f"{NONE}, so I can't {verb} {the_door}.")
