"""weather_query from the simulated forecast in world.toml; replies always say it is simulated."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from .. import speech_text as say
from ..slots import weekend
from .base import Reply, Turn, skill

WET = ("rain", "drizzle", "thunder", "snow", "shower")


def _advice(text: str, day: dict) -> str:
    wet = any(w in day["condition"] for w in WET)
    if re.search(r"umbrella|rain|wet", text):
        return " You'll want an umbrella." if wet else " No umbrella needed."
    if re.search(r"jacket|coat|cold|warm|sweater|jumper", text):
        return " A jacket would be a good idea." if day["high"] < 15 else " You probably won't need a jacket."
    if re.search(r"sunny|sun\b|sunglasses", text):
        return " Yes, sunshine." if "sun" in day["condition"] or "clear" in day["condition"] else " Not much sun, I'm afraid."
    if "snow" in text:
        return " Yes, snow." if "snow" in day["condition"] else " No snow expected."
    return ""


@skill("weather_query", accepts=("date", "place_name", "timeofday", "weather_descriptor"), does="check the weather")
def weather_query(t: Turn) -> Reply:
    place_words = t.slots.text("place_name")
    place = t.world.weather_place(place_words)
    if place is None:
        known = [p["place"] for p in t.world.weather]
        return t.reply(f"I only have a simulated forecast for {say.join(known, 'and')}, not {place_words.title()}.")
    here = "" if place["place"] == t.world.home.get("place") else f" in {place['place']}"
    if days := weekend(t.text, t.now.date()):  # "this weekend": Saturday and Sunday, each said
        said = [f"{calendar.day_name[d.weekday()]} {_day(place, d)['condition']}, from "
                f"{say.number(_day(place, d)['low'])} to {say.number(_day(place, d)['high'])} degrees" for d in days]
        wettest = max((_day(place, d) for d in days), key=lambda day: any(w in day["condition"] for w in WET))
        return t.reply(f"The simulated forecast for the weekend{here}: {'; '.join(said)}.{_advice(t.text, wettest)}")
    if re.search(r"\b(?:this|the|next|coming) week\b|\bweek ahead\b|\bseven days\b", t.text):  # a week, day by day
        days = [t.now.date() + timedelta(days=i) for i in range(7)]
        said = [f"{'today' if d == days[0] else calendar.day_name[d.weekday()]} {_day(place, d)['condition']}, "
                f"{say.number(_day(place, d)['low'])} to {say.number(_day(place, d)['high'])}" for d in days]
        return t.reply(f"The simulated forecast for the next seven days{here}, in degrees: {'; '.join(said)}.")
    moment = t.slots.moment()
    when = moment.at or t.now
    day = _day(place, when.date())
    spoken_day = say.day(when, t.now).removeprefix("on ")
    low, high = say.number(day["low"]), say.number(day["high"])
    text = t.pick("In the simulated forecast for {}", "The simulated forecast for {}", "My simulated weather for {}")
    text = text.format(spoken_day + here)
    return t.reply(f"{text}: {day['condition']}, from {low} to {high} degrees.{_advice(t.text, day)}")


def _day(place: dict, day: date) -> dict:
    """A day of the place's simulated pattern, which repeats."""
    return place["pattern"][day.toordinal() % len(place["pattern"])]
