"""One place that opens ONNX Runtime sessions: provider choice, thread count, clear errors."""

from __future__ import annotations

from pathlib import Path

from app.errors import ModelError


def providers(device: str = "auto") -> list[str]:
    """CUDA first when asked for or available, CPU always as the fallback."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device in ("auto", "gpu", "cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def open_session(path: str | Path, threads: int = 0, device: str = "auto"):
    import onnxruntime as ort

    path = Path(path)
    if not path.exists():
        raise ModelError(f"model file missing: {path}", "reinstall Hearth or rebuild: hearth models build nlu")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # Idle threads sleep instead of spinning: on a shared 2-core laptop spinning starves the
    # other stage's threads (a 4 s Whisper encoder went from 55 to 17 ms under load).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=providers(device))
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        raise ModelError(f"model file damaged or unreadable: {path} ({exc})",
                         "reinstall Hearth or rebuild the model") from exc
