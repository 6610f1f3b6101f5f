"""End of speech -> first audio, through the real conversation loop, against the loop before and a plain-package baseline.

    hearth bench e2e [--json] [--synth 20] [--no-baseline] [--no-docs]
    hearth bench e2e --cold-start 5      # only the cold start to Ready, that many fresh processes
    .venv/bin/python -m bench.e2e [same flags]

Recorded commands (../shared/speech, and commands synthesized with espeak-ng and flite by
models/whisper/corpus.py) are fed to `Assistant.talk` as a microphone that delivers each 32 ms
frame when a real one would (at the frame's end), with 0.5 s of silence before and 1.5 s after.
Per turn, from the end of speech (the end of the last frame the VAD calls speech in the clean
padded clip) to the final transcript, the reply, and the first audio chunk handed to the output
(a player that records when it gets it; no sound card). A turn is cut off when its capture ended
before that last voiced sample. The baseline is the same loop over openai-whisper fp32, the fp32
PyTorch teacher NLU (models/work/nlu), 700 ms silence endpointing, no speculation and the whole
reply synthesized before playing; "before" is Hearth's own models run that same way (the loop as
it was), which isolates what endpointing, speculation and streaming changed. Cold start: a fresh
process, imports to Ready. Peak RSS: this process after Hearth's turns, before the others load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from bench.docs_section import write_section

COMMAND = "hearth bench e2e"
ROOT = Path(__file__).resolve().parents[1]
TEACHER = ROOT / "models" / "work" / "nlu"
LEAD_S, TAIL_S = 0.5, 1.5
CACHE = ROOT / "models" / "work" / "e2e"
# Commands said in two breaths, a pause after a word no command ends on: the cut-off test ...
PAUSED = [("set a timer for", "ten minutes"), ("remind me to", "call my mother at five"),
          ("turn off the", "bedroom lights"), ("add milk to", "my shopping list"),
          ("wake me up at", "seven thirty"), ("dim the kitchen lights to", "forty percent"),
          # ... and after words a command may end on: only what the words mean can tell
          ("remind me to call my mother", "at five"), ("set an alarm", "for six thirty"),
          ("turn on the lights", "in the kitchen"),
          # ... and after a whole command the language model is sure of (weather_query, 1.00)
          ("what's the weather like", "in paris")]
PAUSE_S = 0.5


class PacedClip:
    """A clip as a microphone delivers it: frame i (samples [i*512, (i+1)*512)) at the moment its
    last sample was spoken. Records when it started and where capture stopped reading it."""

    def __init__(self, audio: np.ndarray):
        from app.audio.files import SAMPLE_RATE
        from app.audio.source import FRAME

        self.audio, self.rate, self.frame = audio, SAMPLE_RATE, FRAME
        self.started: float | None = None
        self.position = 0  # samples handed out
        self.stopped_at: int | None = None  # position when capture closed it
        self._closed = False

    def frames(self) -> Iterator[np.ndarray]:
        self.started = time.perf_counter()
        for i in range(0, len(self.audio) // self.frame * self.frame, self.frame):
            delay = self.started + (i + self.frame) / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if self._closed:
                return
            self.position = i + self.frame
            yield self.audio[i:i + self.frame]

    def close(self) -> None:
        self._closed = True
        self.stopped_at = self.position


class FirstChunkPlayer:
    """Stands in for the speaker: notes when the first audio of each reply reaches it, then takes the
    rest (so synthesis runs to its end, as it would while playing) without waiting in real time."""

    def __init__(self):
        self.first: list[float] = []

    def play(self, speech: Any, on_first_audio: Any = None) -> None:
        chunks = [speech] if hasattr(speech, "sample_rate") else speech
        for i, _ in enumerate(chunks):
            if i == 0:
                self.first.append(time.perf_counter())

    def stop(self) -> None:
        pass


class TeacherNlu:
    """The fp32 PyTorch teacher (models/work/nlu/model.pt) with the runtime's decoder."""

    def __init__(self, folder: Path = TEACHER):
        from app.nlu.onnx_model import Decoder
        from models.nlu.evaluate import torch_model

        self.model = torch_model(folder / "model.pt", folder / "package")
        self.model.decoder = Decoder(self.model.decoder.labels)  # values normalized, as the app's NLU does

    def understand(self, text: str):
        return self.model.understand_batch([text])[0]


@dataclass
class Clip:
    set: str
    stem: str
    reference: str
    audio: np.ndarray
    voiced_end: int  # samples: end of the last frame the VAD calls speech


@dataclass
class Turn:
    set: str
    stem: str
    reference: str
    transcript: str = ""
    final_ms: float | None = None
    reply_ms: float | None = None
    first_audio_ms: float | None = None
    cut_off: bool = False
    error: str = ""


