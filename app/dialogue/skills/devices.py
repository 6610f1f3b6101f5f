"""The simulated smart home: lights (iot_hue_*), plugs (iot_wemo_*), the vacuum, the coffee
maker and the speaker volume (audio_volume_*)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from app.nlu.types import Entity, Understanding
from app.vocabulary import vocabulary

from .. import questions
from .. import speech_text as say
from ..slots import Slots, digits
from ..world import Device, World
from . import media
from .base import SKILLS, Reply, Turn, skill

PRONOUN = re.compile(r"\b(them|it|those|these|they|that one)\b")
HERE = re.compile(r"\b(here|this room)\b")  # the room Hearth's speaker is in (world.here)
EXCEPT = re.compile(r"\b(?:except(?: for)?|but not|apart from|other than|besides)\b(?P<rest>.*)")
BOTH = re.compile(r"\blights and (?:the )?plugs\b|\bplugs and (?:the )?lights\b")
DEVICE_SLOTS = ("house_place", "device_type")
STEP = 20  # brightness change when no amount is given
VOLUME_STEP = 10
# A minus anywhere in a volume or brightness request, also one the model left out of the amount ("to -50").
NEGATIVE = re.compile(r"(?:\bminus|\bnegative|(?<![\w.])[-\u2212]) ?\d")
# A level in the words, for when the model tags only "to" or takes "30" for a time ("set the volume to 30").
LEVEL = re.compile(r"(?:\b(?P<mode>to|by|at)\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?P<percent>%|percent|per cent)?")
# "turn ... on/off"; Whisper often writes "turn off" as "turn of", which the model reads as "turn on".
SWITCH = re.compile(r"\b(?:turn|switch|shut|power)(?:ed|ing|s)?\b(?P<rest>.*)")
UNDO = "devices:undo"  # the devices the last change touched, as they were before it
UNDO_WORDS = re.compile(r"^\W*(?:(?:oh|no|hearth|please|actually|okay|ok|sorry)\W+)*(?:(?:undo|reverse|revert)"
                        r"(?: (?:it|that|this|them))?|(?:put|change|turn|set|switch) (?:it|that|this|them) back)"
                        r"(?: please)?\W*$")
DRINK = re.compile(r"\b(latte|cappuccino|espresso|americano|flat white|mocha|macchiato|cortado|decaf|black coffee)\b")
LIGHT_INTENTS = {"iot_hue_lighton", "iot_hue_lightoff", "iot_hue_lightup", "iot_hue_lightdim", "iot_hue_lightchange"}


def _names(t: Turn, devices: list[Device]) -> tuple[str, str]:
    """("the kitchen lights", "are") or ("all the lights", "are"): the subject and its verb."""
    if len(devices) > 1 and len({d.kind for d in devices}) == 1 and len(devices) == len(t.world.find(devices[0].kind)):
        return f"all the {devices[0].kind}s", "are"
    verb = "are" if plural(devices) else "is"
    return "the " + say.join([d.name for d in devices]), verb


# "turn on the lights at 7 pm", "switch off the heater in an hour": a change for later, which the home can't schedule
LATER = re.compile(r"\b(?:at \d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)|at \d{1,2}:\d\d"
                   r"|at (?:noon|midnight)|in (?:\d+|an?|half an) (?:minutes?|hours?|mins?|hrs?)|tonight|tomorrow"
                   r"|when i (?:get|come) home)\b")
ACTS = ("iot_hue", "iot_wemo", "iot_cleaning", "iot_coffee")
STOP_LATER = re.compile(r"\b(?:stop|turn off|switch off|end)\b.*\b(?:music|playing|song|radio|podcast|it)\b"
                        r"|\b(?:turn|switch) (?:the |this |that )?(?:music|song|radio|podcast|it) off\b")


def later(u: Understanding, world: World) -> str | None:
    """iot_later for a device change, or the music's end, asked for a later time (it would otherwise happen now);
    one of the rules skills/status.py runs."""
    text = digits(u.text)
    acts = u.intent.startswith(ACTS) or STOP_LATER.search(text)  # "stop the music in 30 minutes": a sleep timer
    return "iot_later" if acts and LATER.search(text) and not questions.is_question(text) else None


@skill("iot_later", does="change a device later")
def device_later(t: Turn) -> Reply:
    """The music's end in a while is a sleep timer (the alarm skills run it); other changes can't wait yet."""
    m = t.slots.moment()
    seconds = m.seconds or (round((m.at - t.now).total_seconds()) if m.at and m.grain == "time" else 0)  # "in 10 min"
    if STOP_LATER.search(digits(t.text)) and seconds > 0:
        alarm_id = t.store.add_alarm("timer", t.now + timedelta(seconds=seconds), seconds, "sleep")
        return t.reply(f"Okay, the music stops in {say.duration(seconds)}.",
                       [{"timer": alarm_id, "set": {"seconds": seconds}, "sleep": True}])
    return t.reply("I can't do that later yet, so I didn't change anything. Ask me again then, or ask me to remind "
                   "you.")


# "a bit warmer", "brighter please" alone: a change to the lights just talked about (references.py), as "them" is
BARE_CHANGE = re.compile(r"^\W*(?:(?:a bit|a little|a touch|slightly|much|even|bit|now|and)\s+)*"
                         r"(?:warmer|cooler|colder|brighter|dimmer|darker|lighter)(?:\s+(?:please|still))?\W*$")


def targets(t: Turn, kind: str) -> list[Device] | Reply:
    """The devices this turn means: a named room or "here", "them" (the last ones), a device named, or all of a kind;
    less the rooms and devices named after "except" ("all the lights except the kitchen")."""
    places = t.slots.all("house_place")
    but = EXCEPT.search(t.text)
    if but is None:
        return _targets(t, kind, places, t.text)
    left_out = [p for p in places if p.start >= but.start()]
    found = _targets(t, kind, [p for p in places if p not in left_out], t.text[:but.start()])
    if isinstance(found, Reply):
        return found
    rooms = {room_of(t, p) for p in left_out}
    named = _named(found, but["rest"], kind)
    return [d for d in found if d.room not in rooms and d not in named]


def _targets(t: Turn, kind: str, places: list[Entity], text: str) -> list[Device] | Reply:
    if places or HERE.search(text):
        rooms = []
        for place in places or [None]:  # "the kitchen and bedroom lights": every room named
            room = room_of(t, place)
            if room is None:
                return t.reply(f"There's no {place.text.lower() if place else 'here'} in the simulated home. The rooms "
                               f"are {say.join(list(t.world.rooms.values()))}.")
            rooms.append(room)
        found = [d for room in rooms for d in t.world.find(kind, room)]
        carried = t.followup and not any(p.text.lower() in t.text for p in places)  # the last turn's room
        if found or not carried:  # "is the heater on" after "turn on the kitchen light": the heater, wherever it is
            where = say.join([t.world.room_name(r) for r in rooms], "or")
            return found or t.reply(f"There's no {kind.replace('_', ' ')} in the {where}.")
    if (PRONOUN.search(text) or BARE_CHANGE.match(text)) and t.session.last_devices:
        last = [t.world.devices[i] for i in t.session.last_devices if i in t.world.devices]
        if last:
            return last
    of_kind = t.world.find(kind)
    return _named(of_kind, text, kind) or of_kind


def _named(devices: list[Device], text: str, kind: str) -> list[Device]:
    """Those of `devices` a word of whose name is in `text` ("the fairy lights", "the lamp"), not the kind's own."""
    return [d for d in devices if any(re.search(rf"\b{re.escape(w)}", text) for w in d.name.split()
                                      if len(w) > 3 and w not in (kind, kind + "s"))]  # "room" is not in "bedroom"


