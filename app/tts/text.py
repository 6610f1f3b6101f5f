"""Text made sayable before synthesis, the same for every engine, and cut into clauses for streaming.

Replies from the dialogue are already phrased for speech (app/dialogue/speech_text.py); this is for
everything else that reaches a voice (`hearth speak`, announcements, text typed by a person):
"7:30", "21 °C", "45%", "$3.50", "5 km", "Dr." become words, with speech_text's own number words.
"""

from __future__ import annotations

import re

from app.dialogue.speech_text import money, number, ordinal
from app.vocabulary import vocabulary

# Split after . ! ? ; : or a comma followed by a space: the clause keeps its punctuation (the neural voice
# pauses and intones by it). The first piece stays whole however short ("Okay,"): it is what the listener
# waits for, and the neural voice's time grows with the clause's length.
_CLAUSE_END = re.compile(r"(?<=[.!?;:,])\s+")
MIN_CLAUSE_CHARS = 12  # a shorter later piece joins its neighbour: one that short costs more than it saves

_ABBREVIATIONS = {
    "Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "St.": "Saint", "Mt.": "Mount",
    "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "approx.": "approximately",
    "a.m.": "AM", "p.m.": "PM", "No.": "number",
}
_TITLES = {"dr.", "mr.", "mrs.", "ms.", "st.", "mt.", "no."}  # a name or number follows: their dot never ends a sentence
_SPELLED = {a.lower(): words for a, words in _ABBREVIATIONS.items()}
_ABBREVIATION = re.compile("|".join(rf"(?<!\w){re.escape(a)}" for a in sorted(_ABBREVIATIONS, key=len, reverse=True)),
                           re.IGNORECASE)
_UNITS = {  # symbol: (singular, plural)
    "km/h": ("kilometre per hour", "kilometres per hour"), "mph": ("mile per hour", "miles per hour"),
    "km": ("kilometre", "kilometres"), "cm": ("centimetre", "centimetres"), "mm": ("millimetre", "millimetres"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "ml": ("millilitre", "millilitres"), "l": ("litre", "litres"), "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"), "h": ("hour", "hours"), "min": ("minute", "minutes"),
    "s": ("second", "seconds"), "ms": ("millisecond", "milliseconds"), "ft": ("foot", "feet"), "mi": ("mile", "miles"),
}
# A currency symbol is said as its currency's name and cents from assets/vocabulary.toml (the one list of them).
_SYMBOLS = {word: currency for currency in vocabulary().currencies.values() for word in currency.words
            if len(word) == 1 and not word.isalnum()}
_NUM = r"-?\d+(?:,\d{3})*(?:\.\d+)?"  # "1,200", "-3", "2.5"; never a comma that ends a clause
_TIME = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)(?:\s*([ap])\.?m\.?\b)?", re.IGNORECASE)
_MONEY = re.compile(rf"([{re.escape(''.join(_SYMBOLS))}])\s?(\d+(?:,\d{{3}})*)(?:\.(\d\d))?\b")
_DEGREES = re.compile(rf"({_NUM})\s?°\s?([CF])?\b")
_PERCENT = re.compile(rf"({_NUM})\s?%")
_UNIT = re.compile(rf"({_NUM})\s?({'|'.join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))})(?![\w/])")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_NUMBER = re.compile(rf"(?<![\w.]){_NUM}(?![\w])")


def _value(digits: str) -> float | int:
    value = float(digits.replace(",", ""))
    return int(value) if value.is_integer() and "." not in digits else value


def _time(m: re.Match) -> str:
    hour, minute, half = int(m[1]), int(m[2]), (m[3] or "").lower()
    if half:
        suffix = " AM" if half == "a" else " PM"
    elif hour > 12 or hour == 0:
        suffix, hour = (" PM" if hour >= 12 else " AM"), hour % 12 or 12
    else:
        suffix = ""
    spoken_minute = "" if minute == 0 else f" {number(minute)}" if minute >= 10 else f" oh {number(minute)}"
    if not spoken_minute and not suffix:
        spoken_minute = " o'clock"
    return f"{number(hour)}{spoken_minute}{suffix}"


def _money(m: re.Match) -> str:
    return money(_SYMBOLS[m[1]], _value(m[2]) + (int(m[3]) / 100 if m[3] else 0))


def _degrees(m: re.Match) -> str:
    value = _value(m[1])
    scale = {"C": " Celsius", "F": " Fahrenheit"}.get((m[2] or "").upper(), "")
    return f"{number(value)} {'degree' if value == 1 else 'degrees'}{scale}"


def _unit(m: re.Match) -> str:
    value = _value(m[1])
    singular, plural = _UNITS[m[2]]
    return f"{number(value)} {singular if value == 1 else plural}"


def _abbreviation(m: re.Match) -> str:
    """The words, and the full stop back when the abbreviation's dot also ended the sentence ("at five p.m.")."""
    said = m[0].lower()
    ends = said not in _TITLES and re.match(r"$|\s+[A-Z]", m.string[m.end():]) is not None
    return _SPELLED[said] + ("." if ends else "")


def speakable(text: str) -> str:
    """`text` with times, money, temperatures, percentages, units, ordinals, numbers and common
    abbreviations written out as words; other text unchanged but for collapsed whitespace."""
    text = " ".join(text.split())
    text = _ABBREVIATION.sub(_abbreviation, text)
    text = _TIME.sub(_time, text)
    text = _MONEY.sub(_money, text)
    text = _DEGREES.sub(_degrees, text)
    text = _PERCENT.sub(lambda m: f"{number(_value(m[1]))} percent", text)
    text = _UNIT.sub(_unit, text)
    text = _ORDINAL.sub(lambda m: ordinal(int(m[1])), text)
    return _NUMBER.sub(lambda m: number(_value(m[0])), text)


def clauses(text: str) -> list[str]:
    """`text` cut after each sentence or clause mark, short pieces joined to the next; no empty pieces."""
    pieces, pending = [], ""
    for piece in _CLAUSE_END.split(text.strip()):
        pending = f"{pending} {piece}".strip()
        if len(pending) >= MIN_CLAUSE_CHARS or (pending and not pieces):
            pieces.append(pending)
            pending = ""
    if pending:
        if pieces and len(pending) < MIN_CLAUSE_CHARS:
            pieces[-1] = f"{pieces[-1]} {pending}"
        else:
            pieces.append(pending)
    return pieces