@dataclass
class SystemRun:
    name: str
    turns: list[Turn] = field(default_factory=list)
    ready_s: float = 0.0


def paused_clips(vad: Any) -> list:
    """PAUSED, synthesized with espeak-ng (cached in models/work/e2e), each half cut to its voiced
    frames (espeak-ng adds ~0.1 s before and ~0.33 s after) with 50 ms kept, so the silence between
    the voiced halves is PAUSE_S."""
    from app.audio import load_audio
    from app.audio.files import SAMPLE_RATE
    from app.vad import VadOptions, trim
    from models.whisper.corpus import Clip as Said, synthesize

    CACHE.mkdir(parents=True, exist_ok=True)
    keep_ms = 50
    gap = np.zeros(int((PAUSE_S - 2 * keep_ms / 1000) * SAMPLE_RATE), np.float32)
    out = []
    for i, halves in enumerate(PAUSED):
        parts = []
        for j, text in enumerate(halves):
            path = CACHE / f"paused{i:02d}_{j}.wav"
            if not path.exists():
                synthesize(text, path, "espeak-ng", "en-us")
            parts.append(trim(vad, load_audio(path), VadOptions(pad_ms=keep_ms)))
        out.append(Said("paused", f"paused{i:02d}", " ".join(halves), np.concatenate([parts[0], gap, parts[1]])))
    return out


def clip(vad: Any, set_: str, stem: str, reference: str, speech: np.ndarray) -> Clip:
    """`speech` with LEAD_S of silence before and TAIL_S after, and where its voice ends."""
    from app.audio.files import SAMPLE_RATE
    from app.audio.source import FRAME
    from app.vad import VadOptions

    audio = np.concatenate([np.zeros(int(LEAD_S * SAMPLE_RATE), np.float32), speech,
                            np.zeros(int(TAIL_S * SAMPLE_RATE), np.float32)])
    voiced = np.flatnonzero(vad.probabilities(audio) >= VadOptions().threshold)
    return Clip(set_, stem, reference, audio, int(voiced[-1] + 1) * FRAME if voiced.size else 0)


def clips(synth: int, paused: bool = True) -> list[Clip]:
    from app.vad import SileroVad
    from models.whisper.corpus import real_clips, synth_clips

    vad = SileroVad()
    return [clip(vad, c.set, c.stem, c.reference, c.audio)
            for c in real_clips() + synth_clips(n=synth) + (paused_clips(vad) if paused else [])]


def run_system(name: str, pipeline: Any, commands: list[Clip]) -> SystemRun:
    """Each command as one `talk()` on a fresh Assistant over `pipeline`."""
    from app.assistant import Assistant, ConversationOptions
    from app.events import FinalTranscript, Replied

    player = FirstChunkPlayer()
    run = SystemRun(name)
    t0 = time.perf_counter()
    assistant = Assistant(pipeline, player=player, options=ConversationOptions(announce=False))
    assistant.start()
    assistant.wait_ready()
    run.ready_s = time.perf_counter() - t0
    marks: dict[str, float] = {}
    lock = threading.Lock()

    def mark(event) -> None:
        kind = "final" if isinstance(event, FinalTranscript) else "reply" if isinstance(event, Replied) else None
        with lock:
            if kind and kind not in marks:
                marks[kind] = time.perf_counter()

    assistant.bus.subscribe(mark)
    for command in commands:
        marks.clear()
        heard = len(player.first)
        source = PacedClip(command.audio)
        turns = assistant.talk(source=lambda source=source: source).result(120)
        end = source.started + command.voiced_end / source.rate
        turn = Turn(command.set, command.stem, command.reference, cut_off=(source.stopped_at or 0) < command.voiced_end)
        if turns:
            turn.transcript = turns[0].transcript
            turn.error = turns[0].error.code if turns[0].error else ""
        else:
            turn.error = "heard nothing"
        turn.final_ms, turn.reply_ms = _since(end, marks.get("final")), _since(end, marks.get("reply"))
        turn.first_audio_ms = _since(end, player.first[heard] if len(player.first) > heard else None)
        run.turns.append(turn)
    assistant.close()
    return run


def _since(start: float, t: float | None) -> float | None:
    return None if t is None else (t - start) * 1000


@dataclass
class Setup:
    """What a run may vary: the voice (None: the default) and the quick silence of smart endpointing."""

    voice: str | None = None
    quick_ms: int = 250


def hearth_pipeline(setup: Setup):
    from app.pipeline import Pipeline, PipelineOptions
    from app.tts import TtsOptions
    from app.vad import VadOptions

    return Pipeline(PipelineOptions(speak=True, tts=TtsOptions(voice=setup.voice),
                                    vad=VadOptions(quick_silence_ms=setup.quick_ms)))


