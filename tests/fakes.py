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

    def preview(self, understanding, session="default", scene=None):
        return None  # no reply to start early: each turn synthesizes its own


def _chunks(speech):
    """A Speech, or the chunks of a streamed one, one at a time: what `Player.play` accepts."""
    return iter([speech]) if hasattr(speech, "sample_rate") else iter(speech)


class RecordingPlayer:
    """A speaker that plays at once, like app/audio/player.Player in contract: one Speech or an
    iterable of chunks, `on_first_audio` called after the first non-empty chunk; keeps every reply
    (chunks joined) in `played`."""

    def __init__(self):
        self.played = []

    def play(self, speech, on_first_audio=None):
        import numpy as np

        parts, last = [], None
        for last in _chunks(speech):
            parts.append(np.asarray(last.audio, np.float32))
            if on_first_audio is not None and len(parts[-1]) and sum(map(len, parts)) == len(parts[-1]):
                on_first_audio()
        if last is not None:
            self.played.append(type(last)(np.concatenate(parts), last.sample_rate))

    def stop(self):
        pass
