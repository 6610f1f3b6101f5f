"""A question never changes state: a question about something that acts gets its status answer.

`route` runs on every understanding before its skill (manager.py). It asks questions.is_question;
a question keeps its intent when the skill only reads (weather, the time, sums), goes to the status
intent that reads the same state (STATUS), or, for a skill that acts and has no status answer, to
status_unknown, which changes nothing. Doors and heating, which the model has no intent for, go to their skill
whether asked about or commanded (it changes nothing either). A command gets the word rules of the
skills that know the words: whole-home commands, media transport and titles, undo, "convert ...",
"turn of" as "turn off"; a prohibition ("don't turn on the lights") does nothing.
"""

from __future__ import annotations

import re

from app.nlu.types import Understanding

from .. import questions
from ..world import World
from . import (calendar, chance, climate, clock_skills, conversions, currency, devices, doors, general, home, lists,
               media, offline, personal, spelling)
from .base import SKILLS, Reply, Turn, skill

STATUS = {
    **dict.fromkeys(devices.LIGHT_INTENTS, "iot_lights_query"),
    **dict.fromkeys(("iot_wemo_on", "iot_wemo_off"), "iot_plugs_query"),
    "iot_cleaning": "iot_cleaning_query",
    "iot_coffee": "iot_coffee_query",
    **dict.fromkeys(("audio_volume_up", "audio_volume_down", "audio_volume_mute", "audio_volume_other"),
                    "audio_volume_query"),
    **dict.fromkeys(("play_music", "play_radio", "play_podcasts", "play_audiobook", "music_settings",
                     "music_likeness", "music_dislikeness", "general_commandstop", *media.TRANSPORT), "music_query"),
    **dict.fromkeys(("alarm_set", "alarm_remove"), "alarm_query"),
    **dict.fromkeys(("calendar_set", "calendar_remove", "calendar_move"), "calendar_query"),
    **dict.fromkeys(("lists_createoradd", "lists_remove"), "lists_query"),
    "home_off": "home_query",
}
UNKNOWN = "status_unknown"
QUERIES = {*STATUS.values(), *devices.STATUS_KINDS, UNKNOWN}
# Skill families that only read (offline refusals, weather, clocks, sums, jokes, chat): a question runs them as
# they are; general_commandstop, the one general skill that acts, is in STATUS.
READ_ONLY_MODULES = {"offline", "weather", "clock_skills", "conversions", "currency", "maths", "jokes", "general"}


def reads_only(intent: str) -> bool:
    found = SKILLS.get(intent)
    return found is None or intent in QUERIES or (found.module in READ_ONLY_MODULES and intent not in STATUS)


def route(u: Understanding, world: World) -> Understanding:
    """The intent the words mean (see the module's docstring); the model's own when no rule applies."""
    if questions.is_prohibition(u.text):  # "don't turn on the lights" acts on nothing
        return Understanding(u.text, "general_dontcare", 1.0, u.entities, u.alternatives)
    if intent := (personal.request(u, world) or doors.request(u, world) or climate.request(u, world)
                  or general.said_again(u, world) or home.inventory(u, world) or calendar.asking_when(u, world)
                  or general.checking_in(u, world)
                  or media.asking_what_plays(u, world) or clock_skills.fact_request(u, world)
                  or currency.sum_request(u, world) or spelling.request(u, world) or offline.translation(u, world)):
        # "is the front door locked" and "lock it" alike; "what did you say", "how do you spell X" are no status questions
        return Understanding(u.text, intent, 1.0, u.entities, u.alternatives)
    if questions.is_question(u.text):
        if home.whole_home(u.text):
            intent = "home_query"
        elif u.intent not in STATUS and u.entity("device_type") and reads_only(u.intent) and not re.search(
                r"\b(?:alarms?|timers?|reminders?)\b", u.text.lower()):  # "what's my gym alarm": not a device
            intent = "iot_device_query"  # "is the heater on" taken for weather_query: the device says what it's about
        else:
            intent = STATUS.get(u.intent) or (u.intent if reads_only(u.intent) else UNKNOWN)
        return u if intent == u.intent else Understanding(u.text, intent, u.confidence, u.entities, u.alternatives)
    # A rule that matches the whole utterance is sure; the switch rule keeps the model's confidence, which
    # was right about the scenario.
    rules = ((general.greeting, True), (general.cancelled, True), (devices.later, True), (lists.bought, True), (lists.needed, True), (lists.renaming, True), (lists.reading, True), (chance.request, True),
             (home.command, True), (media.transport, True), (media.library, True), (media.dislike, True),
             (devices.undo_request, True),
             (conversions.command, True), (devices.room_level, True), (devices.scene, True), (devices.direction, False))
    for rule, sure in rules:
        intent = rule(u, world)
        if intent and (intent != u.intent or sure and u.confidence < 1.0):  # the model's own intent, unsure: sure
            return Understanding(u.text, intent, 1.0 if sure else u.confidence, u.entities, u.alternatives)
    return u


@skill(UNKNOWN, does="check that")
def cannot_check(t: Turn) -> Reply:
    return t.reply("I can't check that yet.")
