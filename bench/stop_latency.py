"""Stop on a real (virtual) sound card: from `Player.stop()` to the end of the output stream, over
many stops at every moment of a reply's first half second, whole and streamed in chunks.

    python -m bench.stop_latency [--stops 200] [--system] [--no-docs]

By default it starts a private PulseAudio with a null sink (tests/sound_server.py), which plays at
real-time pace like a sound card, and measures there in a child process; `--system` measures on
this machine's default output device instead. The stream is timed from inside, against the
moment `stop()` was called: its finished callback (the sound has ended: the goal is 100 ms) and
its close on the output thread, with the moment the waiting `play()` returned. Writes its section of docs/benchmarks.md
unless --no-docs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.docs_section import write_section

COMMAND = "python -m bench.stop_latency"
ROOT = Path(__file__).resolve().parents[1]
RATE = 48000
CHUNK = 4800  # a streamed reply comes 100 ms at a time, each 10 ms late
MOMENTS_MS = range(20, 520, 25)  # how long after the first sample each stop comes, in turn
MARKS = ("stream finished", "stream closed", "play() returned")


def _instrument(marks: dict) -> None:
    """Time the Player's streams from inside: wrap sounddevice.OutputStream's finished callback and close."""
    import sounddevice as sd

    class Timed(sd.OutputStream):
        def __init__(self, *args, finished_callback, **kwargs):
            def finished():
                marks.setdefault("stream finished", time.perf_counter())
                finished_callback()

            super().__init__(*args, finished_callback=finished, **kwargs)

        def close(self, *args, **kwargs):
            super().close(*args, **kwargs)
            marks.setdefault("stream closed", time.perf_counter())

    sd.OutputStream = Timed


def measure(stops: int) -> dict:
    """ms from stop() to each mark, per mode; stops whose stream never finished count as hangs."""
    from app.audio.player import Player
    from app.tts import Speech

    marks: dict[str, float] = {}
    _instrument(marks)
    whole = Speech((np.sin(np.arange(RATE * 3) * 0.05) * 0.1).astype(np.float32), RATE)

    def streamed():
        for start in range(0, len(whole.audio), CHUNK):
            time.sleep(0.01)
            yield Speech(whole.audio[start:start + CHUNK], RATE)

    player = Player()
    result = {"whole": {m: [] for m in MARKS}, "streamed": {m: [] for m in MARKS}, "hangs": 0}
    for i in range(stops):
        mode = "streamed" if i % 2 else "whole"
        marks.clear()
        heard, returned = threading.Event(), threading.Event()
        speech = streamed() if mode == "streamed" else whole

        def speak(speech=speech, heard=heard, returned=returned) -> None:
            player.play(speech, on_first_audio=heard.set)
            returned.set()

        threading.Thread(target=speak, daemon=True).start()
        if not heard.wait(5):
            result["hangs"] += 1
            player.stop()
            continue
        time.sleep(MOMENTS_MS[(i // 2) % len(MOMENTS_MS)] / 1000)
        t0 = time.perf_counter()
        player.stop()
        returned.wait(5)
        marks["play() returned"] = time.perf_counter()  # after the wait: an upper bound, within a ms
        deadline = time.monotonic() + 5
        while "stream closed" not in marks and time.monotonic() < deadline:
            time.sleep(0.005)
        result["hangs"] += "stream closed" not in marks or not returned.is_set()
        for mark in MARKS:
            if mark in marks:
                result[mode][mark].append((marks[mark] - t0) * 1000)
    player.close()
    return result


def on_private_server(stops: int) -> dict:
    from tests.sound_server import available, private_pulseaudio

    if not available():
        raise SystemExit("PulseAudio is not installed: apt-get install pulseaudio pulseaudio-utils, or use --system")
    with tempfile.TemporaryDirectory() as home, private_pulseaudio(Path(home)) as env:
        env["PYTHONPATH"] = str(ROOT)
        run = subprocess.run([sys.executable, "-m", "bench.stop_latency", "--measure", "--stops", str(stops)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=max(600, stops * 3),
                             check=False)
    if run.returncode != 0:
        raise SystemExit(run.stderr[-3000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def _row(mode: str, mark: str, values: list[float]) -> str:
    if not values:
        return f"| {mode} | {mark} | 0 | - | - | - |"
    p50, p95 = np.percentile(values, [50, 95])
    return f"| {mode} | {mark} | {len(values)} | {p50:.1f} | {p95:.1f} | {max(values):.1f} |"


def markdown(result: dict, stops: int, system: bool, load: tuple[float, float]) -> str:
    device = ("this machine's default output device" if system else
              "a private PulseAudio null sink through ALSA's pulse plugin (tests/sound_server.py)")
    flags = f" --stops {stops}" + (" --system" if system else "")
    about = (f"{dt.date.today().isoformat()} · `{COMMAND}{flags}` · {platform.machine()}, {os.cpu_count()} cores · "
             f"1-min load average {load[0]:.1f} before, {load[1]:.1f} after · {device}")
    note = (f"{result['hangs']} hangs in {stops} stops. Each stop comes 20 to 495 ms after the first sample "
            "reached the device, alternating a whole 3 s reply and one streamed in 100 ms chunks. "
            "'stream finished' is PortAudio's finished callback, when the sound has ended (goal: "
            "within 100 ms); 'stream closed' is when the output thread is free for the next reply; "
            "'play() returned' is taken after the waiting thread woke, so it is an upper bound.")
    lines = ["## Stop latency on a sound card", "", about, "",
             "| speech | ms from `stop()` to | n | p50 | p95 | max |", "|---|---|---|---|---|---|"]
    lines += [_row(mode, mark, result[mode][mark]) for mode in ("whole", "streamed") for mark in MARKS]
    return "\n".join([*lines, "", note])


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    p.add_argument("--stops", type=int, default=200)
    p.add_argument("--system", action="store_true", help="measure on this machine's default output device")
    p.add_argument("--no-docs", action="store_true", help="do not rewrite the section in docs/benchmarks.md")
    p.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child, on the private server
    args = p.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.stops)))
        return 0
    before = os.getloadavg()[0]
    result = measure(args.stops) if args.system else on_private_server(args.stops)
    text = markdown(result, args.stops, args.system, (before, os.getloadavg()[0]))
    print(text)
    if not args.no_docs:
        write_section("stop_latency", text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
