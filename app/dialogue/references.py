"""References to the last turn that the language model can't resolve: it sees one utterance at a time.

"turn it off" comes out as audio_volume_mute, "another one" as general_repeat, "make them warmer" as
weather_query. `resolve` reads them against the session context (the last intent, devices, number,
conversion and place) and gives the understanding they mean, or None when the words refer to nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from app.nlu.types import Entity, Understanding

from . import questions
from .skills import SKILLS, Session, conversions, devices, lists, maths
from .slots import digits, value
from .world import World

THERE = re.compile(r"\bthere\b(?!'s| is| are)")  # "turn the lights on there", not "is there" / "there's"
ANOTHER = re.compile(r"(?:^|\W)(?:(?:tell|give) me )?(?:another|one more)\b(?: one| joke| please)*\W*$")
MORE_ITEMS = re.compile(r"^\W*(?:and|also|plus|oh and)\s+(?P<items>.+?)(?:\s+(?:too|as well))?\W*$"
                        r"|^\W*(?P<too>.+?)\s+(?:too|as well)\W*$")
ADD_TO_IT = re.compile(r"^\W*(?:please )?(?:add|put)\b.*\b(?:to|on)\s+(?:it|that|this|the list|that list)\W*$")
WHATS_ON_IT = re.compile(r"^\W*(?:what(?:'s| is| else is)(?: still)? (?:on|in) (?:it|there|that|the list)"
                         r"|read (?:it|me the list|the list)(?: out)?(?: to me)?)\W*$")
TAKE_IT_OFF = re.compile(r"\b(?:take|remove|delete|cross|scratch|strike)\s+(?:that|it|them)\b")
MAKE_IT = re.compile(r"^\W*(?:(?:no|actually|sorry),?\s+)*(?:make it|make that|change it to)\s+(?P<n>\d+(?:\.\d+)?)"
                     r"(?:\s+(?:instead|please|then))*\W*$")
WARMER = re.compile(r"\b(?P<way>warm|cool|cold)(?:er)?\b")
BRIGHTER = re.compile(r"\b(?:brighter|brighten|lighter|up)\b")
DIMMER = re.compile(r"\b(?:dimmer|dim|darker|down|lower)\b")
LEVEL = re.compile(r"\b(?:to|by) \d+(?:\.\d+)? ?(?:percent|per cent|%)")
PLACES = ("house_place", "place_name", "time_zone")
# "turn it off" / "stop it" right after music: the music, not every light in the home
MEDIA_IT = re.compile(r"^\W*(?:(?:please|okay|ok|hearth)\W+)*(?:(?:turn|switch|shut) (?:it|that|this) off|"
                      r"(?:stop|pause) (?:it|that|this))(?: please)?\W*$")
MEDIA_INTENTS = ("play_", "music_", "media_", "audio_")
# "what about the hallway" / "how about the fairy lights" / "and the bedroom?": the same request for another part of the home
WHAT_ABOUT = re.compile(r"^\W*(?:(?:and|so|ok|okay|then|now),?\s+)?(?:(?:what|how) about|same for|and)\s+(?P<rest>.+?)\W*$")
MEANT = re.compile(r"^\W*(?:(?:no|nope|sorry|oops|actually|wait|not (?:that|there|those|them))\W+)*"
                   r"(?:i meant|i said|i mean)\s+(?P<rest>\S.*?)\W*$")
MAX_ABOUT_WORDS = 6  # "what about the lights in the living room"; more words are a request of their own
UNSURE = 0.8  # below this, a reference the words make beats the model's intent


def resolve(u: Understanding, state: Session, world: World) -> Understanding | None:
    """The understanding a reference to the last turn means: "another one" (a joke), "and in grams?" (the last
    conversion), "and new year's day?" (the last count of days), "divide that by 4" (the last number), "turn
    them off" / "make them warmer" (the last devices), "there" (the last room or place); None when it is not one."""
    text = u.text.lower()
    if state.last_intent == "general_joke" and ANOTHER.search(text):
        return _as(u, "general_joke", state.entities())
    if (state.last_intent or "").startswith("lists_") and (listed := _lists(u, state, world)) is not None:
        return listed
    if (m := MAKE_IT.match(digits(u.text))) and (timed := _same_unit(u, state, m["n"])) is not None:
        return timed
    if m and state.last_intent in ("iot_hue_lightdim", "iot_hue_lightup") and state.last_devices:
        level = f"to {m['n']} percent"  # "make it 80" after "set them to 50 percent": the same lights, 80 %
        return _as(u, "iot_hue_lightdim", [Entity("change_amount", level, 0, len(level))])
    if state.last_intent == "qa_convert" and (conversions.names_a_unit(u.text)
                                              or conversions.another_amount(u.text, state.last_quantity)
                                              or conversions.count_again(u.text, state.last_quantity)):
        return _as(u, "qa_convert", [])
    if ((u.confidence < UNSURE or u.intent != "qa_maths" and maths.ROUNDING.match(text))  # "round it down": no volume;
            and maths.on_last_answer(u.text, state.last_number)):  # "double it" is a sum even where the model is unsure
        return _as(u, "qa_maths", [])
    if (state.last_intent or "").startswith(MEDIA_INTENTS) and MEDIA_IT.match(text):
        return _as(u, "media_pause" if "pause" in text else "media_stop", [])
    if (state.last_intent or "").startswith("iot_hue") and state.last_devices and devices.BARE_CHANGE.match(text):
        return _devices(u, state, world)  # "a bit warmer" right after the lights: the model heard the weather
    if ((state.last_intent or "").startswith("iot_") and state.last_devices and devices.PRONOUN.search(text)
            and not u.entity("place_name", "time_zone", "house_place")):  # "how warm is it in paris": a city, not the
        # lights; "set the living room lights to 40 percent and make them blue": the room said, not the last one
        return _devices(u, state, world)
    if (state.last_intent or "").startswith("iot_") and (m := MEANT.match(text)) \
            and (other := _what_about(u, state, world, m.start("rest"))) is not None \
            and (other.entity("house_place") or devices.named(world, m["rest"])):
        return replace(other, intent="iot_correct")  # "no, I meant the bedroom": undone there, made there
    if (state.last_intent or "").startswith("iot_") and (other := _what_about(u, state, world)) is not None:
        return other
    if THERE.search(text) and not u.entity(*PLACES) and (place := _last_place(u, state, world)):
        return _as(u, u.intent, [*u.entities, place])
    return None