def _default_voice() -> str:
    from app.tts import default_voice

    return default_voice()


def _voice_parts() -> None:
    """The neural voice's two parts made now, as every start after the first finds them (app/tts/piper_split.py):
    the cold start and the turns measure a returning user's Hearth, not the first start's background work."""
    from app.tts import piper

    piper.make_parts()


def _plain_voice(setup: Setup) -> Setup | None:
    """espeak-ng's voice, when the run's voice is the neural one: a plain install (no voice extra) speaks
    with it, so both are measured."""
    from app.tts import espeak, piper

    voice = setup.voice or _default_voice()
    return Setup(espeak.DEFAULT_VOICE, setup.quick_ms) if voice.startswith(f"{piper.NAME}:") else None


def _waiting(setup: Setup):
    """Options for the loop as it was: 700 ms of silence ends a turn, nothing runs before, whole replies."""
    from app.pipeline import PipelineOptions
    from app.tts import TtsOptions
    from app.vad import VadOptions

    return PipelineOptions(speak=True, speculate=False, stream_speech=False, tts=TtsOptions(voice=setup.voice),
                           vad=VadOptions(endpoint="silence", trailing_silence_ms=700))


def before_pipeline(setup: Setup):
    """Hearth's own models, as the loop ran them before semantic endpointing, speculation and streaming."""
    from app.pipeline import Pipeline

    return Pipeline(_waiting(setup))


def baseline_pipeline(setup: Setup):
    from app.asr import AsrOptions
    from app.pipeline import Pipeline
    from models.whisper.torch_engine import OpenAIWhisperEngine

    return Pipeline(_waiting(setup), asr=OpenAIWhisperEngine(AsrOptions(compute_type="float32")), nlu=TeacherNlu())


COLD_START = """
import time; t0 = time.perf_counter()
from app.assistant import Assistant
from app.pipeline import Pipeline, PipelineOptions
from bench.e2e import FirstChunkPlayer
a = Assistant(Pipeline(PipelineOptions(speak=True)), player=FirstChunkPlayer())
a.start(); a.wait_ready(); print(time.perf_counter() - t0); a.close()
"""


def cold_start_s() -> float:
    """Imports to Ready in a fresh process (the interpreter's own start-up, ~20 ms, not counted)."""
    out = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _pct(values: list[float | None], q: float) -> float | None:
    v = [x for x in values if x is not None]
    return float(np.percentile(v, q)) if v else None


def summary(run: SystemRun) -> dict:
    from models.whisper.text import wer

    out: dict[str, Any] = {"turns": len(run.turns), "ready_s": run.ready_s,
                           "cutoff_rate": sum(t.cut_off for t in run.turns) / max(1, len(run.turns)),
                           "errors": sum(bool(t.error) for t in run.turns)}
    for key in ("final_ms", "reply_ms", "first_audio_ms"):
        values = [getattr(t, key) for t in run.turns]
        out[key] = {"p50": _pct(values, 50), "p95": _pct(values, 95)}
    for name in ("real", "synth", "paused"):
        subset = [t for t in run.turns if t.set == name]
        if subset:
            out[f"wer_{name}"] = wer([t.reference for t in subset], [t.transcript for t in subset])
    return out


def run(synth: int, baseline: bool, setup: Setup) -> dict:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as home:
        os.environ["HEARTH_HOME"] = home
        commands = clips(synth)
        _voice_parts()
        cold = cold_start_s()
        ours = run_system("hearth", hearth_pipeline(setup), commands)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        plain = _plain_voice(setup)
        ours_plain = run_system("hearth", hearth_pipeline(plain), commands) if plain else None
        before = run_system("before", before_pipeline(setup), commands)
        base, missing = None, ""
        if baseline and not (TEACHER / "model.pt").exists():
            missing = f"baseline skipped: the fp32 teacher is not built ({TEACHER / 'model.pt'} is missing)"
        elif baseline:
            base = run_system("baseline", baseline_pipeline(setup), commands)
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores, no GPU",
        "load_before": load, "load_after": os.getloadavg()[0], "synth": synth, **asdict(setup),
        "hearth_voice": setup.voice or _default_voice(), "hearth": summary(ours), "turns": [asdict(t) for t in ours.turns],
        "hearth_plain": summary(ours_plain) if ours_plain else None, "hearth_plain_voice": plain.voice if plain else None,
        "rss_mb": rss_mb, "cold_start_s": cold,
        "before": summary(before), "before_turns": [asdict(t) for t in before.turns],
        "baseline": summary(base) if base else None, "baseline_turns": [asdict(t) for t in base.turns] if base else [],
        "baseline_missing": missing}
    p50 = result["hearth"]["first_audio_ms"]["p50"]
    base_p50 = result["baseline"]["first_audio_ms"]["p50"] if base else None
    result.update(p50_ms=p50, p95_ms=result["hearth"]["first_audio_ms"]["p95"], baseline_p50_ms=base_p50,
                  ratio=base_p50 / p50 if base_p50 and p50 else None, cutoff_rate=result["hearth"]["cutoff_rate"])
    return result


