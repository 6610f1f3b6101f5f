"""Settings, command-line flags and hardware -> a Pipeline and an Assistant.

The one configuration path: the window, `hearth talk`, `hearth chat` and the one-shot commands
all read the saved settings here, let flags override them, and build the same options. A
running assistant re-reads the file when it changes (SettingsWatch), so a change made in the
Settings dialog or with `hearth config` applies on the next turn, flags still on top.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from app.asr import AsrOptions
from app.assistant import Assistant, ConversationOptions
from app.config import Settings
from app.events import Event, EventBus, Ready
from app.hardware import Hardware, asr_device, detect, probe_camera, probe_gpu
from app.pipeline import Pipeline, PipelineOptions
from app.stages import Stage, State
from app.tts import TtsOptions
from app.vad import VadOptions
from app.wake import wake_options


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The saved settings with the given fields replaced (None means "not given", keep the saved one)."""
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return replace(Settings.load(), **given)


class SettingsWatch:
    """Returns fresh settings (overrides applied) when the file changed since last asked, else None."""

    def __init__(self, overrides: dict[str, Any] | None = None):
        self.overrides = overrides or {}
        self._seen = Settings.mtime()

    def __call__(self) -> Settings | None:
        stamp = Settings.mtime()
        if stamp == self._seen:
            return None
        self._seen = stamp
        return load_settings(self.overrides)


def camera_setting(settings: Settings) -> str | None:
    """HEARTH_CAMERA (a camera number, or an image, folder or video for demos and tests) over the saved camera."""
    return os.environ.get("HEARTH_CAMERA") or settings.camera


def pipeline_options(settings: Settings, hardware: Hardware | None = None, **fields: Any) -> PipelineOptions:
    """PipelineOptions from settings; a GPU or camera that `hardware` found missing is not used."""
    problems = hardware.problems if hardware else {}
    gpu_problem = problems.get(Stage.ASR)
    options = PipelineOptions(
        asr=AsrOptions(engine=settings.asr_engine, device=asr_device(settings.compute_device, gpu_problem),
                       compute_type=settings.asr_compute_type, model=settings.asr_model),
        vad=VadOptions(trailing_silence_ms=settings.trailing_silence_ms, endpoint=settings.endpointing,
                       quick_silence_ms=settings.quick_silence_ms),
        tts=TtsOptions(voice=settings.voice, rate=settings.speech_rate),
        camera=None if Stage.FUSION in problems else camera_setting(settings),
    )
    return replace(options, **fields)


def conversation_options(settings: Settings) -> ConversationOptions:
    return ConversationOptions(hands_free=settings.hands_free, follow_up_s=settings.follow_up_s,
                               announce=settings.announce, wake=wake_options(settings))


def probe(settings: Settings, *, microphone: bool = True, speaker: bool = True) -> Hardware:
    """Microphone, speaker, camera and GPU as the settings ask for them; what is missing is in `problems`."""
    hardware = detect(settings.input_device, settings.output_device, microphone=microphone, speaker=speaker)
    for stage, problem in ((Stage.ASR, probe_gpu(settings.compute_device)), (Stage.FUSION, probe_camera(camera_setting(settings)))):
        if problem:
            hardware.problems[stage] = problem
    return hardware


def build_assistant(overrides: dict[str, Any] | None = None, *, microphone: bool = True, speaker: bool = True,
                    **pipeline_fields: Any) -> tuple[Assistant, Hardware]:
    """An Assistant over the saved settings, the flags in `overrides` and the hardware found.

    `microphone=False`: the front end feeds its own audio (demo files); `speaker=False`: replies
    stay text. Replies are synthesized only when there is a speaker to play them.
    """
    settings = load_settings(overrides)
    hardware = probe(settings, microphone=microphone, speaker=speaker)
    pipeline_fields.setdefault("speak", hardware.player is not None)
    options = pipeline_options(settings, hardware, **pipeline_fields)
    bus = EventBus()
    watcher = camera_watcher(options, settings, bus)
    pipeline = Pipeline(options, bus, **({"camera": watcher, "scene": watcher} if watcher else {}))
    assistant = Assistant(pipeline, player=hardware.player, microphone=hardware.microphone,
                          options=conversation_options(settings), settings_source=SettingsWatch(overrides))
    if watcher is not None:
        watcher.on_look, watcher.on_palm = assistant.talk, assistant.stop
        watcher.can_listen = lambda: assistant.state == State.IDLE

        def start_watching(event: Event) -> None:  # once the models are warm, not competing with the preload
            if isinstance(event, Ready):
                watcher.start()

        bus.subscribe(start_watching)
    return assistant, hardware


def camera_watcher(options: PipelineOptions, settings: Settings, bus: EventBus):
    """The perception thread (app/fusion/watcher.py) when a camera is on: it is the pipeline's camera
    and scene stages (one camera read serves both) and drives look-to-talk and the palm stop. The
    window's camera switch sets `options.camera`, which turns it off and on."""
    if not options.camera:
        return None
    from app.fusion.camera import open_camera
    from app.fusion.perception import SceneAnalyzer
    from app.fusion.watcher import Watcher, WatchOptions

    return Watcher(lambda: open_camera(options.camera), SceneAnalyzer(), bus,
                   WatchOptions(look_to_talk=settings.look_to_talk, palm_stop=settings.palm_stop),
                   enabled=lambda: bool(options.camera))
