"""`hearth models build nlu`: the shipped language model, end to end.

First the fp32 teacher (models/nlu/build.py: train, export, evaluate; it lands in
models/nlu/shipped as a working int8 model), then the compression recipe the study selected
(models/compress/study.py, docs/models.md): distil a 3-layer student in two rounds, prune
its vocabulary, quantize to int8, measure every candidate in a fresh process and ship the
winner by the rule in models/compress/select.py. About an hour on two cores. `--task snips`
and `--tiny` run the teacher recipe only (a comparison and a toolchain check).
"""

from __future__ import annotations

RECIPE = [
    ["teacher"],
    ["distill", "--epochs", "2"],
    ["distill", "--resume", "student3", "--name", "student3b", "--epochs", "2", "--lr", "5e-5"],
    ["post", "teacher", "student3b", "--static"],
    ["measure", "--threads", "2"],
    ["ship"],
]


def main(argv: list[str]) -> int:
    from models.compress import study
    from models.nlu import build

    if build.main(argv) != 0:
        return 1
    if "--task" in argv or "--tiny" in argv or "--out" in argv:
        return 0
    for step in RECIPE:
        print(f"== python -m models.compress.study {' '.join(step)}", flush=True)
        if study.main(step) != 0:
            return 1
    return 0
