"""Hard-negative mining (as openWakeWord does): a first model scores every window of a pool of
extra negatives (every SLURP sentence but the measurement's, spoken again by the training voices
in new rooms, with noise, music and babble; never a held-out voice), and the windows it scores
highest become training negatives that weigh `MineOptions.weight` each. Everyday speech is too
varied for random windows to hold the few that sound like "hey hearth"; the model finds them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.audio.files import SAMPLE_RATE
from app.onnx_session import open_session
from app.wake import CHUNK, CLASSIFIER_FILE, WINDOW, WakeFeatures
from models.voices import speech_voice
from models.wakeword.data import Examples, Sizes, negative_stream, sentences
from models.wakeword.train import windows

ROUNDS = 2  # mine, retrain, mine again with the new model (adding to the first round's), retrain


@dataclass(frozen=True)
class MineOptions:
    min_score: float = 0.01  # windows the model scores at least this high are hard: 0.1 kept too few
    most: int = 4000  # and at most this many of them, the highest first
    weight: float = 1000.0  # each, against SPEECH_WEIGHT (100) for an ordinary speech window


def pool_texts(sizes: Sizes) -> list[str]:
    """The pool's sentences: never the measurement's (data.measurement takes the last ones)."""
    every = sentences()
    return every[:len(every) - sizes.measure_sentences][:sizes.pool_sentences]


def pool(sizes: Sizes, features: WakeFeatures, log=print) -> Examples:
    """Every window of the pool (stride 1: the hard ones are often a single window)."""
    rng, nprng = random.Random("pool-1"), np.random.default_rng(99)
    out = Examples()
    pieces = negative_stream(rng, nprng, pool_texts(sizes), lambda i: speech_voice(rng), sizes.pool_noise_s,
                             real=False)
    for piece in pieces:
        out.add(features, piece)
    log(f"mining pool: {out.size * CHUNK / SAMPLE_RATE / 3600:.2f} h of audio")
    return out


def mine(pool_path: Path, model_dir: Path, out: Path, options: MineOptions | None = None, log=print) -> int:
    """Score the pool with the classifier in `model_dir`; write the hard windows to `out` in
    data.Examples' file format (a training part); returns how many."""
    o = options or MineOptions()
    data = np.load(pool_path)
    embeddings, ends = data["embeddings"], data["ends"]
    session = open_session(model_dir / CLASSIFIER_FILE, threads=1, device="cpu")
    scores = np.concatenate([session.run(None, {"embeddings": windows(embeddings, ends[i:i + 4096])})[0].reshape(-1)
                             for i in range(0, len(ends), 4096)])
    hard = np.flatnonzero(scores >= o.min_score)
    hard = hard[np.argsort(-scores[hard], kind="stable")[:o.most]]
    log(f"mined {len(hard)} hard negatives of {len(ends)} pool windows (scores >= {o.min_score}; "
        + ", ".join(f">= {t}: {int((scores >= t).sum())}" for t in (0.5, 0.9)) + ")")
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = windows(embeddings, np.sort(ends[hard]))  # only the hard windows' embeddings, one after another
    np.savez(out, embeddings=kept.reshape(-1, kept.shape[-1]), ends=np.arange(1, len(hard) + 1) * WINDOW - 1,
             labels=np.zeros(len(hard), np.float32), weights=np.full(len(hard), o.weight, np.float32))
    return len(hard)
