"""lists_createoradd / lists_query / lists_remove: named lists kept in the state database."""

from __future__ import annotations

import re
from dataclasses import replace

from app.nlu.types import Entity, Understanding

from .. import speech_text as say
from ..world import World
from .base import Reply, Turn, on_confirm, skill

# The items are the words from the first verb to the first list phrase after it, found in two linear scans:
# one regex spanning both restarts at every verb and rescans the rest (quadratic: seconds on a pasted page).
# A leading "and" is "add" as the recognizer often hears it ("and coffee to my shopping list").
ADD = (re.compile(r"(?:\b(?:add|put|include|append|insert|write)|^\W*and)\s+(?!(?:to|on|onto|in|into)\b)"),
       re.compile(r"(?<!\s)\s+(?:to|on|onto|in|into)\s+(?:my|the|our|a|it|that|this)\b|$"))
OUT_OF = re.compile(r"\b(?:out of|run out of|running (?:low|out) (?:on|of)|low on|need some|need more"
                    r"|need to (?:buy|get|pick up)(?: some| more)?|should (?:buy|get)(?: some| more)?)"
                    r"\s+(?P<items>[\w' -]{1,60}?)\s*(?:[,.;]|$|\s+so\b)")
# "we're out of milk", "I need to buy batteries", "we're running low on coffee": the shopping list, said as a need
# (the model hears a recipe, the coffee maker or a removal)
NEED = re.compile(r"^\W*(?:(?:oh|so|ok|okay|and|hey|hearth|um)\W+)*(?:we|i)(?:'re| are|'m| am|'ve| have)? "
                  r"(?:(?:all |completely |almost |nearly )?(?:out of|running (?:low|out) (?:on|of)|low on)"
                  r"|(?:run|ran) out of|(?:really |still )?need (?:to (?:buy|get|pick up)|some|more)|should (?:buy|get))\b"
                  r"(?!.*\b(?:timer|alarm|remind|reminder)s?\b)")
# "remove eggs": the items may run to the end of the words; "delete my shopping list" names the list, not an item.
# "I bought the eggs" ticks them off too.
REMOVE = (re.compile(r"\b(?:remove|delete|take|cross|tick|check|strike|scratch|get rid of|erase|mark|"
                     r"i (?:just |already )?(?:bought|got|picked up)(?: the| some)?)(?:\s+off)?\s+"),
          re.compile(r"(?<!\s)\s+(?:(?:from|off)\b|(?:on|in)\s+(?:my|the|our|that|this)\b"
                     r"|as (?:done|complete|completed|finished)\b)|$"))
NOT_ITEMS = {"it", "this", "that", "them", "everything", "all", "the list", "my list", "items", "something"}
A_LIST = re.compile(r"^(?:(?:my|the|our|this|that|whole|entire)\s+)*(?:[\w'-]+\s+){0,2}(?:list|checklist)s?$")
# The list's name in the words when the model tagged none: "my packing list", "to the groceries".
NAMED = (re.compile(r"\b(?:my|the|our|a)\s+(?:(?:whole|entire)\s+)?(?!new\b|whole\b|entire\b)"
                    r"(?P<name>[\w'-]+(?:\s+[\w'-]+)?)\s+(?:list|checklist)\b"),
         re.compile(r"\b(?:to|on|onto|from|off)\s+(?:my|the|our)\s+(?P<name>[\w'-]+)\s*$"),
         re.compile(r"\b(?:list|checklist)\s+(?:called|named|titled)\s+(?P<name>[\w'-]+(?:\s+[\w'-]+)?)\W*$"))
ON_IT = re.compile(r"^\W*(?:is|are) (?:there )?(?:any )?(?P<item>[\w' ]{2,30}?) (?:on|in) (?:my|the|our) ")
LAST_ONE = re.compile(r"\b(?:the )?last (?:item|thing|one)\b")
REFERS = re.compile(r"\b(?:it|that(?: list)?|this list|too|also|as well)\b")  # the list talked about last
CLEAR = re.compile(r"\b(?:clear|empty|wipe|everything|all the items)\b")  # empty the list, keep it
ALL_LISTS = re.compile(r"\blists\b|\b(?:which|what) lists?\b(?! is)")


BOUGHT = re.compile(r"^\W*(?:(?:ok|okay|so|and)\W+)?i (?:just |already )?(?:bought|got|picked up)\b")


def bought(u: Understanding, world: World) -> str | None:
    """lists_remove for "I bought the eggs" when eggs are on a list (the model hears a recipe); one of the rules
    skills/status.py runs."""
    text = u.text.lower()
    if not BOUGHT.match(text):
        return None
    held = {i.lower() for name in world.store.lists() for i in world.store.items(name)}
    return "lists_remove" if held and set(spanned(text, REMOVE)) <= held and spanned(text, REMOVE) else None


