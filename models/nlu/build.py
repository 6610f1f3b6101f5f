"""`hearth models build nlu`: data -> training -> fp32 eval -> ONNX fp32 + int8 -> eval -> ship.

The main task (HWU64 + SLURP devel, 64 intents) is shipped to --out with its metrics; the
SNIPS task (--task snips) trains the same recipe on SNIPS as a comparison with published
results, and only its metrics are kept. The model card and docs/models.md are re-rendered
from the metrics files after each run, so every number in them comes from a recorded run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

# Before torch loads OpenMP: spinning worker threads made training ~10x slower whenever another
# job shared the two cores (4.8 s/step against 0.5 s/step with passive waiting).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from app.config import repo_root  # noqa: E402
from app.errors import HearthError  # noqa: E402
from app.model_files import write_manifest  # noqa: E402
from app.nlu.onnx_model import LABELS_FILE, MODEL_FILE, RUNTIME_FILES, TOKENIZER_FILE, Labels, OnnxNlu  # noqa: E402
from models.nlu import data, report  # noqa: E402
from models.nlu.encoders import ENCODERS, MINILM, encoder_dir  # noqa: E402

SHIPPED = repo_root() / "models" / "nlu" / "shipped"
WORK = repo_root() / "models" / "work" / "nlu"
DOCS = repo_root() / "docs" / "models.md"
TRAIN_MAX_LENGTH = 48  # longest training utterance is 31 wordpieces
RUNTIME_MAX_LENGTH = 128
LATENCY_UTTERANCES = 200


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="hearth models build nlu", description=__doc__.splitlines()[0])
    p.add_argument("--task", choices=["main", "snips"], default="main")
    p.add_argument("--data", type=Path, help="datasets folder (default: HEARTH_DATASETS or ../shared/datasets)")
    p.add_argument("--out", type=Path, default=SHIPPED, help="where the shipped model and metrics go")
    p.add_argument("--work", type=Path, default=WORK, help="intermediate files (ONNX fp32, trainer state)")
    p.add_argument("--epochs", type=float, default=8.0)
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (overrides --epochs)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--head-lr", type=float, help="learning rate of the new intent and tag heads (default: --lr)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2, help="CPU threads for training, evaluation and latency")
    p.add_argument("--encoder", choices=sorted(ENCODERS), default=MINILM.name,
                   help="pretrained encoder to fine-tune (models/nlu/encoders.py; mpnet-base: a teacher trial)")
    p.add_argument("--tiny", action="store_true", help="a few dozen examples and steps: checks the toolchain only")
    p.add_argument("--docs", type=Path, help=f"docs page to rewrite (default: {DOCS} for full runs into the "
                                             "default --out, none otherwise)")
    return p.parse_args(argv)


def machine() -> str:
    import torch

    gpu = f"GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()}-core {platform.machine()} CPU, {gpu}"


def tiny_subset(examples: list[data.Example], per_intent: int, intents: int = 6) -> list[data.Example]:
    keep = sorted({e.intent for e in examples})[:intents]
    return [e for i in keep for e in [x for x in examples if x.intent == i][:per_intent]]


def load_task(args) -> tuple[list[data.Example], list[data.Example], dict]:
    if args.task == "snips":
        train, dev = data.load_snips("train", args.data), data.load_snips("validate", args.data)
        info = {"dataset": "SNIPS 2017-06 benchmark: train_*_full.json / validate_*.json"}
    else:
        main = data.load_main(args.data)
        train, dev = data.split(main.examples, seed=args.seed)
        info = {"dataset": "HWU64 annotated + SLURP devel", "dropped": main.dropped, "total": len(main.examples)}
    if args.tiny:
        train, dev = tiny_subset(train, 8), tiny_subset(dev, 3)
    return train, dev, info


def shipped_tokenizer(path: Path, max_length: int, encoder: str = MINILM.name):
    """The encoder's tokenizer with the runtime's settings: truncate, pad to the longest in a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(encoder_dir(encoder) / TOKENIZER_FILE))
    tokenizer.enable_truncation(max_length)
    pad = "[PAD]" if tokenizer.token_to_id("[PAD]") is not None else "<pad>"  # BERT's or MPNet's
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad), pad_token=pad)
    tokenizer.save(str(path))
    return tokenizer


def size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def require_train_extra() -> None:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise HearthError("building models needs the train extra (torch, transformers, onnx)",
                          "pip install -e '.[train]'") from exc


