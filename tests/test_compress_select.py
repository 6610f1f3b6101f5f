"""The shipping rule: fastest p50 within one point of the teacher, PyTorch rows never eligible."""

import pytest

from app.errors import HearthError
from models.compress.select import choose


def _r(acc, p50, size, runtime="onnx"):
    return {"dev": {"intent_accuracy": acc}, "latency": {"p50_ms": p50}, "size_mb": size, "runtime": runtime}


def test_fastest_within_one_point_wins_and_ties_go_to_the_smaller_file():
    results = {"teacher": _r(90.0, 20.0, 90, "pytorch"), "fast-bad": _r(88.9, 0.5, 5),
               "ok": _r(89.1, 1.0, 14), "ok-smaller": _r(89.0, 1.05, 8), "slow": _r(90.5, 2.0, 4)}
    assert choose(results, teacher_accuracy=90.0).name == "ok-smaller"
    results["ok-smaller"] = _r(89.0, 1.2, 8)  # outside the 10 % tie: speed wins
    assert choose(results, teacher_accuracy=90.0).name == "ok"


def test_no_eligible_candidate_is_a_clear_error():
    with pytest.raises(HearthError):
        choose({"a": _r(80.0, 1.0, 5), "t": _r(95.0, 9.0, 90, "pytorch")}, teacher_accuracy=90.0)
