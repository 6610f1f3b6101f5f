"""Which candidate ships: the fastest p50 among those within 1 point of the teacher's dev intent accuracy.

Stated before the final measurement: speed is what compression buys on a speaker-class CPU, and
one point of intent accuracy is the loss the issue allows. Latency on shared cores varies by a few
percent from run to run, so p50s within 10 % of the fastest count as a tie, which goes to the
smallest file. Only ONNX candidates the runtime can load are eligible (not the PyTorch teacher).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import HearthError

MAX_LOSS = 1.0  # points of dev intent accuracy
TIE = 0.10  # p50s within 10 % of the fastest are a tie
RULE = ("fastest p50 latency (batch 1) among the ONNX candidates whose dev intent accuracy is at most "
        f"{MAX_LOSS:g} point below the fp32 PyTorch teacher's; p50s within {TIE:.0%} of the fastest are a tie, "
        "won by the smallest file")


@dataclass(frozen=True)
class Choice:
    name: str
    result: dict
    reason: str


def choose(results: dict[str, dict], teacher_accuracy: float) -> Choice:
    floor = teacher_accuracy - MAX_LOSS
    eligible = {n: r for n, r in results.items()
                if r.get("runtime", "onnx") == "onnx" and r["dev"]["intent_accuracy"] >= floor}
    if not eligible:
        raise HearthError(f"no candidate reaches {floor:.2f} % dev intent accuracy",
                          "train longer or compress less, then rerun the study")
    fastest = min(r["latency"]["p50_ms"] for r in eligible.values())
    tied = [n for n, r in eligible.items() if r["latency"]["p50_ms"] <= fastest * (1 + TIE)]
    name = min(tied, key=lambda n: (eligible[n]["size_mb"], eligible[n]["latency"]["p50_ms"]))
    r = eligible[name]
    return Choice(name, r, f"p50 {r['latency']['p50_ms']:.2f} ms, {r['dev']['intent_accuracy']:.2f} % >= "
                           f"{floor:.2f} % (teacher {teacher_accuracy:.2f} % - {MAX_LOSS:g})")