NOT_BOUGHT = set("help rest sleep advice time space quiet air peace privacy information info music light lights heat "
                 "fun sun money luck break holiday".split())  # "I need some help" is no shopping


def needed(u: Understanding, world: World) -> str | None:
    """lists_createoradd for "we're out of milk", "I need to buy batteries"; one of the rules skills/status.py runs."""
    text = u.text.lower()
    found = NEED.match(text) and OUT_OF.search(text)
    return "lists_createoradd" if found and not set(split_items(found["items"])) & NOT_BOUGHT else None


# "rename the to do list to chores", "call my to do list chores": no HWU64 intent, so the words decide (`renaming`)
RENAME = re.compile(r"^\W*(?:please |can you |could you )?(?:rename|change the name of|call) (?:my |the |our )?"
                    r"(?P<old>[\w' -]+?) list (?:to |as |into )?(?:the |a )?(?P<new>[\w' -]+?)(?: list)?\W*$")


def renaming(u: Understanding, world: World) -> str | None:
    """lists_rename for "rename my to do list to chores"; one of the rules skills/status.py runs."""
    return "lists_rename" if RENAME.match(u.text.lower()) else None


READ = re.compile(r"^\W*(?:please |can you |could you )?(?:read|tell|give|show) (?:me )?(?:out )?(?:my |the |our )?"
                  r"(?P<name>[\w' -]+?)(?: list)?(?: please)?\W*$")


def reading(u: Understanding, world: World) -> str | None:
    """lists_query for "read me my chores" when a list is called that; one of the rules skills/status.py runs."""
    m = READ.match(u.text.lower())
    return "lists_query" if m and list_name(m["name"]) in world.store.lists() else None


def list_name(words: str | None) -> str | None:
    """"my grocery list" / "groceries" / "list of clients" / "to-do" -> "grocery" / "grocery" / "client" / "to do"."""
    if not words:
        return None
    name = re.sub(r"\b(list of|lists?|checklist|my|the|our)\b", " ", words.lower())
    name = re.sub(r"[^\w\s']|_", " ", name).replace("todo", "to do")
    name = re.sub(r"\s+", " ", name).strip()
    if name.endswith("ies"):
        name = name[:-3] + "y"
    elif name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        name = name[:-1]
    return name or None


# A list said without its commas ("milk eggs and bread") is split at each word, unless the words are one thing: two
# words that make a common item, a first word that qualifies the next ("brown rice", "almond milk"), or a task (a verb
# or a little word: "call the plumber", "pay rent").
COMPOUNDS = {"paper towels", "ice cream", "peanut butter", "toilet paper", "olive oil", "orange juice", "apple juice",
             "baking soda", "baking powder", "cream cheese", "sour cream", "hot dogs", "hot sauce", "dish soap",
             "washing up liquid", "kitchen roll", "tin foil", "cling film", "bin bags", "trash bags", "tea bags",
             "coffee beans", "maple syrup", "soy sauce", "chocolate chips", "cat food", "dog food", "corn flakes",
             "spring onions", "sweet potatoes", "pine nuts", "ground beef", "chicken breasts", "toothpaste tubes"}
QUALIFIERS = set("whole skimmed semi skim low fat brown white red green black yellow sweet frozen fresh dried canned tinned "
                 "sparkling still olive almond oat soy coconut cottage baking dish washing hand kitchen sour hot cold "
                 "chicken beef pork lamb turkey fish tomato apple orange lemon lime grape cream ice paper toilet peanut "
                 "greek plain smoked sliced grated ground mixed large small big little extra free range gluten organic "
                 "cat dog baby birthday party vegetable veggie maple garlic chilli chili".split())
NOT_NOUNS = set("the a an my our some of for with to in on at from and or call pay book buy get pick send fix clean "
                "wash water take make check cancel return renew email text ring phone order collect post feed walk "
                "mow book sort tidy".split())


def _one_each(part: str, listed: bool) -> list[str]:
    """"milk eggs" said in a list -> milk, eggs; "paper towels", "brown rice" and "call mum" stay one item."""
    words = part.split()
    if not listed or not 2 <= len(words) <= 3 or part in COMPOUNDS or any(w in NOT_NOUNS for w in words):
        return [part]
    if any(f"{a} {b}" in COMPOUNDS or a in QUALIFIERS for a, b in zip(words, words[1:])):
        return [part]
    return words


