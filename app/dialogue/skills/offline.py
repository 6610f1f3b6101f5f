"""Intents Hearth cannot serve without the internet or accounts: an honest, specific reply each."""

from __future__ import annotations

import re

from app.nlu.types import Understanding

from .base import Reply, Turn, skill

MAIL = "Hearth runs offline and isn't connected to a mail account"
SOCIAL = "I'm offline and signed in to no social accounts"
DELIVERY = "I can't reach delivery services offline"

# intent: (what the user wanted, the same naming the entity or None, why not, entity types to name)
CANNOT: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {
    "email_sendemail": ("send email", "email {}", MAIL, ("person",)),
    "email_query": ("check your email", None, MAIL, ()),
    "email_querycontact": ("look up contacts", "look up {}", "I have no address book to read offline", ("person",)),
    "email_addcontact": ("add contacts", "add {} to your contacts", "I have no address book to write to offline",
                         ("person",)),
    "news_query": ("read the news", "read the news about {}", "I work offline, with no news feed", ("news_topic",)),
    "social_post": ("post to social media", None, SOCIAL, ()),
    "social_query": ("check social media", None, SOCIAL, ()),
    "transport_query": ("check timetables or routes", None, "I have no live transport data offline", ()),
    "transport_taxi": ("book a taxi", None, "I can't reach taxi services offline", ()),
    "transport_ticket": ("buy tickets", "buy {} tickets", "I can't reach booking services offline", ("transport_type",)),
    "transport_traffic": ("check traffic", "check the traffic to {}", "I have no live traffic data offline",
                          ("place_name",)),
    "takeaway_order": ("order food", "order {}", DELIVERY, ("food_type",)),
    "takeaway_query": ("check on takeaway orders", None, DELIVERY, ()),
    "recommendation_events": ("recommend events", None, "I have no event listings offline", ()),
    "recommendation_locations": ("recommend places", None, "I have no maps or reviews offline", ()),
    "recommendation_movies": ("recommend movies", None, "I have no film listings offline", ()),
    "qa_factoid": ("look that up", None, "I have no encyclopedia offline", ()),
    "qa_definition": ("define words", "define {}", "I have no dictionary offline yet", ("definition_word",)),
    "qa_stock": ("give stock prices", "give you {}'s stock price", "I have no live market data offline",
                 ("business_name",)),
    "cooking_recipe": ("find recipes", "find a recipe for {}", "I have no recipe collection offline yet",
                       ("food_type",)),
    "play_game": ("play games", "play {}", "I don't have any games yet", ("game_name",)),
    "qa_translate": ("translate", None, "I have no dictionaries for other languages offline", ()),
}
# "translate hello into French", "how do you say thank you in Spanish", "what's cat in German": no model intent
# (it hears an audiobook or a definition), so the words decide (`translation`, one of the rules skills/status.py runs)
LANGUAGES = ("french|spanish|german|italian|portuguese|dutch|swedish|norwegian|danish|finnish|polish|russian|greek|"
             "turkish|arabic|hebrew|hindi|chinese|mandarin|cantonese|japanese|korean|vietnamese|thai|latin|welsh|irish")
TRANSLATE = re.compile(rf"\btranslat\w*\b|\b(?:how (?:do|would|can) (?:you|i|we) say|what(?:'s| is| are)|say) .+ in "
                       rf"(?:{LANGUAGES})\b|\bin (?:{LANGUAGES}),? (?:how do (?:you|i) say|what(?:'s| is))\b")


def translation(u: Understanding, world: object) -> str | None:
    return "qa_translate" if TRANSLATE.search(u.text.lower()) else None


def cannot(t: Turn) -> Reply:
    wanted, named, why, types = CANNOT[t.u.intent]
    about = t.slots.text(*types) if types else None
    what = named.format(about) if named and about else wanted
    return t.reply(t.pick("Sorry, I can't {}: {}.", "I'm not able to {}: {}.").format(what, why))


for _intent, (_wanted, _, _, _types) in CANNOT.items():
    skill(_intent, accepts=_types, does=_wanted)(cannot)
