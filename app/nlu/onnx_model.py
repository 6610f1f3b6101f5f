"""The shipped language-understanding model: int8 ONNX + a `tokenizers` tokenizer, no torch.

One pass of a fine-tuned MiniLM gives an intent (from [CLS]) and a BIO tag per wordpiece;
tags are turned back into character spans of the input through the tokenizer's offsets, so
every entity's `start:end` slices the text the user said.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from app.errors import HearthError, ModelError
from app.model_files import ModelSpec, read_manifest, verified
from app.nlu.tagging import Transitions, decode_bio, viterbi, word_tags
from app.nlu.types import Entity, Understanding
from app.nlu.values import mend_entities, normalize
from app.text import has_words, valid_text

MODEL_ENV = "HEARTH_NLU_MODEL"
MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
LABELS_FILE = "labels.json"
REBUILD_FIX = "reinstall Hearth, or rebuild the model: hearth models build nlu"
N_ALTERNATIVES = 3
MAX_TEXT_CHARS = 1000  # one request; more is a pasted file or a stuck key, refused before any parsing

SHIPPED_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "nlu" / "shipped"
RUNTIME_FILES = (MODEL_FILE, TOKENIZER_FILE, LABELS_FILE)  # what a build ships and checksums.json covers


def default_model_dir() -> Path:
    """HEARTH_NLU_MODEL if set, else the model committed beside the toolchain."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured)
    return SHIPPED_DIR


def model_spec(folder: Path) -> ModelSpec | None:
    """The sizes and sha256 sums `folder/checksums.json` records. The shipped folder must have them
    (a lost manifest is a damaged install); a folder of your own is checked only if it has one."""
    return read_manifest(folder, "language model (NLU)", REBUILD_FIX, required=folder.resolve() == SHIPPED_DIR)


@dataclass(frozen=True)
class Labels:
    """What the model's output columns mean, and how to decode them; written by the build next to the model."""

    intents: list[str]
    tags: list[str]  # "O", "B-<type>", "I-<type>"
    max_length: int
    # Entity types each intent was annotated with in training; Decoder(intent_types=True) keeps an intent to them.
    intent_entities: dict[str, list[str]] | None = None
    crf: dict | None = None  # learned transition scores {"start", "end", "pairs"} of a CRF-trained model

    @classmethod
    def load(cls, path: Path) -> "Labels":
        if not path.exists():
            raise ModelError(f"label file missing: {path}", REBUILD_FIX)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            labels = cls(list(data["intents"]), list(data["tags"]), int(data["max_length"]),
                         data.get("intent_entities"), data.get("crf"))
            transitions = labels.transitions()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"label file damaged: {path} ({exc})", REBUILD_FIX) from exc
        if not labels.intents or not labels.tags or labels.tags[0] != "O":
            raise ModelError(f"label file damaged: {path} (empty intents or tags)", REBUILD_FIX)
        if transitions.pairs.shape != (len(labels.tags), len(labels.tags)):
            raise ModelError(f"label file damaged: {path} (crf scores do not match the tags)", REBUILD_FIX)
        return labels

    def save(self, path: Path) -> None:
        data = {"intents": self.intents, "tags": self.tags, "max_length": self.max_length}
        if self.intent_entities is not None:
            data["intent_entities"] = self.intent_entities
        if self.crf is not None:
            data["crf"] = self.crf
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    def transitions(self) -> Transitions:
        if self.crf is None:
            return Transitions.constraints_only(self.tags)
        return Transitions(*(np.asarray(self.crf[k], dtype=np.float64) for k in ("start", "end", "pairs")))

    def allowed_tags(self, intent: str) -> np.ndarray | None:
        """Mask over tags: O plus the entity types `intent` was trained with (None: no restriction known)."""
        if self.intent_entities is None:
            return None
        types = set(self.intent_entities.get(intent, ()))
        return np.array([t == "O" or t[2:] in types for t in self.tags])


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def check_text(text: str) -> str:
    """The text to understand, refused when empty or too long, with lone surrogates as U+FFFD.

    Every front end already cleans its input (app.text); this is the model's own guard. The length limit comes
    before any tokenizing or regex: nobody says 1,000 characters at once, and a pasted file must not stall a turn.
    """
    if not isinstance(text, str) or not has_words(text):  # "..." too: the model would guess an intent for it
        raise HearthError("there is nothing to understand: the text has no words",
                          "say or type a request, for example 'wake me up at seven am'", code="empty_text")
    if len(text) > MAX_TEXT_CHARS:
        raise HearthError(f"that's too long for one request ({len(text):,} characters; the most is "
                          f"{MAX_TEXT_CHARS:,})", "ask for one thing at a time, in a sentence or two",
                          code="text_too_long")
    return valid_text(text)