def room_of(t: Turn, place: Entity | None) -> str | None:
    """The home's room a place names; "here" and "this room" (no place value) are the speaker's room (world.here)."""
    value = t.slots.value_of(place) if place else None  # only the home knows which room "here" is
    return t.world.room(value) if value is not None else t.world.here


def in_scope(t: Turn, kind: str) -> list[Device]:
    """The devices of a kind in the rooms named ("everything in the living room", "in here"), else everywhere."""
    if not (t.slots.get("house_place") or HERE.search(t.text)):
        return t.world.find(kind)
    found = targets(t, kind)
    return [] if isinstance(found, Reply) else found


def _count(devices: list[Device]) -> str:
    """"the kitchen lights" for one; "four lights: kitchen, bedroom, bathroom and hallway" for several of a kind."""
    if len(devices) == 1 or len({d.kind for d in devices}) > 1:
        return say.join(["the " + d.name for d in devices])
    return f"{say.number(len(devices))} {devices[0].kind}s: {say.join([World.room_name(d.room) for d in devices])}"


def plural(devices: list[Device]) -> bool:
    return len(devices) > 1 or devices[0].name.endswith("s")


def _were(devices: list[Device], state: str) -> str:
    """" The kitchen lights were already off." for those a change left as they were."""
    return f" {say.join(['the ' + d.name for d in devices]).capitalize()} {'were' if plural(devices) else 'was'} {state}."


def _chosen(t: Turn) -> bool:
    """Whether the words say which devices: a room, "here", "them", or all of them."""
    return bool(t.slots.get("house_place") or HERE.search(t.text) or PRONOUN.search(t.text)
                or re.search(r"\b(all|both|every)\b", t.text))