def command(r: dict) -> str:
    voice = f" --voice {r['voice']}" if r["voice"] else ""
    return f"{COMMAND} --synth {r['synth']} --quick-ms {r['quick_ms']}{voice}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def markdown(r: dict) -> str:
    lines = ["## End of speech to first audio (`hearth bench e2e`)", "",
             f"{r['date']} · `{command(r)}` · {r['machine']} · 1-min load average "
             f"{r['load_before']:.1f} before, {r['load_after']:.1f} after · {r['hearth']['turns']} turns: "
             f"../shared/speech, synthesized commands (espeak-ng, flite) and {len(PAUSED)} said in two breaths "
             f"({PAUSE_S} s apart), 0.5 s silence before, 1.5 s after, fed at real-time pace through "
             "`Assistant.talk`", "",
             "| system | end of speech -> final transcript p50 / p95 ms | -> reply p50 / p95 ms | "
             "-> first audio p50 / p95 ms | cut off | WER real / synth / paused | errors |", "|---|---|---|---|---|---|---|"]
    rows = {f"hearth ({r['hearth_voice']})": r["hearth"], f"hearth ({r.get('hearth_plain_voice')})": r.get("hearth_plain"),
            "before": r["before"], "baseline": r.get("baseline")}
    for name, s in rows.items():
        if not s:
            continue
        cells = [f"{_ms(s[k]['p50'])} / {_ms(s[k]['p95'])}" for k in ("final_ms", "reply_ms", "first_audio_ms")]
        wer = " / ".join(f"{s[k]:.1%}" if k in s else "-" for k in ("wer_real", "wer_synth", "wer_paused"))
        lines.append(f"| {name} | {' | '.join(cells)} | {s['cutoff_rate']:.1%} | {wer} | {s['errors']} |")
    if r.get("hearth_plain"):
        lines += ["", f"The first hearth row speaks with {r['hearth_voice']} (the voice extra); the second with "
                      f"espeak-ng ({r['hearth_plain_voice']}), the voice of a plain install (README's first command)."]
    lines += ["", f"Hearth: peak RSS {r['rss_mb']:.0f} MB (this process after its turns, no GUI), cold start to "
                  f"Ready {r['cold_start_s']:.2f} s (fresh process, imports included)."]
    if r["ratio"]:
        lines.append(f"Baseline (openai-whisper fp32, fp32 PyTorch teacher NLU, 700 ms silence, no streaming) over "
                     f"Hearth, p50 first audio: {r['ratio']:.1f}x.")
    lines.append("before: Hearth's own models as the loop ran them before (700 ms silence, nothing run while "
                 "speaking, the whole reply synthesized before playing).")
    if r["baseline_missing"]:
        lines.append(r["baseline_missing"] + ".")
    lines += ["", "End of speech is the end of the last 32 ms frame Silero VAD calls speech in the clean clip; "
                  "the microphone hands over each frame when its last sample has been spoken. A turn is cut off "
                  "when capture stopped before that sample. First audio is when the first reply chunk reached "
                  "the player (no sound card here: the device's own buffer adds its latency on top)."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--synth", type=int, default=20, help="synthesized commands besides the real clips (up to 20)")
    p.add_argument("--no-baseline", action="store_true", help="measure Hearth only")
    p.add_argument("--voice", help="the voice for both systems (default: Hearth's default voice)")
    p.add_argument("--quick-ms", type=int, default=250, help="quick_silence_ms of smart endpointing (250)")
    p.add_argument("--no-docs", action="store_true", help="do not rewrite the section in docs/benchmarks.md")
    p.add_argument("--cold-start", type=int, metavar="N", help="only time the cold start to Ready, in N fresh processes "
                   "one after another (prints each and the median; docs untouched)")
    args = p.parse_args(argv)
    if args.cold_start is not None and args.cold_start < 1:
        p.error("--cold-start N: N fresh processes, at least 1")
    if args.cold_start:
        times = [cold_start_s() for _ in range(args.cold_start)]
        print(json.dumps({"cold_start_s": times, "median_s": float(np.median(times))}) if args.json else
              f"cold start to Ready: {', '.join(f'{t:.2f}' for t in times)} s; median {np.median(times):.2f} s")
        return 0
    result = run(args.synth, not args.no_baseline, Setup(args.voice, args.quick_ms))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(markdown(result))
    if not args.no_docs:
        write_section("e2e", markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
