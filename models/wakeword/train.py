"""The classifier: 16 speech embeddings (about 2 s) -> is this the end of "hey hearth"? A small
MLP (flatten, dropout, two 128-unit layers with LayerNorm, sigmoid), trained with torch on the windows
data.py labelled, and exported to ONNX (input "embeddings" (n, 16, 96), output "score" (n, 1))."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from app.model_files import write_manifest
from app.wake import CLASSIFIER_FILE, EMBEDDING_DIM, EMBEDDING_FILE, MEL_FILE, WINDOW
from models.wakeword.data import load


@dataclass
class TrainOptions:
    steps: int = 4000
    batch: int = 512
    positive_share: float = 0.25  # of each batch
    lr: float = 1e-3
    weight_decay: float = 1e-4
    hidden: int = 128
    dropout: float = 0.3  # on the input: 64 units without it fired 3x as often on unheard voices
    seed: int = 0


class Classifier(nn.Module):
    def __init__(self, hidden: int = 128, dropout: float = 0.3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(WINDOW * EMBEDDING_DIM, hidden), nn.LayerNorm(hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.LayerNorm(hidden), nn.ReLU(), nn.Linear(hidden, 1), nn.Sigmoid())

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.net(embeddings)


def windows(embeddings: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The (n, 16, 96) windows ending at `ends`."""
    return embeddings[ends[:, None] - np.arange(WINDOW - 1, -1, -1)[None]]


def train(parts: list[Path], out: Path, options: TrainOptions | None = None, log=print) -> Path:
    """Train on data.py's examples and write out/hey_hearth.onnx and the folder's checksums.json."""
    o = options or TrainOptions()
    torch.manual_seed(o.seed)
    torch.set_num_threads(1)  # a small model: more threads only wait on each other on a shared machine
    rng = np.random.default_rng(o.seed)
    data = load(parts)
    embeddings, ends, labels, weights = data["embeddings"], data["ends"], data["labels"], data["weights"]
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    neg_cdf = np.cumsum(weights[neg]) / weights[neg].sum()  # near misses come up more often
    log(f"training on {len(pos)} positive and {len(neg)} negative windows")
    model = Classifier(o.hidden, o.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=o.lr, weight_decay=o.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=o.lr, total_steps=o.steps)
    n_pos = max(1, int(o.batch * o.positive_share))
    loss_fn = nn.BCELoss()
    for step in range(o.steps):
        idx = np.concatenate([rng.choice(pos, n_pos), neg[np.searchsorted(neg_cdf, rng.random(o.batch - n_pos))]])
        x = torch.from_numpy(windows(embeddings, ends[idx]))
        y = torch.from_numpy(labels[idx])[:, None]
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 500 == 0 or step == o.steps - 1:
            log(f"step {step}: loss {loss.item():.4f}")
    return export(model.eval(), out)


def export(model: nn.Module, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / CLASSIFIER_FILE
    torch.onnx.export(model, (torch.zeros(1, WINDOW, EMBEDDING_DIM),), str(path), input_names=["embeddings"],
                      output_names=["score"], dynamic_axes={"embeddings": {0: "n"}, "score": {0: "n"}},
                      opset_version=17, dynamo=False)
    write_manifest(out, [MEL_FILE, EMBEDDING_FILE, CLASSIFIER_FILE])
    return path
