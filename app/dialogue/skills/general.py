"""general_*: stop, repeat, explain, yes/no with nothing pending, thanks, greetings and small talk."""

from __future__ import annotations

import re
from dataclasses import replace

from app import __version__
from app.config import Settings
from app.errors import HearthError
from app.nlu.types import Understanding

from .. import speech_text as say
from . import calendar, media, offline  # noqa: F401 (they register calendar_query, email_querycontact: wrapped below)
from .base import Reply, Turn, answers_first, skill

# Small talk, mostly filed under general_quirky, each with its answer; "good night" is left to the home.
GREETING = re.compile(r"^\W*(?:(?:good )?(?P<part>morning|afternoon|evening)|hello|hi|hiya|hey|howdy|hola|bonjour|hallo|"
                      r"ciao|salut)\b")
# A greeting and nothing more ("hi", "hey there", "hello hearth"), which the model files anywhere ("hi" -> email)
ONLY_GREETING = re.compile(r"^\W*(?:(?:good )?(?:morning|afternoon|evening)|hello|hi|hiya|hey|howdy|yo|greetings|hola|"
                           r"bonjour|hallo|ciao|salut)"
                           r"(?:\W+(?:there|hearth|again|everyone|you))*\W*$")
# A goodbye and nothing more ("bye", "see you later", "that's all for now"), which the model files anywhere (music)
ONLY_FAREWELL = re.compile(r"^\W*(?:(?:good)?\W*bye(?:\W*bye)?|see you(?: later| soon| tomorrow)?|(?:talk|speak|catch) (?:to )?"
                           r"(?:you )?later|that(?:'s| is) (?:all|it))(?:\W+(?:hearth|then|for now|thanks|thank you))*\W*$")
# "I'm home", "we're back"; "I'm off now", "heading out": an arrival or a leaving, said to the house
ARRIVED = re.compile(r"^\W*(?:(?:hi|hey|hello)\W+)?(?:hearth\W+)?(?:i'm|i am|we're|we are) (?P<where>home|back)"
                     r"(?: now| again)?(?:\W+hearth)?\W*$")
LEAVING = re.compile(r"^\W*(?:ok(?:ay)?\W+)?(?:i'm|i am|we're|we are) (?:leaving|off|going out|heading out|going to work)"
                     r"(?: now)?(?:\W+hearth)?\W*$")
HOW_ARE_YOU = re.compile(r"\bhow (?:are|r) (?:you|u)\b|\bhow(?:'s| is) it going\b|\bhow do you do\b|\byou (?:ok|alright)\b")
CAN_DO = re.compile(r"\bwhat (?:else )?(?:can|could|do) you (?:do|help)|\bwhat are you (?:able|good)\b|\bhow can you help\b"
                    r"|^\W*help\W*$|^\W*what (?:can|should|could) i (?:say|ask)\b")
WHO = re.compile(r"\bwho are you\b|\bwhat(?:'s| is) your name\b|\bwhat are you\b|\bwho (?:made|built|are) you\b"
                 r"|\btell me (?:about|more about) yourself\b"
                 r"|\bare you (?:alexa|siri|google|cortana|bixby|a robot|human|real)\b")
# "tell me about yourself", not "what are you playing" (WHO, which about_me reads after the model's intent)
ABOUT_YOU = re.compile(r"\btell me (?:about|more about) yourself\b|\bwho (?:made|built) you\b")
# A word about Hearth or sorry said to it: an answer of its own, not a "did you mean" question
SORRY = re.compile(r"^\W*(?:(?:oh|oops|ah)\W+)?(?:my bad|my mistake|apologies|i'm sorry|i am sorry|sorry about that)"
                   r"\W*$")
# (plain "sorry?" is "pardon": REPEAT)
RUDE = re.compile(r"^\W*(?:you(?:'re| are)|ur) (?:so |really |pretty |completely |totally )?"
                  r"(?:useless|stupid|dumb|rubbish|terrible|awful|bad|wrong|an idiot)\b"
                  r"|^\W*(?:bad|wrong|stupid) (?:answer|robot|bot)\W*$")
THERE = re.compile(r"\bare you (?:still )?(?:there|listening|awake|on)\b|\b(?:can|do) you hear me\b|^\W*you there\b")
WHERE_AM_I = re.compile(r"\b(?:which|what) room am i in\b|\bwhere am i\b")
WHERE_ARE_YOU = re.compile(r"\bwhere are you\b(?! from)")
# "go forward 10 meters", "turn left": a robot's commands (the model hears a podcast); Hearth has no wheels
MOVE = re.compile(r"^\W*(?:please\W+)?(?:go|move|walk|drive|roll|step|turn)\s+(?:(?:forwards?|ahead|backwards?|back|left|"
                  r"right)\s+(?:\d+|a|an|one|two|three|four|five|ten)\s+(?:meters?|metres?|feet|foot|steps?|yards?|"
                  r"centimet(?:er|re)s?|inch(?:es)?)|left|right|backwards?)\W*$")
