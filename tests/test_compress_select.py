"""The shipping rule: within the compression goal the best entity F1; PyTorch rows never eligible."""

import pytest

from app.errors import HearthError
from models.compress.select import choose

TEACHER = {"dev": {"intent_accuracy": 90.0, "span_f1": 70.0}, "latency": {"p50_ms": 10.0}, "size_mb": 90.0,
           "runtime": "pytorch"}


def _r(acc, f1, p50, size, runtime="onnx"):
    return {"dev": {"intent_accuracy": acc, "span_f1": f1}, "latency": {"p50_ms": p50}, "size_mb": size,
            "runtime": runtime}


def test_best_entity_f1_within_the_goal_wins_and_ties_go_to_the_faster():
    results = {"teacher": TEACHER, "bad-intent": _r(88.9, 80.0, 0.5, 5),
               "too-big": _r(90.0, 79.0, 1.0, 9.5), "too-slow": _r(90.0, 79.0, 1.3, 8),
               "good": _r(89.1, 74.0, 1.0, 8.5), "good-faster": _r(89.0, 73.8, 0.9, 8.7), "worse": _r(90.0, 72.0, 0.5, 4)}
    assert choose(results, TEACHER).name == "good-faster"  # within 0.3 F1 of the best: speed decides
    results["good-faster"] = _r(89.0, 73.6, 0.9, 8.7)  # outside the tie: F1 decides
    assert choose(results, TEACHER).name == "good"


def test_no_eligible_candidate_is_a_clear_error():
    with pytest.raises(HearthError, match="no candidate"):
        choose({"a": _r(80.0, 90.0, 1.0, 5), "t": TEACHER}, TEACHER)
