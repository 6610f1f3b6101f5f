"""What hardware is there: each probe returns the DeviceError to show, or None.

The app keeps working with whatever is present: no microphone -> typed input, no speaker ->
text replies, no camera -> no vision, no GPU -> CPU. Every front end (window, `hearth talk`,
`hearth chat`) probes through `detect`, so they agree on what is missing and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from app.audio.player import Player
from app.audio.source import AudioSource, MicrophoneSource, list_output_devices
from app.errors import DeviceError, HearthError
from app.stages import SpeechPlayer, Stage

SourceFactory = Callable[[], AudioSource]


class Microphone:
    """Opens the microphone chosen in settings; `device` may change between listens (Settings)."""

    def __init__(self, device: str | None = None):
        self.device = device

    def __call__(self) -> MicrophoneSource:
        return MicrophoneSource(self.device)


@dataclass
class Hardware:
    """What was found at start-up; None means absent, with the reason in `problems` (keyed by stage)."""

    microphone: SourceFactory | None = None
    player: SpeechPlayer | None = None
    problems: dict[Stage, DeviceError] = field(default_factory=dict)


def probe_microphone(device: str | None) -> DeviceError | None:
    try:
        MicrophoneSource(device).close()
    except DeviceError as exc:
        return exc
    return None


def probe_speaker() -> DeviceError | None:
    if list_output_devices():
        return None
    return DeviceError("no speaker or audio output found",
                       "connect a speaker or headphones; until then replies are shown as text only")


def probe_camera(spec: str | None) -> DeviceError | None:
    if not spec:
        return None
    from app.fusion import open_camera

    try:
        camera = open_camera(spec)
        camera.read()
        camera.close()
    except DeviceError as exc:
        return exc
    except HearthError as exc:
        return DeviceError(exc.message, exc.fix)
    return None


def probe_gpu(setting: str) -> DeviceError | None:
    """Only a GPU that was asked for and is missing is a problem; "auto" quietly uses the CPU."""
    if setting != "gpu":
        return None
    from app.onnx_session import runtime  # the default engine's runtime; ctranslate2 is an optional extra

    if "CUDAExecutionProvider" in runtime().get_available_providers():
        return None
    return DeviceError("GPU requested but onnxruntime has no CUDA support here: running on the CPU",
                       "install the NVIDIA driver, the CUDA runtime and onnxruntime-gpu (pip install 'hearth[gpu]'), "
                       "or choose CPU in Settings")


def asr_device(setting: str, gpu_problem: DeviceError | None) -> str:
    """Settings' auto/cpu/gpu -> the ASR engine's auto/cpu/cuda."""
    if setting == "gpu" and gpu_problem is None:
        return "cuda"
    return "cpu" if setting in ("cpu", "gpu") else "auto"


def detect(input_device: str | None, output_device: str | None, *, microphone: bool = True,
           speaker: bool = True) -> Hardware:
    """Probe the speaker and the microphone, each unless the front end does without it (a demo
    feeding files, a text chat)."""
    hardware = Hardware()
    if speaker:
        if problem := probe_speaker():
            hardware.problems[Stage.SPEAK] = problem
        else:
            hardware.player = Player(output_device)
    if microphone:
        mic = probe_microphone(input_device)
        if mic:
            hardware.problems[Stage.LISTEN] = mic
        else:
            hardware.microphone = Microphone(input_device)
    return hardware
