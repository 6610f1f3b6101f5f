"""What the camera changes in the dialogue: with nobody in view, a spoken request that changes
something is confirmed first (the voice may be a TV, or someone out of sight), and "is anyone
there?" / "how many people can you see?" are answered from the frame.

`scene` is the turn's SceneContext (app/fusion/scene.py), or None when the camera is off; read
with getattr so a stand-in object with only `people` and `looking` works too.
"""

from __future__ import annotations

import re
from typing import Any

from .speech_text import number

# Skills that change the home, the calendar, lists, media or send something. Stop, pause and
# the other media controls are left out: stopping is always safe and must never ask.
CHANGES = frozenset({
    "alarm_remove", "alarm_set", "audio_volume_down", "audio_volume_mute", "audio_volume_other", "audio_volume_up",
    "calendar_remove", "calendar_set", "email_addcontact", "email_sendemail", "home_off", "iot_cleaning", "iot_coffee",
    "iot_hue_lightchange", "iot_hue_lightdim", "iot_hue_lightoff", "iot_hue_lighton", "iot_hue_lightup", "iot_undo",
    "iot_wemo_off", "iot_wemo_on", "lists_createoradd", "lists_remove", "music_settings", "play_audiobook",
    "play_game", "play_music", "play_podcasts", "play_radio", "social_post", "takeaway_order", "transport_taxi",
    "transport_ticket",
})

# Questions about who is in the room, not about people in general ("how old is someone born in
# 1990", "how many people live in Paris" go to their skills): the sentence ends at the question,
# or names the device's view.
ASKS_WHO = re.compile(
    r"^(?:hey |hello |hi )?(?:is|are) (?:there )?(?:any|some)(?:one|body| people)"
    r"(?: (?:there|here|around|in the room))?[?.! ]*$"
    r"|\bhow many (?:people|persons|faces|of us) (?:can|do) you see\b"
    r"|\bhow many (?:people|persons|of us) are (?:there |)(?:here|in (?:the|this) room|in front of you)\b"
    r"|\b(?:can|do) you see (?:me|us|anyone|anybody|someone|somebody|people)\b"
    r"|\bwho (?:can|do) you see\b|\bam i (?:in view|on camera)\b", re.IGNORECASE)


def unseen(intent: str, scene: Any) -> bool:
    """A state-changing request while the camera is on and shows nobody: ask before acting."""
    return intent in CHANGES and scene is not None and not getattr(scene, "people", 0)


# The request restated in the question ("Do you want me to turn on the kitchen lights?") when it is a plain
# command: its first word, after any "please" or "can you", is one of these verbs.
COMMAND_VERBS = frozenset(
    "add book brew buy call cancel change clean create decrease delete dim increase lower make mute order pause "
    "play post put raise remind remove schedule send set start switch take turn unmute vacuum wake".split())
_POLITE = re.compile(r"^(?:(?:hey |ok |okay )?hearth,? )?(?:please )?(?:(?:can|could|would|will) you (?:please )?"
                     r"|i(?:'d| would) like you to |i want you to )?(?:please )?", re.IGNORECASE)
_FIRST_TO_SECOND = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i'm": "you're",
                    "i've": "you've", "we": "you", "us": "you", "our": "your", "ours": "yours"}


def restated(text: str) -> str | None:
    """"please turn on my bedroom lights" -> "turn on your bedroom lights"; None unless a plain command of at
    most 12 words."""
    words = _POLITE.sub("", text.strip().rstrip(".!?").strip()).split()
    if words and words[-1].lower() == "please":
        words = words[:-1]
    if not words or len(words) > 12 or words[0].lower() not in COMMAND_VERBS:
        return None
    return " ".join(_FIRST_TO_SECOND.get(w.lower(), w if i else w.lower()) for i, w in enumerate(words))


def confirm_question(does: str, text: str = "") -> str:
    """Asked before a change when nobody is in view: the request in the user's own words where it is a plain
    command, else what the skill does ("set an alarm or a timer")."""
    return f"I can't see anyone. Do you want me to {restated(text) or does}?"


def asks_who(text: str) -> bool:
    return bool(ASKS_WHO.search(text))


def who_is_there(scene: Any) -> str:
    """The answer to "is anyone there?" from the frame."""
    if scene is None:
        return "My camera is off, so I can't see who is here."
    people = int(getattr(scene, "people", 0))
    if not people:
        return "I can't see anyone."
    facing = int(getattr(scene, "facing", 1 if getattr(scene, "looking", False) else 0))
    if people == 1:
        return "I can see one person" + (", looking at me." if facing else ".")
    looking = ("." if not facing else f", {'both' if people == 2 else 'all'} looking at me." if facing == people
               else f", {number(facing)} of them looking at me.")
    return f"I can see {number(people)} people{looking}"
