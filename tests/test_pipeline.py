"""The runner: stage order, events, timings, and errors that lose nothing."""

import threading
from dataclasses import dataclass, field

import numpy as np
import pytest

from app.audio import FileSource
from app.errors import DeviceError
from app.events import (
    ErrorEvent, FinalTranscript, InputLevel, PartialTranscript, StageFinished, StageStarted, StateChanged,
)
from app.nlu.types import Understanding
from app.pipeline import Pipeline, PipelineOptions
from app.speech_stream import SpeechStream
from app.tts import Speech
from app.vad import VadOptions
from tests.speech import FIXTURES, wer


class EchoNlu:
    """Records what reached understanding; the real model has its own tests."""

    def understand(self, text):
        return Understanding(text=text, intent="general_echo", confidence=1.0)


@dataclass
class EchoReply:
    text: str
    actions: list = field(default_factory=list)


class EchoDialogue:
    def handle(self, understanding, session="default", scene=None, direct=False):
        return EchoReply(text=f"you said {understanding.text}")


@pytest.fixture
def pipeline(asr_engine):
    events = []
    p = Pipeline(PipelineOptions(), asr=asr_engine, nlu=EchoNlu(), dialogue=EchoDialogue())
    p.bus.subscribe(events.append)
    p.events = events
    return p


def test_file_turn_runs_stages_in_order_with_timings(pipeline):
    turn = pipeline.run_file(FIXTURES / "goforward.wav")
    assert wer("go forward ten meters", turn.transcript) <= 0.25
    started = [e.stage for e in pipeline.events if isinstance(e, StageStarted)]
    assert started == ["audio", "vad", "asr", "nlu", "fusion", "dialogue"]
    assert set(turn.timings_ms) == {"audio", "vad", "asr", "nlu", "fusion", "dialogue", "total"}
    finished = {e.stage: e.elapsed_ms for e in pipeline.events if isinstance(e, StageFinished)}
    assert turn.timings_ms["total"] >= sum(finished.values()) - 1
    assert turn.reply.text.startswith("you said")
    states = [e.state for e in pipeline.events if isinstance(e, StateChanged)]
    assert states == ["thinking", "idle"]
    assert turn.to_json()["intent"] == "general_echo"


def test_silence_gives_no_speech_error_not_a_crash(pipeline):
    turn = pipeline.run_audio(np.zeros(32000, np.float32))
    assert turn.transcript == "" and "no speech" in turn.error.message
    assert any(isinstance(e, ErrorEvent) for e in pipeline.events)
    assert turn.understanding is None


def test_listen_endpoints_and_reports_levels(pipeline):
    turn = pipeline.listen(FileSource(FIXTURES / "goforward.wav", tail_silence_s=1.5))
    assert wer("go forward ten meters", turn.transcript) <= 0.25
    assert any(isinstance(e, InputLevel) and e.rms > 0.01 for e in pipeline.events)
    assert "listen" in turn.timings_ms
    # the worker decoded at the pause: the turn keeps that work's time, its own asr timing is only the wait
    assert set(turn.during_speech_ms) == {"vad", "asr", "nlu"} and "vad" not in turn.timings_ms


class VanishingMic:
    """Delivers part of an utterance, then the device disappears."""

    def __init__(self, path, frames):
        self.inner, self.n = FileSource(path, tail_silence_s=0), frames

    def frames(self):
        for i, frame in enumerate(self.inner.frames()):
            if i == self.n:
                raise DeviceError("the microphone stopped delivering audio", "reconnect it")
            yield frame

    def close(self):
        pass


def test_device_vanishing_mid_utterance_keeps_the_speech(pipeline):
    pipeline.options.vad.trailing_silence_ms = 3000  # jfk pauses; keep the utterance open
    pipeline.options.vad.endpoint = "silence"  # Smart Turn takes "And so, my fellow Americans" as finished
    turn = pipeline.listen(VanishingMic(FIXTURES / "jfk.wav", frames=120))  # ~3.8 s in
    assert isinstance(turn.error, DeviceError)
    assert "fellow americans" in turn.transcript.lower()


def test_partial_transcripts_while_listening(asr_engine):
    """Partials come from the worker while a paced microphone goes on; the last agrees with the final."""
    events = []
    opts = PipelineOptions(understand=False, partial_interval_s=0.5, vad=VadOptions(endpoint="silence"))
    p = Pipeline(opts, asr=asr_engine)
    p.bus.subscribe(events.append)
    turn = p.listen(FileSource(FIXTURES / "goforward.wav", realtime=True))
    partials = [e for e in events if isinstance(e, PartialTranscript)]
    assert len(partials) >= 2 and all(e.text for e in partials)
    assert partials[-1].text == turn.transcript
    assert all(e.text.startswith(e.stable) for e in partials)
    assert [e for e in events if isinstance(e, FinalTranscript)]


def test_listen_gives_up_quietly_when_no_speech_starts(pipeline):
    silent = FileSource(FIXTURES / "goforward.wav", tail_silence_s=0)
    silent.audio = np.zeros(16000 * 5, np.float32)
    assert pipeline.listen(silent, wait_s=1.0) is None
    levels = [e for e in pipeline.events if isinstance(e, InputLevel)]
    assert 25 <= len(levels) <= 40  # ~1 s of 32 ms frames, not the whole 5 s


