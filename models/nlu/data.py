"""Training data: HWU64, SLURP devel and SNIPS in one Example format, the dev split, BIO tags.

Every loader returns character spans into `Example.text`, so training, evaluation and the
runtime all speak the same offsets whatever the source format (char spans, bracket
annotations, chunk lists).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from app.config import datasets_dir
from app.errors import HearthError
from app.nlu.onnx_model import Labels
from app.nlu.tagging import Span, decode_bio

IGNORE = -100  # label of special/padding tokens: no loss
DEV_FRACTION = 0.15
DATA_FIX = "put the datasets in ../shared/datasets or point HEARTH_DATASETS (or --data) at them"
_BRACKET = re.compile(r"\[\s*([^\]:]+?)\s*:\s*([^\]]*?)\s*\]")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    spans: tuple[Span, ...] = ()
    key: str = ""  # "source:id", stable across runs: the dev split is a list of these


@dataclass
class MainData:
    """The merged HWU64 + SLURP task and what was left out of it, for the model card."""

    examples: list[Example]
    dropped: dict[str, int] = field(default_factory=dict)


def _open(path: Path) -> Path:
    if not path.exists():
        raise HearthError(f"dataset file missing: {path}", DATA_FIX)
    return path


def _read_text(path: Path) -> str:
    """UTF-8, with undecodable bytes replaced: one bad byte must not lose a whole file."""
    return _open(path).read_bytes().decode("utf-8", errors="replace")


def _strip_span(text: str, start: int, end: int, etype: str) -> Span | None:
    """Trim surrounding whitespace so gold spans match what a tokenizer can produce."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end, etype) if end > start else None


def _spans(text: str, raw: list[tuple[int, int, str]]) -> tuple[Span, ...]:
    return tuple(sorted(s for s in (_strip_span(text, *r) for r in raw) if s))


def load_hwu64(root: Path | None = None) -> list[Example]:
    path = (root or datasets_dir()) / "hwu64" / "annotated.jsonl"
    out = []
    for i, line in enumerate(_read_text(path).splitlines()):
        if line.strip():
            row = json.loads(line)
            raw = [(e["start"], e["end"], e["entity"]) for e in row["entities"]]
            out.append(Example(row["text"], row["intent"], _spans(row["text"], raw), f"hwu64:{i}"))
    return out


def parse_annotation(annotation: str) -> tuple[str, list[tuple[int, int, str]]]:
    """'wake me at [time : seven am]' -> ('wake me at seven am', [(11, 19, 'time')])."""
    text, spans, pos = [], [], 0
    length = 0
    for m in _BRACKET.finditer(annotation):
        before = annotation[pos:m.start()]
        text.append(before)
        length += len(before)
        words = m.group(2)
        spans.append((length, length + len(words), m.group(1)))
        text.append(words)
        length += len(words)
        pos = m.end()
    text.append(annotation[pos:])
    return "".join(text), spans


def _slurp_spans(row: dict) -> list[tuple[int, int, str]]:
    """Char spans of a SLURP row from its bracket annotation, on the row's own (lower-case) sentence.

    SLURP's annotation keeps the original case, its sentence is lower-cased; the brackets give
    char offsets directly. A row whose brackets do not rebuild the sentence falls back to the
    token-index `entities` (tokens located left to right in the sentence).
    """
    sentence = row["sentence"]
    rebuilt, spans = parse_annotation(row["sentence_annotation"])
    if rebuilt.lower() == sentence.lower():
        return spans
    starts, pos = [], 0
    for token in row["tokens"]:
        found = sentence.lower().find(token["surface"].lower(), pos)
        if found < 0:
            return []
        starts.append((found, found + len(token["surface"])))
        pos = found + len(token["surface"])
    return [(starts[e["span"][0]][0], starts[e["span"][-1]][1], e["type"]) for e in row["entities"]]


def load_slurp(root: Path | None = None) -> list[Example]:
    path = (root or datasets_dir()) / "slurp" / "devel.jsonl"
    out = []
    for line in _read_text(path).splitlines():
        if line.strip():
            row = json.loads(line)
            text = row["sentence"]
            out.append(Example(text, row["intent"], _spans(text, _slurp_spans(row)), f"slurp:{row['slurp_id']}"))
    return out


def _snips_example(chunks: list[dict], intent: str, key: str) -> Example:
    text, raw = "", []
    for chunk in chunks:
        if "entity" in chunk:
            raw.append((len(text), len(text) + len(chunk["text"]), chunk["entity"]))
        text += chunk["text"]
    return Example(text, intent, _spans(text, raw), key)


def load_snips(split: str, root: Path | None = None) -> list[Example]:
    """split 'train' (train_*_full.json) or 'validate' (validate_*.json)."""
    folder = (root or datasets_dir()) / "snips"
    pattern = "train_*_full.json" if split == "train" else "validate_*.json"
    files = sorted(_open(folder).glob(pattern))
    if not files:
        raise HearthError(f"no SNIPS {split} files ({pattern}) in {folder}", DATA_FIX)
    out = []
    for path in files:
        for intent, rows in json.loads(_read_text(path)).items():
            out += [_snips_example(r["data"], intent, f"snips:{path.stem}:{i}") for i, r in enumerate(rows)]
    return out


