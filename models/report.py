"""`hearth models report`: docs/models.md = the v1 language-model page + the compression study + plot,
then the speech-recognition engines (models/whisper/report.py).

The v1 part is rendered by models/nlu/report.py from the build's metrics files; the study part
(between the compression markers) from models/compress/results.json, which `python -m
models.compress.study measure` writes. Every number on the page comes from one of those files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.config import repo_root

DOCS = repo_root() / "docs" / "models.md"
PLOT = repo_root() / "docs" / "nlu_pareto.png"
RESULTS = repo_root() / "models" / "compress" / "results.json"
SNIPS_RESULTS = repo_root() / "models" / "compress" / "results_snips.json"
TRIAL_RESULTS = repo_root() / "models" / "compress" / "results_mpnet-base.json"  # study --teacher-encoder mpnet-base
SHIPPED_RECORD = repo_root() / "models" / "compress" / "shipped.json"  # written when a study model is shipped
START, END = "<!-- compression:start -->", "<!-- compression:end -->"
FAMILIES = (("teacher", "Teacher: MiniLM-L6, 6 layers x 12 heads, FFN 1536, 8 epochs"),
            ("distilled", "Distilled students"),
            ("pruned", "Structured pruning (heads + FFN neurons), distilled fine-tune"),
            ("magnitude-pruned", "Unstructured magnitude pruning (no fine-tune)"))
COLORS = {"teacher": "tab:blue", "distilled": "tab:green", "pruned": "tab:orange", "magnitude-pruned": "tab:gray"}


def _row(name: str, r: dict, shipped: str | None, snips: dict | None) -> str:
    label = f"**{name}** (shipped)" if name == shipped else name
    lat, dev = r["latency"], r["dev"]
    on_snips = f"{snips['dev']['intent_accuracy']:.2f} / {snips['dev']['span_f1']:.2f}" if snips else "-"
    return (f"| {label} | {r['method']} | {r['size_mb']:.1f} | {r['parameters'] / 1e6:.2f}M | {lat['p50_ms']:.2f} "
            f"| {lat['p95_ms']:.2f} | {r['peak_rss_mb']:.0f} | {dev['intent_accuracy']:.2f} | {dev['span_f1']:.2f} "
            f"| {on_snips} |")


def family_tables(results: dict, shipped: str | None, snips: dict) -> str:
    """`snips`: the same recipes trained and scored on SNIPS (models.compress.study --task snips), by name."""
    header = ["| model | what | size MB | parameters | p50 ms | p95 ms | peak RSS MB | dev intent % "
              "| dev entity F1 % | SNIPS intent / slot F1 % (same recipe) |", "|---|---|---|---|---|---|---|---|---|---|"]
    out = []
    for family, title in FAMILIES:
        rows = sorted(((n, r) for n, r in results.items() if r["family"] == family),
                      key=lambda nr: (nr[1].get("runtime") != "pytorch", -nr[1]["size_mb"]))
        if rows:
            out.append(f"#### {title}\n\n" + "\n".join(header + [_row(n, r, shipped, snips.get(n)) for n, r in rows]))
    return "\n\n".join(out)


def trained_notes(results: dict) -> str:
    """Recipes and fp32 PyTorch dev scores of the trained candidates (recorded with their fp32 export)."""
    notes = []
    for r in results.values():
        t = r.get("training") or {}
        if "torch_dev" in t:
            recipe, dev = t["recipe"], t["torch_dev"]
            resumed = f", continuing `{t['resumed_from']}`" if "resumed_from" in t else ""
            notes.append(f"- `{r['source']}`: {r['method'].rsplit(',', 1)[0]}; this run {t['steps']} steps{resumed} "
                         f"(batch {recipe['batch_size']}, lr {recipe['learning_rate']}, T {recipe['temperature']}), "
                         f"{t['train_seconds'] / 60:.1f} min on {t['threads']} thread(s); fp32 PyTorch dev: "
                         f"{dev['intent_accuracy']:.2f} % intent, {dev['span_f1']:.2f} % entity F1. "
                         f"Command `{t['command']}`.")
    return "\n".join(sorted(notes))


def pareto(results: dict, path: Path, shipped: str | None, floor: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    accuracies = sorted(r["dev"]["intent_accuracy"] for r in results.values())
    bottom = max(accuracies[0], floor - 8) - 0.5  # broken models would flatten the interesting band
    hidden = [f"{n} ({r['dev']['intent_accuracy']:.1f} %)" for n, r in sorted(results.items())
              if r["dev"]["intent_accuracy"] < bottom]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, key, label in ((axes[0], lambda r: r["latency"]["p50_ms"], "p50 latency, ms (batch 1, log)"),
                           (axes[1], lambda r: r["size_mb"], "file size, MB (log)")):
        for family, _ in FAMILIES:
            pts = [(key(r), r["dev"]["intent_accuracy"], n) for n, r in results.items() if r["family"] == family]
            if pts:
                ax.scatter([p[0] for p in pts], [p[1] for p in pts], label=family, color=COLORS[family], s=28)
        if shipped:
            r = results[shipped]
            ax.scatter([key(r)], [r["dev"]["intent_accuracy"]], s=160, facecolors="none", edgecolors="red",
                       label=f"shipped: {shipped}")
        ax.axhline(floor, color="red", linestyle="--", linewidth=0.8, label="teacher - 1 point")
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("dev intent accuracy, %")
    axes[0].set_ylim(bottom, accuracies[-1] + 0.5)
    if hidden:
        fig.text(0.01, 0.01, "below the chart: " + ", ".join(hidden), fontsize=7)
    axes[1].legend(fontsize=7, loc="lower right")
    fig.suptitle("Hearth language model: accuracy vs latency and size (dev split, 2-core x86_64, no GPU)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def snips_note(snips: dict) -> str:
    if not snips:
        return "SNIPS column: not measured (`python -m models.compress.study ... --task snips`)."
    commands = sorted({r["measure_command"] for r in snips.values()})
    trained = sorted(f"`{r['source']}`: {r['training']['steps'] + r['training'].get('earlier_steps', 0)} steps in all"
                     for r in snips.values() if (r.get("training") or {}).get("steps"))
    return ("SNIPS column: the same recipe (teacher build, layer-selected CRF student with slot-filled variants, "
            "vocabulary pruning, dynamic int8) run on SNIPS alone with `--task snips`: trained on its 13,784 "
            "train_*_full utterances (no unlabeled or spoken sentences), scored on its 700 validate_* utterances, exact "
            f"character-span slot F1 ({'; '.join(trained)}; measured by {', '.join(f'`{c}`' for c in commands)}). "
            "'-': that variant was not run on SNIPS. Published JointBERT: 98.6 intent / 97.0 slot F1 on a "
            "different split and scorer (see the model card).")


def targets_table(teacher: dict, s: dict) -> str:
    from models.compress.select import MAX_LOSS, MIN_FASTER, MIN_SMALLER

    smaller = teacher["size_mb"] / s["size_mb"]
    faster = teacher["latency"]["p50_ms"] / s["latency"]["p50_ms"]
    loss = teacher["dev"]["intent_accuracy"] - s["dev"]["intent_accuracy"]
    checks = [(f">= {MIN_SMALLER:g}x smaller", f"{teacher['size_mb']:.1f} MB -> {s['size_mb']:.1f} MB: {smaller:.1f}x",
               smaller >= MIN_SMALLER),
              (f">= {MIN_FASTER:g}x faster (p50)", f"{teacher['latency']['p50_ms']:.2f} ms -> {s['latency']['p50_ms']:.2f} "
                                                  f"ms: {faster:.1f}x", faster >= MIN_FASTER),
              (f"<= {MAX_LOSS:g} point of dev intent accuracy lost", f"{teacher['dev']['intent_accuracy']:.2f} % -> "
                                                                    f"{s['dev']['intent_accuracy']:.2f} %: {loss:.2f}",
               loss <= MAX_LOSS),
              ("(entity F1: see Language understanding v2)", f"{teacher['dev']['span_f1']:.2f} % -> "
                                                              f"{s['dev']['span_f1']:.2f} %", None)]
    rows = ["| target (vs the fp32 PyTorch teacher) | measured | met |", "|---|---|---|"]
    rows += [f"| {t} | {v} | {'-' if ok is None else 'yes' if ok else '**no**'} |" for t, v, ok in checks]
    return "\n".join(rows)


def study_section(results: dict, shipped: bool = True, snips: dict | None = None) -> str:
    from models.compress.select import RULE, choose
    from models.compress.study import TEACHER_PYTORCH

    if TEACHER_PYTORCH not in results:
        return "## Compression study (language model)\n\nNot measured yet: run `python -m models.compress.study`.\n"
    teacher = results[TEACHER_PYTORCH]
    t_acc = teacher["dev"]["intent_accuracy"]
    choice = choose(results, teacher)
    s = choice.result
    pareto(results, PLOT, choice.name, t_acc - 1)
    shipped_note = (f"**Selected and shipped in `models/nlu/shipped/`: `{choice.name}`** ({s['method']}). The v1 "
                    "section above describes its teacher; its tables are the teacher build's."
                    if shipped else
                    f"**Selected: `{choice.name}`** ({s['method']}); not shipped: `models/nlu/shipped/` holds "
                    "another model (e.g. after a v1 rebuild), see `python -m models.compress.study ship`.")
    dates = sorted({r["date"] for r in results.values()})
    return f"""## Compression study (language model)

