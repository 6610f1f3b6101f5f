"""Smart Turn v3.2 (BSD-2-Clause, models/turn/shipped/MODEL_CARD.md): P(the speaker has finished) from audio.

A Whisper-tiny encoder with a small head, 8.7 MB int8 ONNX, trained on speech that stops at the end
of a thought and speech that pauses mid-sentence ("set a timer for ... "); it hears intonation
and the words' shape, which silence alone cannot. One call takes the whole utterance so far.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.model_files import read_manifest, verified
from app.onnx_session import open_session
from app.turn.features import turn_features

FILE = "smart-turn-v3.2-cpu.onnx"
HINT = "reinstall Hearth, or in a checkout fetch it again: python -m models.turn.fetch"


def smart_turn_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "models" / "turn" / "shipped"


class SmartTurn:
    """`probability(audio)`: how likely the utterance in `audio` (16 kHz mono) is complete."""

    def __init__(self, folder: Path | None = None):
        folder = folder or smart_turn_dir()
        spec = read_manifest(folder, "the Smart Turn end-of-turn model", HINT, required=True)
        with verified(spec, folder):
            self.session = open_session(folder / FILE, threads=1, device="cpu")

    def probability(self, audio: np.ndarray) -> float:
        (out,) = self.session.run(None, {"input_features": turn_features(audio)})
        return float(np.asarray(out).reshape(-1)[0])
