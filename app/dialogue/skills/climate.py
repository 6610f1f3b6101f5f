"""Heating and cooling: "set the thermostat to 21", "turn up the heating", "how warm is it in here".

HWU64 has no intent for a thermostat (the model hears "set the thermostat to 21 degrees" as an alarm), so
the words decide (`request`, one of the rules skills/status.py runs, like the doors'). The simulated home
(assets/world.toml) has no thermostat and no thermometer, only smart plugs (a heater on one): the answer
says so and points to the plugs, instead of setting an alarm or reporting the weather.
"""

from __future__ import annotations

import re

from app.nlu.types import Understanding

from .. import questions
from .. import speech_text as say
from ..world import World
from .base import Reply, Turn, on_confirm, skill

INDOORS = (r"(?:in here|inside|indoors|"
           r"in the (?:house|home|flat|apartment|room|[a-z]+ ?room|kitchen|bedroom|office|hallway|bathroom))")
CLIMATE = re.compile(r"\b(?:thermostat|(?:central )?heating|air ?con(?:ditioning|ditioner)?|the a/?c|radiators?)\b"
                     rf"|\b(?:temperature|degrees|warm|cold|hot|warmer|cooler|colder|hotter)\b.*\b{INDOORS}"
                     r"|\b(?:room|indoor|house|home) temperature\b"
                     r"|\b(?:set|turn|raise|lower|increase|decrease|put)\b.*\btemperature\b")
# "I'm cold", "we're freezing", "it's so hot in here": how it feels, which the heater plug can help with (the model
# hears weather)
_HOW = (r"(?:so |really |very |quite |a (?:bit|little) |too |getting |kind of )?"
        r"(?:(?P<chill>cold|freezing|chilly)|hot|warm|boiling)\b")
FEEL = re.compile(rf"^\W*(?:(?:oh|so|hearth|hey)\W+)*(?:(?:i'm|i am|we're|we are|i feel|i'm feeling|we feel) {_HOW}"
                  rf"(?: in here)?|(?:it's|it is) {_HOW.replace('?P<chill>', '?P<here_chill>')} in here)\W*$")
LIGHTS = re.compile(r"\b(?:lights?|lamps?|bulbs?|colou?r)\b")  # "make the lights warmer in here" is a colour
NONE = "The simulated home has no thermostat"


def request(u: Understanding, world: World) -> str | None:
    """iot_climate when the words are about heating, cooling or the temperature indoors; never about lights."""
    text = u.text.lower()
    return "iot_climate" if (CLIMATE.search(text) or FEEL.match(text)) and not LIGHTS.search(text) else None


@skill("iot_climate", does="change the heating")
def climate(t: Turn) -> Reply:
    heater = next((d for d in t.world.devices.values() if d.heats), None)
    if (feel := FEEL.match(t.text)) and heater is not None:
        cold = bool(feel["chill"] or feel["here_chill"])
        if cold != bool(heater.state.get("on")):  # cold with the heater off, or hot with it on: offer the switch
            way = "on" if cold else "off"
            return t.confirm(f"{NONE}, but I can switch the {heater.name} {way}. Shall I?", "climate.heater",
                             on=cold)
        if cold:
            return t.reply(f"The {heater.name} is already on. {NONE}, so that's all I can do.")
    plugs = ["the " + d.name for d in t.world.find("plug")]
    plug = f" I can switch {say.join(plugs, 'or')} on or off, or tell you whether they're on." if plugs else ""
    if questions.is_question(t.text):
        return t.reply(f"{NONE} or thermometer, so I can't tell how warm it is inside.{plug}")
    return t.reply(f"{NONE}, so I can't change the temperature.{plug}")


@on_confirm("climate.heater")
def switch_heater(t: Turn, on: bool) -> Reply:
    heater = next(d for d in t.world.devices.values() if d.heats)
    t.session.last_devices = [heater.id]  # "turn it off" next is the heater
    return t.reply(f"Done, the {heater.name} is {'on' if on else 'off'}.", [t.world.set(heater, on=on)])