Goal (issue 6, raised by issue 15): a shipped model >= 10x smaller and >= 8x faster than its fp32 PyTorch
teacher, losing <= 1 point of dev intent accuracy. Selection rule (`models/compress/select.py`), fixed before the
v2 measurement: {RULE}.

{shipped_note}

{targets_table(teacher, s)}

How each row was measured: `python -m models.compress.study measure` ({', '.join(dates)}, 2-core x86_64, no GPU,
{teacher['threads']} threads): every model in a fresh process, the runtime's code path (`OnnxNlu`, or the
PyTorch teacher behind the same tokenizer and decoder), dev split of HWU64 + SLURP devel ({teacher['dev']['n']}
utterances), latency at batch 1 over {teacher['latency']['n']} dev utterances after 20 warm-up calls, peak RSS =
the process's high-water mark (Python + runtime + model + dev data). One model after another on otherwise idle
cores, yet a model's p50 still moves by up to 0.4 ms from one process to the next (three int8 students measured
again in another order, 2026-11-30); compare within the table. Size: the model file (PyTorch: the
state dict). Parameters: weights in the file (after vocabulary pruning, fewer embedding rows).

Methods (code in `models/compress/`):
- **Vocabulary pruning** (`vocab.py`): keep every wordpiece the tokenizer produces on the training
  utterances, their spoken transcripts (`--spoken`) and SLURP's unlabeled training sentences, the special tokens and every single-character
  piece and `##`+character piece (so an unseen word splits into characters, never [UNK]); embedding rows
  and `tokenizer.json` are remapped. Corpus words tokenize exactly as before; dev words outside the corpus
  split differently, which is the small accuracy change in the `-vocab-` rows.
