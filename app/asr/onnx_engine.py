"""Whisper on ONNX Runtime with an audio window sized to the speech (like whisper.cpp's audio_ctx).

Whisper pads every clip to 30 s; for a 2-3 s command most encoder work is spent on silence.
Here the encoder (exported with a free frame count) sees only the speech plus a margin, and
a greedy decoder with a KV cache reads it. Short windows make Whisper prone to looping, so the
decoder stops on repeated n-grams and after a token budget proportional to the audio length.
Runtime needs only onnxruntime, numpy and tokenizers (no torch). Files come from
models/whisper/export_onnx.py.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from app.asr.engine import LOGPROB_THRESHOLD, AsrOptions, Transcript
from app.audio.files import SAMPLE_RATE
from app.errors import HearthError, ModelError
from app.model_files import WHISPER_BASE_ONNX, WHISPER_TINY_EN_ONNX, ModelSpec, verified
from app.onnx_session import open_session

MODEL_ENV = "HEARTH_ASR_ONNX"
REBUILD_FIX = "reinstall Hearth, or rebuild: python -m models.whisper.export_onnx (needs the train extra)"
HOP, N_FFT = 160, 400
FRAMES_PER_S = SAMPLE_RATE // HOP // 2  # encoder output frames per second (20 ms each)
MAX_WINDOW_S = 30.0
T = TypeVar("T")
# The shipped exports: model name (AsrOptions.model, the asr_model setting) -> folder under
# models/whisper and the sizes + sha256 its files must have.
SHIPPED: dict[str, tuple[str, ModelSpec]] = {
    "tiny.en": ("shipped", WHISPER_TINY_EN_ONNX),
    "base": ("shipped-base", WHISPER_BASE_ONNX),
}


@dataclass
class WindowPolicy:
    """How much audio the encoder sees: speech + pad_s, at least min_s, rounded up to step_s.

    Defaults from models/whisper/window_study.py (docs/whisper.md): windows under ~10 s cost
    tiny.en about 3 WER points on real speech; 10 s keeps stock accuracy at a third of the encoder.
    """

    pad_s: float = 1.0
    min_s: float = 10.0
    step_s: float = 0.5
    fixed_s: float | None = None  # a fixed window (30.0 = stock Whisper), for experiments
    fallback_logprob: float | None = -1.0  # below this mean token log-prob, redo with 30 s (Whisper's threshold)

    def window_s(self, duration_s: float) -> float:
        if self.fixed_s:
            return self.fixed_s
        wanted = max(self.min_s, duration_s + self.pad_s)
        return min(MAX_WINDOW_S, math.ceil(wanted / self.step_s) * self.step_s)


def shipped_model(model: str) -> tuple[str, ModelSpec]:
    """(folder name, spec) of a shipped model; an unknown name is a clear error."""
    if model not in SHIPPED:
        raise HearthError(f"unknown Whisper model {model!r}", f"use one of: {', '.join(SHIPPED)} (setting asr_model)")
    return SHIPPED[model]


def default_model_dir(model: str = "tiny.en") -> Path:
    """HEARTH_ASR_ONNX if set, else `model`'s export committed beside the toolchain."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "models" / "whisper" / shipped_model(model)[0]


def _side_file(path: Path, load: Callable[[Path], T]) -> T:
    """Load one of the export's small files; a bad one is an error naming it."""
    try:
        return load(path)
    except Exception as exc:  # OSError, ValueError, or the bare Exception tokenizers raises
        raise ModelError(f"Whisper ONNX file missing or damaged: {path} ({exc})", REBUILD_FIX) from exc


def _read_config(path: Path) -> dict:
    config = json.loads(path.read_text())
    missing = {"eot", "prompt", "n_text_ctx", "suppress_ids_begin"} - config.keys()
    if missing:
        raise ValueError(f"it lacks {sorted(missing)}")
    return config


