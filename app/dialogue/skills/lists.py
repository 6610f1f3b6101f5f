"""lists_createoradd / lists_query / lists_remove: named lists kept in the state database."""

from __future__ import annotations

import re

from app.nlu.types import Entity

from .. import speech_text as say
from .base import Reply, Turn, on_confirm, skill

ADD = re.compile(r"\b(?:add|put|include|append|insert|write)\s+(?P<items>(?!(?:to|on|onto|in|into)\b).+?)(?:\s+(?:to|on|onto|in|into)\s+(?:my|the|our|a)\b.*)?$")
REMOVE = re.compile(r"\b(?:remove|delete|take|cross|strike|get rid of|erase)\s+(?P<items>.+?)\s+(?:from|off)\b")
NOT_ITEMS = {"it", "this", "that", "them", "everything", "all", "the list", "my list", "items", "something"}


def list_name(words: str | None) -> str | None:
    """"my grocery list" / "groceries" / "list of clients" -> "grocery" / "grocery" / "client"."""
    if not words:
        return None
    name = re.sub(r"\b(list of|lists?|checklist|my|the|our)\b", " ", words.lower())
    name = re.sub(r"[^\w\s']", " ", name)
    name = re.sub(r"\s+", " ", name).strip()
    if name.endswith("ies"):
        name = name[:-3] + "y"
    elif name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        name = name[:-1]
    return name or None


def split_items(words: str) -> list[str]:
    parts = re.split(r",\s*|\s+and\s+|\s+&\s+", words.lower().strip(" .?!"))
    return [re.sub(r"^(some|a|an|the)\s+", "", p).strip() for p in parts if p.strip() and p.strip() not in NOT_ITEMS]


def _items(t: Turn, pattern: re.Pattern) -> list[str]:
    given = t.slots.all("item")
    if given:
        return [i for e in given for i in split_items(e.text)]
    if m := pattern.search(t.text):
        return split_items(m["items"])
    return [p for p in t.slots.texts("person")]


def _name(t: Turn) -> str | None:
    return list_name(t.slots.text("list_name"))


def _spoken(name: str) -> str:
    return f"{name} list"


@skill("lists_createoradd", accepts=("list_name", "item"), does="add to a list")
def lists_createoradd(t: Turn) -> Reply:
    items = _items(t, ADD)
    name = _name(t)
    if name is None:
        t.u.entities += [Entity("item", i, 0, 0, i) for i in items if not t.slots.all("item")]
        return t.ask("list_name", "Which list?" if items else "What should the list be called?")
    existed = name in t.store.lists()
    if not items:
        if not existed:
            t.store.add_items(name, [])
            t.u.entities.append(Entity("list_name", name, 0, 0, name))
            reply = t.ask("item", f"I started a new {_spoken(name)}. What should go on it?")
            reply.actions.append({"list": name, "created": True})
            return reply
        return t.ask("item", f"What should I add to your {_spoken(name)}?")
    t.store.add_items(name, items)
    text = t.pick("Added {} to your {}.", "Okay, {} went on your {}.", "Got it: {}, on the {}.")
    text = text.format(say.join(items), _spoken(name))
    new = "" if existed else " It's a new list."
    return t.reply(text + new, [{"list": name, "add": items}])


@skill("lists_query", accepts=("list_name",), does="read a list")
def lists_query(t: Turn) -> Reply:
    names = t.store.lists()
    name = _name(t)
    if name is None:
        if not names:
            return t.reply("You don't have any lists yet. Try: add milk to my shopping list.")
        if len(names) > 1:
            return t.ask("list_name", f"You have {say.plural(len(names), 'list')}: {say.join(names)}. Which one?")
        name = names[0]
    if name not in names:
        others = f" Your lists are: {say.join(names)}." if names else ""
        return t.reply(f"You don't have a {_spoken(name)}.{others}")
    items = t.store.items(name)
    if not items:
        return t.reply(f"Your {_spoken(name)} is empty.")
    return t.reply(f"Your {_spoken(name)} has {say.plural(len(items), 'item')}: {say.join(items)}.")


@skill("lists_remove", accepts=("list_name",), does="remove something from a list")
def lists_remove(t: Turn) -> Reply:
    name = _name(t)
    names = t.store.lists()
    if name is None:
        if len(names) != 1:
            return t.ask("list_name", "Which list?") if names else t.reply("You don't have any lists.")
        name = names[0]
    if name not in names:
        return t.reply(f"You don't have a {_spoken(name)}.")
    items = _items(t, REMOVE)
    if not items:
        count = len(t.store.items(name))
        return t.confirm(f"Delete your whole {_spoken(name)} with {say.plural(count, 'item')}?", "lists.delete", name=name)
    current = {i.lower(): i for i in t.store.items(name)}
    removed = [current[i] for i in items if i in current]
    for item in removed:
        t.store.remove_item(name, item)
    missing = [i for i in items if i not in current]
    if not removed:
        return t.reply(f"I couldn't find {say.join(missing, 'or')} on your {_spoken(name)}.")
    tail = f" I couldn't find {say.join(missing, 'or')}." if missing else ""
    return t.reply(f"Removed {say.join(removed)} from your {_spoken(name)}.{tail}", [{"list": name, "remove": removed}])


@on_confirm("lists.delete")
def delete_list(t: Turn, name: str) -> Reply:
    t.store.delete_list(name)
    return t.reply(t.pick("Done, your {} is gone.", "Okay, I deleted your {}.").format(_spoken(name)),
                   [{"list": name, "deleted": True}])
