"""The compression study, step by step: `python -m models.compress.study STEP [...]`.

Steps (each caches its output under models/work/compress, so a later step reuses the earlier ones):
  teacher  copy a finished v1 build (model.pt + ONNX + tokenizer + labels) as the fp32 teacher
  distill  3-layer student from the teacher's layers, trained on teacher logits + gold labels
  prune    structured head/FFN pruning of the teacher by importance, then a short distilled fine-tune
  post     per model: vocabulary pruning, dynamic int8, static QDQ int8; magnitude-pruning sweep
  measure  every candidate in a fresh process: dev scores, latency, size, parameters, peak RSS
  select   pick the shipped candidate by the rule in models/compress/select.py
  ship     copy it into models/nlu/shipped, re-render docs/models.md and the model card

--task snips runs the same steps on SNIPS (its own work folder and results_snips.json, teacher from a
`hearth models build nlu --task snips` work folder, no unlabeled sentences) for the report's SNIPS
column; nothing from it ships.

Run with nohup: the torch steps take minutes to tens of minutes on two shared cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see models/nlu/build.py: shared cores

from app.config import repo_root  # noqa: E402
from app.errors import HearthError  # noqa: E402
from app.nlu.onnx_model import LABELS_FILE, TOKENIZER_FILE, Labels  # noqa: E402
from models.nlu import data  # noqa: E402
from models.nlu.encoders import ENCODERS, MINILM, encoder_dir  # noqa: E402

TASKS = ("main", "snips")
WORK = repo_root() / "models" / "work" / "compress"
CANDIDATES = WORK / "candidates"
RESULTS = repo_root() / "models" / "compress" / "results.json"  # committed: the report reads it
TASK = "main"
MACHINE = "2-core x86_64, no GPU"
DISTILL_MAX_LENGTH = 32  # the longest training utterance has 31 wordpieces
# Of four layer sets scored untrained on 300 training utterances (not dev), (0, 2, 5) and (1, 3, 5) were close on
# intents (57 / 59 %) and (0, 2, 5) much better on entities (46 / 35 % F1); (0, 2, 4) and (0, 1, 2) were near 2 %.
STUDENT_LAYERS = (0, 2, 5)
PRUNE_HEADS, PRUNE_NEURONS = 6, 768  # half the heads and half the FFN of every layer
SPARSITIES = (0.3, 0.5, 0.7)
CALIBRATION = 300  # training utterances for static quantization ranges


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Task:
    train: list[data.Example]
    dev: list[data.Example]
    unlabeled: list[str]  # SLURP train sentences not in train or dev (no dev text reaches the student)
    spoken: list[data.Example] = field(default_factory=list)  # Whisper transcripts of train, spans aligned
    filled: list[data.Example] = field(default_factory=list)  # slot-filled variants of train (models/nlu/augment.py)

    def labeled(self) -> list[data.Example]:
        return self.train + self.spoken + self.filled


def use_task(task: str, teacher: str = MINILM.name) -> None:
    """Point the steps at one task's (and teacher encoder's) work folder and results file."""
    global TASK, WORK, CANDIDATES, RESULTS
    TASK = task
    suffix = ("" if task == "main" else f"-{task}") + ("" if teacher == MINILM.name else f"-{teacher}")
    WORK = repo_root() / "models" / "work" / f"compress{suffix}"
    CANDIDATES = WORK / "candidates"
    RESULTS = repo_root() / "models" / "compress" / f"results{suffix.replace('-', '_', 1)}.json"


def load_task(seed: int = 13, task: str | None = None, spoken: bool = False, fill: bool = False) -> Task:
    """`spoken`: add the spoken training set (`python -m models.nlu.spoken make --split train`); `fill`: add
    slot-filled variants of the training sentences."""
    from models.nlu.augment import substitute
    from app.config import datasets_dir

    if (task or TASK) == "snips":  # its own validate files are the dev set; no unlabeled or spoken sentences
        train = data.load_snips("train")
        return Task(train, data.load_snips("validate"), [], filled=substitute(train) if fill else [])
    main = data.load_main()
    train, dev = data.split(main.examples, seed=seed)
    seen = {e.text.lower() for e in train + dev}
    path = datasets_dir() / "slurp" / "train_sentences_unlabeled.txt"
    if not path.exists():
        raise HearthError(f"dataset file missing: {path}", data.DATA_FIX)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    unlabeled = sorted({t.strip() for t in lines if t.strip() and t.strip().lower() not in seen})
    return Task(train, dev, unlabeled, _spoken_train(train) if spoken else [], substitute(train) if fill else [])


def _spoken_train(train: list[data.Example]) -> list[data.Example]:
    from models.nlu.spoken import load_spoken

    keys = {e.key for e in train}
    examples = load_spoken("train")
    if not examples:
        raise HearthError("no spoken training set", "python -m models.nlu.spoken make --split train")
    if any(e.key not in keys for e in examples):
        raise HearthError("the spoken training set holds utterances outside the training split",
                          "delete models/work/nlu-spoken/train.jsonl and make it again")
    return examples


def teacher_dir() -> Path:
    return WORK / "teacher"


def load_teacher():
    from models.nlu.evaluate import torch_model

    return torch_model(teacher_dir() / "model.pt", teacher_dir())


def teacher_encoder() -> str:
    return read_meta(teacher_dir())["encoder"]


def write_meta(folder: Path, **meta) -> None:
    (folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def read_meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


# ---- steps -------------------------------------------------------------------------------------------

def step_teacher(args) -> None:
    """Copy a finished build's outputs (its --work folder) as the teacher."""
    src = args.source
    if not (src / "model.pt").exists():
        build = "hearth models build nlu" + ("" if TASK == "main" else f" --task {TASK} --work {src}")
        raise HearthError(f"no finished build in {src} (model.pt missing)", f"run `{build}` first, or pass --source")
    dst = teacher_dir()
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("model.pt", "model.fp32.onnx", "model.raw.onnx"):
        shutil.copyfile(src / name, dst / name)
    shutil.copyfile(src / "package" / TOKENIZER_FILE, dst / TOKENIZER_FILE)
    labels = Labels.load(src / "package" / LABELS_FILE)  # the intent -> entity types rule from this task's training set
    replace(labels, intent_entities=data.intent_entities(load_task(args.seed).train)).save(dst / LABELS_FILE)
    encoder = ENCODERS[args.teacher_encoder]
    write_meta(dst, family="teacher", encoder=encoder.name,
               method=f"{encoder.layers}-layer teacher" + ("" if encoder == MINILM else f" ({encoder.short})"))
    log(f"teacher copied from {src}")


