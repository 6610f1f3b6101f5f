"""Viterbi decoding of tag scores: only valid BIO sequences, learned transitions, per-intent masks."""

import itertools

import numpy as np

from app.nlu.tagging import FORBIDDEN, Transitions, allowed_transitions, viterbi

TAGS = ["O", "B-time", "I-time", "B-date", "I-date"]


def test_bio_rules():
    allowed = allowed_transitions(TAGS)
    assert allowed[1, 2] and allowed[2, 2] and allowed[0, 1] and allowed[3, 1]
    assert not allowed[0, 2] and not allowed[3, 2] and not allowed[2, 4]


def test_an_inside_tag_after_outside_becomes_a_whole_entity():
    # per-position argmax would read O, I-time: an entity with no start
    scores = np.log(np.array([[0.6, 0.35, 0.05, 0, 0], [0.1, 0.05, 0.85, 0, 0]]) + 1e-9)
    assert [int(i) for i in scores.argmax(1)] == [0, 2]
    assert viterbi(scores, Transitions.constraints_only(TAGS).valid(TAGS)) == [1, 2]


def test_viterbi_is_the_best_valid_path():
    rng = np.random.default_rng(0)
    t = Transitions(rng.normal(size=5), rng.normal(size=5), rng.normal(size=(5, 5))).valid(TAGS)
    scores = rng.normal(size=(4, 5))

    def total(path):
        return (t.start[path[0]] + sum(scores[k, p] for k, p in enumerate(path))
                + sum(t.pairs[a, b] for a, b in zip(path, path[1:])) + t.end[path[-1]])

    best = max(itertools.product(range(5), repeat=4), key=total)
    assert viterbi(scores, t) == list(best)
    assert total(best) > FORBIDDEN / 2  # a valid path exists and wins


def test_masked_tags_are_never_chosen():
    scores = np.zeros((3, 5))
    scores[:, 3] = 5.0  # date everywhere, but this intent never had dates
    path = viterbi(scores, Transitions.constraints_only(TAGS).valid(TAGS), np.array([1, 1, 1, 0, 0], bool))
    assert 3 not in path and 4 not in path


def test_empty_input():
    assert viterbi(np.zeros((0, 5)), Transitions.constraints_only(TAGS)) == []
