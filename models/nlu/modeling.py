"""A pretrained encoder with two heads: intent from the first token, a BIO tag per wordpiece.

One encoder pass serves both tasks, so the shipped model costs one forward per utterance.
The encoder comes from a registry package (models/nlu/encoders.py), MiniLM-L6 unless told otherwise.
"""

from __future__ import annotations

import inspect
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: never reach a hub

from pathlib import Path

import torch
from torch import nn

from models.nlu.data import IGNORE
from models.nlu.encoders import encoder_dir


class JointModel(nn.Module):
    """Joint loss = intent cross-entropy + tag loss: token cross-entropy, or the CRF's negative
    log-likelihood per token once `add_crf` gave the model learned tag-to-tag scores (specials/padding ignored)."""

    def __init__(self, n_intents: int, n_tags: int, encoder_path: Path | None = None, dropout: float = 0.1):
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(
            str(encoder_path or encoder_dir()), add_pooling_layer=False,
            attn_implementation="eager",  # ONNX Runtime's optimizer fuses attention only for this graph
            local_files_only=True)
        hidden = self.encoder.config.hidden_size
        # MPNet has no segment embeddings: it takes no token_type_ids
        self.uses_token_types = "token_type_ids" in inspect.signature(self.encoder.forward).parameters
        self.dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.tag_head = nn.Linear(hidden, n_tags)
        self.crf = None

    def add_crf(self, tags: list[str]) -> None:
        """A CRF over the tag scores, its BIO-invalid moves started at the runtime's FORBIDDEN score (their
        gradient is then ~0, so they stay off); the runtime decodes with the learned scores (labels.json "crf")."""
        from torchcrf import CRF

        from app.nlu.tagging import FORBIDDEN, Transitions

        self.crf = CRF(len(tags), batch_first=True)
        valid = Transitions(*(p.detach().double().numpy() for p in
                              (self.crf.start_transitions, self.crf.end_transitions, self.crf.transitions))).valid(tags)
        with torch.no_grad():
            for param, value in ((self.crf.start_transitions, valid.start), (self.crf.end_transitions, valid.end),
                                 (self.crf.transitions, valid.pairs)):
                param.copy_(torch.from_numpy(value.clip(FORBIDDEN)))

    def crf_scores(self) -> dict | None:
        """The learned transition scores for labels.json, or None without a CRF."""
        if self.crf is None:
            return None
        return {"start": self.crf.start_transitions.tolist(), "end": self.crf.end_transitions.tolist(),
                "pairs": self.crf.transitions.tolist()}

    def tag_loss(self, tag_logits: torch.Tensor, tag_labels: torch.Tensor) -> torch.Tensor:
        """Mean tag loss over labeled positions; 0 when none is labeled (pseudo-labeled rows only)."""
        labeled = tag_labels != IGNORE
        if self.crf is None:
            total = nn.functional.cross_entropy(tag_logits.flatten(0, 1), tag_labels.flatten(),
                                                ignore_index=IGNORE, reduction="sum")
            return total / labeled.sum().clamp(min=1)
        rows = labeled.any(dim=1)
        if not rows.any():
            return tag_logits.sum() * 0.0
        # position 0 is [CLS] (never labeled): the labeled wordpieces then form a prefix of each row, as the CRF needs
        mask = labeled[rows, 1:]
        tags = tag_labels[rows, 1:].clamp(min=0)
        return -self.crf(tag_logits[rows, 1:], tags, mask=mask, reduction="token_mean")

    def forward(self, input_ids, attention_mask, token_type_ids=None, intent_labels=None, tag_labels=None):
        types = {"token_type_ids": token_type_ids} if self.uses_token_types else {}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **types).last_hidden_state
        hidden = self.dropout(hidden)
        intent_logits = self.intent_head(hidden[:, 0])
        tag_logits = self.tag_head(hidden)
        out = {"intent_logits": intent_logits, "tag_logits": tag_logits}
        if intent_labels is not None and tag_labels is not None:
            out["loss"] = (nn.functional.cross_entropy(intent_logits, intent_labels, ignore_index=IGNORE)
                           + self.tag_loss(tag_logits, tag_labels))
        return out


class ExportWrapper(nn.Module):
    """Tuple outputs with fixed names for ONNX: (intent_logits, tag_logits)."""

    def __init__(self, model: JointModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.model(input_ids, attention_mask, token_type_ids)
        return out["intent_logits"], out["tag_logits"]
