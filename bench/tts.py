"""Text-to-speech benchmark: each voice on the same 50 real replies, each in a fresh process.

    .venv/bin/python -m bench.tts                          # all voices, updates docs/benchmarks.md
    .venv/bin/python -m bench.tts --engines espeak --no-docs

Per voice: load time (library or model, with its checks and warm-up run), time to first audio per reply
(`app.tts.stream` until its first chunk: what a listener waits for before playback can start, p50/p95),
the first chunk's lead-in (near silence before its first sound, `app.tts.speech.first_sound`: heard as more waiting),
real-time factor (synthesis time / audio time, all replies), intelligibility as the WER of the shipped
Whisper (`app.asr`, 16 kHz: tiny.en, the default, and base, the setting, which tells the voice's own
mishearings from tiny.en's) on the synthesized replies, and peak RSS of the worker process. The replies
are bench/tts_replies.txt, each synthesized `--draws` times: synthesis does not repeat exactly (the neural
voice samples noise; espeak-ng's length varies by a few samples), Whisper's mishearings follow, and one
pass of 50 replies moved the neural voice's WER between 6 and 9 % (2026-11-30); the table gives the WER
of all draws together and of each draw. `piper-int8` is a dynamic int8 copy of the neural voice made by
models/voice/build.py (needs the voice package or network to PyPI): measured, not shipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
REPLIES = Path(__file__).with_name("tts_replies.txt")
SILENCE_S = 0.3
VOICES = {"piper": "piper:en_US-joe-medium", "piper-int8": "piper:en_US-joe-medium", "espeak": "gmw/en-us"}
WHAT = {"piper": "neural: Piper en_US-joe-medium (VITS, float32 ONNX, 63 MB) + espeak-ng phonemes",
        "piper-int8": "the same voice, dynamic int8 copy (models/voice/build.py)",
        "espeak": "espeak-ng 1.51 through libespeak-ng, American English"}


def replies() -> list[str]:
    return [line for line in REPLIES.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def _load(name: str) -> None:
    from app.tts import espeak, piper

    if name == "espeak":
        espeak.EspeakEngine().voices()  # loads and starts the library
    elif name == "piper":
        piper.model()
    else:  # the engine reads its model through piper.model: point it at the int8 copy
        from models.voice.build import fetch, quantize

        folder = fetch()
        int8 = piper.read_model(quantize(folder), folder / f"{piper.VOICE}.onnx.json")
        piper.model = lambda voice=piper.VOICE: int8


def worker(name: str, out: Path, draws: int) -> dict:
    """In a fresh process: load one voice, synthesize every reply `draws` times, save each as out/<row>.npy."""
    from app.tts import TtsOptions, stream
    from app.tts.speech import first_sound

    options = TtsOptions(voice=VOICES[name])
    t0 = time.perf_counter()
    _load(name)
    load_s = time.perf_counter() - t0
    list(stream("Okay, the kitchen light is on.", options))  # warm-up, not counted
    rows = []
    for i, (draw, text) in enumerate((d, text) for d in range(draws) for text in replies()):
        t = time.perf_counter()
        chunks = stream(text, options)
        first = next(chunks)
        first_s = time.perf_counter() - t
        rest = list(chunks)
        total_s = time.perf_counter() - t
        audio = np.concatenate([first.audio] + [c.audio for c in rest])
        np.save(out / f"{i}.npy", audio)
        lead_in_s = first_sound(first.audio) / first.sample_rate
        rows.append({"text": text, "draw": draw, "first_s": first_s, "lead_in_s": lead_in_s, "total_s": total_s,
                     "clauses": 1 + len(rest),
                     "duration_s": len(audio) / first.sample_rate, "sample_rate": first.sample_rate})
    return {"engine": name, "load_s": load_s, "peak_rss_mb": peak_rss_mb(), "rows": rows}


def peak_rss_mb() -> float:
    """This process's high-water mark. Not getrusage: on Linux its ru_maxrss keeps the parent's peak
    across fork and exec, so a worker would report the parent's Whisper; VmHWM starts afresh at exec."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def transcribe(result: dict, out: Path, asr, key: str = "heard") -> None:
    """Each reply as a listener hears it, into each row's `key`: after and before a moment of silence
    (Whisper mishears speech that starts on the recording's first sample)."""
    from scipy.signal import resample_poly

    quiet = np.zeros(int(SILENCE_S * 16000), np.float32)
    for i, row in enumerate(result["rows"]):
        audio = np.load(out / f"{i}.npy")
        audio16k = resample_poly(audio, 16000, row["sample_rate"]).astype(np.float32)
        row[key] = asr.transcribe(np.concatenate([quiet, audio16k, quiet])).text


