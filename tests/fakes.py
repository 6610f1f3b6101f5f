"""Pieces the fake dialogues of several test files share."""

from __future__ import annotations


class Announcing:
    """A fake dialogue's scheduler side: whatever a test puts in `due` rings on the next look."""

    def __init__(self):
        self.heard: list[str] = []
        self.due: list = []

    def due_announcements(self):
        due, self.due = self.due, []
        return due

    def seconds_until_due(self):
        return 0.0 if self.due else None
