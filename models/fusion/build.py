"""`python -m models.fusion.build`: generate pairs -> token states -> train -> int8 ONNX -> judge -> ship if it wins.

One training per seed (the pairs stay the same): a win at one seed can be luck, so it ships only if every
seed wins. Each seed's candidate folder (models/work/fusion/seed<N>/candidate) holds exactly what would
ship and is judged through the runtime class (app.fusion.learned.LearnedFusion): the numbers are the int8 files'.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from app.config import repo_root
from app.fusion.learned import ENCODER_FILE, EXTRA_INTENTS, FUSION_FILE, META_FILE, SHIPPED_DIR
from app.model_files import write_manifest
from app.nlu.onnx_model import LABELS_FILE, TOKENIZER_FILE, Labels
from app.nlu.onnx_model import SHIPPED_DIR as NLU_DIR
from models.fusion import report
from models.fusion.export import export
from models.fusion.features import encoder, featurize
from models.fusion.generate import SCENES, generate
from models.fusion.train import TrainOptions, train
from models.nlu.build import machine

WORK = repo_root() / "models" / "work" / "fusion"
SHIPPED_FILES = (ENCODER_FILE, FUSION_FILE, TOKENIZER_FILE, META_FILE)
SEEDS = (13, 14, 15)


def candidate(work: Path, intents: list[str], max_length: int) -> Path:
    """The folder that would ship: both graphs, the tokenizer, the intent list, a checksums manifest."""
    folder = work / "candidate"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work.parent / ENCODER_FILE, folder / ENCODER_FILE)
    shutil.copyfile(work / "fusion.int8.onnx", folder / FUSION_FILE)
    shutil.copyfile(NLU_DIR / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    meta = {"intents": intents, "max_length": max_length}
    (folder / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    write_manifest(folder, SHIPPED_FILES)
    return folder


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--epochs", type=int, default=TrainOptions.epochs)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS),
                        help="training seeds (the pairs stay the same); it ships only if every seed wins")
    parser.add_argument("--real-limit", type=int, default=None, help="use only this many real utterances (tests)")
    parser.add_argument("--scenes", type=int, default=None, help="scenes per hand-written template (tests)")
    parser.add_argument("--metrics", type=Path, default=report.METRICS, help="where the judged numbers go")
    parser.add_argument("--no-ship", action="store_true", help="judge, but never copy into models/fusion/shipped")
    args = parser.parse_args(argv)
    scenes = SCENES if args.scenes is None else {**{k: args.scenes for k in SCENES}, "real": 1}
    pairs = generate(scenes, args.real_limit)
    features = featurize([p.text for split in pairs.values() for p in split], encoder(args.work))
    labels = Labels.load(NLU_DIR / LABELS_FILE)
    intents = labels.intents + list(EXTRA_INTENTS)
    hidden = next(iter(features.values())).states.shape[1]
    runs, folders = {}, []
    for seed in args.seeds:
        opts = replace(TrainOptions(), epochs=args.epochs, seed=seed)
        t0 = time.perf_counter()
        model = train(pairs["train"], features, intents, opts)
        seconds = time.perf_counter() - t0
        work = args.work / f"seed{seed}"
        export(model, hidden, len(labels.intents), work)
        folders.append(candidate(work, intents, labels.max_length))
        runs[str(seed)] = {**report.evaluate(folders[-1], pairs["test"], features), "train_seconds": seconds,
                           "parameters": sum(p.numel() for p in model.parameters()),
                           "int8_bytes": (folders[-1] / FUSION_FILE).stat().st_size}
        print(f"seed {seed}:\n{report.table(runs[str(seed)]['held_out'])}\n{report.table(runs[str(seed)]['cases'])}")
    metrics = {"seeds": runs, "wins": all(run["wins"] for run in runs.values()),
               "train_pairs": len(pairs["train"]), "test_pairs": len(pairs["test"]),
               "case_count": len(report.load_cases()), "epochs": args.epochs,
               "encoder_bytes": (args.work / ENCODER_FILE).stat().st_size,
               "date": date.today().isoformat(), "machine": machine(),
               "command": " ".join(["python -m models.fusion.build", *(argv if argv is not None else sys.argv[1:])])}
    args.metrics.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    if metrics["wins"] and not args.no_ship:
        shutil.rmtree(SHIPPED_DIR, ignore_errors=True)
        shutil.copytree(folders[0], SHIPPED_DIR)
        shutil.copyfile(report.HERE / "MODEL_CARD.md", SHIPPED_DIR / "MODEL_CARD.md")
        print("shipped ->", SHIPPED_DIR)
    else:
        print("not shipped", "(--no-ship)" if metrics["wins"] else "(it does not win at every seed)")
    return metrics


if __name__ == "__main__":
    main()