def _not_here(t: Turn) -> str | None:
    """The device asked for ("the tv", "the fan") when the home has nothing by that name or of that kind, or None:
    the model files them under the plugs, which then asked "Which plug?" for a TV."""
    said = re.sub(r"^(?:the|my|a|an)\s+", "", (t.slots.text("device_type") or "").lower().strip())
    if not said or PRONOUN.search(t.text):
        return None
    kind = next((k for k, words in vocabulary().devices.items() if said == k or said in words), None)
    if kind is not None and t.world.find(kind):
        return None  # "the socket": a word for the plugs there are
    if any(w in d.name.split() or w.rstrip("s") in d.name.split() for d in t.world.devices.values()
           for w in said.split()):
        return None  # "the heater"
    return re.sub(r"\btv\b", "TV", said)


def _remember(t: Turn, devices: list[Device], changing: bool = True) -> None:
    """"them" is these devices from now on; before a change, keep how they are so "undo that" can go back."""
    t.session.last_devices = [d.id for d in devices]
    if changing:
        t.store.put(UNDO, {d.id: dict(d.state) for d in devices})


def _switch(t: Turn, kind: str, on: bool) -> Reply:
    found = targets(t, kind)
    if BOTH.search(t.text):  # "turn off all the lights and plugs"
        found = in_scope(t, "light") + in_scope(t, "plug")
    if isinstance(found, Reply):
        return found
    if kind == "plug" and (missing := _not_here(t)):
        plugs = say.join([f"the {d.name}" for d in t.world.find("plug")])
        return t.reply(f"There's no {missing} in the simulated home. Its plugs are {plugs}.")
    if kind == "plug" and len(found) > 1 and not _chosen(t):
        options = say.join([f"the {d.name} in the {t.world.room_name(d.room)}" for d in found], "or")
        return t.ask("house_place", f"Which plug: {options}?")
    _remember(t, found)
    state = "on" if on else "off"
    changing = [d for d in found if d.state.get("on") != on]
    subject, verb = _names(t, found)
    if not changing:
        return t.reply(f"{subject.capitalize()} {verb} already {state}.")
    actions = [t.world.set(d, on=on) for d in changing]
    if len(changing) < len(found):  # say which changed: "all the lights are on" hides that four just came on
        same = [d for d in found if d not in changing]
        return t.reply(f"Okay, I turned {state} {_count(changing)}." + _were(same, f"already {state}"), actions)
    text = t.pick("Okay, {} {} {}.", "Done, {} {} {}.", "Sure, {} {} now {}.")
    return t.reply(text.format(subject, verb, state), actions)


# "it's too dark in here": lights that are off come on; lights already on, brighter
TOO_DARK = re.compile(r"\b(?:too|so|very|really|a (?:bit|little)|quite) dark\b|\bcan't see\b")


@skill("iot_hue_lighton", accepts=DEVICE_SLOTS, does="turn the lights on")
def lights_on(t: Turn) -> Reply:
    found = targets(t, "light") if TOO_DARK.search(t.text) else None
    if isinstance(found, list) and found and all(d.state.get("on") for d in found):
        return _brightness(t, +1)
    return _switch(t, "light", True)


@skill("iot_hue_lightoff", accepts=DEVICE_SLOTS, does="turn the lights off")
def lights_off(t: Turn) -> Reply:
    return _switch(t, "light", False)


def _plug_kind(t: Turn) -> str:
    """A device kind the home has ("turn on the speaker"), else a plug: a kettle or a lamp is on one."""
    kind = t.slots.value("device_type")
    return kind if kind and t.world.find(kind) else "plug"


@skill("iot_wemo_on", accepts=DEVICE_SLOTS, does="switch a smart plug on")
def plug_on(t: Turn) -> Reply:
    return _switch(t, _plug_kind(t), True)


@skill("iot_wemo_off", accepts=DEVICE_SLOTS, does="switch a smart plug off")
def plug_off(t: Turn) -> Reply:
    return _switch(t, _plug_kind(t), False)


@skill("iot_hue_lightchange", accepts=DEVICE_SLOTS + ("color_type", "change_amount"), does="change the light colour")
def lights_color(t: Turn) -> Reply:
    if not t.slots.get("color_type"):
        return t.ask("color_type", "Which colour?")
    color = t.slots.value("color_type")  # {"kind": "color", "name": ..., "hex": ...}, None if not a colour
    if color is None:
        tones = say.join(list(vocabulary().colors), "or")
        return t.reply(f"I can't make {t.slots.text('color_type')}. Try a colour like red or blue, or {tones}.")
    found = targets(t, "light")
    if isinstance(found, Reply):
        return found
    amount = _amount(t, "brightness") if t.slots.get("change_amount") else None  # "... to 40 percent and blue"
    if isinstance(amount, Reply):
        return amount
    level = {"brightness": max(5, amount[1])} if amount and amount[0] == "to" else {}
    _remember(t, found)
    was_off = [d for d in found if not d.state.get("on")]
    actions = [t.world.set(d, on=True, color=color["name"], **level) for d in found]
    said = color["name"] + (f" at {say.number(level['brightness'])} percent" if level else "")
    text = t.pick("Okay, {} {} now {}.", "Done, {} {} now {}.", "Sure, {} {} {} now.")
    return t.reply(text.format(*_names(t, found), said) + _switched_on(was_off, found), actions)