def _decoding_threads(asr_engine, speculate: bool) -> list[str]:
    """Listen to one command; the names of the threads that ran Whisper."""
    threads = []

    class Recording:
        options = asr_engine.options

        def transcribe(self, audio, draft=False):
            threads.append(threading.current_thread().name)
            return asr_engine.transcribe(audio)

    p = Pipeline(PipelineOptions(speculate=speculate), asr=Recording(), nlu=EchoNlu(), dialogue=EchoDialogue())
    turn = p.listen(FileSource(FIXTURES / "goforward.wav", tail_silence_s=1.5))
    assert wer("go forward ten meters", turn.transcript) <= 0.25
    return threads


def test_listen_takes_the_transcript_the_worker_made_at_the_pause(asr_engine):
    """Only silence followed the pause, so nothing is decoded after the end of speech."""
    threads = _decoding_threads(asr_engine, speculate=True)
    assert threads and set(threads) == {"hearth-speculate"}


def test_without_speculation_the_turn_decodes_after_the_end(asr_engine):
    threads = _decoding_threads(asr_engine, speculate=False)
    assert threads == [threading.current_thread().name]


def test_a_reply_is_synthesized_clause_by_clause_as_it_is_played(pipeline, monkeypatch):
    made = []

    def clauses(text, options, skip=0):
        for n in (10, 5)[skip:]:
            made.append(n)
            yield Speech(np.full(n, 0.1, np.float32), 22050)

    monkeypatch.setattr("app.pipeline.stream", clauses)
    pipeline.options.speak = True
    turn = pipeline.run_text("hello")
    assert isinstance(turn.speech, SpeechStream) and made == [10]  # only the first clause before playing
    assert len(turn.speech.whole().audio) == 15 and made == [10, 5]
    assert [len(c.audio) for c in turn.speech] == [10, 5]  # kept: played again without synthesizing
    pipeline.options.stream_speech = False
    monkeypatch.setattr("app.pipeline.synthesize", lambda text, options: Speech(np.zeros(3, np.float32), 22050))
    assert isinstance(pipeline.run_text("hello").speech, Speech)


class PreviewingDialogue(EchoDialogue):
    """Previews as the real dialogue does; `changes` makes the real turn's reply differ from the preview's."""

    def __init__(self, changes: bool = False):
        self.changes, self.previewed = changes, []

    def preview(self, understanding, session="default", scene=None):
        self.previewed.append(threading.current_thread().name)
        return EchoReply(text=f"you said {understanding.text}")

    def handle(self, understanding, session="default", scene=None, direct=False):
        return EchoReply(text=("Meanwhile, " if self.changes else "") + f"you said {understanding.text}")


@pytest.mark.parametrize("changes", [False, True])
def test_the_reply_starts_with_the_clause_synthesized_at_the_pause(asr_engine, monkeypatch, changes):
    """While the listen waits out the pause, the worker previews the reply and synthesizes its first clause; the
    turn plays that clause and synthesizes only the rest, unless its reply is not the one previewed."""
    made = []

    def clauses(text, options, skip=0):
        for i, n in enumerate((10, 5)[skip:], start=skip):
            made.append((threading.current_thread().name, text, i))
            yield Speech(np.full(n, 0.1, np.float32), 22050)

    monkeypatch.setattr("app.pipeline.stream", clauses)
    dialogue = PreviewingDialogue(changes)
    p = Pipeline(PipelineOptions(speak=True), asr=asr_engine, nlu=EchoNlu(), dialogue=dialogue)
    turn = p.listen(FileSource(FIXTURES / "goforward.wav", tail_silence_s=1.5))
    said = f"you said {turn.transcript}"
    assert "hearth-speculate" in dialogue.previewed and ("hearth-speculate", said, 0) in made
    assert [len(c.audio) for c in turn.speech] == [10, 5]
    mine = [m for m in made if m[0] != "hearth-speculate"]
    if changes:
        assert [i for _, _, i in mine] == [0, 1] and turn.reply.text.startswith("Meanwhile")
    else:
        assert mine == [(threading.current_thread().name, said, 1)]
        assert "tts" in turn.during_speech_ms


class GatedAsr:
    """Whisper stand-in whose warm-up waits for the language model's: only loads that overlap pass."""

    def __init__(self, nlu_started: threading.Event, fail: bool = False):
        self.nlu_started, self.fail, self.thread = nlu_started, fail, None

    def transcribe(self, audio, draft=False):
        self.thread = threading.current_thread()
        assert self.nlu_started.wait(10), "hearing waited for the language model: the loads did not overlap"
        if self.fail:
            from app.errors import ModelError
            raise ModelError("model file damaged or unreadable: encoder.int8.onnx", "reinstall Hearth")


class StartedNlu(EchoNlu):
    def __init__(self, started: threading.Event):
        self.started = started

    def understand(self, text):
        self.started.set()
        return super().understand(text)


def test_preload_loads_hearing_and_understanding_at_once():
    started = threading.Event()
    asr = GatedAsr(started)
    pipeline = Pipeline(PipelineOptions(speak=False, vad=VadOptions(endpoint="silence")), asr=asr,
                        nlu=StartedNlu(started), dialogue=EchoDialogue())
    pipeline.preload()
    assert asr.thread is not threading.current_thread()


def test_preload_reports_a_broken_hearing_model_with_its_stage():
    from app.errors import ModelError

    started = threading.Event()
    pipeline = Pipeline(PipelineOptions(speak=False, vad=VadOptions(endpoint="silence")),
                        asr=GatedAsr(started, fail=True), nlu=StartedNlu(started), dialogue=EchoDialogue())
    with pytest.raises(ModelError) as error:
        pipeline.preload()
    assert error.value.stage == "asr"
