"""Structured pruning slices heads and FFN neurons: shapes hold, and keeping everything changes nothing."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.train

TEXTS = ["wake me up at seven am", "turn the lights off in the kitchen", "play jazz"]


@pytest.fixture(scope="module")
def setup():
    import torch
    from tokenizers import Tokenizer

    from models.nlu.modeling import JointModel, encoder_dir
    from models.nlu.train import collate

    torch.manual_seed(0)
    tokenizer = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    features = [{"input_ids": e.ids, "attention_mask": e.attention_mask, "token_type_ids": e.type_ids,
                 "intent_labels": i % 4, "tag_labels": [0] * len(e.ids)}
                for i, e in enumerate(tokenizer.encode_batch(TEXTS))]
    return JointModel(4, 3).eval(), features, collate(features)


def _logits(model, batch):
    import torch

    with torch.no_grad():
        out = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    return out["intent_logits"], out["tag_logits"]


def test_keeping_every_head_and_neuron_gives_the_same_logits(setup):
    import torch

    from models.compress import prune
    from models.compress.distill import student_from_teacher

    model, features, batch = setup
    copy = student_from_teacher(model, range(6))
    scores = prune.importance(copy, features)
    assert scores.heads.shape == (6, 12) and scores.neurons.shape == (6, 1536) and scores.heads.sum() > 0
    prune.prune(copy, scores, 12, 1536)
    for a, b in zip(_logits(model, batch), _logits(copy, batch)):
        torch.testing.assert_close(a, b)


def test_pruned_model_keeps_output_shapes_and_shrinks(setup):
    from models.compress import prune
    from models.compress.distill import student_from_teacher

    model, features, batch = setup
    small = student_from_teacher(model, range(6))
    prune.prune(small, prune.importance(small, features), 6, 768)
    layer = small.encoder.encoder.layer[0]
    assert layer.attention.self.query.weight.shape == (192, 384)
    assert layer.attention.output.dense.weight.shape == (384, 192)
    assert layer.intermediate.dense.weight.shape == (768, 384) and layer.output.dense.weight.shape == (384, 768)
    for a, b in zip(_logits(model, batch), _logits(small, batch)):
        assert a.shape == b.shape
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in model.parameters())