def _features(task: Task, nlu, with_unlabeled: bool, tokenizer_file: Path | None = None) -> list[dict]:
    from tokenizers import Tokenizer

    from models.compress.distill import unlabeled_features

    tokenizer = Tokenizer.from_file(str(tokenizer_file or teacher_dir() / TOKENIZER_FILE))
    labels = nlu.decoder.labels
    features = data.encode(task.labeled(), tokenizer,
                           Labels(labels.intents, labels.tags, DISTILL_MAX_LENGTH))
    if with_unlabeled:
        features += unlabeled_features(task.unlabeled, tokenizer, DISTILL_MAX_LENGTH)
    return features


def _targets(nlu, features: list[dict], name: str) -> list[tuple]:
    """Teacher logits, cached: computing them costs a teacher forward over every sentence."""
    import torch

    from models.compress.distill import teacher_logits

    path = WORK / f"targets_{name}.pt"
    if path.exists():
        cached = torch.load(path, weights_only=False)
        if len(cached) == len(features):
            return cached
    t0 = time.perf_counter()
    targets = teacher_logits(nlu.model, features)
    torch.save(targets, path)
    log(f"teacher logits for {len(features)} sentences in {time.perf_counter() - t0:.0f} s")
    return targets


def _finish(name: str, model, nlu, task: Task, meta: dict, tokenizer_file: Path | None = None) -> None:
    """Score the trained torch model on dev, then export it (fp32 fused + dynamic int8) as a candidate."""
    import torch
    from tokenizers import Tokenizer

    from models.nlu import evaluate, export

    folder = CANDIDATES / name
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "model.pt")
    labels = replace(nlu.decoder.labels, crf=model.crf_scores())
    tokenizer_file = tokenizer_file or teacher_dir() / TOKENIZER_FILE
    scores = evaluate.evaluate(evaluate.TorchNlu(model, Tokenizer.from_file(str(tokenizer_file)), labels), task.dev)
    log(f"{name} fp32 PyTorch dev: {scores}")
    exported = export.export(model, WORK / "export" / name)  # after scoring: export alters padded runs
    shutil.copyfile(exported.fp32, folder / "model.fp32.onnx")
    shutil.copyfile(exported.fp32.with_name("model.raw.onnx"), folder / "model.raw.onnx")
    shutil.copyfile(tokenizer_file, folder / TOKENIZER_FILE)
    labels.save(folder / LABELS_FILE)
    write_meta(folder, **meta, fused_ops=exported.fused_ops, torch_dev=scores.as_dict(),
               parameters=sum(p.numel() for p in model.parameters()))