- **Dynamic int8** (v1's `models/nlu/export.py`: per-channel weights, activations per call) and **static
  QDQ int8** (`quantize.py`: per-channel weights, activation ranges from 300 training utterances, MinMax,
  biases left in float). Static QDQ lost accuracy and ran 6-12x slower than dynamic int8 here: it quantizes
  the unfused export (on the fused graph the quantizer cannot type the fused ops' outputs), so the CPU
  runs a graph without the attention / LayerNorm fusions plus a quantize-dequantize pair around every
  MatMul. Not investigated further (time).
- **Distillation** (`distill.py`): a 3-layer student initialised from teacher layers 0, 2, 5 (of four layer sets
  scored untrained on 300 training utterances, not dev: close to 1, 3, 5 on intents, better on entities),
  trained on the teacher's logits (KL at T=2 for intents and per-token tags) on the labeled training set,
  its slot-filled variants and its spoken transcripts (`--fill`, `--spoken`: see Language understanding v2) plus
  SLURP's unlabeled training sentences (de-duplicated, minus any sentence in train or dev: pseudo-labels only),
  and the gold labels where they exist: intent cross-entropy, and for tags either token cross-entropy or, with
  `--crf`, a CRF's negative log-likelihood (pytorch-crf; its learned transition scores go to `labels.json` and the
  runtime's Viterbi decoder, `app/nlu/tagging.py`). Max length 32.
- **Structured pruning** (`prune.py`): per-head and per-FFN-neuron importance = |d loss / d gate| summed over
  512 training utterances (Michel et al. 2019); half the heads and half the FFN neurons of every layer removed
  by slicing q/k/v/output and FFN weights, then fine-tuned with the student's distillation loss and data. Not rerun
  on the 8-epoch teacher (CPU time went to the v2 student): on the v1 teacher it gave 89.62 % intent at 1.37 ms
  (int8) against the 3-layer student's 89.31 % at 0.86 ms, so the students stayed the shipped family (v1 tables:
  docs/models.md at commit 9a8cb2d).
  Keeping also BERT's 6,000 / 10,000 lowest ids (roughly its most frequent wordpieces) as a wider fallback
  gave 90.60 / 90.42 % fp32 dev intent accuracy against 90.54 % without (teacher, one run each, 2026-11-29):
  no consistent gain, so the vocabulary is the corpus only.
- **Magnitude pruning** (`quantize.py`): the smallest |w| of every encoder weight matrix set to zero, no
  fine-tune; dense kernels still multiply the zeros, so size and latency do not improve (reported to show
  the accuracy cost only).

{trained_notes(results)}

Reproduce: `hearth models build nlu` runs the teacher build, the spoken sets and then the shipped recipe (the
distill, post, measure and ship steps below, without the pruning and ablation branches). The whole study, step by
step (each step caches under `models/work/`; the torch steps take 10-30 min on two shared cores):

```bash
python -m models.nlu.build --out models/work/nlu-teacher-out  # the teacher (8 epochs)
python -m models.nlu.spoken make --split train               # training sentences spoken and recognized (~40 min)
python -m models.nlu.spoken make --split dev                 # the spoken dev set, held-out voices
python -m models.compress.study teacher                      # copy it from models/work/nlu
python -m models.compress.study distill --epochs 2 --name student3                      # v1 recipe, 2 epochs
python -m models.compress.study distill --epochs 2.5 --crf --fill --spoken --name student3v2
python -m models.compress.study post teacher student3 student3v2 --spoken
python -m models.compress.study measure --threads 2          # -> models/compress/results.json
python -m models.nlu.build --task snips --epochs 4 --out models/work/nlu-snips-out --work models/work/nlu-snips
python -m models.compress.study teacher --task snips
python -m models.compress.study distill --task snips --epochs 2 --crf --fill --name student3v2
python -m models.compress.study post --task snips teacher student3v2
python -m models.compress.study measure --task snips --threads 2   # -> models/compress/results_snips.json
python -m models.compress.study ship                         # selected model -> models/nlu/shipped
hearth models report                                         # this page, the plot and the model card
hearth bench nlu                                             # teacher vs shipped, docs/benchmarks.md
```

{family_tables(results, choice.name, snips or {})}

{snips_note(snips or {})}

![accuracy vs latency and size](nlu_pareto.png)

The teacher's SNIPS build and the published JointBERT numbers are in the SNIPS section of the
[model card](../models/nlu/shipped/MODEL_CARD.md); the tables' SNIPS column runs the shipped model's
whole recipe on SNIPS.
"""


def understanding_section(results: dict, snips: dict) -> str:
    """Issue 15's part, once the study's rows carry the v2 measurements (per-type scores, decoders, spoken dev)."""
    from models.compress import understanding
    from models.compress.select import choose
    from models.compress.study import TEACHER_PYTORCH

    teacher = results.get(TEACHER_PYTORCH)
    if not teacher or "per_type" not in teacher:
        return ""
    choice = choose(results, teacher)
    if "per_type" not in choice.result:
        return ""
    return understanding.section(results, choice.name, TEACHER_PYTORCH, snips.get(choice.name))


def trial_section(results: dict, trial: dict) -> str:
    """The stronger-teacher trial, beside the shipped model it would replace."""
    from models.compress import understanding
    from models.compress.select import choose
    from models.compress.study import TEACHER_PYTORCH

    if TEACHER_PYTORCH not in results or not trial:
        return ""
    return understanding.teacher_trial(trial, results, choose(results, results[TEACHER_PYTORCH]).name, TEACHER_PYTORCH)


def render(base: str, section: str, page: str = "") -> str:
    """`base` (the v1 page) with the study between the markers, replacing an earlier study, followed by what
    the current `page` holds after the study: sections other builds own (the wake word's, models/wakeword)."""
    if START in base:
        base = base.split(START, 1)[0].rstrip("\n") + "\n"
    after = page.split(END, 1)[1].strip() if END in page else ""
    return f"{base.rstrip()}\n\n{START}\n{section.rstrip()}\n{END}\n" + (f"\n{after}\n" if after else "")


def render_card(record: dict, v1_card: str) -> str:
    """The v1 card with a first section on the compressed model that replaced v1's int8 file."""
    from models.compress.select import RULE

    t, s, name = record["teacher"], record["result"], record["name"]
    rows = [("file size, MB", "size_mb", "{:.1f}"), ("parameters", "parameters", "{:,}")]
    table = ["| | fp32 PyTorch teacher | shipped |", "|---|---|---|"]
    table += [f"| {label} | {fmt.format(t[key])} | {fmt.format(s[key])} |" for label, key, fmt in rows]
    spoken = [(x.get("spoken_dev") or {}).get("spoken") for x in (t, s)]
    table += [f"| p50 / p95 latency, ms | {t['latency']['p50_ms']:.2f} / {t['latency']['p95_ms']:.2f} "
              f"| {s['latency']['p50_ms']:.2f} / {s['latency']['p95_ms']:.2f} |",
              f"| peak RSS, MB | {t['peak_rss_mb']:.0f} | {s['peak_rss_mb']:.0f} |",
              f"| dev intent accuracy, % | {t['dev']['intent_accuracy']:.2f} | {s['dev']['intent_accuracy']:.2f} |",
              f"| dev entity F1, % | {t['dev']['span_f1']:.2f} | {s['dev']['span_f1']:.2f} |"]
    if all(spoken):
        table += [f"| spoken dev intent accuracy / entity F1, % | {spoken[0]['intent_accuracy']:.2f} / "
                  f"{spoken[0]['span_f1']:.2f} | {spoken[1]['intent_accuracy']:.2f} / {spoken[1]['span_f1']:.2f} |"]
    title, _, rest = v1_card.partition("\n")
    return f"""{title}

## Shipped model: `{name}`, compressed from the teacher below

**What ships.** {s['method']}: trained by knowledge distillation from the teacher (its softened intent
and tag logits on the labeled training set, the sentences the training options name, and SLURP's unlabeled
training sentences, plus the gold labels), then vocabulary-pruned and quantized. Chosen by the compression
study's rule: {RULE}. The same tokenizer family (uncased WordPiece, vocabulary cut to the wordpieces the training
data uses plus every single character), labels and dev split as the teacher; a CRF student's `labels.json` adds
its learned tag transition scores, which the runtime's Viterbi decoder uses.

{chr(10).join(table)}

Measured {s['date']} by `{s['measure_command']}` on a {s['machine']} ({s['threads']} threads, batch 1, after
warm-up; cores shared with other jobs), each model in a fresh process. Method, all candidates and the
Pareto plot: [docs/models.md](../../../docs/models.md#compression-study-language-model).

The rest of this card describes the teacher: data, split, limits and license apply to the
shipped model unchanged; its architecture and results tables are the teacher's.
{rest}"""


def file_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_record(shipped: Path) -> dict | None:
    """The study's shipping record, if the shipped model file is still the one it shipped (a v1 rebuild
    replaces it, and then the v1 card and page are right as they are)."""
    from app.nlu.onnx_model import MODEL_FILE

    if not SHIPPED_RECORD.exists() or not (shipped / MODEL_FILE).exists():
        return None
    record = json.loads(SHIPPED_RECORD.read_text(encoding="utf-8"))
    return record if record.get("sha256") == file_sha256(shipped / MODEL_FILE) else None


def main(argv: list[str]) -> int:
    from models.nlu import report as nlu_report
    from models.nlu.build import SHIPPED
    from models.whisper import report as whisper_report

    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    snips = json.loads(SNIPS_RESULTS.read_text(encoding="utf-8")) if SNIPS_RESULTS.exists() else {}
    trial = json.loads(TRIAL_RESULTS.read_text(encoding="utf-8")) if TRIAL_RESULTS.exists() else {}
    record = shipped_record(SHIPPED)
    section = "\n\n".join(filter(None, [study_section(results, shipped=record is not None, snips=snips),
                                         understanding_section(results, snips), trial_section(results, trial),
                                         whisper_report.section()]))
    page = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    DOCS.write_text(render(nlu_report.render_docs(SHIPPED), section, page), encoding="utf-8")
    written = [DOCS] + ([PLOT] if results else []) + ([whisper_report.PLOT] if whisper_report.PLOT.exists() else [])
    if record:
        card = render_card(record, nlu_report.render_card(SHIPPED))
        (SHIPPED / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        written.append(SHIPPED / "MODEL_CARD.md")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
