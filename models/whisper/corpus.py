"""The speech Whisper is measured on: real clips (../shared/speech) and synthesized commands.

Synthesized speech is cleaner than real speech, so the two are always reported apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.audio import load_audio
from app.audio.files import SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "models" / "work" / "whisper"


def onnx_work_dir(model: str) -> Path:
    """Where `python -m models.whisper.export_onnx --model MODEL` writes by default (git-ignored)."""
    return WORK / ("onnx" if model == "tiny.en" else f"onnx-{model}")


# 20 smart-speaker commands; numbers are written the way a person would say them.
COMMANDS = [
    "set a timer for ten minutes", "turn off the bedroom lights", "what is the time in tokyo",
    "add milk to my shopping list", "play some jazz music", "what's the weather like tomorrow",
    "wake me up at seven thirty", "turn the volume down", "how many grams are in a pound",
    "remind me to call my mother at five", "stop the music", "what is twelve times eight",
    "set the thermostat to twenty one degrees", "tell me a joke", "cancel my timer",
    "open the garage door", "what day is it today", "convert one hundred dollars to euros",
    "dim the kitchen lights to forty percent", "how long is left on my timer",
]
# (tool, voice) pairs cycled over the commands: several voices, two synthesizers.
VOICES = [("espeak-ng", "en-us"), ("flite", "slt"), ("espeak-ng", "en-gb"), ("flite", "rms"),
          ("espeak-ng", "en-us+f3"), ("flite", "awb")]


@dataclass
class Clip:
    set: str  # "real" | "synth"
    stem: str
    reference: str
    audio: np.ndarray

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def speech_dir() -> Path:
    """HEARTH_SPEECH, else ../shared/speech next to the repository, else the test fixtures."""
    for candidate in (os.environ.get("HEARTH_SPEECH"), ROOT.parent / "shared" / "speech"):
        if candidate and (Path(candidate) / "transcripts.tsv").exists():
            return Path(candidate)
    return ROOT / "tests" / "fixtures"


def read_transcripts(folder: Path) -> dict[str, str]:
    rows = (line.split("\t", 1) for line in (folder / "transcripts.tsv").read_text().splitlines() if line.strip())
    return {stem: text.strip() for stem, text in rows}


def real_clips(folder: Path | None = None) -> list[Clip]:
    folder = folder or speech_dir()
    return [Clip("real", stem, ref, load_audio(folder / f"{stem}.wav"))
            for stem, ref in sorted(read_transcripts(folder).items())]


def synthesize(text: str, out: Path, tool: str, voice: str) -> Path:
    if not shutil.which(tool):
        raise RuntimeError(f"{tool} is not installed (packaging/install-system.sh installs espeak-ng and flite)")
    cmd = ([tool, "-v", voice, "-s", "150", "-w", str(out), text] if tool == "espeak-ng"
           else [tool, "-voice", voice, "-t", text, "-o", str(out)])
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def synth_clips(cache: Path = WORK / "synth", n: int = len(COMMANDS)) -> list[Clip]:
    """The commands, synthesized once into `cache` (files are reused between runs)."""
    cache.mkdir(parents=True, exist_ok=True)
    clips = []
    for i, text in enumerate(COMMANDS[:n]):
        tool, voice = VOICES[i % len(VOICES)]
        path = cache / f"cmd{i:02d}_{tool}_{voice.replace('+', '_')}.wav"
        if not path.exists():
            synthesize(text, path, tool, voice)
        clips.append(Clip("synth", path.stem, text, load_audio(path)))
    return clips