def _options(args, **overrides):
    from models.compress.distill import DistillOptions

    return DistillOptions(epochs=args.epochs, max_steps=args.max_steps, seed=args.seed, learning_rate=args.lr,
                          head_learning_rate=args.head_lr, **overrides)


def _minilm_student(nlu) -> tuple:
    """For a teacher of another family: a student from pretrained MiniLM-L6's STUDENT_LAYERS with untrained heads,
    and MiniLM's tokenizer (runtime settings), written to the work folder."""
    from models.compress.distill import student_from_teacher
    from models.nlu.build import RUNTIME_MAX_LENGTH, shipped_tokenizer
    from models.nlu.modeling import JointModel

    labels = nlu.decoder.labels
    tokenizer_file = WORK / "student-tokenizer.json"
    shipped_tokenizer(tokenizer_file, RUNTIME_MAX_LENGTH, MINILM.name)
    model = JointModel(len(labels.intents), len(labels.tags), encoder_dir(MINILM.name))
    return student_from_teacher(model, STUDENT_LAYERS), tokenizer_file


MAX_MISALIGNED = 0.01  # of the sentences: more means the tokenizers differ, not a rare character


def _aligned(student: list[dict], teacher: list[dict], targets: list[tuple]) -> tuple[list[dict], list[tuple]]:
    """Teacher tag scores are taken position by position, so a sentence the two tokenizers cut differently is left
    out (MiniLM's and MPNet's uncased wordpieces agree on all of HWU64 and SLURP's labeled text; one unlabeled
    sentence in 22,022 differed); more than MAX_MISALIGNED of them is refused."""
    keep = [len(a["input_ids"]) == len(b["input_ids"]) for a, b in zip(student, teacher, strict=True)]
    dropped = keep.count(False)
    if dropped > MAX_MISALIGNED * len(keep):
        raise HearthError(f"{dropped} of {len(keep)} sentences split into different wordpieces by the teacher's and "
                          "the student's tokenizers", "distill from a teacher whose tokenizer cuts words as the "
                                                      "student's does")
    if dropped:
        log(f"left out {dropped} sentence(s) the two tokenizers cut differently")
    return [f for f, k in zip(student, keep) if k], [t for t, k in zip(targets, keep) if k]