def _switched_on(was_off: list[Device], changed: list[Device]) -> str:
    """" The kitchen lights were off, so I turned them on.": a colour or level change also switches a light on.
    ("were off and are on now" was heard as "were often on now": docs/voice.md.)"""
    if not was_off:
        return ""
    many = plural(was_off)
    who = ("They" if many else "It") if was_off == changed else say.join(["the " + d.name for d in was_off]).capitalize()
    return f" {who} {'were' if many else 'was'} off, so I turned {'them' if many else 'it'} on."


def _amount(t: Turn, what: str) -> tuple[str, int] | Reply | None:
    """("to", 60) or ("by", 20) from a change_amount like "to sixty percent" or "by 20".

    A negative amount or one past 100 is refused, saying the range: clamping it would do something nobody
    asked for.
    """
    e = t.slots.get("change_amount")
    v = t.slots.value_of(e) if e else None
    n = v.get("value") if isinstance(v, dict) else v
    mode, percent = ("by" if e and re.search(r"\bby\b", e.text.lower()) else "to"), isinstance(v, dict)
    if not isinstance(n, (int, float)) and (said := _said_level(t.text)):
        mode, n, percent = said
    if NEGATIVE.search(digits(t.text)) or (isinstance(n, (int, float)) and not 0 <= n <= 100):
        return t.reply(f"{what.capitalize()} goes from zero to one hundred percent, so I left it as it is.")
    if not isinstance(n, (int, float)):
        return None
    if mode == "to" and n <= 10 and not percent:  # "to seven" on a ten-step scale
        n *= 10
    return mode, int(n)


def _said_level(text: str) -> tuple[str, float, bool] | None:
    """("to", 30, False) from "set the volume to 30": a number after to/by/at, before "percent", or last."""
    text = digits(text).rstrip(" .?!")
    for m in LEVEL.finditer(text):
        if m["mode"] or m["percent"] or m.end() == len(text):
            return ("by" if m["mode"] == "by" else "to"), float(m["n"]), bool(m["percent"])
    return None


DIM_FROM_OFF = 30  # "dim the lights" said to lights that are off: they come on at this level


def _level(current: int, amount: tuple[str, int] | None, direction: int, step: int) -> int:
    if amount is None:
        new = current + direction * step
    elif amount[0] == "to":
        new = amount[1]
    else:
        new = current + direction * amount[1]
    return max(0, min(100, new))


def _brightness(t: Turn, direction: int) -> Reply:
    found = targets(t, "light")
    if isinstance(found, Reply):
        return found
    amount = _amount(t, "brightness")
    if isinstance(amount, Reply):
        return amount
    lit = [d for d in found if d.state.get("on")]
    if lit and not _chosen(t):  # "dim the lights" means the ones that are on, not every bulb in the home
        found = lit
    _remember(t, found)
    was_off = [d for d in found if not d.state.get("on")]
    before = [d.state.get("brightness", 100) for d in found]
    after = [max(5, _level(old, amount, direction, STEP)) for old in before]
    if direction < 0 and amount is None:  # "dim the lights" when they are off: on, and dim (not a step below full)
        after = [level if d.state.get("on") else DIM_FROM_OFF for d, level in zip(found, after)]
    if after == before and not was_off:
        subject, verb = _names(t, found)
        return t.reply(f"{subject.capitalize()} {verb} already at {say.number(after[0])} percent."
                       if len(set(after)) == 1 else f"{subject.capitalize()} {verb} already that bright.")
    # Say the way it really went: "set to 35" from 60 is dimming, whatever the intent was called.
    seen = [level if d.state.get("on") else 0 for d, level in zip(found, before)]  # an off light was dark
    lower, higher = any(n < o for n, o in zip(after, seen)), any(n > o for n, o in zip(after, seen))
    # "I've turned ... down": a reply that opens on a bare "Dimmed" loses its first word to the listener
    # (heard as "then" or "dim": docs/voice.md)
    verb, way = ("set", "") if lower == higher else ("turned", " down" if lower else " up")
    actions = [t.world.set(d, on=True, brightness=level) for d, level in zip(found, after)]
    if direction < 0 and len(was_off) == len(found) and len(set(after)) == 1:
        subject, verb = _names(t, found)
        them = "them" if plural(found) else "it"
        return t.reply(f"{subject.capitalize()} {'were' if plural(found) else 'was'} off, so I turned {them} on, "
                       f"dimmed to {say.number(after[0])} percent.", actions)
    if len(set(after)) == 1:
        said = f"{_names(t, found)[0]}{way} to {say.number(after[0])} percent"
    else:
        said = say.join([f"the {d.name}{way} to {say.number(level)} percent" for d, level in zip(found, after)])
    return t.reply(f"I've {verb} {said}." + _switched_on(was_off, found), actions)


