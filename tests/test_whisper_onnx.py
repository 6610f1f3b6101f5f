"""The torch-free ONNX Whisper engine with an audio window sized to the speech."""

import subprocess
import sys

import numpy as np
import pytest

from app.asr import AsrOptions
from app.asr.onnx_engine import MAX_WINDOW_S, WindowPolicy, drop_restart, log_mel, repeated_tail
from app.audio import load_audio
from app.errors import ModelError
from tests.speech import FIXTURES, references, synthesize, wer


def _model_dir():
    from models.whisper.engines import onnx_dir

    folder = onnx_dir()
    if not (folder / "encoder.int8.onnx").exists():
        pytest.skip(f"no ONNX export in {folder}: python -m models.whisper.export_onnx")
    return folder


@pytest.fixture(scope="module")
def onnx_engine():
    from app.asr.onnx_engine import OnnxWhisperEngine

    return OnnxWhisperEngine(AsrOptions(engine="onnx", model_dir=_model_dir(), threads=2, device="cpu"))


def test_window_follows_the_speech():
    policy = WindowPolicy(pad_s=1.0, min_s=2.0, step_s=0.5)
    assert policy.window_s(0.3) == 2.0
    assert policy.window_s(2.2) == 3.5
    assert policy.window_s(45.0) == MAX_WINDOW_S
    assert WindowPolicy(fixed_s=30.0).window_s(1.0) == 30.0


def test_loops_are_cut_to_one_copy():
    assert repeated_tail([5, 1, 2, 3, 4, 1, 2, 3, 4]) == 4
    assert repeated_tail([9, 7, 7, 7]) == 0  # "five five five" may be real
    assert repeated_tail([7, 7, 7, 7]) == 3
    assert repeated_tail([1, 2, 3, 1, 2]) == 0
    assert drop_restart("Go forward 10 meters. Go") == "Go forward 10 meters."
    assert drop_restart("Turn it off. Now.") == "Turn it off. Now."


def test_log_mel_matches_openai_whisper():
    whisper_audio = pytest.importorskip("whisper.audio")
    audio = load_audio(FIXTURES / "goforward.wav")
    ours = log_mel(audio, whisper_audio.mel_filters("cpu", 80).numpy())
    theirs = whisper_audio.log_mel_spectrogram(audio).numpy()
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 1e-3


def test_real_clips_within_wer_bound(onnx_engine):
    refs = references()
    errors = {s: wer(refs[s], onnx_engine.transcribe(load_audio(FIXTURES / f"{s}.wav")).text)
              for s in ("jfk", "goforward", "cards_005")}
    assert errors["jfk"] <= 0.1 and np.mean(list(errors.values())) <= 0.25, errors


def test_silence_gives_little_or_nothing(onnx_engine):
    text = onnx_engine.transcribe(np.zeros(16000, dtype=np.float32)).text
    assert len(text.split()) <= 3, text


def test_a_draft_never_retries_on_the_30_s_window(onnx_engine, monkeypatch):
    """Silence leaves Whisper unsure (mean log-prob under -1): a final transcript retries it on the 30 s window, a
    draft (a partial, replaced by the next) does not."""
    windows = []
    run = onnx_engine._run
    monkeypatch.setattr(onnx_engine, "_run", lambda audio, window_s: windows.append(window_s) or run(audio, window_s))
    silence = np.zeros(16000, dtype=np.float32)
    onnx_engine.transcribe(silence)
    assert windows[-1] == MAX_WINDOW_S and len(windows) == 2
    windows.clear()
    onnx_engine.transcribe(silence, draft=True)
    assert windows == [onnx_engine.policy.window_s(1.0)]


def test_missing_export_is_a_clear_error(tmp_path):
    from app.asr.onnx_engine import OnnxWhisperEngine

    with pytest.raises(ModelError, match="missing or damaged") as info:
        OnnxWhisperEngine(AsrOptions(engine="onnx", model_dir=tmp_path))
    assert "export_onnx" in info.value.fix


def test_decoder_from_an_older_export_is_a_clear_error(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from app.asr.onnx_engine import OnnxWhisperEngine

    shipped = _model_dir()
    for name in ("whisper_onnx.json", "mel_filters.npy", "tokenizer.json", "encoder.int8.onnx"):
        (tmp_path / name).symlink_to(shipped / name)
    old = helper.make_graph([helper.make_node("Identity", ["tokens"], ["logits"])], "old",
                            [helper.make_tensor_value_info("tokens", TensorProto.INT64, [1, None])],
                            [helper.make_tensor_value_info("logits", TensorProto.INT64, [1, None])])
    onnx.save(helper.make_model(old), tmp_path / "decoder.int8.onnx")
    with pytest.raises(ModelError, match="older export layout") as info:
        OnnxWhisperEngine(AsrOptions(engine="onnx", model_dir=tmp_path))
    assert "export_onnx" in info.value.fix


def test_runtime_engine_never_imports_torch():
    code = ("import sys, numpy as np\n"
            "from app.asr import AsrOptions\n"
            "from app.asr.onnx_engine import OnnxWhisperEngine, default_model_dir\n"
            "from pathlib import Path\n"
            f"folder = Path({str(_model_dir())!r})\n"
            "e = OnnxWhisperEngine(AsrOptions(engine='onnx', model_dir=folder, threads=1))\n"
            "e.transcribe(np.zeros(8000, dtype=np.float32))\n"
            "bad = [m for m in ('torch', 'transformers', 'whisper') if m in sys.modules]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_float32_export_on_the_stock_window_matches_faster_whisper(tmp_path):
    """Same weights, same 30 s window, greedy at temperature 0: a fresh export must give the same words."""
    pytest.importorskip("torch")
    pytest.importorskip("whisper")
    from app.asr import create_engine
    from app.asr.onnx_engine import OnnxWhisperEngine
    from app.model_files import whisper_model_dir
    from models.whisper.export_onnx import export, write_config
    from models.whisper.text import normalize

    folder = tmp_path / "export"
    export(whisper_model_dir(), folder)
    write_config(whisper_model_dir(), folder)
    window = {"fixed_s": 30.0, "fallback_logprob": None}
    ours = OnnxWhisperEngine(AsrOptions(engine="onnx", model_dir=folder, compute_type="float32", threads=2,
                                        extra={"window": window}))
    reference = create_engine(AsrOptions(engine="faster-whisper", compute_type="float32", threads=2, device="cpu", extra={"temperature": 0.0}))
    # the synthesized command is one where padding the log-Mel wrongly changed the words
    paths = [FIXTURES / "jfk.wav", FIXTURES / "libri_0880.wav",
             synthesize("set a timer for ten minutes", tmp_path / "timer.wav")]
    for path in paths:
        audio = load_audio(path)
        assert normalize(ours.transcribe(audio).text) == normalize(reference.transcribe(audio).text), path.name
