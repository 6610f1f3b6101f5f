"""The simulated smart home: lights (iot_hue_*), plugs (iot_wemo_*), the vacuum, the coffee
maker and the speaker volume (audio_volume_*)."""

from __future__ import annotations

import re

from app.vocabulary import vocabulary

from .. import speech_text as say
from ..world import Device
from . import media
from .base import Reply, Turn, skill

PRONOUN = re.compile(r"\b(them|it|those|these|they|that one)\b")
DEVICE_SLOTS = ("house_place", "device_type")
STEP = 20  # brightness change when no amount is given
VOLUME_STEP = 10


def _names(t: Turn, devices: list[Device]) -> tuple[str, str]:
    """("the kitchen lights", "are") or ("all the lights", "are"): the subject and its verb."""
    if len(devices) > 1 and len({d.kind for d in devices}) == 1 and len(devices) == len(t.world.find(devices[0].kind)):
        return f"all the {devices[0].kind}s", "are"
    verb = "are" if len(devices) > 1 or devices[0].name.endswith("s") else "is"
    return "the " + say.join([d.name for d in devices]), verb


def targets(t: Turn, kind: str) -> list[Device] | Reply:
    """The devices this turn means: a named room, "them" (the last ones), a device named, or all of a kind."""
    if place := t.slots.get("house_place"):
        room = t.world.room(t.slots.value_of(place))
        if room is None:
            return t.reply(f"There's no {t.slots.text('house_place')} in the simulated home. The rooms are "
                           f"{say.join(list(t.world.rooms.values()))}.")
        found = t.world.find(kind, room)
        return found or t.reply(f"There's no {kind.replace('_', ' ')} in the {t.world.room_name(room)}.")
    if PRONOUN.search(t.text) and t.session.last_devices:
        last = [t.world.devices[i] for i in t.session.last_devices if i in t.world.devices]
        if last:
            return last
    of_kind = t.world.find(kind)
    named = [d for d in of_kind if any(w in t.text for w in d.name.split() if len(w) > 3 and w not in (kind, kind + "s"))]
    return named or of_kind


def _remember(t: Turn, devices: list[Device]) -> None:
    t.session.last_devices = [d.id for d in devices]


def _switch(t: Turn, kind: str, on: bool) -> Reply:
    found = targets(t, kind)
    if isinstance(found, Reply):
        return found
    if kind == "plug" and len(found) > 1 and not t.slots.get("house_place") and not PRONOUN.search(t.text):
        options = say.join([f"the {d.name} in the {t.world.room_name(d.room)}" for d in found], "or")
        return t.ask("house_place", f"Which plug: {options}?")
    _remember(t, found)
    state = "on" if on else "off"
    changing = [d for d in found if d.state.get("on") != on]
    subject, verb = _names(t, found)
    if not changing:
        return t.reply(f"{subject.capitalize()} {verb} already {state}.")
    actions = [t.world.set(d, on=on) for d in changing]
    text = t.pick("Okay, {} {} {}.", "Done, {} {} {}.", "Sure, {} {} now {}.")
    return t.reply(text.format(subject, verb, state), actions)


@skill("iot_hue_lighton", accepts=DEVICE_SLOTS, does="turn the lights on")
def lights_on(t: Turn) -> Reply:
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


@skill("iot_hue_lightchange", accepts=DEVICE_SLOTS + ("color_type",), does="change the light colour")
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
    _remember(t, found)
    actions = [t.world.set(d, on=True, color=color["name"]) for d in found]
    text = t.pick("Okay, {} {} now {}.", "Done, {} {} now {}.", "Sure, {} {} {} now.")
    return t.reply(text.format(*_names(t, found), color["name"]), actions)


def _amount(t: Turn) -> tuple[str, int] | None:
    """("to", 60) or ("by", 20) from a change_amount like "to sixty percent" or "by 20"."""
    e = t.slots.get("change_amount")
    if e is None:
        return None
    v = t.slots.value_of(e)
    n = v.get("value") if isinstance(v, dict) else v
    if not isinstance(n, (int, float)):
        return None
    mode = "by" if re.search(r"\bby\b", e.text.lower()) else "to"
    if mode == "to" and n <= 10 and not isinstance(v, dict):  # "to seven" on a ten-step scale
        n *= 10
    return mode, int(n)


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
    _remember(t, found)
    amount = _amount(t)
    actions = []
    for d in found:
        level = max(5, _level(d.state.get("brightness", 100), amount, direction, STEP))
        actions.append(t.world.set(d, on=True, brightness=level))
    levels = sorted({a["set"]["brightness"] for a in actions})
    at = f" to {say.number(levels[0])} percent" if len(levels) == 1 else ""
    verb = "Dimmed" if direction < 0 else "Brightened"
    return t.reply(f"{verb} {_names(t, found)[0]}{at}.", actions)


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
    if re.search(r"\b(stop|pause|dock|home|off|enough)\b", t.text) and not t.slots.get("house_place"):
        return t.reply("Sending the robot vacuum back to its dock.", [t.world.set(vacuum, status="docked", cleaning_room="")])
    place = t.slots.get("house_place")
    room = t.world.room(t.slots.value_of(place)) if place else "*"
    if room is None:
        return t.reply(f"There's no {t.slots.text('house_place')} in the simulated home.")
    where = "the whole home" if room == "*" else f"the {t.world.room_name(room)}"
    action = t.world.set(vacuum, status="cleaning", cleaning_room="" if room == "*" else room)
    return t.reply(t.pick("The robot vacuum is cleaning {}.", "Okay, vacuuming {} now.").format(where), [action])


@skill("iot_coffee", accepts=("coffee_type", "time"), does="make coffee")
def coffee(t: Turn) -> Reply:
    maker = t.world.find("coffee_maker")[0]
    _remember(t, [maker])
    drink = t.slots.text("coffee_type") or "coffee"
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
    level = _level(speaker.state.get("volume", 50), _amount(t), direction, VOLUME_STEP)
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
    if _amount(t):
        return _volume(t, 0)
    speaker = _speaker(t)
    muted = " and muted" if speaker.state.get("muted") else ""
    return t.reply(f"The volume is at {say.number(speaker.state.get('volume', 50))} percent{muted}.")


@skill("audio_volume_mute", accepts=("device_type",), does="mute the speaker")
def mute(t: Turn) -> Reply:
    # HWU64 labels "stop playing", "pause the music" and "stop the audio" as mute: stop the music
    # rather than leave it running silently.
    if re.search(r"\b(stop|pause)\b", t.text) and media.now_playing(t) is not None:
        return t.reply("Stopped.", media.stop(t))
    unmute = bool(re.search(r"\bun-?mute|sound (back )?on\b", t.text))
    action = t.world.set(_speaker(t), muted=not unmute)
    return t.reply("Sound is back on." if unmute else t.pick("Muted.", "Okay, I've muted the speaker."), [action])
