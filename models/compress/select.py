"""Which candidate ships: within the compression goal, the best entity F1 (v2 rule, issue 15).

Stated before the v2 measurement. Eligible: ONNX candidates the runtime can load (not the PyTorch
teacher) that meet the whole compression goal against the fp32 PyTorch teacher: at most 1 point of dev
intent accuracy lost, >= 10x smaller file, >= 8x faster p50. Among those, the best dev entity F1 wins:
every action depends on its entities, and the goal already pins speed and size. F1s within 0.3 points
are a tie (one dev entity is ~0.05 points), won by the faster p50, then the smaller file.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import HearthError

MAX_LOSS = 1.0  # points of dev intent accuracy
MIN_SMALLER, MIN_FASTER = 10.0, 8.0  # x the fp32 PyTorch teacher's file size and p50
F1_TIE = 0.3  # points of dev entity F1
RULE = (f"among the ONNX candidates within the compression goal (at most {MAX_LOSS:g} point of dev intent accuracy "
        f"below the fp32 PyTorch teacher's, >= {MIN_SMALLER:g}x smaller, >= {MIN_FASTER:g}x faster p50), the best "
        f"dev entity F1; F1s within {F1_TIE:g} points are a tie, won by the faster p50, then the smaller file")


@dataclass(frozen=True)
class Choice:
    name: str
    result: dict
    reason: str


def choose(results: dict[str, dict], teacher: dict) -> Choice:
    """`teacher`: the fp32 PyTorch teacher's measured result (dev, latency, size_mb)."""
    floor = teacher["dev"]["intent_accuracy"] - MAX_LOSS
    max_size = teacher["size_mb"] / MIN_SMALLER
    max_p50 = teacher["latency"]["p50_ms"] / MIN_FASTER
    eligible = {n: r for n, r in results.items()
                if r.get("runtime", "onnx") == "onnx" and r["dev"]["intent_accuracy"] >= floor
                and r["size_mb"] <= max_size and r["latency"]["p50_ms"] <= max_p50}
    if not eligible:
        raise HearthError(f"no candidate reaches {floor:.2f} % dev intent accuracy at <= {max_size:.1f} MB and "
                          f"<= {max_p50:.2f} ms p50", "train longer or compress more, then rerun the study")
    best = max(r["dev"]["span_f1"] for r in eligible.values())
    tied = [n for n, r in eligible.items() if r["dev"]["span_f1"] >= best - F1_TIE]
    name = min(tied, key=lambda n: (eligible[n]["latency"]["p50_ms"], eligible[n]["size_mb"]))
    r = eligible[name]
    return Choice(name, r, f"entity F1 {r['dev']['span_f1']:.2f} % (best {best:.2f} %), intent "
                           f"{r['dev']['intent_accuracy']:.2f} % >= {floor:.2f} %, {r['size_mb']:.1f} MB <= "
                           f"{max_size:.1f} MB, p50 {r['latency']['p50_ms']:.2f} ms <= {max_p50:.2f} ms")
