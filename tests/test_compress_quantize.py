"""Static QDQ int8 and magnitude pruning of an exported joint model; the runtime loads the results."""

import json

import numpy as np
import pytest

from app.nlu.onnx_model import Labels, OnnxNlu

pytest.importorskip("torch")
pytestmark = pytest.mark.train

TEXTS = ["wake me up at seven am", "turn the lights off", "play some jazz", "what time is it in tokyo"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny 2-layer BERT with the joint heads, exported and fused like the shipped model."""
    import torch
    from transformers import BertConfig, BertModel

    from models.nlu.export import export
    from models.nlu.build import shipped_tokenizer
    from models.nlu.modeling import JointModel

    root = tmp_path_factory.mktemp("tiny")
    torch.manual_seed(0)
    config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                        vocab_size=30522, max_position_embeddings=64)
    BertModel(config, add_pooling_layer=False).save_pretrained(root / "encoder")
    model = JointModel(3, 5, encoder_path=root / "encoder")
    package = root / "package"
    package.mkdir()
    Labels(["a", "b", "c"], ["O", "B-x", "I-x", "B-y", "I-y"], 64).save(package / "labels.json")
    shipped_tokenizer(package / "tokenizer.json", 64)
    return export(model, root / "work"), package


def test_static_int8_model_runs_in_the_runtime(exported, tmp_path):
    from models.compress.quantize import static_int8

    result, package = exported
    static_int8(result.fp32.with_name("model.raw.onnx"), package / "static.onnx", package / "tokenizer.json", TEXTS)
    nlu = OnnxNlu(package, threads=1, device="cpu", model_file="static.onnx")
    u = nlu.understand("set an alarm for six")
    assert u.intent in {"a", "b", "c"} and 0 < u.confidence <= 1
    import onnx

    ops = {n.op_type for n in onnx.load(str(package / "static.onnx")).graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops


def test_magnitude_pruning_zeroes_the_requested_fraction(exported, tmp_path):
    from onnx import load, numpy_helper

    from models.compress.quantize import magnitude_prune

    result, package = exported
    kept = magnitude_prune(result.fp32, tmp_path / "sparse.onnx", 0.5, min_rows=32)
    assert kept.total > 0 and abs(kept.zeroed / kept.total - 0.5) < 0.02
    names = {i.name: numpy_helper.to_array(i) for i in load(str(tmp_path / "sparse.onnx")).graph.initializer}
    embeddings = [a for a in names.values() if a.shape == (30522, 32)]
    assert embeddings and np.count_nonzero(embeddings[0] == 0) < embeddings[0].size / 100  # left alone
    (package / "sparse.onnx").write_bytes((tmp_path / "sparse.onnx").read_bytes())
    assert OnnxNlu(package, threads=1, device="cpu", model_file="sparse.onnx").understand("hello").intent


def test_vocabulary_pruned_model_gives_the_same_logits_on_corpus_words(exported, tmp_path):
    from models.compress.vocab import prune_package

    result, package = exported
    out = tmp_path / "pruned"
    out.mkdir()
    (out / "labels.json").write_bytes((package / "labels.json").read_bytes())
    plan = prune_package(result.fp32, package / "tokenizer.json", TEXTS, out / "model.onnx", out / "tokenizer.json")
    assert len(plan.keep) < plan.old_size / 5
    (package / "fp32.onnx").write_bytes(result.fp32.read_bytes())
    full = OnnxNlu(package, threads=1, device="cpu", model_file="fp32.onnx")
    small = OnnxNlu(out, threads=1, device="cpu", model_file="model.onnx")
    for text in TEXTS:
        np.testing.assert_allclose(small.logits([text])[1], full.logits([text])[1], atol=1e-5)
    assert small.understand("zyxw unknown words qqq").intent in {"a", "b", "c"}
    assert json.loads((out / "tokenizer.json").read_text())["model"]["vocab"]["[PAD]"] == 0
