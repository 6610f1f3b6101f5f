"""Learned fusion: the generator's held-out splits and truth, the hand rule, a tiny build end to end
(generate, train 1 epoch, export int8, judge) and the runtime's guards."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.errors import ModelError
from app.fusion.learned import SCENE_CARDINALITY, Fused, LearnedFusion, scene_fields, scene_tokens
from app.fusion.scene import SceneContext
from app.nlu.types import Understanding
from models.fusion import baseline
from models.fusion import generate as gen
from models.fusion.report import load_cases, render

DARK = {"people": 1, "facing": 1, "palm": False, "labels": ["dark"]}
PALM = {"people": 1, "facing": 1, "palm": True, "labels": []}
AWAY = {"people": 2, "facing": 0, "palm": False, "labels": []}


def test_every_scene_combination_has_its_own_tokens():
    combos = gen.scene_combinations()
    tokens = {tuple(scene_tokens(c)) for c in combos}
    assert len(tokens) == len(combos)
    assert max(max(t) for t in tokens) < sum(SCENE_CARDINALITY)


def test_counts_above_three_share_the_last_token():
    many = scene_tokens({"people": 6, "facing": 5, "palm": False, "labels": []})
    three = scene_tokens({"people": 3, "facing": 3, "palm": False, "labels": []})
    assert (many == three).all()


def test_scene_fields_read_the_scene_context():
    scene = SceneContext(people=2, facing=1, looking=True, palm=True, labels=["dark"])
    assert scene_fields(scene) == {"people": 2, "facing": 1, "palm": True, "labels": ["dark"]}


def test_test_pairs_share_neither_template_nor_scene_with_training():
    pairs = gen.generate({"real": 1, "palm": 4, "presence": 4, "light": 4}, real_limit=300)
    train, test = pairs["train"], pairs["test"]
    assert not {p.template for p in train} & {p.template for p in test}
    key = lambda p: json.dumps(p.scene, sort_keys=True)
    assert not {key(p) for p in train} & {key(p) for p in test}
    assert {"real", "palm", "presence", "light"} <= {p.family for p in test}


def test_truth_follows_the_scene():
    okay = ("okay", "general_affirm")
    assert gen.truth("palm", okay, PALM) == gen.STOP
    assert gen.truth("palm", okay, DARK) == "general_affirm"
    turn_up = next(item for item in gen.LIGHT if item[0] == "turn it up")
    assert gen.truth("light", turn_up, DARK) == "iot_hue_lightup"
    assert gen.truth("light", turn_up, PALM) == "audio_volume_up"
    assert not gen.addressed("set an alarm", AWAY, "alarm_set")
    assert gen.addressed("hey hearth set an alarm", AWAY, "alarm_set")
    assert gen.addressed("set an alarm", {**AWAY, "people": 0}, "alarm_set")  # nobody seen: the camera cannot tell


def test_rule_uses_the_scene_and_the_words():
    assert baseline.rule("turn it up", "audio_volume_up", DARK) == ("iot_hue_lightup", True)
    assert baseline.rule("okay", "general_dontcare", PALM) == (gen.STOP, True)
    assert baseline.rule("is anyone there", "qa_factoid", AWAY) == (gen.PRESENCE, False)
    assert baseline.text_only("alarm_set") == ("alarm_set", True)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Generate a few hundred pairs, train 1 epoch, export int8, judge: the whole toolchain in ~30 s."""
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from models.fusion import build

    work = tmp_path_factory.mktemp("fusion")
    metrics = build.main(["--work", str(work), "--real-limit", "40", "--scenes", "2", "--epochs", "1", "--seeds", "13",
                          "--no-ship", "--metrics", str(work / "metrics.json")])
    return work, metrics


@pytest.mark.train
def test_tiny_build_judges_all_three_systems(tiny):
    work, metrics = tiny
    assert json.loads((work / "metrics.json").read_text()) == json.loads(json.dumps(metrics))
    run = metrics["seeds"]["13"]
    for where in ("held_out", "cases"):
        assert set(run[where]) == {"text-only", "rule", "learned"}
        assert 0.0 <= run[where]["learned"]["all"]["both"] <= 1.0
    assert run["cases"]["learned"]["all"]["n"] == len(load_cases())
    assert metrics["wins"] == run["wins"]
    assert "## Learned fusion" in render(metrics)


@pytest.mark.train
def test_exported_model_runs_through_the_runtime(tiny):
    work, _ = tiny
    fusion = LearnedFusion(work / "seed13" / "candidate", threads=1)
    assert fusion.intents[-1] == gen.PRESENCE
    fused = fusion.fuse(Understanding("turn it up", "audio_volume_up", 0.9), SceneContext(people=1, facing=1))
    assert isinstance(fused, Fused)
    assert fused.intent in fusion.intents and 0.0 <= fused.addressed_probability <= 1.0
    probs, _ = fusion.scores(fusion.encoder.features(["turn it up"])[0], DARK)
    assert probs.shape == (len(fusion.intents),) and np.isclose(probs.sum(), 1.0)


@pytest.mark.train
def test_a_damaged_model_file_is_a_model_error(tiny, tmp_path):
    work, _ = tiny
    folder = tmp_path / "model"
    shutil.copytree(work / "seed13" / "candidate", folder)
    data = bytearray((folder / "fusion.int8.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the sha256 can tell
    (folder / "fusion.int8.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        LearnedFusion(folder)
    assert "models.fusion.build" in info.value.fix


def test_the_state_encoder_copy_keeps_the_nlu_answers(tmp_path):
    pytest.importorskip("onnx")
    from app.nlu.onnx_model import OnnxNlu
    from models.fusion.features import encoder

    texts = ["wake me up at seven am", "turn it up"]
    features = encoder(tmp_path).features(texts)
    nlu = OnnxNlu(threads=1)
    for text, f in zip(texts, features):
        _, intent_logits, _ = nlu.logits([text])
        assert np.allclose(f.intent_logits, intent_logits[0])
        assert f.states.shape[0] == len(nlu.tokenizer.encode(text).ids)


def test_a_folder_without_a_manifest_is_a_model_error(tmp_path):
    with pytest.raises(ModelError):
        LearnedFusion(tmp_path)
