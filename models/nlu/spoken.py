"""Spoken versions of the language model's data: each utterance said by an offline voice
(models/voices.py), over noise half the time, transcribed by the shipped Whisper the way the app
does, with its gold entity spans aligned onto the transcript.

At run time the model reads Whisper's words ("Wake me up at 7 a.m."), not the datasets' ("wake me
up at seven am"), and some of them misheard. Training on these transcripts teaches it that text;
the spoken dev set, said only by voices and speeds that training never uses, measures what
recognition costs it.

    python -m models.nlu.spoken make --split dev|train [--limit N]   # appends to models/work/nlu-spoken/<split>.jsonl
    python -m models.nlu.spoken score [--model DIR]                  # a model on the spoken dev set and its texts

`make` is resumable (keys already in the file are skipped) and deterministic: the voice and the
noise of an utterance follow from its key.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from app.config import repo_root
from app.errors import NoSpeech
from app.nlu.tagging import Span
from models.nlu.data import Example
from models.voices import Voice, held_everyday, speak, train_voice
from models.whisper.text import normalize

SPLITS = ("train", "dev")
SPLIT_SEED = 13  # the dev split every model is scored on (models/compress/study.py load_task)
WORK = repo_root() / "models" / "work" / "nlu-spoken"
_EDGE = "\"'“”‘’()[]{}<>.,!?;:"  # punctuation around a word, not part of it


@dataclass(frozen=True)
class SpokenOptions:
    noise_share: float = 0.5  # of the utterances, in both splits, mixed with noise (models/wakeword/augment.py)
    snr_db: tuple[float, float] = (10.0, 30.0)


@dataclass
class Spoken:
    """One utterance and what the app heard of it."""

    key: str  # the Example's own key: a spoken training example keeps the key of the text it was made from
    voice: dict  # models.voices.Voice as a dict
    snr_db: float | None  # None: no noise
    text: str
    transcript: str  # "" when the app would refuse it (`refused`)
    intent: str
    spans: list[Span]  # the gold spans aligned onto `transcript`
    gold_spans: list[Span]  # on `text`
    dropped: list[tuple[int, int, str, str]]  # gold spans with no place in the transcript, and why
    refused: str | None = None  # the app's error code: no_speech, not_speech


@dataclass(frozen=True)
class Alignment:
    spans: tuple[Span, ...]
    dropped: tuple[tuple[int, int, str, str], ...]  # (start, end, type, "vanished" | "merged") on the text


# -- alignment ---------------------------------------------------------------------------------------

def words(text: str) -> list[tuple[str, int, int]]:
    """Normalized words (models/whisper/text.py, as WER counts them), each with the character span of
    the written word it comes from: "7:30" gives ("seven", s, e) and ("thirty", s, e). Punctuation
    around a word is not part of it, except an abbreviation's last dot ("a.m.")."""
    out = []
    for m in re.finditer(r"\S+", text):
        start, end = m.span()
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
        if end < m.end() and text[end] == "." and "." in text[start:end]:
            end += 1
        out += [(w, start, end) for w in normalize(text[start:end]).split()]
    return out


def _word_map(source: list[str], target: list[str]) -> list[list[int]]:
    """For each source word, the target words it became: equal words one to one, a replaced run cut into
    consecutive, non-overlapping shares of its replacement (a shorter one shared: "seven am" -> "7am"
    maps both words onto "7am"), deleted words none."""
    out: list[list[int]] = [[] for _ in source]
    for op, i1, i2, j1, j2 in SequenceMatcher(None, source, target, autojunk=False).get_opcodes():
        if op in ("equal", "replace"):
            m, n = i2 - i1, j2 - j1
            for k in range(m):
                lo, hi = j1 + k * n // m, j1 + (k + 1) * n // m
                out[i1 + k] = list(range(lo, max(hi, lo + 1)))
    return out


def align(text: str, spans: tuple[Span, ...] | list[Span], transcript: str) -> Alignment:
    """Gold spans on `text` moved onto `transcript`, word by word.

    An entity covers the transcript from the first to the last word its words became, so a word
    inserted inside it joins it and one inserted at its edge does not. An entity whose words all
    vanished is dropped, and so is one that lands on words an earlier entity already took (BIO tags
    cannot hold both)."""
    source, target = words(text), words(transcript)
    mapped = _word_map([w for w, _, _ in source], [w for w, _, _ in target])
    aligned: list[Span] = []
    dropped = []
    for start, end, etype in sorted(tuple(s) for s in spans):
        hit = sorted({j for i, (_, s, e) in enumerate(source) if s < end and e > start for j in mapped[i]})
        if not hit:
            dropped.append((start, end, etype, "vanished"))
        elif aligned and target[hit[0]][1] < aligned[-1][1]:
            dropped.append((start, end, etype, "merged"))
        else:
            aligned.append((target[hit[0]][1], target[hit[-1]][2], etype))
    return Alignment(tuple(aligned), tuple(dropped))


