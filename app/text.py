"""Text from outside Hearth (argv, standard input, files, a terminal) made safe to understand.

Bytes that were not UTF-8 (a pasted binary, a terminal or file in another encoding) reach Python
as lone surrogates (surrogateescape); the tokenizer refuses those and JSON output cannot print
them, so they become U+FFFD here, once, for every front end.
"""

from __future__ import annotations

import re

# Surrogates that do not stand for one undecodable byte (surrogateescape uses U+DC80..U+DCFF):
# broken UTF-16 pairs, or text built by hand.
_NOT_A_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def valid_text(text: str) -> str:
    """`text` with every undecodable byte or lone surrogate as U+FFFD; valid text is unchanged.

    Escaped bytes that together are valid UTF-8 (argv read in the C locale) are decoded back.
    """
    return _NOT_A_BYTE.sub("\ufffd", text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def typed(line: str) -> str:
    """A typed line or argument as clean text: valid Unicode, no edge whitespace."""
    return valid_text(line).strip()


def has_words(text: str) -> bool:
    """Whether there is anything to answer: a letter or a digit ("...", "?!" and Whisper's "." for a breath have none)."""
    return any(c.isalnum() for c in text)


# Common contractions typed or transcribed without their apostrophe ("whats your name", "i dont know"). Only words
# that are not English words of their own: "its", "were", "ill", "well", "lets", "wed" and "hes" stay as they are.
_CONTRACTIONS = {
    "whats": "what's", "whos": "who's", "wheres": "where's", "hows": "how's", "whens": "when's", "whys": "why's",
    "thats": "that's", "theres": "there's", "heres": "here's", "im": "i'm", "ive": "i've", "youre": "you're",
    "youve": "you've", "theyre": "they're", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "cant": "can't",
    "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't", "wont": "won't", "isnt": "isn't",
    "arent": "aren't", "wasnt": "wasn't", "werent": "weren't", "hasnt": "hasn't", "havent": "haven't",
    "hadnt": "hadn't",
}
_BARE_CONTRACTION = re.compile(rf"\b(?:{'|'.join(_CONTRACTIONS)})\b", re.IGNORECASE)


def apostrophes(text: str) -> tuple[str, list[int]]:
    """`text` with the apostrophe put back in common contractions ("whats" -> "what's", "dont" -> "don't"), and
    where each one went, as offsets into `text` (for moving spans along); the letters and their case are kept."""
    out, inserted, last = [], [], 0
    for m in _BARE_CONTRACTION.finditer(text):
        at = m.start() + _CONTRACTIONS[m[0].lower()].index("'")
        out.append(text[last:at] + "'")
        inserted.append(at)
        last = at
    out.append(text[last:])
    return "".join(out), inserted
