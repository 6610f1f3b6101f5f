"""Dev-set scores and latency, computed the same way for PyTorch and ONNX models.

Spans are compared as exact (start, end, type) character spans, so the score covers the
whole path a user sees: tokenizer offsets, BIO decoding and the model.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from app.nlu.onnx_model import Decoder, Labels, OnnxNlu
from app.nlu.types import Understanding
from models.nlu.data import Example


@dataclass
class Scores:
    n: int
    intent_accuracy: float  # percent
    span_precision: float
    span_recall: float
    span_f1: float

    def as_dict(self) -> dict:
        return asdict(self)


def f1_scores(hits: int, n_pred: int, n_gold: int) -> dict:
    precision = 100 * hits / n_pred if n_pred else 0.0
    recall = 100 * hits / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"gold": n_gold, "predicted": n_pred, "precision": precision, "recall": recall, "f1": f1}


def score(gold: Sequence[Example], pred: Sequence[Understanding]) -> Scores:
    correct = sum(g.intent == p.intent for g, p in zip(gold, pred))
    gold_spans = {(i, *s) for i, g in enumerate(gold) for s in g.spans}
    pred_spans = {(i, e.start, e.end, e.type) for i, p in enumerate(pred) for e in p.entities}
    spans = f1_scores(len(gold_spans & pred_spans), len(pred_spans), len(gold_spans))
    return Scores(len(gold), 100 * correct / max(1, len(gold)), spans["precision"], spans["recall"], spans["f1"])


def per_type(gold: Sequence[Example], pred: Sequence[Understanding]) -> dict[str, dict]:
    """Entity P/R/F1 of every type (exact spans), most frequent gold type first."""
    gold_spans = {(i, *s) for i, g in enumerate(gold) for s in g.spans}
    pred_spans = {(i, e.start, e.end, e.type) for i, p in enumerate(pred) for e in p.entities}
    types = sorted({s[3] for s in gold_spans | pred_spans},
                   key=lambda t: (-sum(s[3] == t for s in gold_spans), t))
    return {t: f1_scores(sum(s[3] == t for s in gold_spans & pred_spans), sum(s[3] == t for s in pred_spans),
                   sum(s[3] == t for s in gold_spans)) for t in types}


def error_kinds(gold: Sequence[Example], pred: Sequence[Understanding]) -> dict[str, int]:
    """Where the entity F1 goes: every wrong prediction and every missed gold span, by kind.

    boundary: right type, overlapping a gold span but not exactly it; type: exactly a gold span's words with
    another type; boundary+type: overlapping, other type, other words; spurious: overlapping no gold span;
    missed: a gold span no prediction overlaps.
    """
    kinds = dict.fromkeys(("boundary", "type", "boundary+type", "spurious", "missed"), 0)
    for g, p in zip(gold, pred):
        gold_spans = set(g.spans)
        pred_spans = {(e.start, e.end, e.type) for e in p.entities}
        for s in pred_spans - gold_spans:
            near = [x for x in gold_spans if x[0] < s[1] and x[1] > s[0]]
            kinds["spurious" if not near else "type" if any(x[:2] == s[:2] for x in near)
                  else "boundary" if any(x[2] == s[2] for x in near) else "boundary+type"] += 1
        kinds["missed"] += sum(not any(x[0] < s[1] and x[1] > s[0] for x in pred_spans) for s in gold_spans - pred_spans)
    return kinds


class TorchNlu:
    """The fp32 PyTorch model behind the runtime's own tokenizer and decoder."""

    def __init__(self, model, tokenizer, labels: Labels):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.decoder = Decoder(labels, normalize_values=False)

    def logits(self, texts: Sequence[str]):
        """(encodings, intent logits, tag logits) as numpy, like OnnxNlu.logits."""
        import torch

        encodings = self.tokenizer.encode_batch(list(texts))
        feeds = {key: torch.tensor([getattr(e, attr) for e in encodings], dtype=torch.long)
                 for key, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                   ("token_type_ids", "type_ids"))}
        with torch.inference_mode():
            out = self.model(**feeds)
        return encodings, out["intent_logits"].numpy(), out["tag_logits"].numpy()

    def understand_batch(self, texts: Sequence[str]) -> list[Understanding]:
        encodings, intents, tags = self.logits(texts)
        return [self.decoder.understanding(t, e, i, g) for t, e, i, g in zip(texts, encodings, intents, tags)]


