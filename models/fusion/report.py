"""Text-only vs rule vs learned fusion on the held-out pairs and the hand-written cases, and a per-utterance
cost (`evaluate`, run by models/fusion/build.py); `python -m models.fusion.report` writes the "Learned
fusion" section of docs/vision.md.

Every number in that section comes from models/fusion/metrics.json, which models/fusion/build.py writes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from app.config import repo_root
from app.fusion.learned import LearnedFusion, TextFeatures
from bench.docs_section import write_section
from models.fusion import baseline
from models.fusion.generate import LIGHT, PALM, PRESENCE_TEXTS, Pair, every_third

HERE = repo_root() / "models" / "fusion"
CASES = HERE / "cases.jsonl"
METRICS = HERE / "metrics.json"
DOCS = repo_root() / "docs" / "vision.md"
SECTION = "learned-fusion"
SYSTEMS = ("text-only", "rule", "learned")

Predict = Callable[[Pair], tuple[str, bool]]


def load_cases(path: Path = CASES) -> list[Pair]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Pair(r["text"], r["scene"], r["intent"], r["addressed"], "case", r["text"]) for r in rows]


def hits(pairs: list[Pair], predict: Predict) -> list[tuple[bool, bool]]:
    """(intent right, addressed right) per pair."""
    out = []
    for p in pairs:
        intent, addressed = predict(p)
        out.append((intent == p.intent, addressed == p.addressed))
    return out


def score(pairs: list[Pair], right: list[tuple[bool, bool]]) -> dict:
    """Intent, addressed and both-right accuracy, overall and per family."""
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for p, hit in zip(pairs, right):
        groups["all"].append(hit)
        groups[p.family].append(hit)
    return {name: {"n": len(group), "intent": sum(i for i, _ in group) / len(group),
                   "addressed": sum(a for _, a in group) / len(group),
                   "both": sum(i and a for i, a in group) / len(group)} for name, group in groups.items()}


def paired(learned: list[tuple[bool, bool]], rule: list[tuple[bool, bool]]) -> dict:
    """Pairs only one of the two gets fully right: the difference that matters, not the shared hits."""
    both = [(all(a), all(b)) for a, b in zip(learned, rule)]
    return {"learned_only": sum(a and not b for a, b in both), "rule_only": sum(b and not a for a, b in both)}


def predictors(fusion: LearnedFusion, features: dict[str, TextFeatures]) -> dict[str, Predict]:
    nlu_intents = fusion.intents[: len(next(iter(features.values())).intent_logits)]

    def nlu(p: Pair) -> str:
        return nlu_intents[int(features[p.text].intent_logits.argmax())]

    def learned(p: Pair) -> tuple[str, bool]:
        probs, addressed = fusion.scores(features[p.text], p.scene)
        return fusion.intents[int(probs.argmax())], addressed >= 0.5

    return {"text-only": lambda p: baseline.text_only(nlu(p)), "rule": lambda p: baseline.rule(p.text, nlu(p), p.scene),
            "learned": learned}


def cost_ms(fusion: LearnedFusion, texts: list[str], scene: dict) -> dict:
    """Median ms per utterance: the encoder copy (token states) and the fusion module, one at a time."""
    encoder, module = [], []
    for text in texts:
        t0 = time.perf_counter()
        f = fusion.encoder.features([text])[0]
        t1 = time.perf_counter()
        fusion.scores(f, scene)
        module.append((time.perf_counter() - t1) * 1000)
        encoder.append((t1 - t0) * 1000)
    return {"encoder_ms_p50": statistics.median(encoder), "fusion_ms_p50": statistics.median(module), "n": len(texts)}


def evaluate(model_dir: Path, test: list[Pair], features: dict[str, TextFeatures]) -> dict:
    """The three systems on the held-out pairs and the hand cases, the model's cost, and whether it wins:
    the learned model must beat the rule on held-out "both right" and not lose to it on the cases."""
    fusion = LearnedFusion(model_dir, threads=1)
    cases = load_cases()
    features = dict(features)
    missing = sorted({p.text for p in cases} - features.keys())
    features.update(zip(missing, fusion.encoder.features(missing)))
    systems = predictors(fusion, features)
    held_hits = {name: hits(test, predict) for name, predict in systems.items()}
    case_hits = {name: hits(cases, predict) for name, predict in systems.items()}
    held = {name: score(test, right) for name, right in held_hits.items()}
    hand = {name: score(cases, right) for name, right in case_hits.items()}
    return {"held_out": held, "cases": hand,
            "paired": {"held_out": paired(held_hits["learned"], held_hits["rule"]),
                       "cases": paired(case_hits["learned"], case_hits["rule"])},
            "cost": cost_ms(fusion, sorted({p.text for p in test})[:200], test[0].scene),
            "wins": (held["learned"]["all"]["both"] > held["rule"]["all"]["both"]
                     and hand["learned"]["all"]["both"] >= hand["rule"]["all"]["both"])}


def table(results: dict) -> str:
    families = [f for f in ("all", "real", "palm", "presence", "light") if f in results["learned"]]
    lines = ["| pairs | n | " + " | ".join(f"{s}: intent / addressed / both" for s in SYSTEMS) + " |",
             "|---|---|" + "---|" * len(SYSTEMS)]
    for family in families:
        n = results["learned"][family]["n"]
        cells = [f"{results[s][family]['intent']:.3f} / {results[s][family]['addressed']:.3f} / "
                 f"{results[s][family]['both']:.3f}" for s in SYSTEMS]
        lines.append(f"| {family} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def seed_table(seeds: dict) -> str:
    """One row per training seed: "both right" overall and by family, and the pairs only one system gets."""
    families = ("real", "palm", "presence", "light")
    lines = ["| seed | held-out: text-only / rule / learned | " + " | ".join(f"{f}: rule / learned" for f in families)
             + " | pairs only learned / only rule gets | cases: text-only / rule / learned | learned wins |",
             "|---|---|" + "---|" * len(families) + "---|---|---|"]
    for seed, run in seeds.items():
        held, hand, pair = run["held_out"], run["cases"], run["paired"]["held_out"]
        overall = [" / ".join(f"{r[s]['all']['both']:.3f}" for s in SYSTEMS) for r in (held, hand)]
        by_family = [f"{held['rule'][f]['both']:.3f} / {held['learned'][f]['both']:.3f}" for f in families]
        lines.append(f"| {seed} | {overall[0]} | " + " | ".join(by_family) + f" | {pair['learned_only']} / "
                     f"{pair['rule_only']} | {overall[1]} | {'yes' if run['wins'] else 'no'} |")
    return "\n".join(lines)


def render(m: dict) -> str:
    verdict = ("it wins at every seed, so it ships (models/fusion/shipped/) for the pipeline to run after the NLU"
               if m["wins"] else "it does not win at every seed, so it is not shipped and not wired into the pipeline")
    first, run = next(iter(m["seeds"].items()))
    train_templates = [sum(not every_third(n) for n in range(len(rows))) for rows in (PALM, PRESENCE_TEXTS, LIGHT)]
    low, high = min(train_templates), max(train_templates)
    cost = run["cost"]
    seconds = ", ".join(f"{r['train_seconds']:.0f}" for r in m["seeds"].values())
    return f"""## Learned fusion

