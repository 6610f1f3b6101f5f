"""A confirmation of a finished wake word model on data nothing in the build ever saw (issue 17):
the measurement half evaluate.py reports was looked at while choosing what to ship, so this is
measured once, at the shipped settings (`wake_threshold`, `wake_patience`, `wake_refractory_s`
as Settings ships them), never tuned on.

The data is new, from a seed of its own: positives said by held-out voices and at held-out speeds
(as data.measurement makes them), and a false-accept stream of everyday speech from sentences the
build never used (SNIPS and HWU64, minus every sentence in SLURP's unlabeled training text, which
the build's training, mining and measurement sentences come from, minus the word's own sounds),
half of them said by held-out voices, then noise, music and babble. It needs only the model folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from scipy import stats

from app.audio.files import SAMPLE_RATE
from app.config import Settings, datasets_dir
from app.wake import CHUNK, CLASSIFIER_FILE, WakeDetector, firings, wake_options
from models.nlu.data import load_hwu64, load_snips
from models.wakeword import data, evaluate

SEED = 1700  # no other part of the build draws from it
HEARD_S = 2.0  # the classifier's window (16 embeddings, each over 0.76 s of mel frames) hears about this far back
COMMAND = "python -m models.wakeword.build --steps confirm"


@dataclass(frozen=True)
class ConfirmSizes:
    held_voice: int = 200  # positives said by held-out voices
    held_speed: int = 200  # trained voices at held-out speeds
    sentences: int = 3000  # everyday sentences: 2.71 h with their pauses (SNIPS's are longer than SLURP's)
    noise_s: float = 1200.0  # noise, music, silence and babble after them: 3.05 h in all, over 2.5 h, so
    # 0.5 false accepts an hour allows one


TINY = ConfirmSizes(held_voice=3, held_speed=2, sentences=4, noise_s=10.0)


def normalized(text: str) -> str:
    """Lower case, words only: SNIPS writes "What's the weather?" where SLURP writes "what's the weather"."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def texts(count: int) -> list[str]:
    """`count` distinct SNIPS and HWU64 sentences (a fixed shuffle) that no part of the build spoke."""
    slurp = datasets_dir() / "slurp" / "train_sentences_unlabeled.txt"
    used = {normalized(s) for s in slurp.read_text(encoding="utf-8").splitlines()}
    used |= {normalized(s) for s in data.WAKE + data.CLOSE + data.OTHER + data.FOLLOW}
    fresh: dict[str, str] = {}
    for example in load_snips("train") + load_snips("validate") + load_hwu64():
        key = normalized(example.text)
        if key and key not in used and "heart" not in key and "earth" not in key:
            fresh.setdefault(key, example.text.strip())
    picked = sorted(fresh.values())
    random.Random(SEED).shuffle(picked)
    return picked[:count]


def make(sizes: ConfirmSizes, path: Path, log=print) -> None:
    """The fresh data: `path` (data.Measure's format) and where each sentence and sound is in the stream."""
    where: list[dict] = []
    m = data.held_out(texts(sizes.sentences), sizes.held_voice, sizes.held_speed, sizes.noise_s, SEED, log, where)
    m.save(path)
    path.with_name(path.stem + "_stream.json").write_text(json.dumps(where), encoding="utf-8")


def poisson_interval(count: int) -> tuple[float, float]:
    """The exact (Garwood) 95 % interval of a Poisson count: how far one or two events pin a rate down."""
    low = float(stats.chi2.ppf(0.025, 2 * count) / 2) if count else 0.0
    return low, float(stats.chi2.ppf(0.975, 2 * count + 2) / 2)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def heard(where: list[dict], chunk: int) -> list[dict]:
    """What the stream held in the HEARD_S before the firing at `chunk` (the last one is what it
    fired during, unless that was a pause)."""
    end = (chunk + 1) * CHUNK
    start = end - int(HEARD_S * SAMPLE_RATE)
    return [{"kind": w["kind"], "text": w.get("text", ""), "voice": w.get("voice", ""), "during": w["end"] >= end}
            for w in where if w["end"] > start and w["start"] < end and w["kind"] != "gap"]


def measure(path: Path, model_dir: Path, results: Path, log=print) -> dict:
    """The model in `model_dir` at the settings Hearth ships, once, on the data `make` wrote."""
    m = data.Measure.load(path)
    where = json.loads(path.with_name(path.stem + "_stream.json").read_text(encoding="utf-8"))
    options = wake_options(Settings(wake_word=True))
    detector = WakeDetector(options, folder=model_dir)
    clips, stream = evaluate.embeddings(m, detector, path.with_name(path.stem + "_embeddings.npz"), log)
    traces = [detector.trace_embeddings(c) for c in clips]
    stream_trace = detector.trace_embeddings(stream)
    result = evaluate.point(options, traces, m.spans, m.kinds, stream_trace)
    missed = round(result.false_reject * len(traces))
    speech = sum(w["end"] - w["start"] for w in where if w["kind"] in ("sentence", "gap")) / SAMPLE_RATE / 3600
    said = sum(w["end"] - w["start"] for w in where if w["kind"] == "sentence") / SAMPLE_RATE / 3600
    accepts = [{"at_s": round((c + 1) * CHUNK / SAMPLE_RATE, 2), "score": round(float(stream_trace[c]), 4),
                "heard": heard(where, c)} for c in firings(stream_trace, options)]
    log(f"confirmation at threshold {options.threshold}, patience {options.patience}: false rejects "
        f"{result.false_reject:.1%} (voices {result.false_reject_voice:.1%}, speeds {result.false_reject_speed:.1%}), "
        f"{result.false_accepts} false accepts in {result.hours:.2f} h ({result.per_hour:.2f} per hour)")
    for a in accepts:
        log(f"false accept at {a['at_s']} s (score {a['score']}): {a['heard']}")
    out = {"date": dt.date.today().isoformat(),
           "host": f"{platform.machine()} ({platform.processor() or 'cpu'}, {os.cpu_count()} cores)",
           "command": COMMAND, "classifier_sha256": sha256(model_dir / CLASSIFIER_FILE),
           "options": asdict(options), "target_fr": evaluate.TARGET_FR, "target_fa_per_h": evaluate.TARGET_FA_PER_H,
           "clips": {"voice": m.kinds.count("voice"), "speed": m.kinds.count("speed")},
           "sentences": sum(w["kind"] == "sentence" for w in where), "speech_hours": speech, "said_hours": said,
           "result": asdict(result) | {"per_hour": result.per_hour}, "false_accepts": accepts,
           "interval_95": {"false_reject": list(stats.binomtest(missed, len(traces)).proportion_ci()),
                           "per_hour": [x / result.hours for x in poisson_interval(result.false_accepts)]}}
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return out