def step_distill(args) -> None:
    import torch

    from models.compress.distill import distill, student_from_teacher

    torch.set_num_threads(args.threads)
    task, nlu = load_task(args.seed, spoken=args.spoken, fill=args.fill), load_teacher()
    features = _features(task, nlu, with_unlabeled=True)
    targets = _targets(nlu, features, "all" + "+spoken" * args.spoken + "+filled" * args.fill)
    same_family = teacher_encoder() == MINILM.name
    if same_family:
        student, tokenizer_file = student_from_teacher(nlu.model, STUDENT_LAYERS), None
    else:
        student, tokenizer_file = _minilm_student(nlu)
        own = _features(task, nlu, with_unlabeled=True, tokenizer_file=tokenizer_file)
        features, targets = _aligned(own, features, targets)
    if args.crf:
        student.add_crf(nlu.decoder.labels.tags)
    resumed = {}
    if args.resume:  # continue a finished student with a fresh schedule (more epochs without starting over)
        student.load_state_dict(torch.load(CANDIDATES / args.resume / "model.pt"))
        resumed = {"resumed_from": args.resume, "earlier_steps": read_meta(CANDIDATES / args.resume)["steps"]}
    options = _options(args)
    log(f"distilling {len(STUDENT_LAYERS)}-layer student on {len(task.train)} labeled + {len(task.spoken)} spoken + "
        f"{len(task.filled)} slot-filled + {len(task.unlabeled)} unlabeled sentences"
        + (", CRF tag layer" if args.crf else ""))
    t0 = time.perf_counter()
    losses = distill(student, features, targets, options, log=log)
    seconds = time.perf_counter() - t0
    total_steps = len(losses) + resumed.get("earlier_steps", 0)
    start = (f"teacher layers {list(STUDENT_LAYERS)}" if same_family
             else f"MiniLM-L6 layers {list(STUDENT_LAYERS)}, new heads, teacher {ENCODERS[teacher_encoder()].short}")
    _finish(args.name or f"student{len(STUDENT_LAYERS)}", student, nlu, task, dict(
        family="distilled", method=f"{len(STUDENT_LAYERS)}-layer student ({start}), "
                                   f"{total_steps} steps" + (", CRF" if args.crf else "")
                                   + (", + spoken transcripts" if args.spoken else "")
                                   + (", + slot-filled variants" if args.fill else ""),
        recipe=vars(options), train_seconds=round(seconds), steps=len(losses), **resumed,
        labeled=len(task.train), spoken=len(task.spoken), filled=len(task.filled), unlabeled=len(task.unlabeled),
        crf=args.crf,
        threads=args.threads,
        command=" ".join(["python -m models.compress.study", *args.argv])), tokenizer_file)


def step_prune(args) -> None:
    import torch

    from models.compress import prune
    from models.compress.distill import distill, student_from_teacher

    torch.set_num_threads(args.threads)
    task, nlu = load_task(args.seed), load_teacher()
    features = _features(task, nlu, with_unlabeled=True)
    targets = _targets(nlu, features, "all")
    model = student_from_teacher(nlu.model, range(len(nlu.model.encoder.encoder.layer)))  # a full copy
    t0 = time.perf_counter()
    scores = prune.importance(model, features[:args.importance_examples])  # labeled ones come first
    prune.prune(model, scores, PRUNE_HEADS, PRUNE_NEURONS)
    options = _options(args)
    losses = distill(model, features, targets, options, log=log)
    seconds = time.perf_counter() - t0
    _finish("pruned", model, nlu, task, dict(
        family="pruned", method=f"{PRUNE_HEADS}/12 heads, {PRUNE_NEURONS}/1536 FFN neurons per layer",
        recipe=vars(options), train_seconds=round(seconds), steps=len(losses),
        importance_examples=args.importance_examples, threads=args.threads,
        command=" ".join(["python -m models.compress.study", *args.argv])))