A small attention module (models/fusion/, card: models/fusion/MODEL_CARD.md) over the shipped NLU's
last hidden states and five visual tokens (people, facing, palm, dark, bright) re-scores the intent
(the NLU's 64 plus `presence_query`) and decides whether the speech was addressed to the device. It was
trained on {m['train_pairs']} generated (scene, utterance) pairs and judged on {m['test_pairs']} held-out
pairs whose utterance template (real utterances: the NLU's own dev split) *and* scene combination were
both unseen in training, and on {m['case_count']} hand-written cases (models/fusion/cases.jsonl).
Baselines on the same pairs: **text-only** = the shipped NLU, every utterance addressed (Hearth without
a camera); **rule** = the NLU plus the best hand rules written from the training templates
(models/fusion/baseline.py), with the generator's own addressed rule.

**Verdict: {verdict}.**
The test: at each training seed, learned must beat the rule on held-out "both right" (intent and
addressed) and not lose to it on the hand-written cases ({m['case_count']} cases: one case
is {1 / m['case_count']:.3f}).

How to read it: the learned model is better than the rule at every seed on real utterances (where the
rule's word lists sometimes misfire and the model re-reads the NLU's token states) and on the
hand-written cases; it is worse on the held-out templates of the three hand-written
families, which have only {low} to {high} training phrasings each, where the rule's word lists
generalise better. Overall the two are within a point of each other, and which one is ahead depends on the seed.
Caveats. In the rule's favour: its author also wrote every template, held-out ones included. Against
both: after a first build's held-out results were seen, templates were added and the rule was tightened
(short replies, pronoun requests, more presence phrases, from the training pairs), so the held-out pairs
are not untouched. In the learned model's favour: the small-talk labels of the invented replies ("okay" =
`general_affirm`) are the author's, which the learned model learns from training templates while the
rule reads them from first words. What could change the verdict: many more phrasings per hand-written
family (or paraphrases of them), and real camera scenes instead of generated ones.

{seed_table(m['seeds'])}

Held-out pairs by family, seed {first} (intent / addressed / both right):

{table(run['held_out'])}

Hand-written cases, seed {first}:

{table(run['cases'])}

Size: {run['parameters']:,} parameters, `fusion.int8.onnx` {run['int8_bytes']:,} bytes (plus the
{m['encoder_bytes']:,}-byte encoder copy). Cost per utterance, one at a time, median of {cost['n']}
(seed {first}): the encoder copy that outputs token states {cost['encoder_ms_p50']:.2f} ms, the fusion
module {cost['fusion_ms_p50']:.2f} ms (int8, 1 thread). Training: {m['epochs']} epochs, {seconds} s per
seed. Measured {m['date']} on {m['machine']} (shared with other jobs, so times are preliminary),
command `{m['command']}`; this section: `python -m models.fusion.report`.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="write the Learned fusion section of docs/vision.md")
    parser.parse_args(argv)
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    if not DOCS.exists():  # the camera's part of the page is written by its own helper; this is one section
        DOCS.write_text("# Vision\n", encoding="utf-8")
    write_section(SECTION, render(metrics), DOCS)
    print(render(metrics))


if __name__ == "__main__":
    main()
