"""One place that loads ONNX Runtime and opens its sessions: telemetry off, provider choice, thread
count, clear errors."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from types import ModuleType

from app.errors import ModelError


@functools.cache
def runtime() -> ModuleType:
    """onnxruntime, loaded with its telemetry off: Hearth is local-only.

    The Linux wheels (1.32 here) write a device id and a usage event per run under
    ~/.cache/Microsoft/DeveloperTools/.onnxruntime as the library loads, and carry an upload
    endpoint; only ORT_DISABLE_TELEMETRY set before that first import stops it (measured:
    disable_telemetry_events() after the import leaves the files). The call still covers the
    builds whose events go through the OS (Windows ETW).
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort

    ort.disable_telemetry_events()
    # One CPU memory arena for every session (`session.use_env_allocators` in open_session): each session's own
    # arena keeps its peak for good, and Hearth's dozen sessions mostly run one after another, so one arena holds
    # what each held apart (the window with four spoken turns: 580-588 -> 539-546 MB peak, docs/benchmarks.md).
    cpu = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
    ort.create_and_register_allocator(cpu, ort.OrtArenaCfg(0, -1, -1, -1))  # ORT's default arena settings
    return ort


def providers(device: str = "auto") -> list[str]:
    """CUDA first when asked for or available, CPU always as the fallback."""
    available = runtime().get_available_providers()
    if device in ("auto", "gpu", "cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def open_session(path: str | Path, threads: int = 0, device: str = "auto"):
    ort = runtime()
    path = Path(path)
    if not path.exists():
        raise ModelError(f"model file missing: {path}", "reinstall Hearth or rebuild: hearth models build nlu")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # No memory pattern: onnxruntime plans and keeps one per input shape, and Hearth's models see a new shape on
    # nearly every call (Whisper's speech-sized window and growing cache, a clause's phonemes for the voice), so
    # the plans only piled up in the arena: the window over 15 spoken turns peaked at 570-572 MB with them and
    # 489-494 MB without, stage times unchanged (docs/benchmarks.md).
    opts.enable_mem_pattern = False
    # Idle threads sleep instead of spinning: on a shared 2-core laptop spinning starves the
    # other stage's threads (a 4 s Whisper encoder went from 55 to 17 ms under load).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.use_env_allocators", "1")  # the one shared arena (runtime())
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=providers(device))
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        raise ModelError(f"model file damaged or unreadable: {path} ({exc})",
                         "reinstall Hearth or rebuild the model") from exc