def _as(u: Understanding, intent: str, entities: list[Entity]) -> Understanding:
    return Understanding(u.text, intent, max(u.confidence, 0.45), entities)


def _lists(u: Understanding, state: Session, world: World) -> Understanding | None:
    """"and eggs" / "sugar too" (more for the last list), "add sunscreen to it", "take that off" (what was just
    added), "cross off bread" (things on the last list), "what's on it", which the model files under recipes, the
    weather, mute or a plug."""
    text = u.text.lower()
    listed = [Entity("list_name", state.last_list, 0, 0)] if state.last_list else []
    m = MORE_ITEMS.match(text)
    items = m and (m["items"] or m["too"])
    if state.last_intent == "lists_createoradd" and items and not is_request(items):
        return _as(u, "lists_createoradd", [Entity("item", items, 0, 0), *listed])
    if ADD_TO_IT.match(text):
        return _as(u, "lists_createoradd", [e for e in u.entities if e.type == "item"] + listed)
    if state.last_intent == "lists_createoradd" and TAKE_IT_OFF.search(text):
        return _as(u, "lists_remove", state.entities())
    if WHATS_ON_IT.match(text):
        return _as(u, "lists_query", listed)
    taken = lists.spanned(text, lists.REMOVE)
    if taken and state.last_list and set(taken) <= {i.lower() for i in world.store.items(state.last_list)}:
        return _as(u, "lists_remove", listed)
    return None


def is_request(text: str) -> bool:
    """Words that ask or tell something of their own ("set a timer for", "what's on it"), not an answer or things
    to add ("the kitchen", "eggs"); "make it seven" and "call it pasta" answer the question that was asked."""
    words = [w for w in re.findall(r"[a-z']+", text.lower()) if w not in questions.FILLERS]
    if len(words) < 2 or words[1] in ("it", "them", "that"):
        return False
    first = words[0].split("'")[0]  # "what's"
    return first in questions.IMPERATIVE or (first in questions.WH | questions.AUX and questions.is_question(text))


def _same_unit(u: Understanding, state: Session, n: str) -> Understanding | None:
    """"make it 15" after a ten-minute timer: fifteen of the unit said last (minutes), not fifteen o'clock."""
    said = next((e for e in state.entities() if e.type == "time"), None)
    if said is None or state.last_intent not in SKILLS or "time" not in SKILLS[state.last_intent].accepts:
        return None
    if state.last_intent.startswith("calendar_") and state.last_event_id:
        return None  # "make it 10" after a meeting was set: calendar_move moves it (calendar.event_request)
    unit = re.search(r"\b(?:seconds?|minutes?|mins?|hours?)\b", said.text.lower())
    new = Entity("time", f"{n} {unit[0]}" if unit else n, 0, 0)
    return _as(u, state.last_intent, [e for e in state.entities() if e.type != "time"] + [new])