def predict(nlu: OnnxNlu | TorchNlu, texts: Sequence[str], batch_size: int = 1) -> list[Understanding]:
    """One utterance per call by default, as the app runs it: int8 activation scales are set per call,
    so batching changes the int8 model's outputs a little."""
    out: list[Understanding] = []
    for i in range(0, len(texts), batch_size):
        out += nlu.understand_batch(texts[i:i + batch_size])
    return out


def evaluate(nlu: OnnxNlu | TorchNlu, examples: Sequence[Example]) -> Scores:
    return score(examples, predict(nlu, [e.text for e in examples]))


@dataclass
class Latency:
    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float


def latency(understand: Callable[[str], object], texts: Sequence[str], warmup: int = 20) -> Latency:
    """Per-utterance wall time at batch 1, after `warmup` untimed calls."""
    for text in texts[:warmup]:
        understand(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        understand(text)
        times.append(1000 * (time.perf_counter() - start))
    p50, p95 = np.percentile(times, [50, 95])
    return Latency(len(times), float(p50), float(p95), statistics.fmean(times))


def torch_model(weights, package) -> TorchNlu:
    """The model in `package`; its encoder is MiniLM-L6 unless the package's meta.json names another."""
    import json

    import torch
    from tokenizers import Tokenizer

    from models.nlu.encoders import MINILM, encoder_dir
    from models.nlu.modeling import JointModel

    labels = Labels.load(package / "labels.json")
    meta = json.loads((package / "meta.json").read_text(encoding="utf-8")) if (package / "meta.json").exists() else {}
    encoder = meta.get("encoder", MINILM.name)
    model = JointModel(len(labels.intents), len(labels.tags), encoder_dir(encoder))
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    tokenizer = Tokenizer.from_file(str(package / "tokenizer.json"))
    return TorchNlu(model, tokenizer, labels)


def rescore(argv: list[str]) -> int:
    """Re-evaluate a finished build's models with the runtime's current decoder.

    `python -m models.nlu.evaluate [--task main|snips]`: for a decoder change without retraining; the
    results go to metrics_<task>.json under "rescored" and the card and docs are re-rendered.
    """
    import argparse
    import datetime as dt
    import json

    from models.nlu import build, report

    p = argparse.ArgumentParser(prog="python -m models.nlu.evaluate", description=rescore.__doc__.splitlines()[0])
    p.add_argument("--task", choices=["main", "snips"], default="main")
    p.add_argument("--data", type=Path)
    p.add_argument("--out", type=Path, default=build.SHIPPED)
    p.add_argument("--work", type=Path, help="the build's --work folder (default models/work/nlu[-snips])")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    work = args.work or (build.WORK if args.task == "main" else build.WORK.with_name("nlu-snips"))
    metrics_path = args.out / f"metrics_{args.task}.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    args.seed, args.tiny = metrics["recipe"]["seed"], metrics["tiny"]
    _, dev, _ = build.load_task(args)
    package = work / "package"
    models = {"onnx_fp32": OnnxNlu(package, threads=args.threads, device="cpu", normalize_values=False,
                                   model_file="model.fp32.onnx"),
              "onnx_int8": OnnxNlu(package, threads=args.threads, device="cpu", normalize_values=False)}
    if (work / "model.pt").exists():  # builds since the weights are kept
        models = {"pytorch_fp32": torch_model(work / "model.pt", package), **models}
    results = {name: evaluate(nlu, dev).as_dict() for name, nlu in models.items()}
    metrics["rescored"] = {"command": " ".join(["python -m models.nlu.evaluate", *argv]),
                           "date": dt.date.today().isoformat(), "results": results}
    metrics_path.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    report.main([str(args.out)])
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(rescore(sys.argv[1:]))
