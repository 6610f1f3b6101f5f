"""Whole-home commands ("turn everything off", "goodnight"), the question of what is still on, and what the home
holds ("what rooms are there", "what's in the kitchen").

HWU64 has no intent for them ("goodnight" comes out as audio_volume_mute), so the words decide
(`command`, one of the rules skills/status.py runs).
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.nlu.types import Understanding

from .. import speech_text as say
from ..slots import Slots
from ..world import Device, World
from . import devices, media
from .base import Reply, Turn, skill

EVERYTHING = re.compile(r"\b(everything|every device|all (?:the |my )?devices|all the things)\b|"
                        r"\banything (?:\w+ )?(?:on|off|running)(?: in (?:here|the \w+(?: room)?))?\W*$|"
                        r"^\W*what(?:'s| is| are)(?: still| left)? (?:on|switched on|turned on|running|left on)"
                        r"(?: (?:in|around) (?:here|the house|the home|the flat|the \w+(?: room)?))?\W*$")
# "is anything still on", "is anything on in the office", "what's on in the house", "what's switched on", not "is
# anything on my list" or "what's on my calendar"
GOODNIGHT = re.compile(r"^\W*(?:(?:ok|okay|well|right|alright|hey|hearth)\W+)*(?:good ?night|night night|nighty night|"
                       r"i'?m (?:going|off) to bed|i am (?:going|off) to bed|time for bed|bed ?time)"
                       r"(?:\W+(?:hearth|everyone|all|then|now))*\W*$")
def whole_home(text: str) -> bool:
    return bool(EVERYTHING.search(text.lower()))


def command(u: Understanding, world: World) -> str | None:
    """home_off for "goodnight" and "turn everything off" / "everything off" / "shut everything down"."""
    text = u.text.lower()
    off = devices.switched(text) == "off" or re.search(r"\b(off|down)\b", text)
    return "home_off" if GOODNIGHT.match(text) or (whole_home(text) and off) else None


def _rooms_as_places(t: Turn) -> None:
    """A room of the home the model tagged as a town ("everything off in the office") is the room."""
    rooms = [replace(e, type="house_place", value=None) for e in t.slots.all("place_name")
             if t.world.room(e.text.lower().replace(" ", "_"))]
    if rooms:
        t.slots = Slots([e for e in t.u.entities if e.type != "place_name"] + rooms, t.now)


def _on(t: Turn) -> list[Device]:
    """What is switched on: lights and plugs. The vacuum and the coffee maker, which have no switch, finish their job."""
    kinds = dict.fromkeys(d.kind for d in t.world.devices.values() if "on" in d.state)
    return [d for kind in kinds for d in devices.in_scope(t, kind) if d.state.get("on")]


@skill("home_off", accepts=("house_place",), does="turn everything off")
def everything_off(t: Turn) -> Reply:
    """Every light and plug off (in the room named, if one is) and the music stopped, saying exactly which."""
    _rooms_as_places(t)
    on = _on(t)
    actions = [t.world.set(d, on=False) for d in on] + (media.stop(t) if devices.in_scope(t, "speaker") else [])
    night = "Goodnight. " if GOODNIGHT.match(t.text) else "Okay. "
    if not actions:
        return t.reply(night + "Everything was already off.")
    done = f"Off now: {say.join(['the ' + d.name for d in on])}." if on else ""
    stopped = (" I stopped the music too." if on else "I stopped the music.") if len(actions) > len(on) else ""
    return t.reply(night + done + stopped, actions)


@skill("home_query", accepts=("house_place",), does="tell you what's on")
def what_is_on(t: Turn) -> Reply:
    """What is on, from state: lights, plugs, the vacuum, the coffee maker, the music."""
    _rooms_as_places(t)
    on = _on(t) + [d for d in t.world.find() if d.state.get("status") in ("cleaning", "brewing")]
    playing = media.now_playing(t)
    asked_off = bool(re.search(r"\boff\b", t.text))
    if not on and not playing:
        return t.reply(devices.answer(t, asked_off, "everything is off."))
    lit = f"{say.join([f'the {d.name}' for d in on])} {'are' if devices.plural(on) else 'is'} on." if on else ""
    music = f"{playing['title']} is {'paused' if playing.get('paused') else 'playing'}." if playing else ""
    return t.reply(devices.answer(t, not asked_off, f"{lit} {music}".strip()))


# "what rooms are there", "what devices can you control", "what's in the kitchen" (the model: an encyclopedia
# question, a place to recommend, the vacuum)
INVENTORY = re.compile(r"^\W*(?:what|which) (?:rooms|devices|things|lights|plugs)(?: (?:are there|do (?:you|i) have|"
                       r"can you (?:control|switch|see)|do you control|are in (?:the|my) (?:house|home|flat)))\W*$"
                       r"|^\W*what (?:can|do) you control\W*$"
                       r"|^\W*what(?:'s| is) (?:there )?in (?:the |my )?(?P<room>[a-z ]{3,20}?)\W*$")


def inventory(u: Understanding, world: World) -> str | None:
    """home_inventory for the words above ("what's in X" only for a room of the home); one of the rules
    skills/status.py runs before its question rules."""
    m = INVENTORY.match(u.text.lower())
    if m is None or m["room"] and m["room"].replace(" ", "_") not in world.rooms and not u.entity("house_place"):
        return None  # "what's in the news"; "what's in the garage" (a room the home hasn't) is answered
    return "home_inventory"


@skill("home_inventory", does="tell you what the home has")
def home_inventory(t: Turn) -> Reply:
    m = INVENTORY.match(t.text)
    rooms = t.world.rooms
    if m and m["room"] and (room := m["room"].replace(" ", "_")) not in rooms:
        return t.reply(f"There's no {m['room']} in the simulated home. The rooms are {say.join(list(rooms.values()))}.")
    if not (m and m["room"]):
        listed = [f"the {name}: {say.join([d.name for d in t.world.find(room=r)])}" for r, name in rooms.items()]
        return t.reply(f"The simulated home has {say.number(len(listed))} rooms. In {'; in '.join(listed)}.")
    found = t.world.find(room=room)
    on = [d for d in found if d.state.get("on")]
    state = f" On now: {say.join([f'the {d.name}' for d in on])}." if on else ""
    return t.reply(f"In the {rooms[room]}: {say.join([f'the {d.name}' for d in found])}.{state}")