# -- speaking and hearing ----------------------------------------------------------------------------

def _seed(name: str) -> int:
    """A seed from a name, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def setting(key: str, split: str, options: SpokenOptions = SpokenOptions()) -> tuple[Voice, float | None]:
    """The voice and noise level (SNR in dB, None: clean) of one utterance, from its key and split alone.
    Training voices for train; for dev, held-out voices at an everyday pace, none of which train_voice ever
    picks (models/voices.py: the Piper voice, flite's held-out voices, held-out espeak-ng accents)."""
    rng = random.Random(_seed(f"{split}:{key}"))
    voice = train_voice(rng) if split == "train" else held_everyday(rng)
    snr = round(rng.uniform(*options.snr_db), 1) if rng.random() < options.noise_share else None
    return voice, snr


class Listener:
    """The app's recognition path: Pipeline.run_audio with understanding off, so the same VAD trim,
    the same noise checks and the shipped Whisper engine with the app's default options, on one thread."""

    def __init__(self):
        from app.asr import AsrOptions
        from app.pipeline import Pipeline, PipelineOptions

        self.pipeline = Pipeline(PipelineOptions(asr=AsrOptions(threads=1, device="cpu"), understand=False))

    def __call__(self, audio: np.ndarray) -> tuple[str, str | None]:
        """(transcript, the error code when the app would refuse the audio as no speech or noise)."""
        turn = self.pipeline.run_audio(audio)
        if turn.error is not None and not isinstance(turn.error, NoSpeech):
            raise turn.error
        return turn.transcript, turn.error.code if turn.error else None


def hear(example: Example, split: str, listener: Listener, options: SpokenOptions = SpokenOptions()) -> Spoken:
    from models.wakeword import augment  # scipy, from the train extra: alignment and scoring do without it

    voice, snr = setting(example.key, split, options)
    rng = np.random.default_rng(_seed(f"noise:{split}:{example.key}"))
    audio = augment.room(rng, speak(example.text, voice), p_reverb=0.0, snr_db=(snr or 0.0, snr or 0.0),
                         p_noise=0.0 if snr is None else 1.0)  # with noise or not, a random gain
    transcript, refused = listener(audio)
    aligned = align(example.text, example.spans, transcript)
    return Spoken(example.key, asdict(voice), snr, example.text, transcript, example.intent, list(aligned.spans),
                  list(example.spans), list(aligned.dropped), refused)


# -- the cache ----------------------------------------------------------------------------------------

def read(path: Path) -> list[Spoken]:
    """The records in a split's file; a last line cut off by a killed run is ignored (`make` rewrites it)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    return [Spoken(**{**row, "spans": [tuple(s) for s in row["spans"]],
                      "gold_spans": [tuple(s) for s in row["gold_spans"]],
                      "dropped": [tuple(d) for d in row["dropped"]]})
            for row in map(json.loads, filter(None, lines[:-1]))]


def _done(path: Path) -> set[str]:
    """Keys already in the file, after cutting off a partly written last line."""
    if not path.exists():
        return set()
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        path.write_bytes(raw[:raw.rfind(b"\n") + 1])
    return {r.key for r in read(path)}


def split_examples(split: str) -> list[Example]:
    """The train or dev half of the main task, exactly as the models are trained and scored on it."""
    from models.nlu.data import load_main, split as split_main

    train, dev = split_main(load_main().examples, seed=SPLIT_SEED)
    return train if split == "train" else dev


def make(examples: list[Example], split: str, path: Path, options: SpokenOptions = SpokenOptions(),
         log=print, every: int = 50) -> int:
    """Speak, hear and align every example not yet in `path`, appending one JSON line each; returns how
    many were added."""
    done = _done(path)
    todo = [e for e in examples if e.key not in done]
    log(f"{split}: {len(examples) - len(todo)} of {len(examples)} already in {path}, {len(todo)} to go")
    if not todo:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    listener = Listener()
    started = time.perf_counter()
    with path.open("a", encoding="utf-8") as out:
        for n, example in enumerate(todo, 1):
            out.write(json.dumps(asdict(hear(example, split, listener, options)), ensure_ascii=False) + "\n")
            out.flush()
            if n % every == 0 or n == len(todo):
                rate = n / (time.perf_counter() - started)
                log(f"{split}: {n}/{len(todo)} at {rate:.2f} utterances/s, "
                    f"{(len(todo) - n) / rate / 60:.0f} min to go")
    return len(todo)


TRAIN_MAX_WER = 0.5  # a transcript with more words wrong than this teaches the model to guess, not to read


def load_spoken(split: str, folder: Path = WORK, max_wer: float | None = TRAIN_MAX_WER) -> list[Example]:
    """The spoken utterances of a split as Examples (transcript as text, aligned spans), for training.

    Left out: the ones the app would refuse (empty transcript), and those whose transcript's word error rate is
    above `max_wer`: a fifth of the synthesized training voices come out as other sentences ("what days are
    my alarms set for" -> "we'll take a moment and see it for"), whose gold intent no words support.
    """
    from models.whisper.text import wer

    return [Example(r.transcript, r.intent, tuple(r.spans), r.key)
            for r in read(folder / f"{split}.jsonl")
            if r.transcript and (max_wer is None or wer([r.text], [r.transcript]) <= max_wer)]


# -- scoring ------------------------------------------------------------------------------------------

def score_records(records: list[Spoken], nlu) -> dict:
    """A model on the spoken utterances (gold: aligned spans; a refused utterance counts as no intent and
    no entities, as the app answers it with nothing) and on their original texts, plus recognition."""
    from app.nlu.types import Understanding
    from models.nlu.evaluate import predict, score
    from models.whisper.text import wer

    heard = [i for i, r in enumerate(records) if r.transcript]
    understood = dict(zip(heard, predict(nlu, [records[i].transcript for i in heard])))
    spoken = score([Example(r.transcript, r.intent, tuple(r.spans), r.key) for r in records],
                   [understood.get(i, Understanding("", "", 0.0)) for i in range(len(records))])
    text = score([Example(r.text, r.intent, tuple(r.gold_spans), r.key) for r in records],
                 predict(nlu, [r.text for r in records]))
    noisy = [r for r in records if r.snr_db is not None]
    clean = [r for r in records if r.snr_db is None]
    dropped: dict[str, int] = {}
    for r in records:
        for *_, why in r.dropped:
            dropped[why] = dropped.get(why, 0) + 1
    return {
        "utterances": len(records),
        "spoken": spoken.as_dict(),
        "text": text.as_dict(),
        "intent_gap_points": text.intent_accuracy - spoken.intent_accuracy,
        "entity_f1_gap_points": text.span_f1 - spoken.span_f1,
        "wer": {name: 100 * wer([r.text for r in rs], [r.transcript for r in rs]) if rs else None
                for name, rs in (("all", records), ("clean", clean), ("noisy", noisy))},
        "wer_by_engine": {engine: 100 * wer([r.text for r in rs], [r.transcript for r in rs])
                          for engine in sorted({r.voice.get("engine", "") for r in records})
                          for rs in [[r for r in records if r.voice.get("engine", "") == engine]]},
        "noisy_utterances": len(noisy),
        "refused": sum(r.refused is not None for r in records),
        "gold_entities": sum(len(r.gold_spans) for r in records),
        "dropped_entities": dropped,
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m models.nlu.spoken", description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, default=WORK, help="where the <split>.jsonl files are (default %(default)s)")
    sub = p.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("make", help="speak, transcribe and align a split (resumable)")
    mk.add_argument("--split", choices=SPLITS, required=True)
    mk.add_argument("--limit", type=int, help="only the first N utterances of the split")
    sc = sub.add_parser("score", help="a model on the spoken dev set and on the same texts")
    sc.add_argument("--model", type=Path, help="an NLU model folder (default: the shipped one)")
    args = p.parse_args(argv)
    if args.command == "make":
        examples = split_examples(args.split)[:args.limit]
        make(examples, args.split, args.work / f"{args.split}.jsonl",
             log=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", flush=True))
        return 0
    from app.nlu.onnx_model import OnnxNlu

    records = read(args.work / "dev.jsonl")
    if not records:
        print(f"no spoken dev set in {args.work}: run `python -m models.nlu.spoken make --split dev` first",
              file=sys.stderr)
        return 1
    nlu = OnnxNlu(args.model, threads=1, device="cpu", normalize_values=False)
    print(json.dumps({"model": str(args.model or "shipped"), **score_records(records, nlu)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
