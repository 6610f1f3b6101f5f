"""Fetch Smart Turn v3.2 (CPU ONNX) from the pipecat-ai wheel and commit it in models/turn/shipped/, with its licence.

    python -m models.turn.fetch [--wheel pipecat_ai-1.14.0-py3-none-any.whl]

Only two files are taken from the wheel (the model and the package's BSD-2-Clause licence); Hearth
does not depend on pipecat. `checksums.json` records their sizes and sha256 for `app/turn/model.py`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from app.model_files import write_manifest

PACKAGE = "pipecat-ai==1.14.0"
MODEL = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
LICENSE = "pipecat_ai-1.14.0.dist-info/licenses/LICENSE"
HERE = Path(__file__).resolve().parent / "shipped"
FILES = {MODEL: "smart-turn-v3.2-cpu.onnx", LICENSE: "LICENSE"}


def download(folder: Path) -> Path:
    """The wheel, by pip from the registry (no dependencies)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(folder)], check=True)
    return next(folder.glob("pipecat_ai-*.whl"))


def extract(wheel: Path, out: Path = HERE) -> None:
    with zipfile.ZipFile(wheel) as z:
        for member, name in FILES.items():
            (out / name).write_bytes(z.read(member))
    write_manifest(out, FILES.values())


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m models.turn.fetch", description=__doc__.splitlines()[0])
    p.add_argument("--wheel", type=Path, help="a pipecat-ai 1.14.0 wheel already downloaded")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        extract(args.wheel or download(Path(tmp)))
    print(f"wrote {', '.join(FILES.values())} and checksums.json to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
