"""`hearth models build wakeword`: fetch the feature models, synthesize and featurize the data,
train the classifier, mine hard negatives with it and train again (mine.py), export it, measure
it, confirm it once on fresh data nothing before saw (confirm.py) and write the report, the data
cached in models/work/wakeword/ (delete a file there to redo it). About an hour on two busy cores
(the confirmation 16 minutes of it); `--tiny` runs every step on a few clips into a folder of its
own (the tests' toolchain check). `mine` starts from the model in the output folder as it is;
`confirm` needs only that folder.

    python -m models.wakeword.build [--tiny] [--out DIR] [--steps data,train,mine,measure,confirm,report]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from app.config import repo_root

WORK = repo_root() / "models" / "work" / "wakeword"
SHIPPED = repo_root() / "models" / "wakeword" / "shipped"
STEPS = ["fetch", "data", "train", "mine", "measure", "confirm", "report"]


def main(argv: list[str]) -> int:
    from app.wake import WakeFeatures
    from models.wakeword import confirm, data, evaluate, fetch, mine, report, train

    p = argparse.ArgumentParser(prog="hearth models build wakeword")
    p.add_argument("--tiny", action="store_true", help="a few clips: checks the toolchain, ships nothing")
    p.add_argument("--out", type=Path, help="the folder for the model (default: models/wakeword/shipped)")
    p.add_argument("--work", type=Path, help="the folder for the data (default: models/work/wakeword)")
    p.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    args = p.parse_args(argv)
    steps = args.steps.split(",")
    sizes = data.TINY if args.tiny else data.Sizes()
    work = args.work or (WORK / "tiny" if args.tiny else WORK)
    out = args.out or (work / "shipped" if args.tiny else SHIPPED)  # a tiny model is never shipped
    started = time.time()

    def log(text: str) -> None:
        print(f"[{time.time() - started:6.0f} s] {text}", flush=True)

    if "fetch" in steps:
        fetch.fetch(out, log)
    if "data" in steps:
        features = WakeFeatures(out)
        for part in data.PARTS:
            if not (work / f"{part}.npz").exists():
                data.training(part, sizes, features, log).save(work / f"{part}.npz")
        if not (work / "pool.npz").exists():
            mine.pool(sizes, features, log).save(work / "pool.npz")
        if not (work / "measure.npz").exists():
            data.measurement(sizes, log).save(work / "measure.npz")
    options = train.TrainOptions(steps=50 if args.tiny else 4000)
    parts = [work / f"{part}.npz" for part in data.PARTS]
    if "train" in steps:
        train.train(parts, out, options, log)
    if "mine" in steps:
        for round_ in range(1, mine.ROUNDS + 1):  # each round mines with the model the last one made
            parts.append(work / f"hard{round_}.npz")
            mine.mine(work / "pool.npz", out, parts[-1], log=log)
            train.train(parts, out, options, log)
    if "measure" in steps:
        evaluate.measure(work / "measure.npz", out, work / "results.json", log, full=not args.tiny)
    if "confirm" in steps:
        if not (work / "confirm.npz").exists():
            confirm.make(confirm.TINY if args.tiny else confirm.ConfirmSizes(), work / "confirm.npz", log)
        confirm.measure(work / "confirm.npz", out, work / "confirm_results.json", log)
    if "report" in steps and not args.tiny:
        report.write(work / "results.json", log, confirm=work / "confirm_results.json")
    log("done")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