def log_mel(audio: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Whisper's log-Mel spectrogram [n_mels, len/160] (centred STFT, Hann 400, hop 160) in numpy."""
    padded = np.pad(audio.astype(np.float32), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:-1]
    power = np.abs(np.fft.rfft(frames * np.hanning(N_FFT + 1)[:-1].astype(np.float32), axis=-1)) ** 2
    mel = np.log10(np.maximum(filters @ power.T.astype(np.float32), 1e-10))
    return ((np.maximum(mel, mel.max() - 8.0) + 4.0) / 4.0).astype(np.float32)


def repeated_tail(tokens: list[int], max_n: int = 64) -> int:
    """Length of the tail to drop when the tokens end in a loop, else 0.

    A loop is one token 4 times, a 2-3 token n-gram 3 times, or any longer n-gram twice in a
    row (short windows make Whisper restart the whole utterance).
    """
    for n in range(1, min(max_n, len(tokens) // 2) + 1):
        copies = 4 if n == 1 else 3 if n <= 3 else 2
        tail = tokens[-n * copies:]
        if len(tail) == n * copies and tail == tokens[-n:] * copies:
            return n * (copies - 1)
    return 0


def drop_restart(text: str) -> str:
    """Drop a trailing fragment that restarts the first sentence ("Go forward 10 meters. Go")."""
    sentences = re.split(r"(?<=[.?!])\s+", text.strip())
    words = lambda s: re.sub(r"[^\w\s']", "", s.lower()).split()
    if len(sentences) > 1 and words(sentences[-1]) == words(sentences[0])[: len(words(sentences[-1]))]:
        sentences.pop()
    return " ".join(sentences)


class OnnxWhisperEngine:
    """AsrEngine over encoder/decoder ONNX files. `options.model` picks the shipped export (tiny.en or
    base; the prompt in its whisper_onnx.json sets English + transcribe for a multilingual one);
    `options.extra["window"]` holds WindowPolicy fields; `compute_type` "float32" picks the fp32
    graphs, anything else the int8 ones.

    transcribe() keeps no state between calls (the decoder's caches live in the call), so it may run
    on a worker thread; one engine serves one call at a time."""

    def __init__(self, options: AsrOptions, policy: WindowPolicy | None = None):
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        self.options = options
        self.policy = policy or WindowPolicy(**options.extra.get("window", {}))
        spec = shipped_model(options.model)[1]
        folder = Path(options.model_dir or default_model_dir(options.model))
        suffix = "" if options.compute_type == "float32" else ".int8"
        shipped = options.model_dir is None and MODEL_ENV not in os.environ
        if shipped and not suffix:
            raise ModelError("the float32 Whisper ONNX graphs are not shipped (only int8)",
                             "use --engine faster-whisper for float32, or export them: "
                             "python -m models.whisper.export_onnx")
        with verified(spec if shipped else None, folder):
            self.config = _side_file(folder / "whisper_onnx.json", _read_config)
            self.filters = _side_file(folder / "mel_filters.npy", lambda p: np.load(p).astype(np.float32))
            self.tokenizer = _side_file(folder / "tokenizer.json", lambda p: Tokenizer.from_file(str(p)))
            self.encoder = open_session(folder / f"encoder{suffix}.onnx", options.threads, options.device)
            # Same threads as the encoder: with the per-layer cache layout a second thread cut a 2-4 s
            # command from 55 to 50 ms on a quiet machine and cost nothing with one core busy elsewhere
            # (68-72 ms either way). The first, stacked-cache layout had to run on one (4.3 vs 10 ms a
            # step with two on shared cores).
            self.decoder = open_session(folder / f"decoder{suffix}.onnx", options.threads, options.device)
        # Self-attention caches start empty: K [1, H, dh, 0], V [1, H, 0, dh].
        self._empty_cache = {i.name: np.zeros([0 if isinstance(d, str) else d for d in i.shape], dtype=np.float32)
                             for i in self.decoder.get_inputs() if i.name.startswith("self_")}
        self._grown_names = [o.name for o in self.decoder.get_outputs()[2:]]
        # Whisper's suppression as an additive bias: special/timestamp tokens (text only), the
        # configured ids, and at the first position also the ones a transcript never starts with.
        inputs = {i.name: i.shape for i in self.decoder.get_inputs()}
        if "suppress" not in inputs:
            raise ModelError(f"the Whisper decoder in {folder} is from an older export layout", REBUILD_FIX)
        self._suppress = np.zeros(inputs["suppress"][0], dtype=np.float32)
        self._suppress[self.config["eot"] + 1:] = -np.inf
        self._suppress[self.config["suppress_ids"]] = -np.inf
        self._suppress_first = self._suppress.copy()
        self._suppress_first[self.config["suppress_ids_begin"]] = -np.inf
        self.compute_type = "float32" if not suffix else "int8"
        # numpy's OpenBLAS spins its threads for a while after the log-Mel matmul, stealing a core
        # from the encoder that runs next (measured: encoder 30 -> 25 ms with BLAS held to one thread).
        self._blas = ThreadpoolController()

    def transcribe(self, audio: np.ndarray, draft: bool = False) -> Transcript:
        if audio.ndim != 1:
            raise HearthError(f"expected mono audio, got shape {audio.shape}", "load audio with app.audio.load_audio")
        chunk = int(MAX_WINDOW_S * SAMPLE_RATE)
        pieces = [self._transcribe_window(audio[i:i + chunk], draft) for i in range(0, len(audio), chunk)]
        said = [piece for piece in pieces if piece[0]]
        return Transcript(text=" ".join(t for t, _, _ in said), language=self.options.language,
                          duration_s=len(audio) / SAMPLE_RATE, segments=[t for t, _, _ in said],
                          avg_logprob=float(np.mean([lp for _, lp, _ in said])) if said else None,
                          no_speech_prob=max((ns for _, _, ns in said if ns is not None), default=None))

    def _transcribe_window(self, audio: np.ndarray, draft: bool) -> tuple[str, float, float | None]:
        duration = len(audio) / SAMPLE_RATE
        window = self.policy.window_s(duration)
        run = self._run(audio, window)
        threshold = self.policy.fallback_logprob
        if threshold is not None and run[1] < threshold and window < MAX_WINDOW_S and not draft:
            run = max(run, self._run(audio, MAX_WINDOW_S), key=lambda r: r[1])
        return run

    def _run(self, audio: np.ndarray, window_s: float) -> tuple[str, float, float | None]:
        """(text, mean token log-probability, no-speech probability) for one window. The last is
        measured only when the words are unsure: Whisper's rule ignores it otherwise, and it costs
        3.5 ms on a 43 ms command."""
        frames = 2 * int(round(window_s * FRAMES_PER_S))
        # Like openai-whisper and faster-whisper: log-Mel of the audio itself, then zeros (in the
        # normalized log-Mel domain) up to the window; the model expects exactly this padding.
        mel = np.zeros((1, len(self.filters), frames), dtype=np.float32)
        with self._blas.limit(limits=1, user_api="blas"):
            content = log_mel(np.pad(audio, (0, max(0, N_FFT - len(audio)))), self.filters)[:, :frames]
        mel[0, :, : content.shape[1]] = content
        cross = dict(zip((o.name for o in self.encoder.get_outputs()), self.encoder.run(None, {"mel": mel})))
        text, logprob = self._decode(cross, max_tokens=int(6 * len(audio) / SAMPLE_RATE) + 10)
        return drop_restart(text), logprob, self._no_speech_prob(cross) if logprob <= LOGPROB_THRESHOLD else None

    def _no_speech_prob(self, cross: dict[str, np.ndarray]) -> float:
        """Whisper's no-speech probability: P(<|nocaptions|>) right after <|startoftranscript|>,
        over the raw logits (as openai-whisper and CTranslate2 take it).

        The exported decoder returns only its greedy token and that token's log-probability, so
        this asks twice: the best token b and log P(b); then, with all but b and no-speech
        suppressed, P'(b) = P(b) / (P(b) + P(ns)), which gives P(ns) = P(b) (1 - P'(b)) / P'(b).
        Two one-token steps beside the transcript's own, which they leave unchanged.
        """
        no_speech = self.tokenizer.token_to_id("<|nospeech|>") or self.tokenizer.token_to_id("<|nocaptions|>")

        def step(suppress: np.ndarray) -> tuple[int, float]:
            feed = {"tokens": np.array([self.config["prompt"][:1]], dtype=np.int64), "suppress": suppress,
                    "mask": np.zeros((1, 1), dtype=np.float32), **cross, **self._empty_cache}
            token, logprob = self.decoder.run(["token", "logprob"], feed)
            return int(token[0]), float(logprob[0])

        best, logprob = step(np.zeros_like(self._suppress))
        if best == no_speech:
            return math.exp(logprob)
        pair = np.full_like(self._suppress, -np.inf)
        pair[[best, no_speech]] = 0.0
        _, pair_logprob = step(pair)
        return math.exp(logprob - pair_logprob) * -math.expm1(pair_logprob)

    def _decode(self, cross: dict[str, np.ndarray], max_tokens: int) -> tuple[str, float]:
        cfg = self.config
        feed = {"tokens": np.array([cfg["prompt"]], dtype=np.int64), "suppress": self._suppress_first,
                **cross, **self._empty_cache}
        out, logprob, scored, past = [], 0.0, 0, 0
        max_tokens = min(max_tokens, cfg["n_text_ctx"] // 2)
        while len(out) < max_tokens:
            n = feed["tokens"].shape[1]
            # causal mask for the n new tokens over past + n keys (all zeros once tokens come one by one)
            feed["mask"] = np.triu(np.full((n, past + n), -np.inf, dtype=np.float32), k=past + 1)
            token, token_logprob, *grown = self.decoder.run(None, feed)
            feed.update((name.removeprefix("new_"), value) for name, value in zip(self._grown_names, grown))
            feed["suppress"] = self._suppress
            past += n
            token = int(token[0])
            logprob += float(token_logprob[0])
            scored += 1
            if token == cfg["eot"]:
                break
            out.append(token)
            drop = repeated_tail(out)
            if drop:
                del out[-drop:]
                break
            feed["tokens"] = np.array([[token]], dtype=np.int64)
        text = self.tokenizer.decode(out, skip_special_tokens=True).strip()
        if not re.search(r"\w", text):  # "." on silence is no transcript
            text = ""
        return text, logprob / max(scored, 1)
