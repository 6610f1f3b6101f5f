from app.model_files import WHISPER_TINY_EN, verify, whisper_model_dir


def test_packaged_whisper_verifies_by_size_and_hash():
    reports = verify(WHISPER_TINY_EN, whisper_model_dir(), full=True)
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
