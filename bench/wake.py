"""Wake word: the CPU an always-on "hey hearth" listener costs, as a share of one core.

    python -m bench.wake [--seconds 300] [--realtime] [--docs]

The shipped detector (app/wake.py) is fed 512-sample frames, as a microphone delivers them, of
real speech (/work/shared/speech, or tests/fixtures) with faint white noise, looped to `--seconds`;
the share is the process CPU time spent feeding divided by the audio's duration. Flat out by
default (the same work, no waiting); `--realtime` paces the frames like a microphone, so idle
overhead (thread wake-ups) counts too. Also prints the per-frame time (median, 99th percentile):
a frame that took longer than 32 ms would mean falling behind. `--docs` writes the `wake` section
of docs/benchmarks.md; false rejects and false accepts are in docs/models.md (hearth models build
wakeword measures them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

import numpy as np

from app.audio.files import SAMPLE_RATE, load_audio
from app.audio.source import FRAME
from app.wake import WakeDetector, frames_of
from bench.docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
SPEECH = [ROOT.parent / "shared" / "speech", ROOT / "tests" / "fixtures"]


def audio(seconds: float) -> np.ndarray:
    folder = next(f for f in SPEECH if f.is_dir())
    speech = np.concatenate([load_audio(p) for p in sorted(folder.glob("*.wav"))])
    looped = np.resize(speech, int(seconds * SAMPLE_RATE))
    noise = np.random.default_rng(0).standard_normal(len(looped)).astype(np.float32) * 0.003
    return np.clip(looped + noise, -1, 1)


def measure(seconds: float, realtime: bool) -> dict:
    detector = WakeDetector()
    clip = audio(seconds)
    detector.reset()
    per_frame, fired = [], 0
    cpu0, start = time.process_time(), time.monotonic()
    for i, frame in enumerate(frames_of(clip)):
        if realtime:
            delay = start + i * FRAME / SAMPLE_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        t = time.perf_counter()
        fired += detector.feed(frame)
        per_frame.append((time.perf_counter() - t) * 1000)
    cpu = time.process_time() - cpu0
    return {"seconds": len(clip) / SAMPLE_RATE, "cpu_s": cpu, "share": cpu / (len(clip) / SAMPLE_RATE),
            "median_ms": float(np.median(per_frame)), "p99_ms": float(np.percentile(per_frame, 99)),
            "fired": fired, "realtime": realtime}


def table(r: dict) -> str:
    return "\n".join([
        "| audio | mode | CPU time | share of one core | per frame, median / p99 | wake words fired |",
        "|---|---|---|---|---|---|",
        f"| {r['seconds']:.0f} s | {'paced like a microphone' if r['realtime'] else 'flat out'} | {r['cpu_s']:.2f} s "
        f"| {r['share']:.2%} | {r['median_ms']:.2f} / {r['p99_ms']:.2f} ms | {r['fired']} |"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.wake")
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--realtime", action="store_true")
    p.add_argument("--docs", action="store_true")
    args = p.parse_args(argv)
    result = measure(args.seconds, args.realtime)
    text = table(result)
    print(text)
    if args.docs:
        command = "python -m bench.wake" + (f" --seconds {args.seconds:g}" if args.seconds != 300 else "") + \
            (" --realtime" if args.realtime else "") + " --docs"
        write_section("wake", "\n".join([
            "## Wake word: always-on CPU cost",
            "",
            f"Measured {dt.date.today().isoformat()} on a {os.cpu_count()}-core {platform.machine()} "
            f"({platform.system()}), command `{command}`: the shipped detector (app/wake.py, onnxruntime, one "
            "thread) fed 512-sample frames of real speech with faint white noise. Share = process CPU time / audio "
            "duration; accuracy is in docs/models.md.",
            "", text]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
