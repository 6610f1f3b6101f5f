"""What a tap on a panel means, as the Understanding a spoken request would produce.

`Assistant.act` runs it through the very skills speech reaches (docs/skills.md), with the same
intents and entity types and no language model to misread it: one path for both, so a tap
answers, changes the home and shows in the conversation exactly like saying it would.
"""

from __future__ import annotations

from app.nlu.types import Entity, Understanding

Slot = tuple[str, str]  # (entity type, the words that carry it)


def said(intent: str, *parts: str | Slot) -> Understanding:
    """Words and (type, words) slots joined into one request, entity offsets included:
    said("iot_hue_lighton", "turn on the ", ("house_place", "kitchen"), " lights")."""
    text, entities = "", []
    for part in parts:
        if isinstance(part, tuple):
            kind, part = part
            entities.append(Entity(kind, part, len(text), len(text) + len(part)))
        text += part
    return Understanding(text, intent, 1.0, entities)


def _room(device: dict) -> Slot:
    return "house_place", str(device.get("room", "")).replace("_", " ")


# -- the home --------------------------------------------------------------------------------
def switch(device: dict, on: bool) -> Understanding:
    """Anything with an on/off state, by its kind and room: a light through the light intents, any other
    kind through the smart-plug ones, which switch whatever kind the home has."""
    verb = "on" if on else "off"
    intent = f"iot_hue_light{verb}" if device["kind"] == "light" else f"iot_wemo_{verb}"
    kind = str(device["kind"]).replace("_", " ")
    return said(intent, f"turn {verb} the ", ("device_type", kind), " in the ", _room(device))


def brightness(device: dict, level: int, current: int) -> Understanding:
    intent = "iot_hue_lightup" if level > current else "iot_hue_lightdim"
    return said(intent, "set the light in the ", _room(device), " ", ("change_amount", f"to {level} percent"))


def color(device: dict, name: str) -> Understanding:
    return said("iot_hue_lightchange", "make the light in the ", _room(device), " ", ("color_type", name))


def vacuum(start: bool) -> Understanding:
    return said("iot_cleaning", "start the robot vacuum" if start else "send the robot vacuum back to its dock")


def coffee() -> Understanding:
    return said("iot_coffee", "make a ", ("coffee_type", "coffee"))


# -- timers and alarms ------------------------------------------------------------------------
def cancel(item: dict) -> Understanding:
    """One timer or alarm, by id (app/dialogue/skills/alarms.py reads the `alarm_id` entity)."""
    return said("alarm_remove", f"cancel the {item['kind']} number ", ("alarm_id", str(item["id"])))


def add_minute(item: dict) -> Understanding:
    return said("alarm_set", "add ", ("time", "one minute"), f" to the {item['kind']} number ",
                ("alarm_id", str(item["id"])))


# -- media ------------------------------------------------------------------------------------
def play(resume: bool) -> Understanding:
    """Carry on with what was paused or stopped, or start some music."""
    return said("media_resume", "resume the music") if resume else said("play_music", "play some music")


def pause() -> Understanding:
    return said("media_pause", "pause the music")


def next_track() -> Understanding:
    """The next song of the artist, station, episode or chapter: the media skill knows which."""
    return said("media_next", "next one")


def volume(level: int) -> Understanding:
    return said("audio_volume_other", "set the volume ", ("change_amount", f"to {level} percent"))


def mute(on: bool) -> Understanding:
    return said("audio_volume_mute", "mute the speaker" if on else "unmute the speaker")


# -- lists ------------------------------------------------------------------------------------
def add_item(name: str, item: str) -> Understanding:
    return said("lists_createoradd", "add ", ("item", item), " to my ", ("list_name", f"{name} list"))


def remove_item(name: str, item: str) -> Understanding:
    return said("lists_remove", "remove ", ("item", item), " from my ", ("list_name", f"{name} list"))
