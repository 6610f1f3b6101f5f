"""One text normalizer for every Whisper WER in Hearth: lower case, no punctuation, numbers as words.

Whisper writes "Set a timer for 20 minutes." where the reference says "set a timer for twenty
minutes"; without this, formatting would count as recognition errors.
"""

from __future__ import annotations

import re

import jiwer

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
             "nine": "ninth", "twelve": "twelfth"}
_CURRENCIES = {"$": "dollars", "€": "euros", "£": "pounds"}
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "ok": "okay"}


def number_words(n: int) -> str:
    """Cardinal words for 0 <= n < 10**9 ("twenty one", "three hundred five")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, name in ((10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{number_words(n // size)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError(n)


def _ordinal(words: str) -> str:
    head, _, last = words.rpartition(" ")
    last = _ORDINALS.get(last, last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return f"{head} {last}".strip()


def _spell(match: re.Match) -> str:
    digits, suffix = match.group(1).replace(",", ""), match.group(2)
    if "." in digits:
        whole, frac = digits.split(".")
        return f"{number_words(int(whole))} point {' '.join(_ONES[int(d)] for d in frac)}"
    words = number_words(int(digits))
    return _ordinal(words) if suffix else words


def normalize(text: str) -> str:
    text = text.lower().replace("%", " percent").replace("-", " ")
    text = re.sub(r"([$€£])(\d[\d,]*(?:\.\d+)?)", lambda m: f"{m[2]} {_CURRENCIES[m[1]]}", text)
    text = re.sub(r"(\d{1,2}):(\d{2})", lambda m: f"{m[1]} {'' if m[2] == '00' else m[2]}", text)
    text = re.sub(r"(\d[\d,]*(?:\.\d+)?)(st|nd|rd|th)?\b", lambda m: f" {_spell(m)} ", text)
    words = jiwer.RemovePunctuation()(text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def wer(references: list[str], hypotheses: list[str]) -> float:
    """Corpus WER (all errors over all reference words) after normalizing both sides."""
    return jiwer.wer([normalize(r) for r in references], [normalize(h) or "<empty>" for h in hypotheses])
