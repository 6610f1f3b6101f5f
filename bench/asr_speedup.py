"""Head-to-head command latency: engines loaded in one process, run in rotation on every clip.

Rotating engines per clip (and taking the median of repeats) keeps load from other processes on
a shared machine from favouring whichever engine happened to run in a quiet minute. A pause
between calls lets the previous engine's OpenMP threads (torch and CTranslate2 both bundle
libgomp, whose idle threads spin before sleeping) go quiet, so no engine pays for its neighbour.

    python -m bench.asr_speedup [--engines stock ct2-int8 onnx-int8] [--repeats 3] [--no-docs]

Speed-ups are medians over clips of (baseline time / engine time), against each --baselines
engine present (default: issue 6's two references, stock faster-whisper and openai-whisper fp32).
Writes the table to docs/benchmarks.md between the asr-speedup markers unless --no-docs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from bench.docs_section import write_section
from models.whisper.corpus import real_clips, synth_clips
from models.whisper.engines import ENGINES

RESULTS = Path(__file__).resolve().parents[1] / "models" / "whisper" / "speedup.json"  # `hearth models report` reads it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", nargs="+", default=["stock", "ct2-int8", "onnx-int8"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-s", type=float, default=4.0, help="only clips up to this long (commands)")
    parser.add_argument("--baselines", nargs="+", default=["stock", "openai-fp32"])
    parser.add_argument("--gap-s", type=float, default=0.1, help="pause before every call")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    engines = {name: ENGINES[name].build(args.threads) for name in args.engines}
    clips = [c for c in real_clips() + synth_clips() if c.duration_s <= args.max_s]
    for engine in engines.values():
        engine.transcribe(clips[0].audio)
    latency = {name: [] for name in engines}
    for i, clip in enumerate(clips):
        times = {name: [] for name in engines}
        for r in range(args.repeats):
            names = list(engines)[(i + r) % len(engines):] + list(engines)[:(i + r) % len(engines)]
            for name in names:
                time.sleep(args.gap_s)
                t = time.perf_counter()
                engines[name].transcribe(clip.audio)
                times[name].append(time.perf_counter() - t)
        for name in engines:
            latency[name].append(np.median(times[name]))
    baselines = [b for b in args.baselines if b in engines] or args.engines[:1]
    durations = np.array([c.duration_s for c in clips])
    near3 = (durations >= 2.5) & (durations <= 3.5)
    command = ("python -m bench.asr_speedup " + " ".join(sys.argv[1:])).strip()
    lines = ["## ASR head-to-head (commands)", "",
             f"{dt.date.today()} · `{command}` · {platform.machine()}, {os.cpu_count()} cores, no GPU · 1-min load average {load_before:.1f} before, "
             f"{os.getloadavg()[0]:.1f} after · {args.threads} threads, batch 1 · engines in one process, rotated per "
             f"clip, {args.gap_s:g} s pause before each call, median of {args.repeats} repeats · {len(clips)} clips "
             f"<= {args.max_s:g} s ({near3.sum()} of 2.5-3.5 s)", "",
             "| engine | p50 ms (all) | p50 ms (2.5-3.5 s) | "
             + " | ".join(f"speed-up vs {b} (median per clip: all / 2.5-3.5 s)" for b in baselines) + " |",
             "|---|---|---|" + "---|" * len(baselines)]
    for name, values in latency.items():
        values = np.array(values)
        ratios = [np.array(latency[b]) / values for b in baselines]
        lines.append(f"| {name} | {1000 * np.median(values):.0f} | {1000 * np.median(values[near3]):.0f} | "
                     + " | ".join(f"{np.median(r):.2f}x / {np.median(r[near3]):.2f}x" for r in ratios) + " |")
    table = "\n".join(lines)
    print(table)
    if not args.no_docs:
        write_section("asr-speedup", table)
        RESULTS.write_text(json.dumps({"setup": lines[2], "durations_s": durations.tolist(),
                                       "latency_s": latency}, indent=1) + "\n")


if __name__ == "__main__":
    main()
