"""The one runner every front end drives: audio -> vad -> asr -> nlu -> fusion -> dialogue -> tts.

Each stage runs inside `_stage`, which emits StageStarted/StageFinished (with timing) on the
event bus and records the time in the turn's `timings_ms`. Models load lazily on first use, so
`hearth speak` never loads Whisper and `hearth ask` never loads audio models.

`listen` works while the user speaks (app/endpoint.py): the utterance is transcribed and understood
at each pause, Smart Turn ends a finished one after 250 ms of silence, and the reply is spoken
clause by clause as it is synthesized (`SpeechStream`), so the first sound follows the end of
speech by little more than the quick silence (docs/architecture.md, "Answering as fast as a person").
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from app.asr import AsrOptions, create_engine
from app.audio import AudioSource, load_audio
from app.audio.files import SAMPLE_RATE
from app.endpoint import Recognition, Speculator, SpeculatorHooks
from app.errors import HearthError, InternalError, NoSpeech, NotSpeech
from app.events import (
    ErrorEvent,
    EventBus,
    FinalTranscript,
    InputLevel,
    PartialTranscript,
    Replied,
    StageFinished,
    StageStarted,
    StateChanged,
    Understood,
)
from app.memory import release_free_memory
from app.nlu.types import Understanding
from app.stages import Stage, State
from app.speech_stream import SpeechStream
from app.text import has_words
from app.tts import Speech, TtsOptions, stream, synthesize
from app.vad import Endpointer, SileroVad, VadOptions, find_speech

log = logging.getLogger(__name__)


@dataclass
class PipelineOptions:
    vad: VadOptions = field(default_factory=VadOptions)
    asr: AsrOptions = field(default_factory=AsrOptions)
    tts: TtsOptions = field(default_factory=TtsOptions)
    understand: bool = True  # run nlu + fusion + dialogue after ASR
    speak: bool = False  # synthesize the reply
    trim_silence: bool = True
    partial_interval_s: float = 0.0  # >0: partial transcripts while listening, from the speculative worker
    speculate: bool = True  # transcribe and understand at each pause while listening (app/endpoint.py)
    stream_speech: bool = True  # speak the first clause while the rest is synthesized
    nlu_model: Path | None = None
    camera: str | None = None
    session: str = "default"


@dataclass
class TurnResult:
    source: str | None = None
    transcript: str = ""
    understanding: Understanding | None = None
    reply: Any = None  # app.dialogue.Reply
    speech: Speech | SpeechStream | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)  # Stage -> ms, plus "total"
    # Stage -> ms of work the listen's worker did on this utterance while the user spoke (app/endpoint.py): the
    # turn's own timing of that stage is only its wait for the result
    during_speech_ms: dict[str, float] = field(default_factory=dict)
    error: HearthError | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"file": self.source, "transcript": self.transcript}
        if self.understanding is not None:
            u = self.understanding.to_dict()
            out.update(intent=u["intent"], confidence=round(u["confidence"], 4), entities=[
                {k: e[k] for k in ("type", "text", "start", "end", "value")} for e in u["entities"]])
        if self.reply is not None:
            out.update(reply=self.reply.text, actions=self.reply.actions)
        out["timings_ms"] = {k: round(v, 1) for k, v in self.timings_ms.items()}
        if self.error is not None:
            out["error"] = self.error.to_json()
        return out


@dataclass
class EarlyReply:
    """The reply the dialogue would give at a pause, its first piece of speech already synthesized."""

    text: str
    speech: Iterator[Speech]  # that first piece, then the rest synthesized as it is read
    tts_ms: float


class Pipeline:
    def __init__(self, options: PipelineOptions | None = None, bus: EventBus | None = None, **stages: Any):
        """`stages` may inject ready-made asr/nlu/dialogue/vad/scene objects (tests, benchmarks)."""
        self.options = options or PipelineOptions()
        self.bus = bus or EventBus()
        self._stages = dict(stages)
        self._loading = threading.Lock()  # guards _stage_locks: the loop, the scheduler and preload may all ask first
        self._stage_locks: dict[str, threading.RLock] = {}

    # -- lazily built stages -------------------------------------------------------------
    def _get(self, name: str, factory) -> Any:
        """The stage's one instance, made on first use; a lock per stage, so two stages load at once."""
        with self._loading:
            lock = self._stage_locks.setdefault(name, threading.RLock())
        with lock:
            if name not in self._stages:
                self._stages[name] = factory()
            return self._stages[name]

    @property
    def vad(self) -> SileroVad:
        return self._get(Stage.VAD, SileroVad)

    @property
    def turn_model(self):
        """Smart Turn, for semantic endpointing."""
        from app.turn import SmartTurn

        return self._get("turn", SmartTurn)

    @property
    def _spare_vad(self) -> SileroVad:
        """A second VAD for the speculative worker: the endpointer's keeps its streaming state."""
        return self._get("spare_vad", SileroVad)

    @property
    def asr(self):
        return self._get(Stage.ASR, lambda: create_engine(self.options.asr))

    @property
    def nlu(self):
        def load():
            from app.nlu.onnx_model import OnnxNlu

            return OnnxNlu(self.options.nlu_model, device=self.options.asr.device)  # None: the shipped model

        return self._get(Stage.NLU, load)

    @property
    def dialogue(self):
        def load():
            from app.dialogue import DialogueManager

            return DialogueManager()

        return self._get(Stage.DIALOGUE, load)

    def _scene(self):
        """Camera context for this turn, or None when the camera is off or gone."""
        if not self.options.camera:
            return None
        from app.fusion import SceneAnalyzer, open_camera

        camera = self._get("camera", lambda: open_camera(self.options.camera))
        analyzer = self._get("scene", SceneAnalyzer)
        return analyzer.analyze(camera.read())

    def preload(self, audio: bool = True) -> None:
        """Load and warm every model now, so the first turn is as fast as the rest.

        First calls pay one-off costs (ONNX Runtime allocations, dateparser's lazy imports,
        SQLite schema checks) of a few hundred ms; the GUI calls this off the UI thread.
        Hearing (VAD, Smart Turn, Whisper) loads on a second thread while this one loads the
        language model and the voice: on two cores that takes start-up from about the sum of the
        two to the longer (docs/benchmarks.md, cold start). A model that cannot load is a
        HearthError tagged with its stage.
        """
        turn = TurnResult()  # preload's timings are not a turn's; they are only emitted
        with ThreadPoolExecutor(1, thread_name_prefix="hearth-preload") as pool:
            hearing = pool.submit(self._warm_hearing, turn) if audio else None
            if self.options.understand:
                with self._stage(Stage.NLU, turn):
                    self.nlu.understand("wake me up tomorrow at seven")
                with self._stage(Stage.DIALOGUE, turn):
                    self.dialogue  # noqa: B018 - the property opens the state database (on this thread)
            if self.options.speak:
                with self._stage(Stage.TTS, turn):
                    synthesize("Ready.", self.options.tts)
            if hearing is not None:
                hearing.result()
        release_free_memory()  # the files' parse buffers, freed but still mapped (app/memory.py)

    def _warm_hearing(self, turn: TurnResult) -> None:
        silence = np.zeros(16000, np.float32)
        with self._stage(Stage.VAD, turn):
            self.vad.probabilities(silence)
            if self.options.speculate:
                self._spare_vad.probabilities(silence)
            if self.options.vad.endpoint == "smart":
                self.turn_model.probability(silence)
        with self._stage(Stage.ASR, turn):
            self.asr.transcribe(silence, draft=True)  # Whisper is unsure of silence: no 30 s retry

    # -- running a turn ------------------------------------------------------------------
    @contextlib.contextmanager
    def _stage(self, stage: Stage, turn: TurnResult) -> Iterator[None]:
        """Time one stage; an error leaving it names the stage, and a bug becomes an InternalError
        (traceback logged) so that no exception type but HearthError ever reaches a front end."""
        self.bus.emit(StageStarted(stage=stage))
        t0 = time.perf_counter()
        try:
            yield
        except HearthError as exc:
            exc.stage = exc.stage or stage
            raise
        except Exception as exc:
            log.exception("stage %s failed", stage)
            raise InternalError(f"something went wrong in {stage} ({type(exc).__name__}: {exc})",
                                "try again; if it repeats, see the log (hearth --verbose)", stage=stage) from exc
        finally:
            ms = (time.perf_counter() - t0) * 1000
            turn.timings_ms[stage] = turn.timings_ms.get(stage, 0.0) + ms
            self.bus.emit(StageFinished(stage=stage, elapsed_ms=ms))

    def _fail(self, turn: TurnResult, error: HearthError) -> TurnResult:
        turn.error = error
        self.bus.emit(ErrorEvent.of(error, turn_error=True))
        return turn

    def run_file(self, path: str | Path) -> TurnResult:
        turn = TurnResult(source=str(path))
        t0 = time.perf_counter()
        try:
            with self._stage(Stage.AUDIO, turn):
                audio = load_audio(path)
        except HearthError as exc:
            return self._fail(turn, exc)
        return self.run_audio(audio, turn=turn, started=t0)

    def run_audio(self, audio: np.ndarray, turn: TurnResult | None = None, started: float | None = None) -> TurnResult:
        """Transcribe one utterance and, with `understand`, answer it."""
        turn = turn or TurnResult()
        return self._run(turn, started or time.perf_counter(), lambda: self._recognize(audio, turn))

    def run_text(self, text: str) -> TurnResult:
        """A typed turn: the same nlu -> fusion -> dialogue -> tts path as speech."""
        turn = TurnResult(transcript=text)
        return self._run(turn, time.perf_counter(), lambda: self._answer(text, turn))

    def run_understanding(self, understanding: Understanding) -> TurnResult:
        """A request already understood (a tap on a panel): fusion -> dialogue -> tts, the same skills
        as speech, with no language model to misread it."""
        turn = TurnResult(transcript=understanding.text)
        return self._run(turn, time.perf_counter(), lambda: self._answer(understanding.text, turn, understanding))

    def _run(self, turn: TurnResult, started: float, body) -> TurnResult:
        """Thinking, then always back to idle: an error ends the turn with the stage that failed."""
        self.bus.emit(StateChanged(state=State.THINKING))
        try:
            body()
        except HearthError as exc:
            self._fail(turn, exc)
        finally:
            turn.timings_ms["total"] = (time.perf_counter() - started) * 1000
            self.bus.emit(StateChanged(state=State.IDLE))
        return turn

    def _trim(self, audio: np.ndarray, vad: SileroVad) -> tuple[np.ndarray, float]:
        """The speech without the silence around it (`trim_silence`), and its share of voiced frames."""
        if not self.options.trim_silence:
            return audio, 1.0
        speech = find_speech(vad, audio, self.options.vad)
        return speech.audio, speech.fraction

    def _hear(self, audio: np.ndarray, vad: SileroVad, draft: bool = False) -> Recognition:
        """`_trim` and transcribe, timing each, as one job for the speculative worker (`draft`: for a partial)."""
        t0 = time.perf_counter()
        audio, fraction = self._trim(audio, vad)
        recognition = Recognition(None, fraction, {Stage.VAD: (time.perf_counter() - t0) * 1000})
        if audio.size and fraction >= self.options.vad.min_speech_fraction:  # else noise, not worth decoding
            t0 = time.perf_counter()
            recognition.transcript = self.asr.transcribe(audio, draft=draft)
            recognition.timings_ms[Stage.ASR] = (time.perf_counter() - t0) * 1000
        return recognition

    def _recognize(self, audio: np.ndarray, turn: TurnResult,
                   speculated: Callable[[], Recognition | None] | None = None,
                   guessed: Speculator | None = None) -> None:
        """Words from audio, or NoSpeech: silence, or noise (NotSpeech) by the VAD's or Whisper's own signs.
        `speculated`: what the listen's worker made of this same speech, if it has it (waits for it)."""
        noise_fix = "speak a command, away from noise and music; a file should hold one spoken command"
        recognition = None
        if speculated is not None:
            with self._stage(Stage.ASR, turn):
                recognition = speculated()
            if recognition is not None:
                turn.during_speech_ms.update(recognition.timings_ms)
        if recognition is None:
            with self._stage(Stage.VAD, turn):
                audio, fraction = self._trim(audio, self.vad)
                recognition = Recognition(None, fraction)
                self._check_voice(audio.size, fraction, noise_fix)
            with self._stage(Stage.ASR, turn):
                recognition.transcript = self.asr.transcribe(audio) if audio.size else None
        else:
            self._check_voice(recognition.fraction > 0, recognition.fraction, noise_fix)
        transcript = recognition.transcript
        noise = transcript is not None and transcript.hallucinated
        turn.transcript = "" if noise or transcript is None else transcript.text
        self.bus.emit(FinalTranscript(text=turn.transcript))
        if noise:
            log.info("not speech: %r (no-speech %.2f, log-prob %.2f)", transcript.text,
                     transcript.no_speech_prob or 0.0, transcript.avg_logprob or 0.0)
            raise NotSpeech("this sounds like noise, not speech: the recognizer trusts none of the words it made of it",
                            noise_fix, stage=Stage.ASR)
        if not has_words(turn.transcript):
            raise NoSpeech("no speech detected", "speak closer to the microphone, or check the input level",
                           stage=Stage.ASR)
        if self.options.understand:
            self._answer(turn.transcript, turn, guessed=guessed)

    def _check_voice(self, has_audio: bool, fraction: float, fix: str) -> None:
        if has_audio and fraction < self.options.vad.min_speech_fraction:
            raise NotSpeech(f"this sounds like noise, not speech ({fraction:.0%} of it is voice-like)", fix,
                            stage=Stage.VAD)

    def _answer(self, text: str, turn: TurnResult, understanding: Understanding | None = None,
                guessed: Speculator | None = None) -> None:
        """`guessed`: the listen's worker, with the understandings it made at pauses, by text (only the NLU is
        speculative: the dialogue changes state, so it runs here, once, on the final text)."""
        direct = understanding is not None  # a request already understood: no open question takes it
        if understanding is None:
            with self._stage(Stage.NLU, turn):
                understanding = guessed.understood.get(text) if guessed else None
                if understanding is None:
                    understanding = self.nlu.understand(text)
                else:  # made while the user spoke: its own time, as the speculative recognition's
                    turn.during_speech_ms[Stage.NLU] = guessed.understood_ms[text]
        turn.understanding = understanding
        self.bus.emit(Understood(understanding=turn.understanding))
        with self._stage(Stage.FUSION, turn):
            try:
                scene = self._scene()
            except HearthError as exc:  # the camera vanished: carry on without vision
                self.bus.emit(ErrorEvent.of(exc, Stage.FUSION))
                self._stages.pop("camera", None)
                scene = None
        with self._stage(Stage.DIALOGUE, turn):
            turn.reply = self.dialogue.handle(turn.understanding, session=self.options.session, scene=scene,
                                              direct=direct)
        self.bus.emit(Replied(text=turn.reply.text, actions=turn.reply.actions))
        if self.options.speak:
            with self._stage(Stage.TTS, turn):  # streamed: the first piece only; the rest as it plays
                early = guessed.early_answer(text, timeout=10.0) if guessed else None  # may still be in the making
                if early is not None and early.text == turn.reply.text:
                    # synthesized while the user was still silent or speaking: its own time, as the NLU's
                    turn.during_speech_ms[Stage.TTS] = early.tts_ms
                    turn.speech = SpeechStream(early.speech)
                elif self.options.stream_speech:
                    turn.speech = SpeechStream(stream(turn.reply.text, self.options.tts))
                else:
                    turn.speech = synthesize(turn.reply.text, self.options.tts)

    def listen(self, source: AudioSource, wait_s: float | None = None) -> TurnResult | None:
        """Capture from `source` until the end of one utterance, then run it.

        Returns None when the source ended, or `wait_s` passed, with no speech started (hands-free
        listening gives up quietly). If the device vanishes mid-utterance, the speech captured so
        far is still transcribed and the error is reported. With `speculate`, a worker transcribes
        and understands the speech at each pause while capture goes on (app/endpoint.py).
        """
        speculator = self._speculator()
        endpointer = Endpointer(self.vad, self.options.vad)
        endpointer.judge = self._judge(speculator, endpointer)
        self.bus.emit(StateChanged(state=State.LISTENING))
        t_listen = time.perf_counter()
        utterance, device_error = None, None
        last_partial = 0
        waited, max_wait = 0, None if wait_s is None else int(wait_s * SAMPLE_RATE)
        try:
            try:
                for frame in source.frames():
                    self.bus.emit(InputLevel(rms=float(np.sqrt(np.mean(frame**2)))))
                    utterance = endpointer.push(frame)
                    if utterance is not None:
                        break
                    waited += len(frame)
                    if max_wait is not None and not endpointer.in_speech and waited >= max_wait:
                        break
                    if speculator is None or not endpointer.in_speech:
                        continue
                    if endpointer.captured_samples - endpointer.voiced_samples == len(frame):  # first silent frame
                        speculator.pause(endpointer.current_audio(), endpointer.voiced_samples)
                    interval = self.options.partial_interval_s
                    captured = endpointer.captured_samples
                    if interval > 0 and not endpointer.silence_ms and captured - last_partial >= interval * SAMPLE_RATE:
                        last_partial = captured
                        speculator.partial(endpointer.current_audio())
            except HearthError as exc:
                exc.stage = exc.stage or Stage.LISTEN
                device_error = exc
                self.bus.emit(ErrorEvent.of(exc))
            if utterance is None:
                utterance = endpointer.flush()
            if utterance is None:
                self.bus.emit(StateChanged(state=State.IDLE))
                return TurnResult(error=device_error) if device_error else None
            turn = TurnResult(source=getattr(source, "path", None) and str(source.path))
            turn.timings_ms[Stage.LISTEN] = (time.perf_counter() - t_listen) * 1000
            speculated = speculator and functools.partial(self._heard, speculator, utterance.voiced_samples)
            turn = self._run(turn, time.perf_counter(), lambda: self._recognize(
                utterance.audio, turn, speculated, speculator))
        finally:
            if speculator is not None:
                speculator.close()
            release_free_memory()  # what this listen's capture, worker and turn freed (0.5 ms)
        turn.error = turn.error or device_error
        return turn

    # -- working while the user speaks -------------------------------------------------------
    def _speculator(self) -> Speculator | None:
        if not self.options.speculate:
            return None
        smart = self.options.vad.endpoint == "smart"
        partials = self.options.partial_interval_s > 0
        return Speculator(SpeculatorHooks(
            recognize=lambda audio: self._hear(audio, self._spare_vad),
            draft=lambda audio: self._hear(audio, self._spare_vad, draft=True),
            complete=self.turn_model.probability if smart else None,
            understand=self.nlu.understand if self.options.understand else None,
            on_partial=(lambda text, stable: self.bus.emit(PartialTranscript(text=text, stable=stable)))
            if partials else None,
            answer=self._early_reply if self._answers_early() else None))

    def _answers_early(self) -> bool:
        """Whether a pause may preview the reply and synthesize its start: only when the turn speaks as a
        stream, and without a camera (the preview would need a frame of its own, and its scene may not be the turn's)."""
        o = self.options
        return o.understand and o.speak and o.stream_speech and not o.camera

    def _early_reply(self, understanding: Understanding) -> EarlyReply | None:
        """At a pause: the reply the dialogue would give now (nothing changed) and its first piece of speech."""
        reply = self.dialogue.preview(understanding, session=self.options.session)
        if reply is None:
            return None
        t0 = time.perf_counter()
        try:
            speech = stream(reply.text, self.options.tts)
            first = next(speech)
        except HearthError:  # the final turn meets the same error and reports it
            return None
        return EarlyReply(reply.text, itertools.chain([first], speech), (time.perf_counter() - t0) * 1000)

    def _judge(self, speculator: Speculator | None, endpointer: Endpointer) -> Callable[[np.ndarray], bool] | None:
        """The endpointer's question at a quick silence: is this utterance complete? Smart Turn's
        answer from the worker (made at the pause), or asked here when nothing speculates."""
        o = self.options.vad
        if o.endpoint != "smart":
            return None
        if speculator is None:
            return lambda audio: self.turn_model.probability(audio) >= o.turn_threshold
        patience = max(0.0, (o.trailing_silence_ms - o.quick_silence_ms) / 1000)

        def judge(audio: np.ndarray) -> bool:
            p = speculator.complete(endpointer.voiced_samples, patience)
            return p is not None and p >= o.turn_threshold

        return judge

    @staticmethod
    def _heard(speculator: Speculator, voiced_samples: int) -> Recognition | None:
        """The worker's recognition of the utterance when only silence followed its pause."""
        heard = speculator.heard(voiced_samples, timeout=30.0)
        return heard.recognition if heard is not None else None