def fold(text: str) -> str:
    """Ways of writing the same words that are not mishearings: "7am" / "6.30am" (Whisper writes digits),
    British and American spelling, and the "and" of "four hundred and fifty" that Whisper's digits drop."""
    from models.whisper.text import normalize

    text = re.sub(r"(\d+)[.:](\d\d)", r"\1 \2", re.sub(r"(\d)([ap]m)\b", r"\1 \2", text.lower()))
    text = re.sub(r"(lit|met)re(s?)\b", r"\1er\2", text.replace("harbour", "harbor"))
    return normalize(text).replace("hundred and ", "hundred ")


def summarize(result: dict) -> dict:
    import jiwer

    rows = result["rows"]
    wer = lambda rs, key="heard": 100 * jiwer.wer([fold(r["text"]) for r in rs], [fold(r[key]) or "<empty>" for r in rs])
    draws = sorted({r["draw"] for r in rows})
    first = np.array([r["first_s"] for r in rows]) * 1000
    return {"engine": result["engine"], "load_s": result["load_s"], "first_p50_ms": np.percentile(first, 50),
            "first_p95_ms": np.percentile(first, 95),
            "lead_in_p50_ms": 1000 * np.median([r["lead_in_s"] for r in rows]),
            "rtf": sum(r["total_s"] for r in rows) / sum(r["duration_s"] for r in rows),
            "audio_s": sum(r["duration_s"] for r in rows),
            "wpm": 60 * sum(len(fold(r["text"]).split()) for r in rows) / sum(r["duration_s"] for r in rows),
            "wer": wer(rows), "wer_base": wer(rows, "heard_base"), "wer_draws": " / ".join(f"{wer([r for r in rows if r['draw'] == d]):.1f}" for d in draws),
            "peak_rss_mb": result["peak_rss_mb"]}


COLUMNS = [("engine", "voice", "{}"), ("load_s", "load s", "{:.2f}"), ("first_p50_ms", "first audio p50 ms", "{:.0f}"),
           ("first_p95_ms", "first audio p95 ms", "{:.0f}"), ("lead_in_p50_ms", "lead-in p50 ms", "{:.0f}"),
           ("rtf", "RTF", "{:.3f}"), ("audio_s", "audio s", "{:.0f}"),
           ("wpm", "words a minute", "{:.0f}"),
           ("wer", "Whisper WER %", "{:.1f}"), ("wer_base", "Whisper base WER %", "{:.1f}"), ("wer_draws", "WER % of each draw", "{}"), ("peak_rss_mb", "peak RSS MB", "{:.0f}")]


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "| " + " | ".join(c[1] for c in COLUMNS) + " | what |", "|" + "---|" * (len(COLUMNS) + 1)]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[key]) for key, _, fmt in COLUMNS) + f" | {WHAT[r['engine']]} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=list(VOICES), choices=list(VOICES))
    parser.add_argument("--json", type=Path, default=ROOT / "models" / "work" / "voice" / "bench.json")
    parser.add_argument("--draws", type=int, default=3, help="times each reply is synthesized (default 3)")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.out, args.draws)))
        return
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines:  # all synthesis first, Whisper after: nothing else competes for the cores
            out = Path(tmp) / name
            out.mkdir()
            worker_args = ["--worker", name, "--out", str(out), "--draws", str(args.draws)]
            proc = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.tts", *worker_args],
                                  cwd=ROOT, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(f"{name} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
                continue
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(f"{name}: synthesized", file=sys.stderr)
        from app.asr import AsrOptions, create_engine

        for model, key in (("tiny.en", "heard"), ("base", "heard_base")):  # the default, and the setting
            asr = create_engine(AsrOptions(model=model))
            for result in results:
                transcribe(result, Path(tmp) / result["engine"], asr, key)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    command = ("python -m bench.tts " + " ".join(sys.argv[1:])).strip()
    header = (f"## Text to speech\n\n{dt.date.today()} · `{command}` · {platform.machine()}, {os.cpu_count()} cores, "
              f"no GPU · 1-min load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (shared machine) · "
              f"{len(replies())} of Hearth's replies (bench/tts_replies.txt), each streamed clause by clause "
              f"{args.draws} times after one warm-up, at the default rate (175 words a minute) · WER: the shipped Whisper (tiny.en int8 ONNX, the default; base, the "
              f"`asr_model` setting, in its own column) on the audio at 16 kHz with {SILENCE_S} s of silence either side, after bench/asr.py's "
              "normalization with spelling variants folded (`fold`: 7am = seven am, litre = liter)")
    table = markdown([summarize(r) for r in results], header)
    print(table)
    if not args.no_docs:
        write_section("tts", table)
        print("updated docs/benchmarks.md")


if __name__ == "__main__":
    main()
