import pytest

from app.asr.onnx_engine import default_model_dir as onnx_whisper_dir
from app.model_files import WHISPER_TINY_EN, WHISPER_TINY_EN_ONNX, verify, whisper_model_dir


@pytest.mark.parametrize("spec,folder", [(WHISPER_TINY_EN, whisper_model_dir()),
                                         (WHISPER_TINY_EN_ONNX, onnx_whisper_dir())])
def test_shipped_whisper_models_verify_by_size_and_hash(spec, folder):
    reports = verify(spec, folder, full=True)
    assert all(r.ok for r in reports), [r.problem for r in reports]


def test_changed_file_fails_hash_check(tmp_path):
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(whisper_model_dir(), folder)
    data = bytearray((folder / "config.json").read_bytes())
    data[10] ^= 1
    (folder / "config.json").write_bytes(bytes(data))
    bad = [r for r in verify(WHISPER_TINY_EN, folder, full=True) if not r.ok]
    assert [r.path.name for r in bad] == ["config.json"] and bad[0].problem == "sha256 mismatch"
