"""Knowledge distillation: a shallower student learns the teacher's intent and tag distributions.

The student is the teacher with fewer encoder layers (its kept layers, embeddings and heads start
from the fine-tuned teacher's, as DistilBERT starts from alternate layers). Targets: the
teacher's softened logits on the labeled training set and on SLURP's unlabeled training
sentences (pseudo-labels: they carry the teacher's knowledge to text it has no gold labels for),
plus the gold labels where they exist. Teacher logits are computed once and kept as float16.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from models.nlu.data import IGNORE
from models.nlu.modeling import JointModel
from models.nlu.train import collate
from models.nlu.train import optimizer as train_optimizer


@dataclass
class DistillOptions:
    epochs: float = 2.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float | None = None  # heads (and CRF) at their own rate: a student with untrained heads
    warmup_steps: int = 100
    weight_decay: float = 0.01
    temperature: float = 2.0
    hard_weight: float = 1.0  # weight of the gold-label cross-entropy (labeled examples only)
    seed: int = 13
    log_every: int = 100


def student_from_teacher(teacher: JointModel, layers: Sequence[int]) -> JointModel:
    """A copy of the teacher keeping only the given encoder layers (in order)."""
    student = copy.deepcopy(teacher)
    encoder = student.encoder
    encoder.encoder.layer = nn.ModuleList([encoder.encoder.layer[i] for i in layers])
    for index, layer in enumerate(encoder.encoder.layer):
        layer.attention.self.layer_idx = index
    encoder.config.num_hidden_layers = len(layers)
    return student


def unlabeled_features(texts: Sequence[str], tokenizer, max_length: int) -> list[dict]:
    """Features without gold labels: every label is IGNORE, only the teacher's logits teach."""
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return [{"input_ids": e.ids, "attention_mask": e.attention_mask, "token_type_ids": e.type_ids,
             "intent_labels": IGNORE, "tag_labels": [IGNORE] * len(e.ids)}
            for e in tokenizer.encode_batch(list(texts))]


@torch.inference_mode()
def teacher_logits(teacher: JointModel, features: list[dict], batch_size: int = 64) -> list[tuple]:
    """(intent logits, tag logits [tokens, tags]) per feature, float16, in feature order."""
    teacher.eval()
    out = []
    for i in range(0, len(features), batch_size):
        chunk = features[i:i + batch_size]
        batch = collate(chunk)
        logits = teacher(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        for j, f in enumerate(chunk):
            n = len(f["input_ids"])
            out.append((logits["intent_logits"][j].numpy().astype(np.float16),
                        logits["tag_logits"][j, :n].numpy().astype(np.float16)))
    return out


def _pad_tags(targets: list[tuple], width: int) -> torch.Tensor:
    n_tags = targets[0][1].shape[-1]
    out = np.zeros((len(targets), width, n_tags), dtype=np.float32)
    for i, (_, tags) in enumerate(targets):
        out[i, :len(tags)] = tags
    return torch.from_numpy(out)


def _soft(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(teacher || student) per row at temperature T, scaled by T^2 (Hinton et al. 2015)."""
    return F.kl_div(F.log_softmax(student / temperature, -1), F.softmax(teacher / temperature, -1),
                    reduction="none").sum(-1) * temperature ** 2


def _hard(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over labeled positions; 0 when the batch has none (all pseudo-labeled)."""
    total = F.cross_entropy(logits, labels, ignore_index=IGNORE, reduction="sum")
    return total / (labels != IGNORE).sum().clamp(min=1)


def distill_loss(student: JointModel, out: dict, batch: dict, intent_targets: torch.Tensor,
                 tag_targets: torch.Tensor, options: DistillOptions) -> torch.Tensor:
    mask = batch["attention_mask"].bool()
    soft = (_soft(out["intent_logits"], intent_targets, options.temperature).mean()
            + _soft(out["tag_logits"][mask], tag_targets[mask], options.temperature).mean())
    hard = (_hard(out["intent_logits"], batch["intent_labels"])
            + student.tag_loss(out["tag_logits"], batch["tag_labels"]))
    return soft + options.hard_weight * hard


def distill(student: JointModel, features: list[dict], targets: list[tuple], options: DistillOptions,
            log=print) -> list[float]:
    """Train `student` in place on (features, teacher targets); returns the loss of every step."""
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(options.seed)
    rng = random.Random(options.seed)
    steps_per_epoch = math.ceil(len(features) / options.batch_size)
    total = options.max_steps if options.max_steps > 0 else math.ceil(options.epochs * steps_per_epoch)
    optimizer = train_optimizer(student, options.learning_rate, options.weight_decay, options.head_learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, min(options.warmup_steps, total // 10), total)
    student.train()
    losses: list[float] = []
    order: list[int] = []
    while len(losses) < total:
        if not order:
            order = list(range(len(features)))
            rng.shuffle(order)
        picked, order = order[:options.batch_size], order[options.batch_size:]
        batch = collate([features[i] for i in picked])
        width = batch["input_ids"].shape[1]
        intent_targets = torch.tensor(np.stack([targets[i][0] for i in picked]), dtype=torch.float32)
        tag_targets = _pad_tags([targets[i] for i in picked], width)
        out = student(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        loss = distill_loss(student, out, batch, intent_targets, tag_targets, options)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if options.log_every and len(losses) % options.log_every == 0:
            recent = losses[-options.log_every:]
            log(f"step {len(losses)}/{total} loss {sum(recent) / len(recent):.4f}")
    student.eval()
    return losses
