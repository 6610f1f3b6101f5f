"""Is a request a question or a command? A rule on the words, because the language model can't tell.

HWU64, the model's training data, has no status-question intents: "are any lights on" comes out as
iot_hue_lighton, "is the coffee maker on" as iot_coffee. English marks a question in its syntax: a
wh-word or an auxiliary verb before the subject ("is the", "do I"), an indirect lead ("tell me if"),
or a final "?"; a request phrased as a question ("can you turn on the lights") is still a command.
skills/status.py sends a question to a status answer. docs/skills.md says why a rule and how it
scores on the labelled set in tests/test_questions.py.
"""

from __future__ import annotations

import re

# Leading words that say nothing about the mood of what follows.
FILLERS = {"hey", "hi", "hello", "ok", "okay", "so", "um", "uh", "er", "erm", "well", "oh", "hearth", "alexa",
           "please", "now", "quick", "question", "just", "excuse", "me", "sorry", "right", "alright"}
# A follow-up lead ("and the bedroom?", "what about the office"): the previous turn's mood carries over,
# so only a full interrogative clause after it makes a question, never a "?" alone.
FOLLOW_UP = re.compile(r"^(and|also|then|what about|how about|what of|same for)\b\s*")
WH = {"what", "which", "who", "whose", "when", "where", "why", "how"}
AUX = {"is", "are", "was", "were", "am", "do", "does", "did", "have", "has", "had", "can", "could", "will",
       "would", "should", "shall", "may", "might", "must", "isn't", "aren't", "wasn't", "weren't", "don't",
       "doesn't", "didn't", "haven't", "hasn't", "can't", "couldn't", "won't", "wouldn't", "shouldn't"}
# A modal before "you" / "I" / "we" asks for an action: "can you turn on the lights", "could I get a latte" ...
REQUEST_MODALS = {"can", "could", "will", "would", "may", "shall", "can't", "won't", "couldn't", "wouldn't"}
REQUESTERS = {"you", "u", "i", "we"}
PERSONAL = REQUESTERS | {"they", "it", "he", "she", "there"}
# ... unless the action asked of the speaker is to find something out: "can you tell me if the lights are on".
ASK_VERBS = {"tell", "check", "see", "say", "confirm", "know", "find", "let", "hear"}
POLITE = {"please", "just", "kindly", "quickly", "possibly", "maybe"}
INDIRECT = re.compile(r"^(tell me (if|whether|what|which|who|when|where|why|how|the)\b|"
                      r"let me know (if|whether|what|which|who|when|where|why|how)\b|"
                      r"i(?:'d| would| want| need)(?: like)? to know\b|i wonder\b|i'm wondering\b|check\b(?! off\b)|"
                      r"see if\b|find out\b)")
# Verbs a command starts with: a "?" after "turn off the lights?" is intonation, and "don't turn off
# the lights" commands.
IMPERATIVE = {"turn", "switch", "set", "play", "put", "start", "stop", "pause", "resume", "skip", "make", "dim",
              "brighten", "change", "mute", "unmute", "add", "remove", "delete", "cancel", "create", "wake",
              "remind", "give", "open", "close", "lock", "unlock", "raise", "lower", "increase", "decrease",
              "reduce", "brew", "vacuum", "clean", "order", "book", "call", "send", "text", "read", "search", "go",
              "repeat", "shuffle", "kill", "shut", "cut", "continue", "keep", "leave", "let", "bring", "get",
              "schedule", "clear", "empty", "buy", "define", "convert", "forget", "show"}
CONTRACTIONS = {"what's": "what is", "whats": "what is", "what're": "what are", "what've": "what have",
                "where's": "where is", "wheres": "where is", "how's": "how is", "hows": "how is",
                "who's": "who is", "whos": "who is", "when's": "when is", "it's": "it is", "that's": "that is",
                "there's": "there is"}


def _clause(text: str) -> tuple[list[str], bool]:
    """The words after any filler and follow-up lead, and whether there was a follow-up lead."""
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'"))
    words = " ".join(CONTRACTIONS.get(w, w) for w in words).split()
    while words and words[0] in FILLERS:
        words = words[1:]
    lead = FOLLOW_UP.match(" ".join(words))
    return (" ".join(words)[lead.end():].split() if lead else words), bool(lead)


def is_question(text: str) -> bool:
    """Whether an utterance asks rather than tells, from its first words (and a final "?")."""
    words, followup = _clause(text)
    if not words:
        return False
    first, second = words[0], (words[1:2] or [""])[0]
    if INDIRECT.match(" ".join(words)):
        return True
    if first in REQUEST_MODALS and second in REQUESTERS:
        verbs = [w for w in words[2:] if w not in POLITE]  # "can I hear some jazz" requests, "can I know" asks
        return bool(verbs) and verbs[0] in (ASK_VERBS if second in ("you", "u") else {"know", "ask"})
    if first in WH:
        return words[:2] != ["why", "not"] and words[:3] != ["why", "don't", "you"]
    if first in AUX:
        if first in ("do", "don't", "have", "haven't"):  # also main verbs: "do the hallway", "have the coffee ready"
            return second in PERSONAL | {"any", "anything", "anyone", "anybody"}
        return True
    if first in ("any", "anything", "anyone", "anybody"):  # "any lights on": "are there any ..." cut short
        return True
    return text.rstrip().endswith("?") and not followup and first not in IMPERATIVE


def is_prohibition(text: str) -> bool:
    """A negative command: "don't turn on the lights", "do not play that", "never mind the music"."""
    words, _ = _clause(text)
    if words[:2] == ["do", "not"]:
        words = ["don't", *words[2:]]
    return len(words) > 1 and words[0] in ("don't", "dont", "never") and words[1] in IMPERATIVE


def is_yes_no(text: str) -> bool:
    """A question that a yes or a no answers: an auxiliary first ("is the kitchen light on")."""
    words, _ = _clause(text)
    return is_question(text) and bool(words) and words[0] in AUX | {"any", "anything"}
