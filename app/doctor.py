"""What works on this machine: devices, accelerators, model files, voices. Never raises."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any, Callable

from app import __version__


def _probe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # doctor reports problems, it never fails on them
        return {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}


def _model_files() -> list[dict]:
    from app.asr.onnx_engine import default_model_dir as onnx_whisper_dir
    from app.model_files import WHISPER_TINY_EN, WHISPER_TINY_EN_ONNX, sha256, verify, whisper_model_dir
    from app.vad import silero_model_path

    rows = []
    for name, spec, folder in [("asr", WHISPER_TINY_EN_ONNX, onnx_whisper_dir()),
                               ("asr-ctranslate2", WHISPER_TINY_EN, whisper_model_dir())]:
        for r in verify(spec, folder, full=True):
            rows.append({"model": name, "path": str(r.path), "size": r.size, "sha256": r.sha256,
                         "ok": r.ok, "problem": r.problem})
    extra = [("vad", silero_model_path())]
    from app.nlu.onnx_model import default_model_dir

    nlu_dir = default_model_dir()
    extra += [("nlu", p) for p in sorted(nlu_dir.glob("*")) if p.is_file()] if nlu_dir.exists() else [("nlu", nlu_dir)]
    for name, p in extra:
        p = Path(p)
        rows.append({"model": name, "path": str(p), "size": p.stat().st_size if p.exists() else 0,
                     "sha256": sha256(p) if p.is_file() else None, "ok": p.exists(), "problem": "" if p.exists() else "missing"})
    return rows


def _camera() -> dict:
    from app.fusion import open_camera

    cam = open_camera(os.environ.get("HEARTH_CAMERA", "0"))
    frame = cam.read()
    cam.close()
    return {"ok": True, "frame": list(frame.shape)}


def _gpu() -> dict:
    import ctranslate2
    import onnxruntime

    return {"onnxruntime_providers": onnxruntime.get_available_providers(),
            "ctranslate2_cuda_devices": ctranslate2.get_cuda_device_count()}


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
