"""Skill families; importing them fills base.SKILLS (intent -> skill) and base.CONFIRMED."""

from . import (alarms, calendar, chance, climate, clock_skills, conversions, currency, devices, doors, general, home,
               jokes, lists, maths, media, offline, personal, spelling, status, weather)
from .base import CONFIRMED, SKILLS, Session, Skill, Turn

__all__ = ["CONFIRMED", "SKILLS", "Session", "Skill", "Turn", "alarms", "calendar", "chance", "climate",
           "clock_skills", "conversions", "currency", "devices", "doors", "general", "home", "jokes", "lists", "maths",
           "media", "offline", "personal", "spelling", "status", "weather"]
