"""Bad audio is never understood: one test per fault row of docs/reliability.md.

Each fault is made in a temporary folder and run through `Pipeline.run_file` (echo understanding:
a reply would mean the fault was acted on) and through `hearth listen --json` with the real models,
every file in one run. Noise is seeded, so each row takes the same path every time.
"""

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.asr import Transcript
from app.audio import SAMPLE_RATE, load_audio
from app.audio.files import MAX_FILE_S
from app.audio.source import MicrophoneSource
from app.pipeline import Pipeline, PipelineOptions
from app.vad import SileroVad, find_speech
from tests.speech import FIXTURES, wer
from tests.test_pipeline import EchoDialogue, EchoNlu

ROOT = Path(__file__).resolve().parents[1]
SPEECH = FIXTURES / "goforward.wav"  # "go forward ten meters", 2.8 s, 16 kHz mono PCM_16
LOCKED = "locked.wav"
# `hearth listen` exactly as `python -m app` runs it, with reading LOCKED denied (`deny`).
CLI = f"""
import pathlib, runpy
from tests.test_audio_faults import deny
pathlib.Path.open = deny({LOCKED!r})
runpy.run_module("app", run_name="__main__")
"""


def deny(name: str):
    """Path.open refusing one file name: tests run as root, where chmod 000 stops nothing."""
    open_file = Path.open

    def opened(self: Path, *args, **kwargs):
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return open_file(self, *args, **kwargs)

    return opened


def noise(seconds: float, seed: int, sd: float = 0.5) -> np.ndarray:
    """White noise, loud enough that Silero now and then calls a frame speech."""
    return np.clip(np.random.default_rng(seed).normal(0, sd, int(seconds * SAMPLE_RATE)), -1, 1)


