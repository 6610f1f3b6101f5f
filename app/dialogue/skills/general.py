"""general_*: stop, repeat, explain, yes/no with nothing pending, praise and chit-chat."""

from __future__ import annotations

from . import media
from .base import Reply, Turn, skill


@skill("general_commandstop", does="stop")
def stop(t: Turn) -> Reply:
    actions = media.stop(t)
    return t.reply("Stopped." if actions else t.pick("Okay.", "Alright, stopping."), actions, end_session=True)


@skill("general_repeat", does="repeat what I said")
def repeat(t: Turn) -> Reply:
    t.remember = False
    return t.reply(t.session.last_reply or "I haven't said anything yet.")


@skill("general_explain", does="explain what I said")
def explain(t: Turn) -> Reply:
    t.remember = False
    if not t.session.last_reply:
        return t.reply("I haven't said anything yet. You can ask me for the time, a timer, the lights or music.")
    return t.reply(f"I said: {t.session.last_reply} If that's not what you meant, try asking in other words.")


@skill("general_confirm", does="confirm what you asked")
def confirm(t: Turn) -> Reply:
    t.remember = False
    if not t.session.last_reply:
        return t.reply("There's nothing to confirm yet.")
    return t.reply(f"Your last request was {t.session.last_intent.replace('_', ' ')}, and I said: {t.session.last_reply}")


@skill("general_affirm", does="go ahead")
def affirm(t: Turn) -> Reply:
    t.remember = False
    return t.reply(t.pick("Okay.", "Great.", "Good."))


@skill("general_negate", does="leave it")
def negate(t: Turn) -> Reply:
    t.remember = False
    return t.reply(t.pick("Okay.", "Alright.", "No problem."))


@skill("general_dontcare", does="leave it as it is")
def dontcare(t: Turn) -> Reply:
    t.remember = False
    return t.reply(t.pick("Okay, I'll leave it as it is.", "Fine, nothing changes then."))


@skill("general_praise", does="take the compliment")
def praise(t: Turn) -> Reply:
    t.remember = False
    return t.reply(t.pick("Thank you!", "Thanks, that's kind.", "Glad I could help."))


@skill("general_quirky", does="chat")
def quirky(t: Turn) -> Reply:
    t.remember = False
    return t.reply("I'm a small offline assistant, so chit-chat isn't my strong point. I can do timers and alarms, "
                   "lists, your calendar, the simulated home's lights and plugs, local music, sums and jokes.")
