"""The text-only baseline and the best hand rule, judged on the same pairs as the learned model.

text-only: the shipped NLU's intent, and every utterance taken as addressed (what Hearth does without a camera).
rule: the NLU's intent, corrected by rules written by reading the training templates and the rule's errors on
the training pairs (models/fusion/generate.py): presence phrases, short replies read from their first word,
pronoun requests read from their action word, then the scene (palm -> stop, dark/bright -> the lights). The
addressed decision is the generator's own truth rule, so the rule can only lose on the words.
"""

from __future__ import annotations

import re

from models.fusion.generate import NAMED, PRESENCE, STOP, STOPPABLE

PRESENCE_WORDS = re.compile(r"\b(anyone|anybody|someone|somebody|alone|see me|company|crowded|room empty|"
                            r"how many (people|persons|of us|faces|are we)|who is here|who can you see|"
                            r"count (us|the people)|(are there|is there) (people|anybody|anyone))\b")
PRONOUN = re.compile(r"\b(it|that|this)\b")
# a pronoun request: the word that says what to do, and what it means with no scene
PRONOUN_ACTIONS = ((re.compile(r"\b(on|start)\b"), "iot_wemo_on"),
                   (re.compile(r"\b(up|more|higher)\b"), "audio_volume_up"),
                   (re.compile(r"\b(down|lower|less)\b"), "audio_volume_down"))
DARK = {"iot_wemo_on": "iot_hue_lighton", "audio_volume_up": "iot_hue_lightup"}
BRIGHT = {"audio_volume_down": "iot_hue_lightdim"}
SHORT = 3  # words: a reply this short is read from its first word, not from the NLU
REPLIES = {"general_affirm": {"okay", "ok", "alright", "fine", "yes", "sure", "right"},
           "general_negate": {"no", "nah", "nope", "not"},
           "general_praise": {"thanks", "thank", "cheers", "great", "brilliant", "well"},
           "general_quirky": {"hold", "wait", "one", "hang", "hmm", "uh", "excuse", "what"}}


def text_only(nlu_intent: str) -> tuple[str, bool]:
    return nlu_intent, True


def pronoun_intent(text: str, nlu_intent: str) -> str:
    """'turn it up' and the like: the NLU's device intents, or one read from the action word."""
    if nlu_intent in DARK or nlu_intent in BRIGHT or not PRONOUN.search(text):
        return nlu_intent
    return next((intent for word, intent in PRONOUN_ACTIONS if word.search(text)), nlu_intent)


def short_reply(text: str) -> str | None:
    """The small-talk intent of a reply of a few words, read from its first word."""
    words = text.split()
    if len(words) > SHORT or PRONOUN.search(text):
        return None
    return next((intent for intent, firsts in REPLIES.items() if words[0] in firsts), None)


def rule(text: str, nlu_intent: str, scene: dict) -> tuple[str, bool]:
    short = short_reply(text)
    intent = short or pronoun_intent(text, nlu_intent)
    if PRESENCE_WORDS.search(text):
        intent = PRESENCE
    elif scene["palm"] and (intent in STOPPABLE or short):
        intent = STOP
    elif "dark" in scene["labels"]:
        intent = DARK.get(intent, intent)
    elif "bright" in scene["labels"]:
        intent = BRIGHT.get(intent, intent)
    addressed = (NAMED.search(text) is not None or scene["people"] == 0 or scene["facing"] > 0
                 or (scene["palm"] and intent == STOP))
    return intent, addressed
