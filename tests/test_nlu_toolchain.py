"""`hearth models build nlu --tiny`: the whole toolchain on a few dozen examples, in seconds."""

import json

import pytest

from app.nlu.onnx_model import OnnxNlu

pytest.importorskip("torch")
pytestmark = pytest.mark.train


def test_tiny_build_produces_a_model_the_runtime_loads(tmp_path):
    from models.nlu import build

    docs_before = build.DOCS.read_bytes() if build.DOCS.exists() else None
    out, work = tmp_path / "out", tmp_path / "work"
    assert build.main(["--tiny", "--out", str(out), "--work", str(work), "--seed", "3"]) == 0

    for name in ("model.int8.onnx", "tokenizer.json", "labels.json", "dev_split.json", "MODEL_CARD.md"):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics_main.json").read_text())
    assert metrics["tiny"] and set(metrics["results"]) == {"pytorch_fp32", "onnx_fp32", "onnx_int8"}
    assert metrics["fused_ops"].get("Attention") == 6, "attention was not fused"
    assert metrics["fp32_max_logit_diff"] < 1e-3, "the ONNX export does not compute what PyTorch does"
    assert metrics["results"]["onnx_int8"]["size_mb"] < metrics["results"]["onnx_fp32"]["size_mb"] / 3
    assert "Toolchain check" in (out / "MODEL_CARD.md").read_text()

    u = OnnxNlu(out, threads=1).understand("wake me up at seven am")
    labels = json.loads((out / "labels.json").read_text())
    assert u.intent in labels["intents"] and 0 < u.confidence <= 1
    assert (build.DOCS.read_bytes() if build.DOCS.exists() else None) == docs_before, "a tiny run rewrote the docs"


def test_snips_task_runs_and_ships_nothing(tmp_path):
    from models.nlu import build

    out = tmp_path / "out"
    assert build.main(["--task", "snips", "--tiny", "--max-steps", "1", "--out", str(out),
                       "--work", str(tmp_path / "work")]) == 0
    assert not (out / "model.int8.onnx").exists()
    metrics = json.loads((out / "metrics_snips.json").read_text())
    assert metrics["task"] == "snips" and metrics["intents"] == 6  # the tiny subset keeps 6 intents


def test_the_new_heads_can_learn_at_their_own_rate_and_biases_and_layer_norms_never_decay():
    from models.nlu.modeling import JointModel
    from models.nlu.train import optimizer

    model = JointModel(3, 5)
    groups = optimizer(model, 5e-5, 0.01, head_learning_rate=1e-3).param_groups
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    assert len(rate) == len(list(model.parameters()))
    assert rate[id(model.intent_head.weight)] == rate[id(model.tag_head.bias)] == 1e-3
    assert rate[id(model.encoder.embeddings.word_embeddings.weight)] == 5e-5
    assert decay[id(model.intent_head.weight)] == 0.01 and decay[id(model.intent_head.bias)] == 0.0
    assert decay[id(model.encoder.embeddings.LayerNorm.weight)] == 0.0
    plain = optimizer(model, 5e-5, 0.01).param_groups
    assert {g["lr"] for g in plain} == {5e-5}
