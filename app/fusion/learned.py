"""The learned fusion model at run time: the words' token states + the scene's visual tokens ->
a re-scored intent and an "addressed to me" decision.

The model (models/fusion/, docs/vision.md "Learned fusion") is a small attention block over the
language model's last hidden states and five visual tokens (people, facing, palm, dark, bright).
It needs the encoder's token states, which the shipped NLU graph does not output, so the fusion
folder carries `encoder.int8.onnx`: the shipped NLU graph with that hidden state as an extra output.
This module also defines the visual tokens, so training (models/fusion/) and run time agree.
The model ships (models/fusion/shipped/) only when it beats the hand rule at every training seed; the
current verdict and its numbers are in docs/vision.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import ModelError
from app.model_files import read_manifest, verified
from app.nlu.onnx_model import N_ALTERNATIVES, TOKENIZER_FILE, _softmax, check_text
from app.nlu.types import Understanding

EXTRA_INTENTS = ("presence_query",)  # asked of the camera ("is anyone there"); the NLU has no such intent
LIGHT_LABELS = ("dark", "bright")  # SceneContext.labels words that become visual tokens
# one visual token per field: people 0-3+, facing 0-3+, palm, dark, bright; each indexes its own rows
SCENE_CARDINALITY = (4, 4, 2, 2, 2)
SCENE_OFFSETS = tuple(int(x) for x in np.cumsum((0,) + SCENE_CARDINALITY[:-1]))
STATES_OUTPUT = "token_states"
ENCODER_FILE = "encoder.int8.onnx"
FUSION_FILE = "fusion.int8.onnx"
META_FILE = "meta.json"
SHIPPED_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "fusion" / "shipped"
REBUILD_FIX = "reinstall Hearth, or rebuild the fusion model: python -m models.fusion.build"


def scene_fields(scene: Any) -> dict:
    """The SceneContext fields the model reads (app/fusion/scene.py), as plain values."""
    labels = [str(x) for x in getattr(scene, "labels", ())]
    return {"people": int(scene.people), "facing": int(scene.facing), "palm": bool(scene.palm), "labels": labels}


def scene_tokens(fields: dict) -> np.ndarray:
    """The visual token ids of one scene (`scene_fields` form), offset into one embedding table."""
    values = (min(fields["people"], 3), min(fields["facing"], 3), int(fields["palm"]),
              *(int(label in fields["labels"]) for label in LIGHT_LABELS))
    return np.array([offset + value for offset, value in zip(SCENE_OFFSETS, values)], dtype=np.int64)


@dataclass(frozen=True)
class TextFeatures:
    """One utterance as the fusion model reads it: the encoder's states and the NLU's intent logits."""

    states: np.ndarray  # [tokens, hidden] float32
    intent_logits: np.ndarray  # [NLU intents] float32


class StateEncoder:
    """Runs the NLU graph copy that also outputs its last hidden state (`encoder.int8.onnx`)."""

    def __init__(self, model_path: Path, tokenizer_path: Path, max_length: int, threads: int = 0):
        from tokenizers import Tokenizer

        from app.onnx_session import open_session

        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad or missing file
            raise ModelError(f"tokenizer file missing or damaged: {tokenizer_path} ({exc})", REBUILD_FIX) from exc
        self.tokenizer.enable_truncation(max_length)
        self.session = open_session(model_path, threads=threads)
        if STATES_OUTPUT not in {o.name for o in self.session.get_outputs()}:
            raise ModelError(f"{model_path} has no {STATES_OUTPUT} output", REBUILD_FIX)

    def features(self, texts: list[str]) -> list[TextFeatures]:
        """One run per text: no padding, so the states are those of the text alone."""
        out = []
        for text in texts:
            e = self.tokenizer.encode(check_text(text))
            ids = np.array([e.ids], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            logits, states = self.session.run(["intent_logits", STATES_OUTPUT], feeds)
            out.append(TextFeatures(states[0].astype(np.float32), logits[0].astype(np.float32)))
        return out


@dataclass(frozen=True)
class Fused:
    """What fusion decided for one turn."""

    intent: str
    confidence: float
    addressed: bool  # the speech was meant for the device (facing it, or calling it by name)
    addressed_probability: float
    alternatives: tuple[tuple[str, float], ...]


class LearnedFusion:
    """A fusion model folder (models/fusion/shipped/ by default): `fuse(understanding, scene)` -> Fused."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 0):
        from app.onnx_session import open_session

        folder = Path(model_dir) if model_dir is not None else SHIPPED_DIR
        spec = read_manifest(folder, "fusion model", REBUILD_FIX, required=True)
        with verified(spec, folder):
            try:
                meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
                self.intents = list(meta["intents"])
                max_length = int(meta["max_length"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ModelError(f"fusion model metadata missing or damaged: {folder / META_FILE} ({exc})",
                                 REBUILD_FIX) from exc
            self.encoder = StateEncoder(folder / ENCODER_FILE, folder / TOKENIZER_FILE, max_length, threads)
            self.session = open_session(folder / FUSION_FILE, threads=threads)

    def scores(self, features: TextFeatures, fields: dict) -> tuple[np.ndarray, float]:
        """(intent probabilities over `self.intents`, probability the speech was addressed)."""
        feeds = {"states": features.states[None], "mask": np.ones((1, len(features.states)), dtype=np.float32),
                 "nlu_logits": features.intent_logits[None], "scene": scene_tokens(fields)[None]}
        intent_logits, addressed_logit = self.session.run(["intent_logits", "addressed_logit"], feeds)
        return _softmax(intent_logits[0].astype(np.float64)), float(1 / (1 + np.exp(-addressed_logit[0])))

    def fuse(self, understanding: Understanding, scene: Any) -> Fused:
        features = self.encoder.features([understanding.text])[0]
        probs, addressed = self.scores(features, scene_fields(scene))
        order = np.argsort(-probs)[: N_ALTERNATIVES + 1]
        return Fused(self.intents[order[0]], float(probs[order[0]]), addressed >= 0.5, addressed,
                     tuple((self.intents[i], float(probs[i])) for i in order[1:]))
