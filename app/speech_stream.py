"""A reply synthesized clause by clause, kept as it is played.

The Player takes any iterable of Speech chunks and starts on the first (app/audio/player.py), so
the reply is heard while its later clauses are still being synthesized. Each chunk is kept, so
the whole reply stays available afterwards (`whole()`: `--out`, tests, the benchmark). It has no
`sample_rate` of its own on purpose: the Player treats anything with one as a single Speech.
"""

from __future__ import annotations

import threading
from typing import Iterable, Iterator

import numpy as np

from app.errors import HearthError
from app.tts import Speech


class SpeechStream:
    def __init__(self, chunks: Iterable[Speech]):
        """Synthesizes the first chunk now, so its time and any error belong to the caller's TTS stage."""
        self._source = iter(chunks)
        self._lock = threading.Lock()
        self.chunks: list[Speech] = []
        if self._next(0) is None:
            raise HearthError("text-to-speech produced no audio", "check `hearth doctor` for TTS voices")

    def _next(self, i: int) -> Speech | None:
        """Chunk `i`, synthesizing it when nobody has yet; None past the end."""
        with self._lock:
            if i == len(self.chunks):
                chunk = next(self._source, None)
                if chunk is None:
                    return None
                self.chunks.append(chunk)
            return self.chunks[i]

    def __iter__(self) -> Iterator[Speech]:
        i = 0
        while (chunk := self._next(i)) is not None:
            yield chunk
            i += 1

    def whole(self) -> Speech:
        """The full reply as one Speech (synthesizing what is left)."""
        chunks = list(self)
        return Speech(audio=np.concatenate([c.audio for c in chunks]), sample_rate=chunks[0].sample_rate)