@skill("iot_hue_lightdim", accepts=DEVICE_SLOTS + ("change_amount",), does="dim the lights")
def lights_dim(t: Turn) -> Reply:
    return _brightness(t, -1)


@skill("iot_hue_lightup", accepts=DEVICE_SLOTS + ("change_amount",), does="brighten the lights")
def lights_up(t: Turn) -> Reply:
    return _brightness(t, +1)


@skill("iot_cleaning", accepts=("house_place", "device_type"), does="start the robot vacuum")
def cleaning(t: Turn) -> Reply:
    vacuum = t.world.find("vacuum")[0]
    _remember(t, [vacuum])
    stop = switched(t.text) == "off" or re.search(r"\b(stop|pause|dock|home|enough)\b", t.text)
    if stop and not t.slots.get("house_place"):
        return t.reply("Sending the robot vacuum back to its dock.", [t.world.set(vacuum, status="docked", cleaning_room="")])
    place = t.slots.get("house_place")
    room = room_of(t, place) if place or HERE.search(t.text) else "*"
    if room is None:
        return t.reply(f"There's no {t.slots.text('house_place')} in the simulated home.")
    where = "the whole home" if room == "*" else f"the {t.world.room_name(room)}"
    action = t.world.set(vacuum, status="cleaning", cleaning_room="" if room == "*" else room)
    return t.reply(t.pick("The robot vacuum is cleaning {}.", "Okay, vacuuming {} now.").format(where), [action])


@skill("iot_coffee", accepts=("coffee_type", "time"), does="make coffee")
def coffee(t: Turn) -> Reply:
    maker = t.world.find("coffee_maker")[0]
    _remember(t, [maker])
    if switched(t.text) == "off" or re.search(r"\b(stop|cancel|halt|don't|do not)\b", t.text):
        if maker.state.get("status") in (None, "idle"):
            return t.reply("The coffee maker is already off.")
        return t.reply("Okay, I've stopped the coffee maker.", [t.world.set(maker, status="idle", drink="")])
    drink = t.slots.text("coffee_type") or (m[0] if (m := DRINK.search(t.text)) else "coffee")
    drink = re.sub(r"^(a|an|one)\s+(cup of\s+)?", "", drink)
    moment = t.slots.moment()
    if moment.at is not None and moment.grain == "time" and moment.at > t.now:
        action = t.world.set(maker, status="scheduled", drink=drink, at=moment.at.isoformat())
        return t.reply(f"The coffee maker will make {drink} {say.when(moment.at, t.now)}.", [action])
    action = t.world.set(maker, status="brewing", drink=drink)
    return t.reply(t.pick("Brewing your {} now.", "Okay, the coffee maker is making your {}.").format(drink), [action])


def _speaker(t: Turn) -> Device:
    return t.world.find("speaker")[0]


def _volume(t: Turn, direction: int) -> Reply:
    speaker = _speaker(t)
    amount = _amount(t, "the volume")
    if isinstance(amount, Reply):
        return amount
    before = speaker.state.get("volume", 50)
    level = _level(before, amount, direction, VOLUME_STEP)
    if level == before and not speaker.state.get("muted"):
        return t.reply(f"The volume is already at {say.number(level)} percent.")
    action = t.world.set(speaker, volume=level, muted=False)
    return t.reply(t.pick("Volume {}.", "Okay, volume is now {}.").format(f"{say.number(level)} percent"), [action])


@skill("audio_volume_up", accepts=("change_amount", "device_type"), does="turn the volume up")
def volume_up(t: Turn) -> Reply:
    return _volume(t, +1)


@skill("audio_volume_down", accepts=("change_amount", "device_type"), does="turn the volume down")
def volume_down(t: Turn) -> Reply:
    return _volume(t, -1)


@skill("audio_volume_other", accepts=("change_amount",), does="change the volume")
def volume_other(t: Turn) -> Reply:
    if _amount(t, "the volume"):
        return _volume(t, 0)
    return _volume_status(t)


def _volume_status(t: Turn) -> Reply:
    speaker = _speaker(t)
    muted = bool(speaker.state.get("muted"))
    level = f"the volume is at {say.number(speaker.state.get('volume', 50))} percent{' and muted' if muted else ''}."
    return t.reply(answer(t, muted if "mute" in t.text else None, level))


