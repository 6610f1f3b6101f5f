"""Could the words alone end a pause? The language model on whole commands against their starts.

    python -m bench.pause_words [--docs]

Smart Turn hears flat (synthesized, read) speech as unfinished at the end of many whole commands, so those
turns wait out the full trailing silence. The rule studied here would let the language model end such a pause
after a middle silence when it is sure the words are a whole command. This measures what that would cost: over
the language model's dev split (the utterances it never trained on), how often the rule passes a whole
utterance (the turn would end sooner) and how often it passes a proper start of one, cut at a word boundary (a
pause of that length there would end the turn too early), at several confidence thresholds. The rule is not in
the app: docs/benchmarks.md (end of speech) has the numbers that decided.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
from dataclasses import dataclass

from app.endpoint import left_open, missing_value
from app.nlu.onnx_model import default_model_dir, load_default_nlu
from bench.docs_section import write_section
from models.nlu.data import load_main, read_dev_keys

THRESHOLDS = (0.8, 0.9, 0.95, 0.98)
# The rule's other conditions: shorter starts ("what", "how do") and chat (the catch-all intent of read text and
# small talk) passed far more often than whole utterances in a first look.
MIN_WORDS = 3
NOT_A_COMMAND = frozenset({"general_quirky"})


def command_confidence(text: str, understanding) -> float | None:
    """How sure the language model is that `text` is a whole command; None when it cannot be one yet (an open
    ending, a missing time: what the app's endpointing already treats as unfinished)."""
    if left_open(text) or missing_value(understanding) or len(text.split()) < MIN_WORDS \
            or understanding.intent in NOT_A_COMMAND:
        return None
    return understanding.confidence


@dataclass
class Said:
    text: str
    whole: bool  # the utterance itself, not a start of it
    confidence: float | None  # command_confidence


def utterances() -> list[str]:
    keys = read_dev_keys(default_model_dir() / "dev_split.json")
    return [e.text for e in load_main().examples if e.key in keys]


def judge(texts: list[str]) -> list[Said]:
    nlu = load_default_nlu(threads=1)
    out = []
    for text in texts:
        words = text.split()
        for k in range(1, len(words) + 1):
            start = " ".join(words[:k])
            out.append(Said(start, k == len(words), command_confidence(start, nlu.understand(start))))
    return out


def table(said: list[Said]) -> str:
    whole = [s for s in said if s.whole]
    starts = [s for s in said if not s.whole]
    long_starts = [s for s in starts if len(s.text.split()) >= 3]
    rows = ["| confidence at or above | whole utterances that end sooner | starts that would end the turn "
            "(all / of 3 words or more) |", "|---|---|---|"]
    for c in THRESHOLDS:
        def share(group: list[Said]) -> str:
            return f"{sum(s.confidence is not None and s.confidence >= c for s in group) / len(group):.1%}"
        rows.append(f"| {c} | {share(whole)} of {len(whole)} | {share(starts)} of {len(starts)} / "
                    f"{share(long_starts)} of {len(long_starts)} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.pause_words")
    p.add_argument("--docs", action="store_true", help="write the table to docs/benchmarks.md")
    args = p.parse_args(argv)
    text = table(judge(utterances()))
    print(text)
    if args.docs:
        write_section("pause-words", "\n".join([
            "## The words alone ending a pause",
            "",
            f"{dt.date.today().isoformat()} · `python -m bench.pause_words --docs` · {platform.machine()}, "
            f"{os.cpu_count()} cores · the shipped language model on its dev split (HWU64 + SLURP utterances it never "
            "trained on) and on every proper start of each, cut at a word boundary, through the rule studied "
            "(`command_confidence` in bench/pause_words.py: at least 3 words, not chat, no open ending, no missing "
            "time). A whole utterance that passes would end after a middle silence even when Smart Turn hears it "
            "unfinished; a start that passes would end the turn too early if the speaker paused there that long. "
            "Not used in the app (see the end-of-speech section).",
            "", text]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
