"""The shipped camera models (models/vision/, built by `hearth models build vision`), opened through
ONNX Runtime with their checksums verified. Nothing is downloaded at run time."""

from __future__ import annotations

from pathlib import Path

from app.errors import ModelError
from app.model_files import MANIFEST, ModelSpec, read_manifest, verified
from app.onnx_session import open_session

VISION_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "vision"
HINT = "reinstall Hearth, or rebuild the camera models in a checkout: hearth models build vision"


def vision_session(name: str, device: str = "auto", folder: Path = VISION_DIR):
    """One model's session on one thread: perception shares the CPU with speech, so it must not
    take every core (the budget is <= 15 % of one core at 5 frames/s, docs/vision.md)."""
    spec = read_manifest(folder, "the camera models", HINT, required=True)
    if name not in spec.files:
        raise ModelError(f"the camera models are damaged: {folder / MANIFEST} does not list {name}", HINT)
    with verified(ModelSpec(spec.name, {name: spec.files[name]}, HINT), folder):
        return open_session(folder / name, threads=1, device=device)
