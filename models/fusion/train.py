"""The fusion module and its training: attention over the NLU's token states and five visual tokens.

Only this module learns; the language model stays frozen (its int8 states are precomputed once per
distinct text by models/fusion/features.py). The intent head re-scores: its output is added to the
NLU's own intent logits, so a scene that says nothing leaves the NLU's answer standing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from app.fusion.learned import EXTRA_INTENTS, SCENE_CARDINALITY, TextFeatures, scene_tokens
from models.fusion.features import pad
from models.fusion.generate import Pair


@dataclass(frozen=True)
class TrainOptions:
    epochs: int = 6
    batch: int = 64
    lr: float = 1e-3
    width: int = 64
    heads: int = 4
    layers: int = 2
    oversample: int = 8  # the hand-written families are few templates next to thousands of real utterances
    seed: int = 13
    threads: int = 1


class Block(nn.Module):
    """One pre-norm transformer layer (self-attention over words and visual tokens, then a feed-forward).

    Attention is written out: nn.MultiheadAttention's eval fast path has no ONNX export.
    """

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.ff = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """`bias`: [batch, 1, 1, tokens], 0 for a token to attend to, a large negative number for padding."""
        batch, tokens, width = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(batch, tokens, 3, self.heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        weights = torch.softmax(q @ k.transpose(-1, -2) / (width // self.heads) ** 0.5 + bias, dim=-1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(batch, tokens, width))
        return x + self.ff(self.norm2(x))


class FusionNet(nn.Module):
    """[fusion token, 5 visual tokens, word states] -> attention -> intent logits, addressed logit."""

    def __init__(self, hidden: int, nlu_intents: int, opts: TrainOptions):
        super().__init__()
        self.extra = len(EXTRA_INTENTS)
        self.words = nn.Linear(hidden, opts.width)
        self.visual = nn.Embedding(sum(SCENE_CARDINALITY), opts.width)
        self.fusion_token = nn.Parameter(torch.zeros(1, 1, opts.width))
        self.blocks = nn.ModuleList(Block(opts.width, opts.heads) for _ in range(opts.layers))
        self.norm = nn.LayerNorm(opts.width)
        self.intent = nn.Linear(opts.width, nlu_intents + self.extra)
        self.addressed = nn.Linear(opts.width, 1)

    def forward(self, states, mask, nlu_logits, scene):
        batch = states.shape[0]
        x = torch.cat([self.fusion_token.expand(batch, -1, -1), self.visual(scene), self.words(states)], dim=1)
        visible = torch.cat([torch.ones(batch, 1 + scene.shape[1]), mask], dim=1)
        bias = ((1.0 - visible) * -1e4)[:, None, None, :]
        for block in self.blocks:
            x = block(x, bias)
        pooled = self.norm(x[:, 0])
        prior = torch.cat([nlu_logits, torch.full((batch, self.extra), -10.0)], dim=1)  # new intents start unlikely
        return self.intent(pooled) + prior, self.addressed(pooled).squeeze(-1)


def batch_arrays(pairs: list[Pair], features: dict[str, TextFeatures], intents: list[str]) -> dict[str, torch.Tensor]:
    rows = [features[p.text] for p in pairs]
    states, mask = pad(rows)
    return {
        "states": torch.from_numpy(states), "mask": torch.from_numpy(mask),
        "nlu_logits": torch.from_numpy(np.stack([f.intent_logits for f in rows])),
        "scene": torch.from_numpy(np.stack([scene_tokens(p.scene) for p in pairs])),
        "intent": torch.tensor([intents.index(p.intent) for p in pairs]),
        "addressed": torch.tensor([float(p.addressed) for p in pairs]),
    }


def train(pairs: list[Pair], features: dict[str, TextFeatures], intents: list[str], opts: TrainOptions,
          log=print) -> FusionNet:
    torch.manual_seed(opts.seed)
    torch.set_num_threads(opts.threads)
    rng = random.Random(opts.seed)
    data = [p for p in pairs for _ in range(1 if p.family == "real" else opts.oversample)]
    hidden = next(iter(features.values())).states.shape[1]
    model = FusionNet(hidden, len(intents) - len(EXTRA_INTENTS), opts)
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=0.01)
    steps = opts.epochs * ((len(data) + opts.batch - 1) // opts.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, opts.lr, total_steps=steps, pct_start=0.1)
    bce, ce = nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss()
    for epoch in range(opts.epochs):
        rng.shuffle(data)
        model.train()
        total = 0.0
        for start in range(0, len(data), opts.batch):
            b = batch_arrays(data[start:start + opts.batch], features, intents)
            intent, addressed = model(b["states"], b["mask"], b["nlu_logits"], b["scene"])
            loss = ce(intent, b["intent"]) + bce(addressed, b["addressed"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(b["intent"])
        log(f"epoch {epoch + 1}/{opts.epochs}: loss {total / len(data):.4f}")
    return model.eval()
