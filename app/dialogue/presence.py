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


def confirm_question(does: str) -> str:
    return f"I can't see anyone. Do you want me to {does}?"


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
