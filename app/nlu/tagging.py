"""BIO tags <-> character spans, and the best valid tag sequence for a row of tag scores.

The model scores every tag at every wordpiece; picking each wordpiece's best tag on its own
yields sequences no annotator writes (an I- after O, an I-time after B-date), and the decoder then
has to guess where entities start. Viterbi search over the valid sequences (plus, when the build
learned them, CRF transition scores, and optionally a mask of allowed tags) fixes the boundaries as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

Span = tuple[int, int, str]  # (start, end, type), character offsets, end exclusive
FORBIDDEN = -1e4  # score of a transition no valid BIO sequence takes


def decode_bio(tags: Sequence[str], offsets: Sequence[tuple[int, int]]) -> list[Span]:
    """Join B-/I- tagged wordpieces into character spans.

    An I- tag that does not continue an entity of its type starts one (models do emit those),
    so no tagged wordpiece is lost. Special tokens have empty offsets and are skipped.
    """
    spans: list[Span] = []
    current: list | None = None
    for tag, (start, end) in zip(tags, offsets):
        if end <= start:
            continue
        kind, _, etype = tag.partition("-")
        if kind == "I" and current is not None and current[2] == etype:
            current[1] = end
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if kind in ("B", "I"):
            current = [start, end, etype]
    if current is not None:
        spans.append(tuple(current))
    return spans


def word_tags(tags: Sequence[str], word_ids: Sequence[int | None]) -> list[str]:
    """Give a word's later wordpieces the tag of its first one: a word is never split between entities.

    The model tags every wordpiece; trusting only the first one per word (as JointBERT does) stops
    decodes like 'bp' + 'm' as two entities.
    """
    out: list[str] = []
    first, previous = "O", None
    for tag, word in zip(tags, word_ids):
        if word is not None and word == previous:
            kind, _, etype = first.partition("-")
            out.append("O" if kind == "O" else f"I-{etype}")
        else:
            first = tag
            out.append(tag)
        previous = word
    return out


def allowed_transitions(tags: Sequence[str]) -> np.ndarray:
    """[from, to] True where BIO allows it: I-x only after B-x or I-x."""
    kinds = [t.partition("-") for t in tags]
    allowed = np.ones((len(tags), len(tags)), dtype=bool)
    for j, (kind, _, etype) in enumerate(kinds):
        if kind == "I":
            allowed[:, j] = [k != "O" and e == etype for k, _, e in kinds]
    return allowed


@dataclass(frozen=True)
class Transitions:
    """CRF scores learned with the model (labels.json "crf"): start, end and tag-to-tag."""

    start: np.ndarray  # [tags]
    end: np.ndarray  # [tags]
    pairs: np.ndarray  # [from, to]

    @classmethod
    def constraints_only(cls, tags: Sequence[str]) -> "Transitions":
        """No learned scores: only forbid what BIO forbids (a softmax-trained model)."""
        starts = np.array([0.0 if not t.startswith("I-") else FORBIDDEN for t in tags])
        return cls(starts, np.zeros(len(tags)), np.zeros((len(tags), len(tags))))

    def valid(self, tags: Sequence[str]) -> "Transitions":
        """These scores with BIO's forbidden moves forced off, whatever training left in them."""
        banned = np.where(allowed_transitions(tags), 0.0, FORBIDDEN)
        starts = np.where([t.startswith("I-") for t in tags], FORBIDDEN, 0.0)
        return Transitions(self.start + starts, self.end, self.pairs + banned)


def viterbi(scores: np.ndarray, transitions: Transitions, allowed_tags: np.ndarray | None = None) -> list[int]:
    """Best tag index per row of `scores` [positions, tags]; `allowed_tags` masks tags out everywhere."""
    if len(scores) == 0:
        return []
    emissions = scores.astype(np.float64)
    if allowed_tags is not None:
        emissions = emissions + np.where(allowed_tags, 0.0, FORBIDDEN)
    best = transitions.start + emissions[0]
    back = []
    for row in emissions[1:]:
        candidates = best[:, None] + transitions.pairs
        back.append(candidates.argmax(axis=0))
        best = candidates.max(axis=0) + row
    path = [int((best + transitions.end).argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]