@pytest.fixture(scope="module")
def faults(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("faults")
    speech, _ = sf.read(SPEECH, dtype="float32")
    paths = {name: folder / name for name in ("truncated.wav", "truncated.flac", "float50.wav", "naninf.wav",
                                              "noise.wav", "noise_past_vad.wav", "noise10min.wav", "speech3min.wav",
                                              "fifo", "folder", LOCKED, "hour.wav")}
    data = SPEECH.read_bytes()
    paths["truncated.wav"].write_bytes(data[: len(data) // 2])  # the header still promises 2.8 s
    sf.write(paths["truncated.flac"], speech, SAMPLE_RATE)
    paths["truncated.flac"].write_bytes(paths["truncated.flac"].read_bytes()[:-20000])
    sf.write(paths["float50.wav"], speech * 50, SAMPLE_RATE, subtype="FLOAT")
    poisoned = speech.copy()
    poisoned[8000:8400], poisoned[20000::3001], poisoned[20001::3001] = np.nan, np.inf, -np.inf
    sf.write(paths["naninf.wav"], poisoned, SAMPLE_RATE, subtype="FLOAT")
    sf.write(paths["noise.wav"], noise(50, seed=1), SAMPLE_RATE, subtype="PCM_16")
    sf.write(paths["noise_past_vad.wav"], noise(50, seed=3), SAMPLE_RATE, subtype="PCM_16")
    sf.write(paths["noise10min.wav"], noise(600, seed=1), SAMPLE_RATE, subtype="PCM_16")
    clips = [sf.read(p, dtype="float32")[0] for p in sorted(FIXTURES.glob("*.wav"))]
    sf.write(paths["speech3min.wav"], np.resize(np.concatenate(clips), 180 * SAMPLE_RATE), SAMPLE_RATE,
             subtype="PCM_16")
    os.mkfifo(paths["fifo"])
    paths["folder"].mkdir()
    paths[LOCKED].write_bytes(data)
    minute = (noise(60, seed=5, sd=0.003) * 32767).astype(np.int16)
    with sf.SoundFile(paths["hour.wav"], "w", SAMPLE_RATE, 1, "PCM_16") as hour:  # 115 MB, written a minute at a time
        for _ in range(60):
            hour.write(minute)
    paths["device"] = Path("/dev/null")
    return paths


@pytest.fixture(scope="module")
def listen(faults, tmp_path_factory) -> subprocess.CompletedProcess:
    """`hearth listen FILE... --json` over every fault, with the real models."""
    env = {**os.environ, "HEARTH_HOME": str(tmp_path_factory.mktemp("home"))}
    return subprocess.run([sys.executable, "-c", CLI, "listen", *map(str, faults.values()), "--json"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT, check=False)


@pytest.fixture(scope="module")
def cli(listen) -> dict[str, dict]:
    """The CLI's JSON row per file name."""
    return {Path(row["file"]).name: row for row in map(json.loads, listen.stdout.splitlines())}


def test_the_cli_answers_every_fault_with_a_row_and_no_traceback(faults, listen, cli):
    assert "Traceback" not in listen.stderr, listen.stderr[-3000:]
    assert listen.returncode == 1, listen.stderr[-3000:]  # some files gave nothing to answer
    assert len(cli) == len(faults)


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture
def pipeline(asr_engine, vad) -> Pipeline:
    return Pipeline(PipelineOptions(), asr=asr_engine, vad=vad, nlu=EchoNlu(), dialogue=EchoDialogue())


def refused(turn, row: dict, code: str, stage: str, words: str) -> None:
    """The same clear error from the runner and the CLI, and nothing understood or answered."""
    for error in (turn.error.to_json(), row["error"]):
        assert (error["code"], error["stage"]) == (code, stage), error
        assert words in error["message"] and error["fix"], error
    assert turn.understanding is None and turn.reply is None
    assert not row["transcript"] and "intent" not in row and "reply" not in row


def answered(turn, row: dict, reference: str = "go forward ten meters") -> None:
    assert turn.error is None and wer(reference, turn.transcript) <= 0.25, turn.transcript
    assert "error" not in row and wer(reference, row["transcript"]) <= 0.25 and row["reply"], row


def within(seconds: float, call):
    """call() in a thread, failing (not hanging) if it has not returned after `seconds`."""
    box = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, f"still blocked after {seconds} s"
    return box[0]


def test_truncated_wav_decodes_the_frames_present(faults, pipeline, cli):
    audio = load_audio(faults["truncated.wav"])
    whole, _ = sf.read(SPEECH, dtype="float32")
    assert 0.45 < len(audio) / len(whole) < 0.55 and np.array_equal(audio, whole[: len(audio)])  # no garbage
    answered(pipeline.run_file(faults["truncated.wav"]), cli["truncated.wav"], reference="go forward ten")


def test_truncated_flac_is_refused(faults, pipeline, cli):
    refused(pipeline.run_file(faults["truncated.flac"]), cli["truncated.flac"], "audio_unreadable", "audio",
            "cannot decode")


def test_float_wav_far_past_full_scale_is_scaled_down(faults, pipeline, cli):
    audio = load_audio(faults["float50.wav"])
    whole, _ = sf.read(SPEECH, dtype="float32")
    assert np.allclose(audio, whole / np.abs(whole).max(), atol=1e-6)
    answered(pipeline.run_file(faults["float50.wav"]), cli["float50.wav"])


def test_nan_and_inf_samples_are_silenced_as_the_microphone_does(faults, pipeline, cli):
    assert np.isfinite(load_audio(faults["naninf.wav"])).all()
    answered(pipeline.run_file(faults["naninf.wav"]), cli["naninf.wav"])
    mic = MicrophoneSource.__new__(MicrophoneSource)  # its callback alone, without a sound card
    mic._queue = queue.Queue()
    mic._callback(np.array([[np.nan], [np.inf], [-np.inf], [1e36], [0.5]], np.float32), 5, None, None)
    assert mic._queue.get_nowait().tolist() == [0.0, 0.0, 0.0, 1.0, 0.5]


def test_white_noise_is_not_speech(faults, pipeline, cli, vad):
    assert 0 < find_speech(vad, load_audio(faults["noise.wav"])).fraction < 0.1  # Silero fired on a stray frame
    refused(pipeline.run_file(faults["noise.wav"]), cli["noise.wav"], "not_speech", "vad", "noise")


def test_noise_the_vad_lets_through_is_rejected_by_whisper_signals(faults, pipeline, cli, vad, asr_engine):
    audio = load_audio(faults["noise_past_vad.wav"])
    assert find_speech(vad, audio).fraction >= 0.1  # the VAD alone would pass it
    heard = asr_engine.transcribe(find_speech(vad, audio).audio)
    assert heard.text and heard.no_speech_prob > 0.6 and heard.avg_logprob < -1.0, heard
    refused(pipeline.run_file(faults["noise_past_vad.wav"]), cli["noise_past_vad.wav"], "not_speech", "asr", "noise")


class LoopingAsr:
    """Whisper stuck in a loop, as the faster-whisper engine can be after its temperature fallbacks."""

    def transcribe(self, audio, draft=False):
        return Transcript(text="You" + " You" * 40, language="en", duration_s=len(audio) / SAMPLE_RATE)


def test_a_hallucinated_repetition_is_not_understood(vad):
    pipeline = Pipeline(PipelineOptions(), asr=LoopingAsr(), vad=vad, nlu=EchoNlu(), dialogue=EchoDialogue())
    turn = pipeline.run_file(SPEECH)
    assert (turn.error.code, turn.error.stage) == ("not_speech", "asr") and turn.error.fix
    assert turn.transcript == "" and turn.reply is None


def test_ten_minutes_of_noise_are_too_long(faults, pipeline, cli):
    refused(pipeline.run_file(faults["noise10min.wav"]), cli["noise10min.wav"], "too_long", "audio",
            f"more than {MAX_FILE_S:.0f} s")


def test_three_minutes_of_speech_are_refused_not_split(faults, pipeline, cli):
    refused(pipeline.run_file(faults["speech3min.wav"]), cli["speech3min.wav"], "too_long", "audio",
            "too long for one command")


def test_a_fifo_is_refused_without_blocking(faults, pipeline, cli):
    refused(within(10, lambda: pipeline.run_file(faults["fifo"])), cli["fifo"], "audio_unreadable", "audio",
            "is a pipe")


def test_a_directory_is_refused(faults, pipeline, cli):
    refused(pipeline.run_file(faults["folder"]), cli["folder"], "audio_unreadable", "audio", "is a directory")


def test_a_device_file_is_refused(faults, pipeline, cli):
    refused(within(10, lambda: pipeline.run_file("/dev/null")), cli["null"], "audio_unreadable", "audio",
            "is a device")


def test_an_unreadable_file_names_permission_denied(faults, pipeline, cli, monkeypatch):
    monkeypatch.setattr(Path, "open", deny(LOCKED))
    turn = pipeline.run_file(faults[LOCKED])
    refused(turn, cli[LOCKED], "audio_unreadable", "audio", "permission denied")
    assert "chmod" in turn.error.fix


def test_an_hour_long_file_is_refused_in_bounded_memory(faults, cli):
    """Decoding stops at MAX_FILE_S: the hour (230 MB as float32) never sits in memory."""
    code = ("import json, resource, sys\n"
            "from app.pipeline import Pipeline\n"
            "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "before = peak(); turn = Pipeline().run_file(sys.argv[1])\n"
            "print(json.dumps({'code': turn.error.code, 'growth_mb': peak() - before}))\n")
    run = subprocess.run([sys.executable, "-c", code, str(faults["hour.wav"])], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, check=False)
    result = json.loads(run.stdout)
    assert result["code"] == "too_long" and result["growth_mb"] < 150, result
    assert cli["hour.wav"]["error"]["code"] == "too_long"


def test_real_speech_passes_the_noise_rules(pipeline, asr_engine):
    for path in sorted(FIXTURES.glob("*.wav")) + sorted((ROOT / "assets" / "samples").glob("*.wav")):
        turn = pipeline.run_file(path)
        assert turn.error is None and turn.transcript and turn.reply, (path.name, turn.error)
    assert not asr_engine.transcribe(load_audio(SPEECH)).hallucinated