FILLER = re.compile(r"^\W*(?:u+m+|u+h+|e+r+m*|h+m+|m{2,}|a+h+)(?:\W+(?:u+m+|u+h+|e+r+m*|h+m+))*\W*$")  # "um", "uh", "hmm"
LOVE = re.compile(r"^\W*i (?:really )?(?:love|like) you\b")
AGE = re.compile(r"\bhow old are you\b|\bwhen were you (?:born|made)\b|\bwhat(?:'s| is) your (?:age|birthday)\b"
                 r"|\bwhen(?:'s| is) your birthday\b")
# The model's other homes for these ("what's your name" -> email_querycontact, "I love you" -> music_likeness,
# "how old are you" -> qa_factoid, "when is your birthday" -> calendar_query).
ABOUT_ME = ("email_querycontact", "music_likeness", "general_praise", "qa_factoid", "calendar_query")
THANKS = re.compile(r"\b(?:thanks|thank you|thank u|cheers|ta)\b")
CAN = ("I can set timers, alarms and reminders, keep lists and your calendar, switch the simulated home's lights and "
       "plugs, play music from the local library, do sums and conversions, and tell jokes. I work offline, so I can't "
       "look things up on the internet.")


# "repeat that", "say that again", "what did you say", "what?": the last reply (the model hears the music's repeat mode)
REPEAT = re.compile(r"^\W*(?:(?:sorry|pardon|hearth|please|can you|could you|would you)\W+)*(?:repeat (?:that|it|this|"
                    r"yourself|what you (?:just )?said)|say (?:that|it) again|what did you (?:just )?say|what was that|"
                    r"come again|pardon|what|huh|sorry|excuse me|say again)(?: please)?\W*$")
ASKED = re.compile(r"^\W*(?:(?:sorry|so|wait|hearth)\W+)?what (?:did i (?:just )?(?:say|ask(?: you)?(?: for)?)"
                   r"|was my last (?:question|request))\b")
EXPLAIN = re.compile(r"^\W*(?:(?:sorry|wait|hang on)\W+)?what (?:did you (?:just )?do|have you (?:just )?done|just happened)\W*$")
# "speak slower", "talk a bit faster": the voice's pace, a setting (the model hears the volume); a step is 25 wpm
PACE_STEP = 25
PACE = re.compile(r"\b(?:speak|talk)\w* (?:a (?:bit|little) |much )?(?P<way>slow|slower|more slowly|fast|faster|quicker"
                  r"|more quickly)\b")


def said_again(u: Understanding, world: object) -> str | None:
    """general_repeat for "repeat that" and the like, general_pace for "speak slower", general_explain for "what did
    you just do", general_confirm for "what did I just ask"; rules skills/status.py runs
    before its question rules ("what did you say" is a question about the last reply, not a status)."""
    text = u.text.lower()
    if EXPLAIN.match(text):
        return "general_explain"
    if ASKED.match(text):
        return "general_confirm"
    return "general_repeat" if REPEAT.match(text) else "general_pace" if PACE.search(text) else None


@skill("general_pace", does="change how fast I speak")
def pace(t: Turn) -> Reply:
    """A step slower or faster, saved as the `speech_rate` setting, which the assistant reloads before the next
    turn (app/assistant.py), so the reply that says so still comes at the old pace."""
    t.remember = False
    settings = Settings.load()
    low, high = Settings.limits("speech_rate")
    slower = PACE.search(t.text)["way"] in ("slow", "slower", "more slowly")
    rate = int(min(max(settings.speech_rate + (-PACE_STEP if slower else PACE_STEP), low), high))
    if rate == settings.speech_rate:
        return t.reply(f"That's as {'slowly' if slower else 'fast'} as I speak: {say.number(rate)} words a minute.")
    try:
        replace(settings, speech_rate=rate).save()
    except HearthError as exc:
        return t.reply(f"I couldn't change it: {exc.message}.")
    way = "more slowly" if slower else "faster"
    return t.reply(f"Okay, I'll speak {way}: {say.number(rate)} words a minute.",
                   [{"setting": "speech_rate", "value": rate}])


def checking_in(u: Understanding, world: object) -> str | None:
    """general_quirky for "are you listening", "can you hear me", "where are you", "which room am I in", "go forward
    10 meters", "um" alone (the model hears what plays, the volume, the vacuum or a podcast); one of the rules skills/status.py
    runs before its question rules."""
    text = u.text.lower()
    asked = (THERE.search(text) or WHERE_AM_I.search(text) or WHERE_ARE_YOU.search(text) or MOVE.match(text)
             or FILLER.match(text) or SORRY.match(text) or RUDE.match(text) or CAN_DO.search(text)
             or ABOUT_YOU.search(text))
    return "general_quirky" if asked else None


def greeting(u: Understanding, world: object) -> str | None:
    """general_quirky (which greets back, or says goodbye) for a greeting or a goodbye said alone; one of the rules
    skills/status.py runs."""
    text = u.text.lower()
    said = (ONLY_GREETING, ONLY_FAREWELL, ARRIVED, LEAVING)
    return "general_quirky" if any(p.match(text) for p in said) else None


