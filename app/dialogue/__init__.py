"""Dialogue: skills, context and memory between the NLU and the voice.

    dm = DialogueManager()                 # state in app.config.home()/"hearth.db"
    reply = dm.handle(understanding)       # Reply(text, actions, expects_reply, end_session, intent)
    dm.due_announcements()                 # timers/alarms that fired; poll every second
"""

from .clock import Clock, FakeClock, SystemClock
from .manager import DialogueManager
from .reply import Reply

__all__ = ["Clock", "DialogueManager", "FakeClock", "Reply", "SystemClock"]
