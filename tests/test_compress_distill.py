"""Distillation: a 1-layer student of the teacher lowers its loss on teacher targets in a few steps."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.train

TEXTS = ["wake me up at seven am", "turn the lights off in the kitchen", "play jazz", "what's the weather",
         "set a timer for ten minutes", "send an email to mum"]


def test_distillation_loss_decreases_and_unlabeled_examples_carry_no_gold_labels():
    import torch
    from tokenizers import Tokenizer

    from models.compress.distill import (DistillOptions, distill, student_from_teacher, teacher_logits,
                                         unlabeled_features)
    from models.nlu.data import IGNORE
    from models.nlu.modeling import JointModel, encoder_dir

    torch.manual_seed(0)
    tokenizer = Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))
    features = unlabeled_features(TEXTS, tokenizer, 16)
    assert all(f["intent_labels"] == IGNORE and set(f["tag_labels"]) == {IGNORE} for f in features)
    features[0]["intent_labels"] = 1  # one labeled example: the hard loss must cope with mixed batches
    teacher = JointModel(4, 3).eval()
    targets = teacher_logits(teacher, features)
    student = student_from_teacher(teacher, [0])
    assert len(student.encoder.encoder.layer) == 1 and len(teacher.encoder.encoder.layer) == 6
    options = DistillOptions(max_steps=8, batch_size=len(TEXTS), learning_rate=1e-3, warmup_steps=0, log_every=0)
    losses = distill(student, features, targets, options)
    assert len(losses) == 8 and all(loss == loss for loss in losses)  # no NaN
    assert losses[-1] < losses[0]


def test_a_crf_student_learns_transitions_and_keeps_invalid_moves_off():
    import torch

    from app.nlu.tagging import FORBIDDEN, allowed_transitions
    from models.compress.distill import DistillOptions, distill, student_from_teacher, teacher_logits
    from models.nlu.data import IGNORE
    from models.nlu.modeling import JointModel

    torch.manual_seed(0)
    tags = ["O", "B-x", "I-x"]
    ids = [[101, 2000 + i, 2001 + i, 2002 + i, 102] for i in range(4)]
    features = [{"input_ids": f, "attention_mask": [1] * 5, "token_type_ids": [0] * 5, "intent_labels": i % 2,
                 "tag_labels": [IGNORE, 1, 2, 0, IGNORE]} for i, f in enumerate(ids)]
    features.append({**features[0], "intent_labels": IGNORE, "tag_labels": [IGNORE] * 5})  # pseudo-labeled row
    teacher = JointModel(2, 3).eval()
    student = student_from_teacher(teacher, [0])
    student.add_crf(tags)
    before = student.crf.transitions.detach().clone()
    losses = distill(student, features, teacher_logits(teacher, features),
                     DistillOptions(max_steps=6, batch_size=5, learning_rate=1e-3, warmup_steps=0, log_every=0))
    assert all(loss == loss for loss in losses) and losses[-1] < losses[0]
    scores = student.crf_scores()
    pairs = np.array(scores["pairs"])
    assert not np.allclose(pairs, before.numpy())  # learned
    banned = ~allowed_transitions(tags)
    assert (pairs[banned] < FORBIDDEN / 2).all() and scores["start"][2] < FORBIDDEN / 2