def run(args) -> dict:
    require_train_extra()
    import torch
    from tokenizers import Tokenizer

    from models.nlu import evaluate, export, train

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    train_set, dev_set, info = load_task(args)
    package = args.work / "package"  # a complete model folder, evaluated before anything is shipped
    package.mkdir(parents=True, exist_ok=True)
    labels = replace(data.make_labels(train_set + dev_set, RUNTIME_MAX_LENGTH),
                     intent_entities=data.intent_entities(train_set))
    labels.save(package / LABELS_FILE)
    tokenizer = shipped_tokenizer(package / TOKENIZER_FILE, RUNTIME_MAX_LENGTH, args.encoder)
    features = data.encode(train_set, Tokenizer.from_file(str(package / TOKENIZER_FILE)),
                           Labels(labels.intents, labels.tags, TRAIN_MAX_LENGTH))
    options = train.TrainOptions(
        epochs=args.epochs, max_steps=args.max_steps if args.max_steps > 0 else (2 if args.tiny else -1),
        batch_size=8 if args.tiny else args.batch_size, learning_rate=args.lr, head_learning_rate=args.head_lr,
        seed=args.seed, threads=args.threads, encoder=args.encoder, work_dir=args.work)
    t0 = time.perf_counter()
    model = train.train(features, len(labels.intents), len(labels.tags), options)
    train_seconds = time.perf_counter() - t0
    torch.save(model.state_dict(), args.work / "model.pt")  # lets evaluation be redone without training

    print(f"evaluating on {len(dev_set)} dev utterances", flush=True)
    texts = [e.text for e in dev_set][:LATENCY_UTTERANCES]

    def measure(nlu) -> dict:
        result = evaluate.evaluate(nlu, dev_set).as_dict()
        result["latency"] = evaluate.latency(lambda t: nlu.understand_batch([t]), texts).__dict__
        return result

    # PyTorch first: after torch.onnx.export the same module gives wrong results on padded batches
    torch_nlu = evaluate.TorchNlu(model, tokenizer, labels)
    results = {"pytorch_fp32": measure(torch_nlu)}
    reference = torch_nlu.logits(texts[:64])[1:]
    exported = export.export(model, args.work)
    shutil.copyfile(exported.int8, package / MODEL_FILE)
    shutil.copyfile(exported.fp32, package / "model.fp32.onnx")
    onnx32 = OnnxNlu(package, threads=args.threads, device="cpu", normalize_values=False, model_file="model.fp32.onnx")
    onnx8 = OnnxNlu(package, threads=args.threads, device="cpu", normalize_values=False)
    results["onnx_fp32"], results["onnx_int8"] = measure(onnx32), measure(onnx8)
    results["onnx_fp32"]["size_mb"] = size_mb(exported.fp32)
    results["onnx_int8"]["size_mb"] = size_mb(exported.int8)
    fp32_logits = onnx32.logits(texts[:64])[1:]
    fp32_diff = max(float(abs(a - b).max()) for a, b in zip(reference, fp32_logits))
    print(json.dumps(results, indent=1), f"\nmax |PyTorch - ONNX fp32| logit difference: {fp32_diff:.2e}", flush=True)
    return {
        "task": args.task,
        "command": " ".join(["hearth models build nlu", *args.argv]),
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "tiny": args.tiny,
        **info,
        "train_examples": len(train_set),
        "dev_examples": len(dev_set),
        "intents": len(labels.intents),
        "entity_types": (len(labels.tags) - 1) // 2,
        "recipe": {"encoder": ENCODERS[args.encoder].describe, "epochs": args.epochs,
                   "max_steps": options.max_steps, "batch_size": options.batch_size, "lr": args.lr,
                   "head_lr": options.head_learning_rate or args.lr,
                   "seed": args.seed, "train_max_length": TRAIN_MAX_LENGTH, "threads": args.threads},
        "train_seconds": round(train_seconds, 1),
        "build_seconds": round(time.perf_counter() - started, 1),
        "fused_ops": exported.fused_ops,
        "fp32_max_logit_diff": fp32_diff,
        "results": results,
        "_dev_set": dev_set,
        "_package": package,
    }


def ship(metrics: dict, out: Path, seed: int) -> None:
    """Copy the evaluated package into `out` (main task only) with its checksums, and record the dev split."""
    out.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_FILES:
        shutil.copyfile(metrics["_package"] / name, out / name)
    write_manifest(out, RUNTIME_FILES)
    data.save_dev_split(metrics["_dev_set"], out / "dev_split.json", seed)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    args.argv = argv
    try:
        metrics = run(args)
    except HearthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.task == "main":
        ship(metrics, args.out, args.seed)
    else:
        args.out.mkdir(parents=True, exist_ok=True)
    record = {k: v for k, v in metrics.items() if not k.startswith("_")}
    (args.out / f"metrics_{args.task}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    card = report.render_card(args.out)
    (args.out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    docs = args.docs or (DOCS if args.out.resolve() == SHIPPED.resolve() and not args.tiny else None)
    if docs:
        docs.write_text(report.render_docs(args.out), encoding="utf-8")
    print(f"wrote {args.out}" + (f" and {docs}" if docs else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
