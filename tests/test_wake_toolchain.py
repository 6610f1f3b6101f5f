"""The wake word toolchain on a few clips: synthesis with several voices, labelled windows, training,
ONNX export with a manifest the runtime verifies, and the measurement (the full build runs by hand)."""

from __future__ import annotations

import json
import random
from dataclasses import asdict

import numpy as np
import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.train

from app.audio.files import SAMPLE_RATE
from app.config import Settings, datasets_dir
from app.wake import CHUNK, CLASSIFIER_FILE, WINDOW, WakeDetector, WakeFeatures, wake_model_dir, wake_options
from models import voices
from models.wakeword import augment, build, confirm, data, evaluate, mine, report, train


def test_held_out_voices_and_speeds_are_never_trained_on():
    rng = random.Random(0)
    trained = {train.name for train in (voices.train_voice(rng) for _ in range(500))}
    held = [voices.held_voice(rng) for _ in range(200)]
    assert not trained & {v.name for v in held}
    assert not set(voices.SPEECH_VARIANTS) & set(voices.HELD_VARIANTS)
    speeds = [voices.held_speed(rng) for _ in range(200)]
    assert all(v.speed in voices.HELD_SPEEDS or v.speed in voices.HELD_STRETCH for v in speeds)


def test_the_mining_pool_never_holds_a_measurement_sentence():
    sizes = data.Sizes()
    assert len(mine.pool_texts(sizes)) > 1000
    assert not set(mine.pool_texts(sizes)) & set(data.sentences()[-sizes.measure_sentences:])


def test_the_confirmation_speaks_only_sentences_the_build_never_used():
    fresh = confirm.texts(10**6)
    slurp = (datasets_dir() / "slurp" / "train_sentences_unlabeled.txt").read_text(encoding="utf-8").splitlines()
    keys = [confirm.normalized(t) for t in fresh]
    assert len(fresh) > confirm.ConfirmSizes().sentences and len(set(keys)) == len(keys)
    assert not set(keys) & {confirm.normalized(s) for s in slurp + data.FOLLOW}
    assert not [k for k in keys if "heart" in k or "earth" in k]


def test_the_confirmation_report_says_when_a_target_was_missed():
    def result(false_accepts: int, hours: float) -> dict:
        point = {"false_reject": 0.02, "false_reject_voice": 0.01, "false_reject_speed": 0.03,
                 "false_accepts": false_accepts, "hours": hours, "per_hour": false_accepts / hours}
        return {"date": "2026-11-30", "host": "x", "command": "c", "classifier_sha256": "0" * 64,
                "options": {"threshold": 0.92, "patience": 1, "refractory_s": 2.0}, "target_fr": 0.05,
                "target_fa_per_h": 0.5, "clips": {"voice": 200, "speed": 200}, "sentences": 3000,
                "speech_hours": 2.5, "said_hours": 2.0, "result": point, "false_accepts": [],
                "interval_95": {"false_reject": [0.01, 0.04], "per_hour": [0.1, 2.0]}}

    assert "false-accept target (<= 0.5 an hour) was met" in report.confirmation(result(1, 2.8))
    assert "cannot rule out a rate above the target" in report.confirmation(result(1, 2.8))
    assert "false-accept target (<= 0.5 an hour) was NOT met" in report.confirmation(result(2, 2.8))


def test_every_engine_speaks():
    for voice in (voices.Voice("espeak", "en-us+f2", 160, 50), voices.Voice("flite", "slt", 1.0, 120)):
        audio = voices.speak("hey hearth", voice)
        assert 0.3 < len(audio) / SAMPLE_RATE < 3 and np.abs(audio).max() == pytest.approx(0.9, abs=0.01)


def test_a_positive_clip_labels_only_the_end_of_the_word():
    features = WakeFeatures()
    audio = np.zeros(3 * SAMPLE_RATE, np.float32)
    examples = data.Examples()
    examples.add(features, audio, positive=(SAMPLE_RATE, 2 * SAMPLE_RATE))
    ends, labels = examples.ends[0] - (WINDOW - 1), examples.labels[0]
    last = 2 * SAMPLE_RATE // CHUNK  # 25 chunks end at 2.0 s exactly: the phrase's last sample is in chunk 24
    assert list(ends[labels == 1]) == [last - 1, last, last + 1, last + 2]
    assert ends[labels == 0].max() < SAMPLE_RATE // CHUNK  # nothing from inside the phrase is a negative


def test_rooms_keep_the_length_and_the_range():
    rng = np.random.default_rng(0)
    speech = np.sin(np.arange(SAMPLE_RATE) / 10).astype(np.float32)
    out = augment.room(rng, speech, p_reverb=1.0, p_noise=1.0)
    assert out.shape == speech.shape and np.abs(out).max() <= 1.0 and not np.allclose(out, speech)
    assert augment.music(rng, SAMPLE_RATE).shape == (SAMPLE_RATE,)


def test_the_tiny_build_trains_exports_and_measures(tmp_path):
    shipped = sorted(p.stat().st_mtime_ns for p in wake_model_dir().iterdir())
    assert build.main(["--tiny", "--work", str(tmp_path / "work")]) == 0  # feature models copied, not fetched
    out = tmp_path / "work" / "shipped"
    assert sorted(p.stat().st_mtime_ns for p in wake_model_dir().iterdir()) == shipped  # nothing shipped
    results = json.loads((tmp_path / "work" / "results.json").read_text())
    assert results["clips"] == {"voice": data.TINY.held_voice, "speed": data.TINY.held_speed}
    assert 0 <= results["test"]["false_reject"] <= 1 and results["test"]["hours"] > 0
    assert results["patience"] in evaluate.PATIENCE
    confirmed = json.loads((tmp_path / "work" / "confirm_results.json").read_text())
    assert confirmed["clips"] == {"voice": confirm.TINY.held_voice, "speed": confirm.TINY.held_speed}
    assert confirmed["options"] == asdict(wake_options(Settings(wake_word=True)))  # as shipped, not picked
    assert confirmed["classifier_sha256"] == confirm.sha256(out / CLASSIFIER_FILE)
    detector = WakeDetector(folder=out)  # the manifest the build wrote verifies the new classifier
    assert len(detector.trace(np.zeros(2 * SAMPLE_RATE, np.float32))) == 2 * SAMPLE_RATE // CHUNK


def test_mining_keeps_the_windows_the_model_scores_highest(tmp_path):
    features, pool = WakeFeatures(), data.Examples()
    pool.add(features, np.zeros(2 * SAMPLE_RATE, np.float32))
    phrase = voices.speak("hey hearth", voices.Voice("espeak", "en-us", 150, 50))
    pool.add(features, np.concatenate([np.zeros(SAMPLE_RATE, np.float32), phrase, np.zeros(SAMPLE_RATE, np.float32)]))
    pool.save(tmp_path / "pool.npz")
    options = mine.MineOptions(min_score=0.5, most=3, weight=7.0)
    assert mine.mine(tmp_path / "pool.npz", wake_model_dir(), tmp_path / "hard.npz", options) == 3
    hard, every = data.load([tmp_path / "hard.npz"]), data.load([tmp_path / "pool.npz"])
    detector = WakeDetector()
    kept = detector.scores(train.windows(hard["embeddings"], hard["ends"]))
    others = detector.scores(train.windows(every["embeddings"], every["ends"]))
    assert kept.min() >= 0.5 and np.sort(others)[-3:] == pytest.approx(np.sort(kept), abs=1e-6)
    assert (hard["labels"] == 0).all() and (hard["weights"] == 7.0).all()