# "cancel" said alone: stop what is going on (the model hears a calendar event to remove, and asks which)
NO_ALONE = re.compile(r"^\W*(?:no|nope|nah|no thanks|no thank you|no way)\W*$")
# "stop" alone too: the model hears it as mute, which with nothing playing mutes the speaker for the next reply.
CANCEL_ALONE = re.compile(r"^\W*(?:(?:oh|no|okay|ok|hearth|actually|please)\W+)*(?:cancel|stop(?: it| that)?)"
                          r"(?: please| now)?\W*$")


def cancelled(u: Understanding, world: object) -> str | None:
    """general_commandstop for "cancel" or "stop" alone, general_negate for "no" alone (the model hears mute, 0.82
    sure); one of the rules skills/status.py runs."""
    text = u.text.lower()
    return "general_commandstop" if CANCEL_ALONE.match(text) else "general_negate" if NO_ALONE.match(text) else None


def part_of_day(hour: int) -> str:
    return "morning" if 5 <= hour < 12 else "afternoon" if 12 <= hour < 18 else "evening"


@skill("general_commandstop", does="stop")
def stop(t: Turn) -> Reply:
    actions = media.stop(t)
    return t.reply("Stopped." if actions else t.pick("Okay.", "Alright, stopping."), actions, end_session=True)


@skill("general_repeat", does="repeat what I said")
def repeat(t: Turn) -> Reply:
    t.remember = False
    reply = t.reply(t.session.last_reply or "I haven't said anything yet.")
    reply.expects_reply = t.session.pending is not None  # a question said again is still waiting for its answer
    return reply


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
    if t.session.last_text:
        return t.reply(f"You asked: {t.session.last_text.rstrip('.?! ')}. I said: {t.session.last_reply}")
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
    if THANKS.search(t.text):
        return t.reply(t.pick("You're welcome.", "Any time.", "Happy to help."))
    return t.reply(t.pick("Thank you!", "Thanks, that's kind.", "Glad I could help."))


def _greeting(t: Turn, said: str | None) -> str:
    """"good morning" at nine: "Good morning! It's nine a.m."; at three, "Good afternoon! It's already three p.m."."""
    if said is None:
        return t.pick("Hello!", "Hi there!")
    part = part_of_day(t.now.hour)
    if t.now.hour < 5 and said == "morning":  # after midnight it is morning too: nothing to put right
        part = said
    order = ("morning", "afternoon", "evening")
    early_or_late = "" if said == part else " already" if order.index(said) < order.index(part) else " only"
    return f"Good {part}! It's{early_or_late} {say.clock_time(t.now)}."


def about_me(t: Turn) -> Reply | None:
    """Who Hearth is, whether it is listening, a kind word: the answer, or None for other words."""
    if THERE.search(t.text):
        said = "Yes, I'm here."
    elif WHERE_AM_I.search(t.text):
        said = "I can't tell which room you're in: I only hear you through this computer's microphone."
    elif WHERE_ARE_YOU.search(t.text):
        said = "I'm right here, running on this computer."
    elif FILLER.match(t.text):
        said = "Take your time."
    elif SORRY.match(t.text):
        said = "No problem at all."
    elif RUDE.match(t.text):
        said = "Sorry about that. If I got something wrong, try saying it another way, or say what I should have done."
    elif MOVE.match(t.text):
        said = "I can't move: I'm a voice assistant running on this computer, with no wheels."
    elif LOVE.search(t.text):
        said = "That's kind of you. I'm fond of you too."
    elif WHO.search(t.text):
        said = "I'm Hearth, a voice assistant that runs entirely on this computer."
    elif AGE.search(t.text):
        said = f"I'm quite new: Hearth version {__version__}, made to run right here on this computer."
    else:
        return None
    t.remember = False
    return t.reply(f"{said} What can I do for you?")


@skill("general_quirky", does="chat")
def quirky(t: Turn) -> Reply:
    t.remember = False
    if ONLY_FAREWELL.match(t.text.lower()):
        return t.reply(t.pick("Goodbye!", "Bye for now.", "See you later."), end_session=True)
    if LEAVING.match(t.text.lower()):
        return t.reply(t.pick("Okay, see you later!", "Bye for now, see you soon."), end_session=True)
    if m := ARRIVED.match(t.text.lower()):
        return t.reply(f"Welcome {m['where']}! What can I do for you?")
    said = []
    if m := GREETING.search(t.text):
        said.append(_greeting(t, m["part"]))
    if HOW_ARE_YOU.search(t.text):
        said.append(t.pick("I'm doing well, thanks for asking.", "All good here, thank you."))
    if CAN_DO.search(t.text):
        return t.reply(" ".join([*said, CAN]))
    if about := about_me(t):
        return t.reply(" ".join([*said, about.text]))
    if said:
        return t.reply(" ".join(said) + " What can I do for you?")
    return t.reply(f"I'm a small offline assistant, so chit-chat isn't my strong point. {CAN}")


for _intent in ABOUT_ME:
    answers_first(_intent, about_me)
