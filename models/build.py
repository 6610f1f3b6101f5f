"""`hearth models build nlu`: the shipped language model, end to end.

First the fp32 teacher (models/nlu/build.py: train, export, evaluate; it lands in
models/nlu/shipped as a working int8 model), then the spoken training and dev sets (the
training and dev sentences spoken by offline voices and recognized by the shipped Whisper,
models/nlu/spoken.py), then the compression recipe (models/compress/study.py, docs/models.md):
distil a 3-layer student with a CRF tag layer on the labeled, slot-filled, spoken and unlabeled
sentences, prune its vocabulary, quantize to int8, measure every candidate in a fresh process
and ship the winner by the rule in models/compress/select.py. About two hours on two cores.
`--task snips` and `--tiny` run the teacher recipe only (a comparison and a toolchain check).
"""

from __future__ import annotations

SPOKEN = [["make", "--split", "train"], ["make", "--split", "dev"]]
RECIPE = [
    ["teacher"],
    ["distill", "--epochs", "2.5", "--crf", "--fill", "--spoken", "--name", "student3v2"],
    ["post", "teacher", "student3v2", "--spoken", "--static"],
    ["measure", "--threads", "2"],
    ["ship"],
]


def main(argv: list[str]) -> int:
    from models.compress import study
    from models.nlu import build, spoken

    if build.main(argv) != 0:
        return 1
    if "--task" in argv or "--tiny" in argv or "--out" in argv:
        return 0
    for step in SPOKEN:
        print(f"== python -m models.nlu.spoken {' '.join(step)}", flush=True)
        if spoken.main(step) != 0:
            return 1
    for step in RECIPE:
        print(f"== python -m models.compress.study {' '.join(step)}", flush=True)
        if study.main(step) != 0:
            return 1
    return 0
