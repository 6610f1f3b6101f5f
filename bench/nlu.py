"""Language-model benchmark: the fp32 PyTorch teacher and the shipped ONNX model, measured in one run.

    hearth bench nlu [--json] [--threads 2] [--no-docs]     # = python -m bench.nlu

Each model runs in a fresh process (models.compress.measure): dev intent accuracy and entity F1 on
the seeded dev split, per-utterance latency at batch 1 after 20 warm-up calls (p50/p95 over 200 dev
utterances), file size and the process's peak RSS. Writes the table to docs/benchmarks.md between
the nlu markers unless --no-docs.

The teacher is not committed (90 MB). `python -m models.nlu.build --out /tmp/nlu-teacher` trains it into
models/work/nlu (8 epochs: about 30 minutes on two shared cores; the default --out would replace models/nlu/shipped),
and `python -m models.compress.study teacher` puts it where this benchmark looks.
Without it, its row comes from its last measurement, committed in models/nlu/teacher_measured.json
(rewritten by every run that measured it), and the table says so; the shipped model is always
measured now.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

from bench.docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "models" / "work" / "compress" / "teacher"
SHIPPED = ROOT / "models" / "nlu" / "shipped"
TEACHER_RECORD = ROOT / "models" / "nlu" / "teacher_measured.json"
TEACHER_BUILD = "python -m models.nlu.build --out /tmp/nlu-teacher && python -m models.compress.study teacher"
COLUMNS = [("model", "model", "{}"), ("size_mb", "size MB", "{:.1f}"), ("parameters", "parameters", "{:,}"),
           ("p50_ms", "p50 ms", "{:.2f}"), ("p95_ms", "p95 ms", "{:.2f}"), ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
           ("intent_acc", "dev intent acc %", "{:.2f}"), ("entity_f1", "dev entity F1 %", "{:.2f}")]


def row(model: str, measured: dict) -> dict:
    return {"model": model, "size_mb": measured["size_mb"], "parameters": measured["parameters"],
            "p50_ms": measured["latency"]["p50_ms"], "p95_ms": measured["latency"]["p95_ms"],
            "peak_rss_mb": measured["peak_rss_mb"], "intent_acc": measured["dev"]["intent_accuracy"],
            "entity_f1": measured["dev"]["span_f1"]}


def machine() -> str:
    return f"{os.cpu_count()}-core {platform.machine()}, CPU inference"


def teacher_measurement(teacher: Path, threads: int, record: Path) -> dict:
    """The teacher measured now, or its committed record (with `recorded` set) when it is not built."""
    from app.errors import HearthError
    from models.compress.study import measure_in_process

    if (teacher / "model.pt").exists():
        return measure_in_process(teacher, threads, teacher / "model.pt")
    try:
        return json.loads(record.read_text(encoding="utf-8")) | {"recorded": True}
    except (OSError, ValueError) as exc:
        raise HearthError(f"no fp32 PyTorch teacher in {teacher} and no readable record of one ({record}: {exc})",
                          f"train one: {TEACHER_BUILD}") from exc


def record_teacher(measured: dict, threads: int, load_before: float, record: Path) -> None:
    """Keep a live teacher measurement, with when and where it was taken, for checkouts without the teacher."""
    stamp = {"date": dt.date.today().isoformat(), "machine": machine(), "threads": threads,
             "command": "hearth bench nlu", "load_before": round(load_before, 1)}
    record.write_text(json.dumps(measured | stamp, indent=1) + "\n", encoding="utf-8")


def run(teacher: Path, shipped: Path, threads: int, record: Path = TEACHER_RECORD) -> dict:
    from app.nlu.onnx_model import MODEL_FILE
    from models.compress.study import measure_in_process

    load = os.getloadavg()[0]
    measured = [teacher_measurement(teacher, threads, record), measure_in_process(shipped, threads, model_file=MODEL_FILE)]
    recorded = measured[0].get("recorded", False)
    label = f"teacher: fp32 PyTorch (recorded {measured[0]['date']}, not rerun)" if recorded else "teacher: fp32 PyTorch"
    rows = [row(label, measured[0]), row("shipped: ONNX int8", measured[1])]
    t, s = rows
    return {"date": dt.date.today().isoformat(), "dev_n": measured[1]["dev"]["n"],
            "latency_n": measured[1]["latency"]["n"], "machine": machine(), "threads": threads,
            "command": "hearth bench nlu", "rows": rows, "load_before": load,
            "teacher_recorded": {k: measured[0][k] for k in ("date", "machine", "threads", "command", "load_before")}
            if recorded
            else None, "teacher_measured": None if recorded else measured[0],
            "smaller_x": t["size_mb"] / s["size_mb"], "faster_x": t["p50_ms"] / s["p50_ms"],
            "intent_loss_points": t["intent_acc"] - s["intent_acc"]}


def markdown(result: dict) -> str:
    lines = ["## Language understanding (teacher vs shipped)", "",
             f"{result['date']} · `{result['command']}` · {result['machine']} · {result['threads']} threads, "
             f"batch 1, after 20 warm-up calls · dev split of HWU64 + SLURP devel ({result['dev_n']} utterances; "
             f"latency over {result['latency_n']})", "",
             "| " + " | ".join(c[1] for c in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(fmt.format(r[key]) for key, _, fmt in COLUMNS) + " |" for r in result["rows"]]
    old = result["teacher_recorded"]
    if old:
        lines += ["", f"The fp32 teacher is not built in this checkout: its row is its measurement of {old['date']} "
                      f"(`{old['command']}`, {old['machine']}, {old['threads']} threads, 1-min load average "
                      f"{old['load_before']:.1f} before) from "
                      "models/nlu/teacher_measured.json, so the ratios below compare two separate runs."]
    lines += ["", f"Shipped vs teacher: {result['smaller_x']:.1f}x smaller, {result['faster_x']:.1f}x faster (p50), "
                  f"{result['intent_loss_points']:.2f} points of dev intent accuracy lost. 1-min load average "
                  f"{result['load_before']:.1f} before the run; latencies vary from run to run, the ratios come "
                  "from one run. Study: "
                  "[models.md](models.md#compression-study-language-model)."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from app.errors import HearthError

    p = argparse.ArgumentParser(prog="hearth bench nlu", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--teacher", type=Path, default=TEACHER, help="folder with model.pt, labels.json, tokenizer.json")
    p.add_argument("--shipped", type=Path, default=SHIPPED)
    p.add_argument("--no-docs", action="store_true", help="do not rewrite the nlu section of docs/benchmarks.md")
    args = p.parse_args(argv)
    try:
        result = run(args.teacher, args.shipped, args.threads)
    except (HearthError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = markdown(result)
    print(json.dumps(result, indent=1) if args.json else text)
    if not args.no_docs:
        write_section("nlu", text)
        if result["teacher_measured"]:
            record_teacher(result["teacher_measured"], args.threads, result["load_before"], TEACHER_RECORD)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