class Decoder:
    """Turns one utterance's logits into an Understanding; shared by the runtime and evaluation."""

    def __init__(self, labels: Labels, normalize_values: bool = True, search: bool = True, intent_types: bool = False):
        """`search=False` takes each wordpiece's best tag on its own (the v1 decoder, kept to measure against).
        `intent_types` limits an intent to the entity types it was trained with: slightly better entity F1 on dev,
        but off in the app, because it hides the entity that lets the dialogue correct a wrong intent ("is the
        heater on" heard as weather_query still tags "heater" a device_type, and the device status answers)."""
        self.labels = labels
        self.normalize_values = normalize_values
        self.search = search
        self.intent_types = intent_types
        self.transitions = labels.transitions().valid(labels.tags)

    def tags(self, intent: str, encoding, tag_logits: np.ndarray) -> list[str]:
        """One BIO tag per wordpiece ("O" on special tokens), whole words kept in one entity."""
        names = self.labels.tags
        if not self.search:
            return word_tags([names[i] for i in tag_logits.argmax(axis=-1)], encoding.word_ids)
        positions = [k for k, (start, end) in enumerate(encoding.offsets) if end > start]
        tags = ["O"] * len(encoding.offsets)
        allowed = self.labels.allowed_tags(intent) if self.intent_types else None
        path = viterbi(tag_logits[positions], self.transitions, allowed)
        for k, best in zip(positions, path):
            tags[k] = names[best]
        return word_tags(tags, encoding.word_ids)

    def understanding(self, text: str, encoding, intent_logits: np.ndarray, tag_logits: np.ndarray) -> Understanding:
        """`encoding`: the tokenizers Encoding of `text` (offsets and word ids)."""
        probs = _softmax(intent_logits.astype(np.float64))
        order = np.argsort(-probs)[: N_ALTERNATIVES + 1]
        intents = self.labels.intents
        tags = self.tags(intents[order[0]], encoding, tag_logits)
        entities = []
        for start, end, etype in decode_bio(tags, encoding.offsets):
            words = text[start:end]
            value = normalize(etype, words) if self.normalize_values else None
            entities.append(Entity(etype, words, start, end, value))
        return Understanding(
            text=text,
            intent=intents[order[0]],
            confidence=float(probs[order[0]]),
            entities=entities,
            alternatives=[(intents[i], float(probs[i])) for i in order[1:]],
        )


class OnnxNlu:
    """Intent + entities from text with the shipped int8 ONNX model."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 0, device: str = "auto",
                 normalize_values: bool = True, model_file: str = MODEL_FILE):
        from tokenizers import Tokenizer

        from app.onnx_session import open_session

        folder = Path(model_dir) if model_dir is not None else default_model_dir()
        with verified(model_spec(folder), folder):
            self.labels = Labels.load(folder / LABELS_FILE)
            tokenizer_path = folder / TOKENIZER_FILE
            if not tokenizer_path.exists():
                raise ModelError(f"tokenizer file missing: {tokenizer_path}", REBUILD_FIX)
            try:
                self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
            except Exception as exc:  # tokenizers raises a bare Exception on bad JSON
                raise ModelError(f"tokenizer file damaged: {tokenizer_path} ({exc})", REBUILD_FIX) from exc
            self.session = open_session(folder / model_file, threads=threads, device=device)
        self.tokenizer.enable_truncation(self.labels.max_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._check_shapes(folder / model_file)
        self.decoder = Decoder(self.labels, normalize_values)

    def _check_shapes(self, model_path: Path) -> None:
        """A labels.json from another build would silently mislabel everything: refuse it."""
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        expected = {"intent_logits": len(self.labels.intents), "tag_logits": len(self.labels.tags)}
        for name, size in expected.items():
            shape = outputs.get(name)
            if shape is None or shape[-1] != size:
                raise ModelError(f"{model_path} does not match {LABELS_FILE} "
                                 f"(output {name}: {shape}, labels: {size})", REBUILD_FIX)

    def logits(self, texts: Sequence[str]):
        """(encodings, intent logits [batch, intents], tag logits [batch, tokens, tags])."""
        encodings = self.tokenizer.encode_batch(list(texts))
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        intent_logits, tag_logits = self.session.run(
            ["intent_logits", "tag_logits"], {k: v for k, v in feeds.items() if k in self._inputs})
        return encodings, intent_logits, tag_logits

    def understand_batch(self, texts: Sequence[str]) -> list[Understanding]:
        """Several utterances in one run. The int8 model quantizes activations per run, so confidences
        can differ slightly from one-at-a-time calls."""
        texts = [check_text(text) for text in texts]
        if not texts:
            return []
        encodings, intent_logits, tag_logits = self.logits(texts)
        understood = [self.decoder.understanding(t, e, il, tl)
                      for t, e, il, tl in zip(texts, encodings, intent_logits, tag_logits)]
        for u in understood:
            u.entities = mend_entities(u.text, u.entities, self.decoder.normalize_values)
        return understood

    def understand(self, text: str) -> Understanding:
        return self.understand_batch([text])[0]


def load_default_nlu(threads: int = 0, device: str = "auto") -> OnnxNlu:
    """The model the pipeline uses: HEARTH_NLU_MODEL or the shipped one."""
    return OnnxNlu(default_model_dir(), threads=threads, device=device)
