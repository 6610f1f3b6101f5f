"""`hearth bench e2e`: its microphone's pacing, its speaker's clock, one measured turn, and its report."""

import time
from dataclasses import dataclass, field

import numpy as np
import pytest

from app import cli
from app.audio import load_audio
from app.audio.source import FRAME
from app.nlu.types import Understanding
from app.pipeline import Pipeline, PipelineOptions
from app.tts import Speech
from app.vad import SileroVad
from bench import e2e
from tests.fakes import Announcing
from tests.speech import FIXTURES


def test_the_microphone_hands_over_a_frame_once_its_last_sample_is_spoken():
    clip = e2e.PacedClip(np.zeros(FRAME * 4, np.float32))
    times = [time.perf_counter() - clip.started for _ in clip.frames() if clip.started]
    assert all(t >= (i + 1) * FRAME / 16000 - 0.002 for i, t in enumerate(times))
    clip = e2e.PacedClip(np.zeros(FRAME * 10, np.float32))
    frames = clip.frames()
    next(frames), next(frames)
    clip.close()
    assert clip.stopped_at == 2 * FRAME and list(frames) == []


def test_the_speaker_notes_the_first_chunk_of_a_single_speech_or_a_stream():
    player = e2e.FirstChunkPlayer()
    player.play(Speech(np.zeros(10, np.float32), 16000))
    taken = []

    def chunks():
        yield Speech(np.zeros(10, np.float32), 16000)
        taken.append(time.perf_counter())
        yield Speech(np.zeros(10, np.float32), 16000)

    player.play(chunks())
    assert len(player.first) == 2 and player.first[1] < taken[0]  # noted before the rest was made


@dataclass
class EchoReply:
    text: str
    actions: list = field(default_factory=list)


class Echo(Announcing):
    """Language model and dialogue in one: echoes, rings nothing, has an empty world."""

    def world_snapshot(self):
        return {}

    def understand(self, text):
        return Understanding(text=text, intent="general_echo", confidence=1.0)

    def handle(self, understanding, session="default", scene=None, direct=False):
        return EchoReply(text=f"you said {understanding.text}")


def test_one_turn_through_the_loop_is_measured_from_the_end_of_speech(asr_engine, monkeypatch):
    monkeypatch.setattr("app.pipeline.stream", lambda text, options: iter([Speech(np.zeros(100, np.float32), 16000)]))
    clip = e2e.clip(SileroVad(), "real", "goforward", "go forward ten meters", load_audio(FIXTURES / "goforward.wav"))
    pipeline = Pipeline(PipelineOptions(speak=True), asr=asr_engine, nlu=Echo(), dialogue=Echo())
    (turn,) = e2e.run_system("hearth", pipeline, [clip]).turns
    assert not turn.cut_off and not turn.error and "forward" in turn.transcript.lower()
    assert 0 < turn.final_ms <= turn.reply_ms <= turn.first_audio_ms


def _result(baseline):
    s = {"turns": 2, "ready_s": 1.0, "cutoff_rate": 0.5, "errors": 0, "wer_real": 0.1,
         **{k: {"p50": 100.0, "p95": 200.0} for k in ("final_ms", "reply_ms", "first_audio_ms")}}
    return {"date": "2026-11-30", "machine": "x86_64, 2 cores, no GPU", "load_before": 1.0, "load_after": 1.0,
            "synth": 0, "voice": None, "quick_ms": 200, "hearth_voice": "piper:en_US-joe-medium", "hearth": s,
            "hearth_plain": s if baseline else None, "hearth_plain_voice": "gmw/en-us" if baseline else None,
            "rss_mb": 300.0, "cold_start_s": 1.5,
            "before": s, "baseline": s if baseline else None, "ratio": 2.0 if baseline else None,
            "baseline_missing": "" if baseline else "baseline skipped: the fp32 teacher is not built"}


def test_the_report_has_both_systems_or_says_why_not():
    with_base = e2e.markdown(_result(True))
    assert "| baseline |" in with_base and "| before |" in with_base and "2.0x" in with_base and "50.0%" in with_base
    assert "| hearth (piper:en_US-joe-medium) |" in with_base and "| hearth (gmw/en-us) |" in with_base
    without = e2e.markdown(_result(False))
    assert "| baseline |" not in without and "teacher is not built" in without
    assert "| hearth (gmw/en-us) |" not in without and "| hearth (None) |" not in without
    assert "hearth bench e2e --synth 0 --quick-ms 200" in without


def test_an_installed_copy_refuses_it_clearly(tmp_path, monkeypatch, capsys):
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.setattr(cli, "repo_root", lambda: site)
    assert cli.main(["bench", "e2e"]) == 2
    err = capsys.readouterr().err
    assert "source checkout" in err and "fix:" in err and "Traceback" not in err
    assert list(site.iterdir()) == []


@pytest.mark.parametrize("flag", ["--json", "--no-baseline"])
def test_its_flags_parse(flag, monkeypatch):
    seen = {}
    monkeypatch.setattr(e2e, "run", lambda synth, baseline, setup: seen.update(baseline=baseline) or _result(baseline))
    monkeypatch.setattr(e2e, "write_section", lambda name, text: seen.update(section=name))
    assert e2e.main([flag]) == 0
    assert seen["section"] == "e2e" and seen["baseline"] is (flag != "--no-baseline")
