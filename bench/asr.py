"""ASR benchmark: every Whisper variant on the same clips, each in a fresh process.

    .venv/bin/python -m bench.asr                      # all engines, 2 threads, updates docs/benchmarks.md
    .venv/bin/python -m bench.asr --engines ct2-int8 stock --no-docs

Per engine: load time (import + construction), per-clip latency after one warm-up call
(p50/p95 over all clips, batch 1), real-time factor (processing time / audio time, real clips),
corpus WER on real and on synthesized speech separately, and peak RSS of the worker process
(the kernel's high-water mark, getrusage; psutil reads the current RSS only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "models" / "whisper" / "results.json"


def worker(name: str, threads: int, synth: int) -> dict:
    """Run in a fresh process: load one engine, transcribe every clip, report timings and texts."""
    from models.whisper.corpus import real_clips, synth_clips

    clips = real_clips() + synth_clips(n=synth)
    t0 = time.perf_counter()
    from models.whisper.engines import ENGINES

    engine = ENGINES[name].build(threads)
    load_s = time.perf_counter() - t0
    engine.transcribe(clips[0].audio)  # warm-up, not counted
    rows = []
    for clip in clips:
        t = time.perf_counter()
        text = engine.transcribe(clip.audio).text
        rows.append(dict(set=clip.set, stem=clip.stem, reference=clip.reference, text=text,
                         duration_s=clip.duration_s, latency_s=time.perf_counter() - t))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb, parameters = ENGINES[name].weights(engine)  # after the peak: serializing may allocate
    return dict(engine=name, load_s=load_s, peak_rss_mb=peak_mb, size_mb=size_mb, parameters=parameters, clips=rows)


def summarize(result: dict) -> dict:
    from models.whisper.text import wer

    rows = result["clips"]
    lat = np.array([r["latency_s"] for r in rows])
    real = [r for r in rows if r["set"] == "real"]
    synth = [r for r in rows if r["set"] == "synth"]
    corpus_wer = lambda rs: wer([r["reference"] for r in rs], [r["text"] for r in rs]) if rs else float("nan")
    return dict(engine=result["engine"], size_mb=result["size_mb"], parameters=result["parameters"],
                load_s=result["load_s"],
                p50_ms=1000 * np.percentile(lat, 50), p95_ms=1000 * np.percentile(lat, 95),
                synth_p50_ms=1000 * np.median([r["latency_s"] for r in synth]) if synth else float("nan"),
                rtf=sum(r["latency_s"] for r in real) / sum(r["duration_s"] for r in real),
                wer_real=100 * corpus_wer(real), wer_synth=100 * corpus_wer(synth),
                peak_rss_mb=result["peak_rss_mb"])


COLUMNS = [("engine", "engine", "{}"), ("size_mb", "weights MB", "{:.1f}"), ("parameters", "parameters", "{:,}"),
           ("load_s", "load s", "{:.2f}"), ("p50_ms", "p50 ms", "{:.0f}"),
           ("p95_ms", "p95 ms", "{:.0f}"), ("synth_p50_ms", "command p50 ms", "{:.0f}"), ("rtf", "RTF real", "{:.3f}"),
           ("wer_real", "WER real %", "{:.1f}"), ("wer_synth", "WER synth %", "{:.1f}"),
           ("peak_rss_mb", "peak RSS MB", "{:.0f}")]


def markdown(rows: list[dict], header: str) -> str:
    from models.whisper.engines import ENGINES

    lines = [header, "", "| " + " | ".join(c[1] for c in COLUMNS) + " | what |",
             "|" + "---|" * (len(COLUMNS) + 1)]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[key]) for key, _, fmt in COLUMNS)
                     + f" | {ENGINES[r['engine']].what} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from models.whisper.engines import ENGINES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--synth", type=int, default=20, help="synthesized commands to include")
    parser.add_argument("--json", type=Path, default=ROOT / "models" / "work" / "whisper" / "bench.json")
    parser.add_argument("--merge", type=Path, help="also report engines from an earlier run's JSON not rerun now")
    parser.add_argument("--results", type=Path, default=RESULTS, help="per-engine summary (committed; `hearth models "
                        "report` reads it)")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.synth)))
        return
    load_before = os.getloadavg()[0]
    results = []
    for name in args.engines:
        proc = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.asr", "--worker", name,
                               "--threads", str(args.threads), "--synth", str(args.synth)],
                              cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{name} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"{name}: done", file=sys.stderr)
    if args.merge:
        earlier = [r for r in json.loads(args.merge.read_text()) if r["engine"] not in args.engines]
        results = earlier + results
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    rows = [summarize(r) for r in results]
    command = "python -m bench.asr " + " ".join(sys.argv[1:])
    merged = f" · rows {', '.join(r['engine'] for r in earlier)} from the earlier run {args.merge.name}" if args.merge else ""
    header = (f"## ASR (Whisper)\n\n{dt.date.today()} · `{command.strip()}` · {platform.machine()}, "
              f"{os.cpu_count()} cores, no GPU · 1-min load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after (shared machine) · {args.threads} threads, batch 1 · "
              f"real clips: ../shared/speech, synthesized: {args.synth} espeak-ng/flite commands{merged}")
    table = markdown(rows, header)
    print(table)
    if not args.no_docs:
        write_section("asr", table)
        setup = header.split("\n\n", 1)[1]
        args.results.write_text(json.dumps({"setup": setup, "rows": rows}, indent=1) + "\n")
        print(f"updated docs/benchmarks.md and {args.results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