def split_items(words: str) -> list[str]:
    words = re.sub(r"^please\s+|[\s,]+please$", "", words.lower().strip(" .?!"))  # "remove the eggs please"
    words = re.sub(r"\s+(?:too|as well|also)$", "", words)  # "add dry cleaning too"
    parts = re.split(r",\s*|\s+and\s+|\s+&\s+", words)
    items = [re.sub(r"^(some|a|an|the)\s+", "", p).strip() for p in parts
             if p.strip() and p.strip() not in NOT_ITEMS and not A_LIST.match(p.strip())]
    return [w for p in items for w in _one_each(p, len(items) > 1 and "," not in words)]


def spanned(text: str, pattern: tuple[re.Pattern, re.Pattern]) -> list[str]:
    """The items from the verb to the list phrase: "remove eggs from my list", "cross off eggs" -> ["eggs"]."""
    verb, end = pattern
    v = verb.search(text)
    e = end.search(text, v.end() + 1) if v else None
    return split_items(text[v.end():e.start()]) if v and e else []


def _items(t: Turn, pattern: tuple[re.Pattern, re.Pattern]) -> list[str]:
    given = t.slots.all("item")
    if given:
        return [i for e in given for i in split_items(e.text)]
    if found := spanned(t.text, pattern):
        return found
    if pattern is ADD and (m := OUT_OF.search(t.text)):  # "we're out of toilet paper, put it on the list"
        return split_items(m["items"])
    return [p for p in t.slots.texts("person")]


def _tagged(t: Turn) -> str | None:
    """The model's list name: the tagged words just before "list" (or ending the request), joined where it
    splits them ("to", "do"); words it tags inside the items ("paper towels") are not the name. An entity
    that is no span of these words (an answer to "Which list?") is the name as it is."""
    text = t.u.text
    loose = [e.text for e in t.slots.all("list_name") if text[e.start:e.end] != e.text]
    groups: list[list[Entity]] = []
    for e in (e for e in t.slots.all("list_name") if text[e.start:e.end] == e.text):
        if groups and re.fullmatch(r"[\s-]*", text[groups[-1][-1].end:e.start]):
            groups[-1].append(e)
        else:
            groups.append([e])
    named = [g for g in groups if re.match(r"\s*(?:(?:list|checklist)\b|[\s.?!]*$)", text[g[-1].end:])]
    return text[named[-1][0].start:named[-1][-1].end] if named else (loose[-1] if loose else None)


def _name(t: Turn) -> str | None:
    """The list named: the model's words, else the words around "list" ("my packing list", "to the groceries")."""
    found = _tagged(t) or next((m["name"] for pattern in NAMED if (m := pattern.search(t.text))), None)
    return list_name(found)


def _which(t: Turn) -> str | None:
    """The list meant: the one named, else the one talked about last when the words point at it ("add it to that
    list", "eggs too") or continue it, else the only one there is."""
    if name := _name(t):
        return name
    names = t.store.lists()
    if t.session.last_list in names and (t.followup or REFERS.search(t.text)):
        return t.session.last_list
    return names[0] if len(names) == 1 else None


def _spoken(name: str) -> str:
    return f"{name} list"


@skill("lists_createoradd", accepts=("list_name", "item"), does="add to a list")
def lists_createoradd(t: Turn) -> Reply:
    items = _items(t, ADD)
    name = _name(t) or ("shopping" if NEED.match(t.text) else _which(t))  # a need goes on the shopping list
    if name is None and items and not t.store.lists():
        name = "shopping"  # "add milk" with no list yet: the list people start with
    if name is None:
        t.u.entities += [Entity("item", i, 0, 0, i) for i in items if not t.slots.all("item")]
        return t.ask("list_name", "Which list?" if items else "What should the list be called?")
    existed = name in t.store.lists()
    t.session.last_list = name
    if not items:
        if not existed:
            t.store.add_items(name, [])
            t.u.entities.append(Entity("list_name", name, 0, 0, name))
            reply = t.ask("item", f"I started a new {_spoken(name)}. What should go on it?")
            reply.actions.append({"list": name, "created": True})
            return reply
        return t.ask("item", f"What should I add to your {_spoken(name)}?")
    t.store.add_items(name, items)
    # What was settled, as this turn's entities: "take that off" and "and eggs" follow up on it.
    t.u = replace(t.u, entities=[Entity("list_name", name, 0, 0, name), *(Entity("item", i, 0, 0, i) for i in items)])
    text = t.pick("Added {} to your {}.", "Okay, {} went on your {}.", "Got it: {}, on the {}.")
    text = text.format(say.join(items), _spoken(name))
    new = "" if existed else " It's a new list."
    return t.reply(text + new, [{"list": name, "add": items}])


