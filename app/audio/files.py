"""Decode WAV/FLAC/OGG to 16 kHz mono float32, the one format every later stage takes."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from app.errors import AudioFormatError, HearthError, TooLong

SAMPLE_RATE = 16000
BLOCK = 1 << 16  # frames decoded per read: memory follows what is kept, never the file's size

MAX_FILE_S = 60.0
"""The most audio one file may hold: `hearth listen` answers a file as one turn, like one press
of a smart speaker's button. A command lasts seconds (a spoken one is cut at
`VadOptions.max_utterance_s`, 15 s); a longer file is a recording (a podcast, a meeting, a noise
test), and splitting it into utterances would act on every sentence in it (lights, timers,
purchases) that nobody said to Hearth. So it is refused (`TooLong`), not split; 60 s leaves room
for silence around a slow command, and decoding stops there, however long the file is."""

_NOT_A_FILE = {stat.S_ISDIR: "a directory", stat.S_ISFIFO: "a pipe (FIFO)", stat.S_ISSOCK: "a socket",
               stat.S_ISCHR: "a device", stat.S_ISBLK: "a device"}


def clean(samples: np.ndarray, normalize: bool = False) -> np.ndarray:
    """Samples VAD and ASR can trust: NaN/Inf become 0, and everything lies in [-1, 1].

    Drivers can hand over garbage (ALSA's null device gives 1e36), so a microphone frame is
    clipped. A float file may go past 1.0 on purpose (float formats have headroom: the same speech
    at 50x is still speech), so `normalize` scales a whole clip down to peak 1 instead of clipping
    it into distortion Whisper mishears.
    """
    samples = np.nan_to_num(samples.astype(np.float32, copy=False), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(np.abs(samples).max(initial=0.0))
    if normalize and peak > 1.0:
        samples /= peak
    return np.clip(samples, -1.0, 1.0)


def to_mono_16k(data: np.ndarray, rate: int) -> np.ndarray:
    """Downmix and resample (soxr, high quality) to what Whisper and Silero expect."""
    if data.ndim == 2:
        data = data.mean(axis=1)
    data = data.astype(np.float32, copy=False)
    if rate != SAMPLE_RATE:
        data = soxr.resample(data, rate, SAMPLE_RATE).astype(np.float32)
    return data


def _open(path: Path) -> BinaryIO:
    """Open a regular file only: a FIFO would block until someone writes to it, and a directory
    or a device is no recording. Each refusal names the cause and the fix."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _NOT_A_FILE.items() if test(mode)), "a special file")
            raise AudioFormatError(f"{path} is {kind}, not an audio file", "give the path of a WAV, FLAC or OGG file")
        return path.open("rb")
    except FileNotFoundError:
        raise AudioFormatError(f"audio file not found: {path}", "check the path") from None
    except PermissionError:
        raise AudioFormatError(f"cannot read {path}: permission denied",
                               f"make it readable (chmod a+r '{path}') or copy it to a folder you own") from None
    except OSError as exc:
        raise AudioFormatError(f"cannot read {path}: {exc.strerror or exc}", "check the disk and the path") from exc


def _decode(file: BinaryIO, name: str) -> tuple[np.ndarray, int]:
    """Whole frames as libsndfile finds them, block by block, refused past MAX_FILE_S.

    A WAV cut short (header promising more than the file holds) decodes to the frames present:
    libsndfile counts frames from the data, never invents the rest, and streamed WAVs carry
    such headers on purpose. A FLAC cut short fails to decode and is refused like any bad file.
    """
    try:
        with sf.SoundFile(file) as sound:
            limit, blocks, frames = int(MAX_FILE_S * sound.samplerate), [], 0
            while (block := sound.read(BLOCK, dtype="float32", always_2d=True)).size:
                frames += len(block)
                if frames > limit:
                    raise TooLong(f"{name} holds more than {MAX_FILE_S:.0f} s of audio: too long for one command",
                                  "give one command per file (a few seconds); cut the recording to the command")
                blocks.append(block)
            rate = sound.samplerate
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        detail = getattr(exc, "error_string", exc)  # libsndfile's own words, without the file object's repr
        raise AudioFormatError(f"cannot decode audio {name}: {detail}", "use a WAV, FLAC or OGG file") from exc
    if not blocks:
        raise AudioFormatError(f"audio file is empty: {name}", "record some speech first")
    return np.concatenate(blocks), rate


def load_audio(source: str | Path | bytes) -> np.ndarray:
    """Read a file (or bytes) into 16 kHz mono float32 in [-1, 1]: at most MAX_FILE_S of it,
    NaN/Inf silenced, and float audio past full scale scaled down (`clean`)."""
    if isinstance(source, bytes):
        file, name = io.BytesIO(source), "<bytes>"
    else:
        file, name = _open(Path(source)), str(source)
    with file:
        data, rate = _decode(file, name)
    return to_mono_16k(clean(data, normalize=True), rate)


def save_wav(path: str | Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), audio, rate, subtype="PCM_16")
    except (OSError, sf.LibsndfileError) as exc:
        raise HearthError(f"cannot write {path}: {exc}", "choose a writable folder with free space") from exc
    return path
