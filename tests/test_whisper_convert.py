"""The CTranslate2 -> openai-whisper conversion reproduces faster-whisper float32 transcripts."""

import pytest

pytest.importorskip("whisper")
pytest.importorskip("torch")

from app.asr import AsrOptions, create_engine  # noqa: E402
from app.audio import load_audio  # noqa: E402
from app.model_files import whisper_model_dir  # noqa: E402
from models.whisper.text import normalize  # noqa: E402
from tests.speech import FIXTURES  # noqa: E402

pytestmark = pytest.mark.train


def test_converted_model_matches_faster_whisper_float32():
    from models.whisper.torch_engine import OpenAIWhisperEngine

    options = AsrOptions(engine="faster-whisper", compute_type="float32", threads=2, device="cpu")
    reference, converted = create_engine(options), OpenAIWhisperEngine(options)
    for stem in ("jfk", "goforward"):
        audio = load_audio(FIXTURES / f"{stem}.wav")
        assert normalize(converted.transcribe(audio).text) == normalize(reference.transcribe(audio).text), stem


def test_int8_quantizes_every_linear_layer():
    from models.whisper.convert import load_whisper
    from models.whisper.quantize import quantize_int8

    _, count = quantize_int8(load_whisper(whisper_model_dir()))
    assert count == 4 * 6 + 4 * 10  # encoder: q k v out + 2 mlp; decoder: 2 x (q k v out) + 2 mlp
