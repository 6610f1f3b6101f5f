"""Speech recognition behind one interface, so engines (CTranslate2, ONNX, PyTorch) plug in."""

from app.asr.engine import AsrEngine, AsrOptions, Transcript, create_engine

__all__ = ["AsrEngine", "AsrOptions", "Transcript", "create_engine"]