@skill("lists_query", accepts=("list_name",), does="read a list")
def lists_query(t: Turn) -> Reply:
    names = t.store.lists()
    name = _name(t) or (None if ALL_LISTS.search(t.text) else _which(t))
    if name is None:
        if not names:
            return t.reply("You don't have any lists yet. Try: add milk to my shopping list.")
        if len(names) == 1:
            return t.reply(f"You have one list, your {_spoken(names[0])}.")
        if ALL_LISTS.search(t.text):
            return t.reply(f"You have {say.plural(len(names), 'list')}: {say.join(names)}.")
        return t.ask("list_name", f"You have {say.plural(len(names), 'list')}: {say.join(names)}. Which one?")
    t.session.last_list = name
    if name not in names:
        others = f" Your lists are: {say.join(names)}." if names else ""
        return t.reply(f"You don't have a {_spoken(name)}.{others}")
    items = t.store.items(name)
    if (asked := ON_IT.match(t.text)) and asked["item"] not in ("anything", "something"):  # "is milk on my list"
        held = next((i for i in items if i.lower() == asked["item"] or list_name(i) == list_name(asked["item"])), None)
        said = held or asked["item"]
        be = "are" if said.endswith("s") and not said.endswith("ss") else "is"  # "apples are", "milk is"
        return t.reply(f"Yes, {said} {be} on your {_spoken(name)}." if held
                       else f"No, {said} {be}n't on your {_spoken(name)}.")
    if not items:
        return t.reply(f"Your {_spoken(name)} is empty.")
    return t.reply(f"Your {_spoken(name)} has {say.plural(len(items), 'item')}: {say.join(items)}.")


@skill("lists_rename", does="rename a list")
def lists_rename(t: Turn) -> Reply:
    m = RENAME.match(t.text)
    name, new = list_name(m["old"]), list_name(m["new"])
    names = t.store.lists()
    if name not in names:
        others = f" Your lists are: {say.join(names)}." if names else ""
        return t.reply(f"You don't have a {_spoken(name)}.{others}")
    if new in names:
        return t.reply(f"You already have a {_spoken(new)}, so I left your {_spoken(name)} as it is.")
    t.store.rename_list(name, new)
    t.session.last_list = new
    return t.reply(f"I've renamed your {_spoken(name)} to {_spoken(new)}.", [{"list": name, "renamed": new}])


@skill("lists_remove", accepts=("list_name",), does="remove something from a list")
def lists_remove(t: Turn) -> Reply:
    items = _items(t, REMOVE)
    names = t.store.lists()
    holding = [n for n in names if items and set(items) <= {i.lower() for i in t.store.items(n)}]
    name = _name(t) or (holding[0] if len(holding) == 1 else _which(t))  # "take milk off the list": the one with milk
    if name is None:
        return t.ask("list_name", "Which list?") if names else t.reply("You don't have any lists.")
    if name not in names:
        return t.reply(f"You don't have a {_spoken(name)}.")
    t.session.last_list = name
    count = len(t.store.items(name))
    if not items and CLEAR.search(t.text):
        if not count:
            return t.reply(f"Your {_spoken(name)} is already empty.")
        return t.confirm(f"Clear your {_spoken(name)}? It has {say.plural(count, 'item')}.", "lists.clear", name=name)
    if not items:
        question = (f"Delete your whole {_spoken(name)} with {say.plural(count, 'item')}?" if count
                    else f"Your {_spoken(name)} is empty. Delete it?")
        return t.confirm(question, "lists.delete", name=name)
    current = {i.lower(): i for i in t.store.items(name)}
    if LAST_ONE.search(t.text) and current:  # "remove the last item": the one added last
        items = [list(current)[-1]]
    removed = [current[i] for i in items if i in current]
    for item in removed:
        t.store.remove_item(name, item)
    missing = [i for i in items if i not in current]
    if not removed:
        return t.reply(f"I couldn't find {say.join(missing, 'or')} on your {_spoken(name)}.")
    tail = f" I couldn't find {say.join(missing, 'or')}." if missing else ""
    return t.reply(f"I've removed {say.join(removed)} from your {_spoken(name)}.{tail}",
                   [{"list": name, "remove": removed}])


@on_confirm("lists.clear")
def clear_list(t: Turn, name: str) -> Reply:
    removed = t.store.items(name)
    t.store.delete_list(name)
    t.store.add_items(name, [])
    return t.reply(f"Done, your {_spoken(name)} is empty.", [{"list": name, "remove": removed}])


@on_confirm("lists.delete")
def delete_list(t: Turn, name: str) -> Reply:
    t.store.delete_list(name)
    return t.reply(t.pick("Done, your {} is gone.", "Okay, I deleted your {}.").format(_spoken(name)),
                   [{"list": name, "deleted": True}])