@skill("audio_volume_mute", accepts=("device_type",), does="mute the speaker")
def mute(t: Turn) -> Reply:
    # HWU64 labels "stop playing", "pause the music" and "stop the audio" as mute: stop the music
    # rather than leave it running silently.
    if re.search(r"\b(stop|pause)\b", t.text) and media.now_playing(t) is not None:
        return t.reply("Stopped.", media.stop(t))
    unmute = bool(re.search(r"\bun-?mute|sound (back )?on\b", t.text))
    action = t.world.set(_speaker(t), muted=not unmute)
    return t.reply("Sound is back on." if unmute else t.pick("Muted.", "Okay, I've muted the speaker."), [action])


# ---- questions about the home (skills/status.py routes them here): answered from state, never changing it ----

# Status intent -> the kind it asks about; iot_device_query: a device named in a question the model took for
# something else ("is the heater on" -> weather_query).
STATUS_KINDS = {"iot_lights_query": "light", "iot_plugs_query": "plug", "iot_cleaning_query": "vacuum",
                "iot_coffee_query": "coffee_maker", "audio_volume_query": "speaker", "iot_device_query": None}
ASKED_ON = re.compile(r"\b(on|running|cleaning|brewing|working|going|lit)\b")
ASKED_OFF = re.compile(r"\b(off|docked|idle|dark)\b")
DETAIL = re.compile(r"\b(colou?r|bright|brightness|dim|dimmed|percent|level|warm|cool|white)\b")


def answer(t: Turn, yes: bool | None, text: str) -> str:
    """The reply to a question, with "Yes, " or "No, " before it when a yes or no answers it."""
    text = ("Yes, " if yes else "No, ") + text if yes is not None and questions.is_yes_no(t.text) else text
    return text[0].upper() + text[1:]


def _asked_kind(t: Turn) -> str | None:
    """The kind asked about: a device type the home has, a device named, else the kind of the status intent
    (None: a kind the home hasn't)."""
    kind = t.slots.value("device_type")
    if kind and t.world.find(kind):
        return kind
    found = named(t.world, t.text)
    return found[0].kind if found else STATUS_KINDS[t.u.intent]


def named(world: World, text: str) -> list[Device]:
    """Devices named by a word only their name has: "the heater", "the fairy lights" (a plug, not the lights)."""
    rooms = {w for name in world.rooms.values() for w in name.split()}
    words = Counter(w for d in world.devices.values() for w in set(d.name.split()) if w not in rooms)
    text = text.lower()
    return [d for d in world.devices.values() if any(words[w] == 1 and re.search(rf"\b{w}\b", text) for w in d.name.split())]


def _is_on(d: Device) -> bool:
    return bool(d.state.get("on")) or d.state.get("status") in ("cleaning", "brewing")


def _how(t: Turn, d: Device, detail: bool) -> str:
    """"on at seventy percent in warm white", "off", "docked in the hallway", "on, making your latte"."""
    s = d.state
    if d.kind == "light":
        setting = f"{say.number(s.get('brightness', 100))} percent in {s.get('color', 'white')}"
        return f"on at {setting}" if s.get("on") else f"off, set to {setting}" if detail else "off"
    if d.kind == "vacuum":
        room = s.get("cleaning_room")
        if s.get("status") == "cleaning":
            return f"cleaning the {t.world.room_name(room)}" if room else "cleaning the whole home"
        return f"docked in the {t.world.room_name(d.room)}"
    if d.kind == "coffee_maker":
        if s.get("status") == "brewing":
            return f"on, making your {s.get('drink') or 'coffee'}"
        if s.get("status") == "scheduled" and s.get("at"):
            return f"off, set to make {s.get('drink') or 'coffee'} {say.when(datetime.fromisoformat(s['at']), t.now)}"
        return "off"
    return "on" if s.get("on") else "off"


def _report(t: Turn, found: list[Device]) -> str:
    """One device: its state. Several: which are on (with their level and colour) and how many are off."""
    detail = bool(DETAIL.search(t.text))
    asked_on, asked_off = bool(ASKED_ON.search(t.text)), bool(ASKED_OFF.search(t.text))
    matching = [d for d in found if _is_on(d) != asked_off]  # in the state asked about ("is it on": on)
    if re.search(r"\b(any|anything)\b", t.text):
        wanted = len(matching) > 0
    elif 0 < len(matching) < len(found) and not re.search(r"\b(all|every|everything)\b", t.text):
        wanted = None  # "are the lights on" with two of six on: the count answers, not "no"
    else:
        wanted = len(matching) == len(found)
    yes = None if asked_on and asked_off else wanted  # "is it on or off" takes no yes or no
    if len(found) == 1:
        return answer(t, yes, f"the {found[0].name} {_names(t, found)[1]} {_how(t, found[0], detail)}.")
    on = [d for d in found if _is_on(d)]
    if not on:
        return answer(t, yes, f"{_names(t, found)[0]} are off.")
    lit = say.join([f"the {d.name}" + _how(t, d, detail).removeprefix("on") for d in on])
    if len(on) == len(found):
        return answer(t, yes, f"{_names(t, found)[0]} are on: {lit}.")
    rest = len(found) - len(on)
    counted = f"{say.number(len(on))} {found[0].kind}{'s are' if len(on) > 1 else ' is'} on"
    return answer(t, yes, f"{counted}: {lit}. The other {say.number(rest)} {'is' if rest == 1 else 'are'} off.")


