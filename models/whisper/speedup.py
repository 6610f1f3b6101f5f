"""Head-to-head command latency: engines loaded in one process, run in rotation on every clip.

Rotating engines per clip (and taking the median of repeats) keeps load from other processes on
a shared machine from favouring whichever engine happened to run in a quiet minute.

    python -m models.whisper.speedup [--engines stock ct2-int8 onnx-int8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from models.whisper.corpus import real_clips, synth_clips
from models.whisper.engines import ENGINES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", nargs="+", default=["stock", "ct2-int8", "onnx-int8"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-s", type=float, default=4.0, help="only clips up to this long (commands)")
    args = parser.parse_args()
    engines = {name: ENGINES[name][1](args.threads) for name in args.engines}
    clips = [c for c in real_clips() + synth_clips() if c.duration_s <= args.max_s]
    for engine in engines.values():
        engine.transcribe(clips[0].audio)
    latency = {name: [] for name in engines}
    for i, clip in enumerate(clips):
        times = {name: [] for name in engines}
        for r in range(args.repeats):
            names = list(engines)[(i + r) % len(engines):] + list(engines)[:(i + r) % len(engines)]
            for name in names:
                t = time.perf_counter()
                engines[name].transcribe(clip.audio)
                times[name].append(time.perf_counter() - t)
        for name in engines:
            latency[name].append(np.median(times[name]))
    base = np.array(latency[args.engines[0]])
    durations = np.array([c.duration_s for c in clips])
    near3 = (durations >= 2.5) & (durations <= 3.5)
    print(f"{len(clips)} clips <= {args.max_s} s ({near3.sum()} of 2.5-3.5 s), {args.repeats} repeats, "
          f"{args.threads} threads\n")
    print(f"| engine | p50 ms (all) | p50 ms (2.5-3.5 s) | speed-up vs {args.engines[0]} (median per clip) |")
    print("|---|---|---|---|")
    for name, values in latency.items():
        values = np.array(values)
        print(f"| {name} | {1000 * np.median(values):.0f} | {1000 * np.median(values[near3]):.0f} | "
              f"{np.median(base / values):.2f}x |")


if __name__ == "__main__":
    main()
