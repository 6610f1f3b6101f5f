"""Issue 13: how many of 1,000 syntheses come back without audio, now and with the old pyttsx3 path.

    .venv/bin/python -m bench.tts_reliability              # app.tts (libespeak-ng, synchronous)
    .venv/bin/python -m bench.tts_reliability --pyttsx3    # app/tts.py of commit bb13094, from git history

The workload of tests/test_tts_reliability.py: short replies at varying rates from 4 threads while 20
voice listings run beside them (the settings dialog does that). Prints lost calls and their errors.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEGACY = "bb13094"  # the last commit with pyttsx3 as the Linux speech path


def legacy() -> types.ModuleType:
    """The pyttsx3 text-to-speech module as it was, loaded from git history (nothing copied into the tree)."""
    source = subprocess.run(["git", "show", f"{LEGACY}:app/tts.py"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    module = types.ModuleType("legacy_tts")
    sys.modules[module.__name__] = module  # its dataclasses look their module up there
    exec(compile(source, f"{LEGACY}:app/tts.py", "exec"), module.__dict__)  # noqa: S102 - Hearth's own old code
    return module


def run(tts, runs: int, threads: int) -> list[str]:
    """The error of each call that returned no audio."""
    def say(i: int) -> str | None:
        try:
            speech = tts.synthesize(f"Timer {i} is done.", tts.TtsOptions(voice="gmw/en-us", rate=175 + i % 100))
        except Exception as exc:  # noqa: BLE001 - counting failures of any kind is the point
            return f"{i}: {exc}"
        return None if speech.audio.size else f"{i}: empty audio"

    with ThreadPoolExecutor(threads) as pool:
        listing = [pool.submit(tts.voice_names) for _ in range(20)]
        lost = [e for e in pool.map(say, range(runs)) if e]
        [f.result() for f in listing]
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pyttsx3", action="store_true", help=f"the old pyttsx3 path (commit {LEGACY})")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if args.pyttsx3:
        tts = legacy()
    else:
        from app import tts
    t = time.perf_counter()
    lost = run(tts, args.runs, args.threads)
    print(f"{'pyttsx3 (' + LEGACY + ')' if args.pyttsx3 else 'app.tts'}: {len(lost)} of {args.runs} calls without "
          f"audio, {time.perf_counter() - t:.1f} s")
    for error in lost:
        print("  " + error.replace("\n", " "))


if __name__ == "__main__":
    main()