@skill(*STATUS_KINDS, accepts=DEVICE_SLOTS + ("color_type",), does="tell you how the devices are")
def status(t: Turn) -> Reply:
    kind = _asked_kind(t)
    if kind is None:
        return t.reply(f"There's no {t.slots.text('device_type') or 'such device'} in the simulated home.")
    if kind == "speaker":
        return _volume_status(t)
    found = targets(t, kind)
    if isinstance(found, Reply):
        return found
    _remember(t, found, changing=False)
    return t.reply(_report(t, found))


def _put_back(t: Turn) -> tuple[str, list[dict]]:
    """The devices the last device command touched, back as they were before it: what to say ("" for nothing to
    undo) and the actions."""
    saved = t.store.get(UNDO) or {}
    back = [(t.world.devices[i], state) for i, state in saved.items()
            if i in t.world.devices and t.world.devices[i].state != state]
    t.store.delete(UNDO)
    if not back:
        return "", []
    actions = [t.world.set(d, **state) for d, state in back]
    many = plural([d for d, _ in back])
    names = say.join(["the " + d.name for d, _ in back])
    return f"{names} {'are' if many else 'is'} back as {'they were' if many else 'it was'}", actions


@skill("iot_undo", does="undo the last change to the home")
def undo(t: Turn) -> Reply:
    said, actions = _put_back(t)
    return t.reply(f"Okay, {said}." if said else "There's nothing to undo.", actions)


SWITCHES = {"iot_hue_lighton": ("light", "on"), "iot_hue_lightoff": ("light", "off"), "iot_wemo_on": ("plug", "on"),
            "iot_wemo_off": ("plug", "off")}


@skill("iot_correct", accepts=("house_place", "device_type"), does="put right the last change to the home")
def correct(t: Turn) -> Reply:
    """"No, I meant the bedroom" / "I meant the fairy lights" after a change to the home (references.py routes it
    here with the room or device meant): the last change undone, then the same request made there (switching a plug
    for a light is the plug's switch). The turn is recorded as that request."""
    meant = SKILLS.get(t.session.last_intent or "")
    if meant is None or meant.intent == t.u.intent:
        return t.reply("Sorry, what should I change?")
    intent = meant.intent
    if not t.u.entity("house_place") and (device := next(iter(named(t.world, t.text)), None)):
        switch = SWITCHES.get(intent)
        if switch is not None:
            intent = next((i for i, (kind, way) in SWITCHES.items() if kind == device.kind and way == switch[1]), intent)
        elif device.kind != "light":  # dimming or a colour, meant for a plug
            return t.reply(f"I can only switch the {device.name} on or off.")
    said, undone = _put_back(t)
    t.u = Understanding(t.u.text, intent, t.u.confidence, t.u.entities, t.u.alternatives)
    meant = SKILLS[intent]
    t.slots = Slots(t.u.entities, t.now)
    reply = meant.fn(t)
    reply.actions = undone + reply.actions
    reply.text = f"Sorry about that: {said}. {reply.text}" if said else reply.text
    return reply


def undo_request(u: Understanding, world: World) -> str | None:
    """iot_undo for "undo that", "put it back", "change them back" (HWU64 has no undo)."""
    return "iot_undo" if UNDO_WORDS.match(u.text.lower()) else None


def switched(text: str) -> str | None:
    """"on" or "off" from "turn/switch ... on/off", the first that follows the verb; "turn of" is "turn off"."""
    m = SWITCH.search(text.lower())
    if m is None:
        return None
    if re.match(r"\s+of\b", m["rest"]):
        return "off"
    way = re.search(r"\b(on|off)\b", m["rest"])
    return way[1] if way else None


# "set the kitchen to 20 percent", "living room to 50%": a room and a level, nothing else
ROOM_LEVEL = re.compile(r"^\W*(?:(?:please|can you|could you|hearth)\W+)*(?:(?:set|put|turn|bring|make|dim)\s+)?"
                        r"(?:the\s+|my\s+)?[a-z' ]+?\s+(?:lights?\s+|lamps?\s+)?(?:to|at)\s+\d+(?:\.\d+)?\s*"
                        r"(?:%|percent|per cent)(?:\s+please)?\W*$")


