"""What you tell Hearth about yourself: your name ("my name is Alex", "what's my name") and things to remember
("remember that my car is on level 3", then "where is my car?", "what do you remember", "forget that").

The model has no intent for these (it hears "my name is Alex" as a contact to look up), so the words decide
(`request`, one of the rules skills/status.py runs). Both are kept in the state database like lists and timers,
on this machine only. A question is taken for a memory only when every word it asks about is in one.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime

from app.nlu.types import Understanding
from app.nlu.values import normalize

from .. import speech_text as say
from ..state import Store
from ..world import World
from .base import Reply, Turn, on_confirm, skill

NAME_KEY, FACTS_KEY = "personal:name", "personal:facts"
MAX_FACTS = 100

NAME_SET = re.compile(r"^\W*(?:(?:hi|hello|hey|and|so)\W+)?(?:my name(?:'s| is)|call me|i'm called|i am called)\s+"
                      r"(?!(?:a|an|the|back|later|tomorrow|tonight|now|soon|when|if|in|at|on)\b)"  # "call me back"
                      r"(?P<name>[a-z][a-z'\-]*(?: [a-z][a-z'\-]*)?)\W*$")
NAME_QUERY = re.compile(r"\bwhat(?:'s| is) my name\b|^\W*who am i\W*$"
                        r"|\bdo you (?:know|remember) (?:my name|who i am)\b")
REMEMBER = re.compile(r"^\W*(?:(?:please|hearth|can you|could you)\W+)*(?:remember|note|don't forget)(?: that)?\s+"
                      r"(?!to\b|me\b|when\b|what\b)(?P<fact>.{3,})$")
# "my birthday is march 3rd", "my anniversary is on june 12": a date to remember without "remember"
MY_DATE = re.compile(r"^\W*(?:and\W+)?(?P<fact>my (?P<what>birthday|anniversary|[a-z]+'s birthday)(?:'s| is)(?: on)? "
                     r"(?P<when>.{3,40}?))\W*$")
RELATIVE = re.compile(r"\b(?:today|tomorrow|yesterday|next|this|last|in \d+|days?|weeks?)\b")
RECALL_ALL = re.compile(r"\bwhat (?:do you remember|have i (?:told you|asked you to remember)|did i (?:tell|ask) you "
                        r"to remember)\b")
RECALL_ABOUT = re.compile(r"\bwhat did i (?:tell you|say) about (?P<about>.+)")
FORGET = re.compile(r"^\W*(?:please\W+)?forget (?:(?P<it>that|it|this)|(?P<name>my name)|(?P<all>everything)"
                    r"|(?:about |where |what |that )?(?P<about>.+?))(?: please)?\W*$")
QUESTION = re.compile(r"^\W*(?:where|what|when|which|who|how|is|are|was|did|do)\b")
# Words a question or a memory shares with any other: not what it is about
COMMON = frozenset("a an the my your i me you is are was were be been am it its it's that this there where what when "
                   "which who how do did does to of on in at for and or please hearth again tell remember told say "
                   "said about have has had put left can could".split())
MINE = {"my": "your", "mine": "yours", "i": "you", "me": "you", "i'm": "you're", "am": "are", "myself": "yourself",
        "i've": "you've", "i'll": "you'll", "i'd": "you'd", "we": "you", "our": "your", "us": "you"}


def _words(text: str) -> set[str]:
    """What `text` is about: its words less the common ones, cut to a stem ("parked", "parking" -> "park")."""
    return {re.sub(r"(?<=\w\w\w)(?:ing|ed|es|s)$", "", w)
            for w in re.findall(r"[\w']+", text.lower()) if w not in COMMON}


def facts(store: Store) -> list[dict]:
    return list(store.get(FACTS_KEY, []))


def matching(store: Store, text: str) -> list[dict]:
    """The memories holding every word `text` asks about (at least one word)."""
    asked = _words(text)
    return [f for f in facts(store) if asked and asked <= _words(f["text"])]


def request(u: Understanding, world: World) -> str | None:
    text = u.text.lower().strip()
    if NAME_SET.match(text):
        return "personal_name"
    if NAME_QUERY.search(text):
        return "personal_name_query"
    if (m := FORGET.match(text)) and _forgets_something(world.store, m):
        return "personal_forget"
    if REMEMBER.match(text) or MY_DATE.match(text):
        return "personal_remember"
    if RECALL_ALL.search(text) or RECALL_ABOUT.search(text):
        return "personal_recall"
    if QUESTION.match(text) and matching(world.store, text):
        return "personal_recall"  # "where is my car": a memory holds "car"
    return None


def _forgets_something(store: Store, m: re.Match) -> bool:
    """"forget that" with memories kept, "forget my name" with a name, "forget about my car" with a memory of it."""
    if m["it"] or m["all"]:
        return bool(facts(store))
    if m["name"]:
        return store.get(NAME_KEY) is not None
    return bool(matching(store, m["about"]))


def second_person(text: str) -> str:
    """"my car is on level 3" -> "your car is on level 3": a memory said back to whom it belongs."""
    return re.sub(r"[\w']+", lambda w: MINE.get(w[0].lower(), w[0]), text.strip().rstrip(".!"))


def _name(text: str) -> str:
    return " ".join(w.capitalize() for w in text.split())


@skill("personal_name", does="remember your name")
def name_set(t: Turn) -> Reply:
    name = _name(NAME_SET.match(t.text.lower().strip())["name"])
    t.store.put(NAME_KEY, name)
    return t.reply(f"Nice to meet you, {name}. I'll remember your name.", [{"personal": "name", "set": name}])


@skill("personal_name_query", does="say your name")
def name_query(t: Turn) -> Reply:
    t.remember = False
    name = t.store.get(NAME_KEY)
    return t.reply(f"You're {name}." if name
                   else "I don't know your name yet. Tell me: say \"my name is\", then your name.")


@skill("personal_remember", does="remember something for you")
def remember(t: Turn) -> Reply:
    fact = (REMEMBER.match(t.text.strip()) or MY_DATE.match(t.text.strip()))["fact"].strip().rstrip(".!")
    fact = _dated(fact, t.now)
    kept = [f for f in facts(t.store) if not _same_date(f["text"], fact)]  # a birthday said again replaces it
    if len(kept) >= MAX_FACTS:
        return t.reply(f"I'm already keeping {say.number(MAX_FACTS)} things for you. Ask me to forget one first.")
    kept.append({"text": fact, "at": t.now.isoformat()})
    t.store.put(FACTS_KEY, kept)
    return t.reply(f"Okay, I'll remember that {second_person(fact)}.", [{"personal": "fact", "added": fact}])


def _dated(fact: str, now: datetime) -> str:
    """"my birthday is tomorrow" kept as "my birthday is December 3": a day said relative to today would move."""
    m = MY_DATE.match(fact)
    if m is None or not RELATIVE.search(m["when"]):
        return fact
    value = normalize("date", m["when"], now)
    if not (isinstance(value, dict) and value.get("iso")):
        return fact
    day = datetime.fromisoformat(value["iso"])
    return f"{fact[:m.start('when')]}{calendar.month_name[day.month]} {day.day}"


def _same_date(old: str, new: str) -> bool:
    """Both say when the same thing is ("my birthday is ..." twice)."""
    return bool((a := MY_DATE.match(old)) and (b := MY_DATE.match(new)) and a["what"] == b["what"])


def date_of(store: Store, what: str) -> str | None:
    """When a remembered date is ("march 3rd" for "birthday", from "my birthday is march 3rd"), or None."""
    dated = [m["when"] for f in matching(store, what) if (m := MY_DATE.match(f["text"]))]
    return dated[-1] if dated else None


@skill("personal_recall", does="say what you asked me to remember")
def recall(t: Turn) -> Reply:
    t.remember = False
    text = t.text.lower()
    kept = facts(t.store)
    if about := RECALL_ABOUT.search(text):
        kept = matching(t.store, about["about"])
    elif not RECALL_ALL.search(text):
        kept = matching(t.store, text)
    if not kept:
        return t.reply("You haven't asked me to remember anything." if not facts(t.store)
                       else "You haven't told me anything about that.")
    said = say.join([f"that {second_person(f['text'])}" for f in kept[-5:]])
    more = f" Besides that, {say.plural(len(kept) - 5, 'older thing')}." if len(kept) > 5 else ""
    return t.reply(f"You told me {said}.{more}")


@skill("personal_forget", does="forget what you told me")
def forget(t: Turn) -> Reply:
    m = FORGET.match(t.text.lower().strip())
    kept = facts(t.store)
    if m["name"]:
        t.store.delete(NAME_KEY)
        return t.reply("Okay, I've forgotten your name.", [{"personal": "name", "removed": True}])
    if m["all"]:
        return t.confirm(f"Forget the {say.plural(len(kept), 'thing')} you asked me to remember?", "personal.forget",
                         texts=[f["text"] for f in kept])
    if m["it"] and t.session.last_intent != "personal_remember":  # "forget it" after anything else: never mind
        return t.reply("Okay, never mind.")
    gone = kept[-1:] if m["it"] else matching(t.store, m["about"])  # "forget that": the last thing to remember
    return forget_these(t, [f["text"] for f in gone])


@on_confirm("personal.forget")
def forget_these(t: Turn, texts: list[str]) -> Reply:
    t.store.put(FACTS_KEY, [f for f in facts(t.store) if f["text"] not in texts])
    return t.reply(f"Okay, I've forgotten that {say.join([second_person(text) for text in texts])}.",
                   [{"personal": "fact", "removed": text} for text in texts])
