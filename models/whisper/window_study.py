"""WER and latency of the ONNX engine against the audio window it is given.

    python -m models.whisper.window_study [--threads 2]

Prints a markdown table: per window policy, mean window seconds, WER real / synthesized,
command p50 latency, and how often the low-confidence 30 s retry fired.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from app.asr.engine import AsrOptions
from app.asr.onnx_engine import OnnxWhisperEngine, WindowPolicy
from models.whisper.corpus import real_clips, synth_clips
from models.whisper.engines import onnx_dir
from models.whisper.text import wer

POLICIES = {
    "speech + 0.5 s": WindowPolicy(pad_s=0.5, min_s=1.0, fallback_logprob=None),
    "speech + 1 s": WindowPolicy(pad_s=1.0, min_s=2.0, fallback_logprob=None),
    "speech + 2 s": WindowPolicy(pad_s=2.0, min_s=2.0, fallback_logprob=None),
    "speech + 1 s, at least 6 s": WindowPolicy(min_s=6.0, fallback_logprob=None),
    "speech + 1 s, at least 8 s": WindowPolicy(min_s=8.0, fallback_logprob=None),
    "speech + 1 s, at least 10 s": WindowPolicy(min_s=10.0, fallback_logprob=None),
    "speech + 1 s, retry 30 s if logprob < -1": WindowPolicy(min_s=2.0),
    "speech + 1 s, at least 10 s, retry 30 s if logprob < -1 (default)": WindowPolicy(),
    "fixed 30 s (stock window)": WindowPolicy(fixed_s=30.0, fallback_logprob=None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    engine = OnnxWhisperEngine(AsrOptions(engine="onnx", model_dir=onnx_dir(), threads=args.threads, device="cpu"))
    clips = real_clips() + synth_clips()
    engine.transcribe(clips[0].audio)  # warm-up
    print("| window | mean window s | WER real % | WER synth % | command p50 ms | retries |\n|---|---|---|---|---|---|")
    for name, policy in POLICIES.items():
        engine.policy = policy
        texts, lat, windows, retries = {}, [], [], 0
        for clip in clips:
            calls = []
            run = engine._run
            engine._run = lambda audio, w, run=run: calls.append(w) or run(audio, w)
            t = time.perf_counter()
            texts[clip.stem] = engine.transcribe(clip.audio).text
            engine._run = run
            if clip.set == "synth":
                lat.append(time.perf_counter() - t)
            windows.append(calls[0])
            retries += len(calls) > 1
        score = lambda kind: 100 * wer([c.reference for c in clips if c.set == kind],
                                       [texts[c.stem] for c in clips if c.set == kind])
        print(f"| {name} | {np.mean(windows):.1f} | {score('real'):.1f} | {score('synth'):.1f} | "
              f"{1000 * np.median(lat):.0f} | {retries}/{len(clips)} |", flush=True)


if __name__ == "__main__":
    main()
