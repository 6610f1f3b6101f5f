"""The neural voice as two models, so that a clause's first sound waits only for its first frames.

A Piper (VITS) voice is one graph: phonemes -> latent frames (text encoder, durations, flow), then a
vocoder that turns each frame into 256 samples and takes about 60 % of the time. Cut at the vocoder's
input, the frames come first and the vocoder runs piece by piece (app/tts/piper.py): the first third
of a second of speech is ready after the frames and a few ms of vocoder work, while the whole clause
used to wait for all of it. Each piece is decoded with a margin of frames either side, which makes it
match a whole-clause decode exactly (docs/voice.md).

The cut is made from the installed voice with the `onnx` package (the voice extra installs it) and kept
in Hearth's cache folder with its checksums, which every load verifies. Making it takes about 2 s and
300 MB (docs/voice.md), so it never happens on the way to Ready: a start that finds no usable parts runs the voice whole
and starts a background process (`python -m app.tts.piper_split`) that makes them for the next start.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from subprocess import DEVNULL, Popen, run

from app.config import cache_dir
from app.model_files import read_manifest, verified, write_manifest
from app.onnx_session import open_session

log = logging.getLogger(__name__)

FRONT, VOCODER = "front.onnx", "vocoder.onnx"
SPLIT_AT = "/dec/conv_pre/Conv"  # the vocoder's first node, as every Piper VITS export names it
NAME = "the neural voice's two parts"
HINT = "delete Hearth's cache folder: the parts are made again from the installed voice"
STALE_S = 120  # a folder still being made after this long was left by a process that died
_started: set[str] = set()  # digests whose parts this process has started making


def parts_dir(digest: str) -> Path:
    return cache_dir() / "voice" / digest[:16]


def make(weights: Path, digest: str) -> bool:
    """Write the two parts of `weights` and their checksums into the cache; False when the graph has no
    vocoder to cut at or another process is making them. Written beside the folder first, so a full disk
    or a crash leaves no half-made parts."""
    import onnx
    from onnx.utils import Extractor

    folder = parts_dir(digest)
    making = folder.with_name(folder.name + ".making")
    try:
        making.mkdir(parents=True)
    except FileExistsError:
        if time.time() - making.stat().st_mtime < STALE_S:
            return False
        shutil.rmtree(making, ignore_errors=True)
        making.mkdir(parents=True)
    try:
        model = onnx.load(str(weights))
        latent = next((n.input[0] for n in model.graph.node if n.name == SPLIT_AT), None)
        if latent is None:
            return False
        extractor = Extractor(model)
        onnx.save(extractor.extract_model([i.name for i in model.graph.input], [latent]), str(making / FRONT))
        onnx.save(extractor.extract_model([latent], [o.name for o in model.graph.output]), str(making / VOCODER))
        write_manifest(making, [FRONT, VOCODER])
        shutil.rmtree(folder, ignore_errors=True)
        making.rename(folder)
        return True
    finally:
        shutil.rmtree(making, ignore_errors=True)


def open_parts(weights: Path, digest: str, threads: int = 0) -> tuple[object, object] | None:
    """(front, vocoder) onnxruntime sessions for the voice `weights` (whose sha256 is `digest`) from the
    cache; None where they are not made yet (a background process is started to make them) or cannot be
    had, and the caller runs the voice whole."""
    folder = parts_dir(digest)
    if folder.is_dir():
        try:
            spec = read_manifest(folder, NAME, HINT, required=True)
            with verified(spec, folder):
                return open_session(folder / FRONT, threads), open_session(folder / VOCODER, threads)
        except Exception as exc:  # a cache: whatever is wrong with it only costs the quick first sound
            log.warning("the neural voice's parts are unusable (%s): they are made again", exc)
            shutil.rmtree(folder, ignore_errors=True)
    _make_later(weights, digest)
    return None


def _maker(weights: Path, digest: str) -> list[str]:
    """The command that makes the parts in a process of its own (its 300 MB peak is not the app's)."""
    return [sys.executable, "-m", __name__, str(weights), digest]


def make_now(weights: Path, digest: str) -> bool:
    """Make the parts now, in their own process, and wait (benchmarks and tests; a start does not wait)."""
    return importlib.util.find_spec("onnx") is not None and run(_maker(weights, digest), check=False).returncode == 0


def _make_later(weights: Path, digest: str) -> None:
    """Start a low-priority process that makes the parts, once per process; nothing without `onnx`."""
    if digest in _started or importlib.util.find_spec("onnx") is None:
        return
    _started.add(digest)
    try:
        Popen(_maker(weights, digest), stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL, start_new_session=True)
    except OSError as exc:
        log.warning("could not start making the neural voice's parts (%s): it runs whole", exc)


if __name__ == "__main__":
    if hasattr(os, "nice"):
        os.nice(10)  # behind the conversation going on in the app that started it
    sys.exit(0 if make(Path(sys.argv[1]), sys.argv[2]) else 1)