def _variant(source: Path, name: str, model_file: Path, meta: dict, tokenizer: Path | None = None) -> None:
    folder = CANDIDATES / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, folder / "model.onnx")
    shutil.copyfile(tokenizer or source / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    shutil.copyfile(source / LABELS_FILE, folder / LABELS_FILE)
    write_meta(folder, **meta)


def step_post(args) -> None:
    """ONNX-only variants of the teacher and every trained candidate."""
    from models.compress import quantize, vocab

    task = load_task(args.seed, spoken=args.spoken)
    calibration = [e.text for e in task.train[::max(1, len(task.train) // CALIBRATION)]][:CALIBRATION]
    corpus = [e.text for e in task.train + task.spoken] + task.unlabeled  # filled variants only reuse these words
    tmp = WORK / "post"
    tmp.mkdir(parents=True, exist_ok=True)
    sources = {"teacher": teacher_dir()} | {p.name: p for p in sorted(CANDIDATES.glob("*"))
                                            if (p / "model.fp32.onnx").exists()}
    sources = {k: v for k, v in sources.items() if not args.names or k in args.names}
    for base, folder in sources.items():
        meta = read_meta(folder)
        family, method = meta["family"], meta["method"]
        training = {k: v for k, v in meta.items() if k not in ("family", "method", "encoder")}
        fp32 = folder / "model.fp32.onnx"
        _variant(folder, f"{base}-fp32", fp32, dict(family=family, method=f"{method}, ONNX fp32", source=base,
                                                    training=training))
        _variant(folder, f"{base}-int8", quantize.dynamic_int8(fp32, tmp / f"{base}-int8.onnx"),
                 dict(family=family, method=f"{method}, dynamic int8", source=base))
        pruned_vocab = vocab.prune_package(fp32, folder / TOKENIZER_FILE, corpus, tmp / f"{base}-v.onnx",
                                           tmp / f"{base}-v.json")
        vocab_note = f"vocabulary {len(pruned_vocab.keep)}/{pruned_vocab.old_size}"
        _variant(folder, f"{base}-vocab-int8", quantize.dynamic_int8(tmp / f"{base}-v.onnx", tmp / f"{base}-vi8.onnx"),
                 dict(family=family, method=f"{method}, {vocab_note}, dynamic int8", source=base,
                      vocab=len(pruned_vocab.keep)), tokenizer=tmp / f"{base}-v.json")
        raw = folder / "model.raw.onnx"
        if raw.exists() and base in args.static:
            vocab.prune_onnx(raw, tmp / f"{base}-vr.onnx", pruned_vocab)
            static = quantize.static_int8(tmp / f"{base}-vr.onnx", tmp / f"{base}-vs8.onnx", tmp / f"{base}-v.json",
                                          calibration)
            _variant(folder, f"{base}-vocab-static8", static,
                     dict(family=family, method=f"{method}, {vocab_note}, static QDQ int8 per-channel, MatMul + "
                                                f"Gather ({len(calibration)} calibration utterances)", source=base,
                          vocab=len(pruned_vocab.keep)), tokenizer=tmp / f"{base}-v.json")
        log(f"post-training variants of {base} written")
    for sparsity in SPARSITIES if not args.names or "teacher" in args.names else ():
        kept = quantize.magnitude_prune(teacher_dir() / "model.fp32.onnx", tmp / f"sparse{sparsity}.onnx", sparsity)
        name = f"teacher-sparse{int(sparsity * 100)}-int8"
        _variant(teacher_dir(), name, quantize.dynamic_int8(tmp / f"sparse{sparsity}.onnx", tmp / f"{name}.onnx"),
                 dict(family="magnitude-pruned", method=f"teacher, {kept.zeroed / kept.total:.0%} of encoder "
                                                        "matrix weights zeroed (no fine-tune), dynamic int8",
                      source="teacher", sparsity=sparsity))
    log("post done")


TEACHER_PYTORCH = "teacher-pytorch"


def measure_in_process(folder: Path, threads: int, torch_weights: Path | None = None,
                       model_file: str = "model.onnx") -> dict:
    """models.compress.measure in a fresh process: its peak RSS is this model's alone."""
    command = [sys.executable, "-m", "models.compress.measure", str(folder), "--threads", str(threads),
               "--model-file", model_file, "--task", TASK]
    if torch_weights is not None:
        command += ["--torch", str(torch_weights)]
    out = subprocess.run(command, capture_output=True, text=True, cwd=repo_root())
    if out.returncode:
        raise RuntimeError(f"measuring {folder} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def step_measure(args) -> None:
    """The fp32 PyTorch teacher and every candidate, one after another."""
    names = args.names or [TEACHER_PYTORCH] + sorted(p.name for p in CANDIDATES.glob("*")
                                                     if (p / "model.onnx").exists())
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        try:
            if name == TEACHER_PYTORCH:
                meta = {"family": "teacher", "method": "the teacher build, fp32 PyTorch"}
                measured = measure_in_process(teacher_dir(), args.threads, teacher_dir() / "model.pt")
            else:
                meta = read_meta(CANDIDATES / name)
                measured = measure_in_process(CANDIDATES / name, args.threads)
        except RuntimeError as exc:
            log(str(exc))
            continue
        task = "" if TASK == "main" else f" --task {TASK}"
        results[name] = {**meta, **measured,
                         "date": dt.date.today().isoformat(), "machine": MACHINE,
                         "measure_command": f"python -m models.compress.study measure{task} --threads {args.threads}"}
        log(f"{name}: {results[name]['dev']['intent_accuracy']:.2f} % intent, "
            f"{results[name]['latency']['p50_ms']:.2f} ms p50, {results[name]['size_mb']:.1f} MB")
        RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def step_select(args) -> None:
    from models.compress import select

    results = json.loads(RESULTS.read_text())
    choice = select.choose(results, results[TEACHER_PYTORCH])
    log(f"selected: {choice.name} ({choice.reason})")


def _builds_running() -> list[str]:
    import psutil

    return [" ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])
            if "models.nlu.build" in " ".join(p.info["cmdline"] or [])]


def step_ship(args) -> None:
    """Copy the selected candidate into models/nlu/shipped (when it is not v1's own int8) and re-render."""
    from app.model_files import write_manifest
    from app.nlu.onnx_model import MODEL_FILE, RUNTIME_FILES
    from models import report
    from models.compress import select
    from models.nlu.build import SHIPPED

    if TASK != "main":
        raise HearthError(f"the {TASK} study is for comparison only", "ship from the main task")
    results = json.loads(RESULTS.read_text())
    teacher = results[TEACHER_PYTORCH]
    choice = select.choose(results, teacher)
    if choice.name == "teacher-int8":
        log("v1's int8 model wins by the rule: nothing to ship")
        return
    running = _builds_running()
    if running:
        raise SystemExit(f"a v1 build is running ({running[0]}): ship after it has finished")
    folder = CANDIDATES / choice.name
    shutil.copyfile(folder / "model.onnx", SHIPPED / MODEL_FILE)
    for name in (TOKENIZER_FILE, LABELS_FILE):
        shutil.copyfile(folder / name, SHIPPED / name)
    write_manifest(SHIPPED, RUNTIME_FILES)
    record = {"name": choice.name, "reason": choice.reason, "result": choice.result, "teacher": teacher,
              "sha256": report.file_sha256(SHIPPED / MODEL_FILE),
              "date": dt.date.today().isoformat(), "command": "python -m models.compress.study ship"}
    report.SHIPPED_RECORD.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    report.main([])
    log(f"shipped {choice.name} to {SHIPPED}: {choice.reason}")


STEPS = {"teacher": step_teacher, "distill": step_distill, "prune": step_prune, "post": step_post,
         "measure": step_measure, "select": step_select, "ship": step_ship}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m models.compress.study", description=__doc__.splitlines()[0])
    p.add_argument("step", choices=list(STEPS))
    p.add_argument("--task", choices=TASKS, default="main")
    p.add_argument("names", nargs="*", help="post: models to compress, measure: candidates (default: all)")
    p.add_argument("--source", type=Path, help="teacher: the v1 build's --work folder (default models/work/nlu, "
                                                "for --task snips models/work/nlu-snips)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--head-lr", type=float, help="distill: the heads' (and CRF's) own rate, for a student whose "
                                                 "heads start untrained (default: --lr)")
    p.add_argument("--resume", help="distill: continue this finished student (a candidate name)")
    p.add_argument("--crf", action="store_true", help="distill: give the student a CRF tag layer")
    p.add_argument("--spoken", action="store_true", help="distill, post: add the spoken training set "
                                                         "(python -m models.nlu.spoken make --split train)")
    p.add_argument("--fill", action="store_true", help="distill: add slot-filled variants of the training sentences")
    p.add_argument("--name", help="distill: candidate name (default student<layers>)")
    p.add_argument("--teacher-encoder", choices=sorted(ENCODERS), default=MINILM.name,
                   help="the teacher build's encoder (its own work folder and results file unless MiniLM-L6)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=1, help="1 while another job shares the two cores")
    p.add_argument("--static", nargs="*", default=["teacher", "student3"], help="post: models to quantize statically")
    p.add_argument("--importance-examples", type=int, default=512)
    args = p.parse_intermixed_args(argv)  # names may come after options: post --task snips teacher
    args.argv = argv
    use_task(args.task, args.teacher_encoder)
    args.source = args.source or repo_root() / "models" / "work" / ("nlu" if args.task == "main" else f"nlu-{args.task}")
    try:
        STEPS[args.step](args)
    except HearthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
