"""Vocabulary pruning: keep the wordpieces the task uses, drop the other embedding rows.

MiniLM's 30,522 x 384 word-embedding table is half the model's parameters, yet Hearth's
utterances use a few thousand wordpieces. Kept: every wordpiece the tokenizer produces on the
given corpus (training + unlabeled sentences), the special tokens, and every single character
and `##`+character piece, so an unseen word still splits into characters instead of [UNK].

WordPiece is greedy longest-match-first, and the kept vocabulary is a subset of the old one that
contains every piece the old tokenizer produced on the corpus, so every corpus word tokenizes
exactly as before (same pieces, remapped ids): the model's outputs on those words are unchanged.
Ids keep their old order, so [PAD] stays id 0 (the runtime pads with id 0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from app.errors import HearthError

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PREFIX = "##"


@dataclass(frozen=True)
class VocabPlan:
    keep: list[int]  # old ids, ascending; new id = position in this list
    vocab: dict[str, int]  # new vocabulary: token -> new id
    old_size: int


def _fallback(token: str) -> bool:
    return len(token) == 1 or (token.startswith(PREFIX) and len(token) == len(PREFIX) + 1)


def plan(tokenizer_json: dict, texts: Iterable[str]) -> VocabPlan:
    """Which rows to keep, from the tokenizer.json content and the corpus texts."""
    from tokenizers import Tokenizer

    old = tokenizer_json["model"]["vocab"]
    tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    seen = {i for enc in tokenizer.encode_batch(list(texts)) for i in enc.ids}
    specials = {old[t] for t in SPECIALS if t in old}
    fallback = {i for t, i in old.items() if _fallback(t)}
    keep = sorted(seen | specials | fallback)
    by_id = {i: t for t, i in old.items()}
    return VocabPlan(keep, {by_id[i]: n for n, i in enumerate(keep)}, len(old))


def prune_tokenizer(tokenizer_json: dict, vocab_plan: VocabPlan) -> dict:
    """A tokenizer.json with the kept vocabulary and its special-token ids moved to match."""
    out = json.loads(json.dumps(tokenizer_json))
    out["model"]["vocab"] = vocab_plan.vocab
    out["added_tokens"] = [dict(t, id=vocab_plan.vocab[t["content"]]) for t in out["added_tokens"]
                           if t["content"] in vocab_plan.vocab]
    for special in (out.get("post_processor") or {}).get("special_tokens", {}).values():
        special["ids"] = [vocab_plan.vocab[t] for t in special["tokens"]]
    padding = out.get("padding")
    if padding and padding.get("pad_token") in vocab_plan.vocab:
        padding["pad_id"] = vocab_plan.vocab[padding["pad_token"]]
    return out


def _embedding(model, vocab_size: int):
    """The ONNX initializer holding the word embeddings: the one [vocab_size, hidden] matrix."""
    found = [i for i in model.graph.initializer if len(i.dims) == 2 and i.dims[0] == vocab_size]
    if len(found) != 1:
        raise HearthError(f"expected one [{vocab_size}, hidden] word-embedding initializer, found {len(found)}",
                          "vocabulary pruning needs an fp32 export of a BERT-style model (before quantization)")
    return found[0]


def prune_onnx(src: Path, dst: Path, vocab_plan: VocabPlan) -> Path:
    """Copy an fp32 ONNX model keeping only the planned embedding rows."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    table = _embedding(model, vocab_plan.old_size)
    rows = numpy_helper.to_array(table)[np.array(vocab_plan.keep)]
    table.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(rows), table.name))
    onnx.save(model, str(dst))
    return dst


def prune_package(model: Path, tokenizer: Path, texts: Iterable[str], out_model: Path,
                  out_tokenizer: Path) -> VocabPlan:
    """Model + tokenizer -> pruned model + matching tokenizer.json; returns the plan (for the report)."""
    source = json.loads(tokenizer.read_text(encoding="utf-8"))
    vocab_plan = plan(source, texts)
    prune_onnx(model, out_model, vocab_plan)
    out_tokenizer.write_text(json.dumps(prune_tokenizer(source, vocab_plan), ensure_ascii=False),
                             encoding="utf-8")
    return vocab_plan