def _devices(u: Understanding, state: Session, world: World) -> Understanding | None:
    """"turn it off", "make them warmer", "set them to 50 percent", "dim them": the devices of the last turn
    (devices.targets picks them by the pronoun)."""
    text = digits(u.text)
    lights = all(world.devices[i].kind == "light" for i in state.last_devices if i in world.devices)
    if way := devices.switched(text):
        return _as(u, f"iot_hue_light{way}" if lights else f"iot_wemo_{way}", [])
    if not lights:
        return None
    if m := WARMER.search(text):  # "warm" and "cool" name white tones in the vocabulary
        return _as(u, "iot_hue_lightchange", [Entity("color_type", m["way"], m.start(), m.end())])
    if m := LEVEL.search(text):
        return _as(u, "iot_hue_lightdim", [Entity("change_amount", m[0], m.start(), m.end())])
    if BRIGHTER.search(text):
        return _as(u, "iot_hue_lightup", [])
    if DIMMER.search(text):
        return _as(u, "iot_hue_lightdim", [])
    return None


def _what_about(u: Understanding, state: Session, world: World, at: int | None = None) -> Understanding | None:
    """"what about the hallway" after "turn on the kitchen lights" (the hallway's), "what about the fairy lights" after
    "is the heater on" (the same question of them): the last home request for the room or the device named, whatever
    the model made of the words (it sees no context: "what about the hallway" is chit-chat to it). `at`: where the
    room or device words start when another pattern found them ("no, I meant the bedroom")."""
    m = WHAT_ABOUT.match(u.text.lower()) if at is None else None
    if at is None and m is None:
        return None
    at = m.start("rest") if m else at
    rest = u.text.lower()[at:].strip(" .!?")
    if state.last_intent not in SKILLS or u.entity("list_name") or len(rest.split()) > MAX_ABOUT_WORDS:
        return None  # "and coffee and sugar to my shopping list" (add misheard): a request of its own, not the coffee maker
    room = value("house_place", rest, datetime.min)
    kept = [e for e in state.entities() if e.type in SKILLS[state.last_intent].accepts]
    if isinstance(room, str) and world.room(room) is not None:
        place = Entity("house_place", u.text[at:at + len(rest)], at, at + len(rest), room)
        return _as(u, state.last_intent, [e for e in kept if e.type != "house_place"] + [place])
    kind = value("device_type", rest, datetime.min)
    if devices.named(world, rest) or (kind and world.find(kind)):
        # another device: the question's words about which one no longer hold
        said = [Entity("device_type", u.text[at:at + len(rest)], at, at + len(rest), kind)] if kind and not devices.named(
            world, rest) else []
        return _as(u, state.last_intent, [e for e in kept if e.type not in ("house_place", "device_type")] + said)
    return None


def _last_place(u: Understanding, state: Session, world: World) -> Entity | None:
    """The room or place of the last turn, typed as this intent takes it: "what's the weather there" after
    "what time is it in Tokyo", "turn the lights on there" after the kitchen's."""
    accepts = SKILLS[u.intent].accepts if u.intent in SKILLS else frozenset()
    wanted = next((kind for kind in PLACES if kind in accepts), None)
    if wanted is None:
        return None
    said = next((e for e in state.entities() if e.type in PLACES), None)
    if said is not None and (said.type == "house_place") == (wanted == "house_place"):
        return replace(said, type=wanted, value=None, start=0, end=0)
    rooms = {world.devices[i].room for i in state.last_devices if i in world.devices}
    if wanted == "house_place" and len(rooms) == 1 and (state.last_intent or "").startswith("iot_"):
        return Entity("house_place", world.room_name(rooms.pop()), 0, 0)
    return None


def as_places(entities: list[Entity], accepts: frozenset[str]) -> list[Entity]:
    """"what about Paris" after the weather: a follow-up names a place, though the model may tag a city as a
    person. Entities of a place type (or person) the last intent doesn't take become the place type it does."""
    wanted = next((kind for kind in PLACES if kind in accepts), None)
    if wanted is None:
        return entities
    return [replace(e, type=wanted, value=None) if e.type in (*PLACES, "person") and e.type not in accepts else e
            for e in entities]