def room_level(u: Understanding, world: World) -> str | None:
    """iot_hue_lightup (which sets a level) for a room and a percentage alone: its lights' brightness. The
    model is unsure of these (0.41 for "set the living room to 50%") or hears a calendar entry."""
    text = u.text.lower()
    if not (u.entity("house_place") and ROOM_LEVEL.match(digits(text))):
        return None
    return None if any(d.kind != "light" for d in named(world, text)) else "iot_hue_lightup"  # not "the heater"


MUTE_WORDS = re.compile(r"\b(?:un-?)?mut|\bsilen|\bquiet|\bshut up|\bshush|\bhush|\bsound|\bvolume|\bspeaker|\bnoise"
                        r"|\bloud")


def direction(u: Understanding, world: World) -> str | None:
    """The switch intent the words say when the model picked the opposite ("turn of the lights" ->
    iot_hue_lightup) or the wrong device ("turn on the fairy lights", a plug, -> iot_hue_lighton); a level
    without a colour is brightness ("turn on the lights at 30 percent" too), "unmute" is not "volume up" and a volume
    level is not mute."""
    way, text = switched(u.text), u.text.lower()
    if u.intent.startswith("audio_volume") and re.search(r"\bun-?mute\b", text):
        return "audio_volume_mute"
    if u.intent == "audio_volume_mute" and not re.search(r"\bmute|\bsilen|\bquiet", text) and _said_level(text):
        return "audio_volume_up"  # "set the speaker to 25": a level, which the model heard as mute
    if u.intent == "audio_volume_mute" and not MUTE_WORDS.search(text):
        return "general_dontcare"  # "hold on", "nothing": no word of sound, so nothing changes (not a muted speaker)
    if u.intent not in LIGHT_INTENTS | {"iot_wemo_on", "iot_wemo_off"}:
        return None
    kinds = {d.kind for d in named(world, text) if "on" in d.state}  # a switchable device named
    if u.intent == "iot_hue_lightchange" and not u.entity("color_type") and _said_level(text):
        return "iot_hue_lightup"  # "set the bedroom lights to 120 percent": a level, not a colour
    if way is None:
        return None
    if kinds == {"plug"} or (u.intent.startswith("iot_wemo") and kinds != {"light"}):
        return "iot_wemo_" + way
    if way == "on" and (level := _said_level(text)) and level[2]:  # "turn the bedroom light on to 50 percent"
        return "iot_hue_lightup"  # the level, which switches it on
    if way == "off" or u.intent in ("iot_hue_lightoff", "iot_wemo_on", "iot_wemo_off"):
        return "iot_hue_light" + way
    return None  # "turn on the lights to fifty percent", "... on in blue": a level or colour that switches on


# A mood for the lights ("make the lights cosy", "movie mode", "set the mood for a film"): tone and level together
# ([home] scenes in assets/world.toml), which the model hears as brighter (every light went on at a higher level)
# or as a film to recommend
SCENE = re.compile(r"\b(?P<cosy>cos(?:e)?y|cozy|relaxing|romantic|movie|film|tv|dim and warm)\b"
                   r"|\b(?P<bright>reading|work(?:ing)?|focus|bright and cool)\b(?: (?:mode|light|lights))")
SCENE_ASK = re.compile(r"\b(?:lights?|lighting|mood|mode|ambien(?:ce|t))\b")


def scene(u: Understanding, world: World) -> str | None:
    """iot_scene for a mood said of the lights; one of the rules skills/status.py runs."""
    text = u.text.lower()
    return "iot_scene" if SCENE.search(text) and SCENE_ASK.search(text) and not questions.is_question(text) else None


@skill("iot_scene", accepts=DEVICE_SLOTS, does="set a mood for the lights")
def light_scene(t: Turn) -> Reply:
    """The lights of the room named, else those on (the mood is for where the user is), else the room here."""
    m = SCENE.search(t.text)
    mood = "cosy" if m and m["cosy"] else "bright"
    color, level = (t.world.home["scenes"][mood][k] for k in ("color", "brightness"))  # assets/world.toml
    if t.slots.get("house_place") or HERE.search(t.text):
        found = targets(t, "light")
        if isinstance(found, Reply):
            return found
    else:
        found = [d for d in t.world.find("light") if d.state.get("on")] or t.world.find("light", t.world.here)
    if not found:
        return t.reply("There are no lights there to set.")
    _remember(t, found)
    actions = [t.world.set(d, on=True, color=color, brightness=level) for d in found]
    subject, verb = _names(t, found)
    return t.reply(f"Okay, {mood} it is: {subject} {verb} {color} at {say.number(level)} percent.", actions)