def load_main(root: Path | None = None) -> MainData:
    """HWU64 + SLURP devel on HWU64's 64 scenario_action intents.

    Dropped from SLURP, counted for the card: labels without a scenario_action underscore
    (noisy, e.g. 'query'), labels outside the 64 (e.g. 'hue_lightoff' missing its scenario,
    or a handful of 'cooking_query'), and sentences HWU64 already has (they would leak
    between train and dev).
    """
    hwu = load_hwu64(root)
    taxonomy = {e.intent for e in hwu}
    seen = {e.text.lower() for e in hwu}
    kept, dropped = list(hwu), Counter()
    for ex in load_slurp(root):
        if "_" not in ex.intent:
            dropped["slurp label without scenario_action form"] += 1
        elif ex.intent not in taxonomy:
            dropped["slurp label outside the 64 HWU64 intents"] += 1
        elif ex.text.lower() in seen:
            dropped["slurp sentence already in HWU64"] += 1
        else:
            seen.add(ex.text.lower())
            kept.append(ex)
    return MainData(kept, dict(dropped))


def split(examples: list[Example], dev_fraction: float = DEV_FRACTION,
          seed: int = 13) -> tuple[list[Example], list[Example]]:
    """Stratified by intent, seeded: each intent gives round(dev_fraction * n) (at least 1) to dev."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in sorted(examples, key=lambda e: e.key):
        by_intent[ex.intent].append(ex)
    rng = random.Random(seed)
    train, dev = [], []
    for intent in sorted(by_intent):
        group = by_intent[intent]
        rng.shuffle(group)
        n_dev = max(1, round(dev_fraction * len(group))) if len(group) > 1 else 0
        dev += group[:n_dev]
        train += group[n_dev:]
    return train, dev


def make_labels(examples: list[Example], max_length: int) -> Labels:
    intents = sorted({e.intent for e in examples})
    types = sorted({s[2] for e in examples for s in e.spans})
    return Labels(intents, ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")], max_length)


def intent_entities(examples: list[Example]) -> dict[str, list[str]]:
    """The entity types each intent is annotated with (training data only: it becomes a decoding rule)."""
    types: dict[str, set[str]] = defaultdict(set)
    for ex in examples:
        types[ex.intent].update(s[2] for s in ex.spans)
    return {intent: sorted(found) for intent, found in sorted(types.items())}


def bio_tags(offsets: list[tuple[int, int]], spans: tuple[Span, ...]) -> list[str | None]:
    """One tag per wordpiece: every wordpiece of an entity is tagged (B on its first), None on special tokens."""
    tags: list[str | None] = []
    previous = None
    for start, end in offsets:
        if end <= start:
            tags.append(None)
            previous = None
            continue
        span = next((s for s in spans if start < s[1] and end > s[0]), None)
        tags.append("O" if span is None else f"{'I' if span == previous else 'B'}-{span[2]}")
        previous = span
    return tags


def encode(examples: list[Example], tokenizer, labels: Labels) -> list[dict]:
    """Features for training: ids, mask, type ids, intent index, tag index per wordpiece (IGNORE on specials).

    Sets the tokenizer up for training: no padding (the collator pads), truncation at labels.max_length.
    """
    intent_index = {n: i for i, n in enumerate(labels.intents)}
    tag_index = {n: i for i, n in enumerate(labels.tags)}
    tokenizer.no_padding()
    tokenizer.enable_truncation(labels.max_length)
    features = []
    for ex, enc in zip(examples, tokenizer.encode_batch([e.text for e in examples])):
        tags = bio_tags(enc.offsets, ex.spans)
        features.append({
            "input_ids": enc.ids,
            "attention_mask": enc.attention_mask,
            "token_type_ids": enc.type_ids,
            "intent_labels": intent_index.get(ex.intent, IGNORE),
            "tag_labels": [IGNORE if t is None else tag_index.get(t, 0) for t in tags],
        })
    return features


def round_trip(text: str, spans: tuple[Span, ...], tokenizer) -> list[Span]:
    """Encode spans as BIO and decode them again: what the model can at best reproduce."""
    enc = tokenizer.encode(text)
    tags = [t or "O" for t in bio_tags(enc.offsets, spans)]
    return decode_bio(tags, enc.offsets)


def save_dev_split(dev: list[Example], path: Path, seed: int, fraction: float = DEV_FRACTION) -> None:
    """The dev set definition: which example keys are dev, so anyone can check or reuse the split."""
    data = {"seed": seed, "dev_fraction": fraction, "count": len(dev), "keys": sorted(e.key for e in dev)}
    path.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")


def read_dev_keys(path: Path) -> set[str]:
    """The example keys `save_dev_split` wrote: the utterances a shipped model never trained on."""
    return set(json.loads(path.read_text(encoding="utf-8"))["keys"])
