"""The committed int8 ONNX model through the runtime the app uses (no torch)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import HearthError, ModelError
from app.nlu import onnx_model
from app.nlu.onnx_model import Decoder, OnnxNlu, load_default_nlu

SHIPPED = Path(onnx_model.__file__).resolve().parent.parent.parent / "models" / "nlu" / "shipped"


@pytest.fixture(scope="module")
def nlu():
    return OnnxNlu(SHIPPED, threads=2, normalize_values=False)


@pytest.fixture
def model_copy(tmp_path):
    folder = tmp_path / "nlu"
    shutil.copytree(SHIPPED, folder)
    return folder


def assert_offsets_point_into_text(u):
    for e in u.entities:
        assert 0 <= e.start < e.end <= len(u.text)
        assert u.text[e.start:e.end] == e.text


@pytest.mark.parametrize("text, intent, entity", [
    ("wake me up at seven am", "alarm_set", ("time", "seven am")),
    ("turn off the kitchen lights", "iot_hue_lightoff", ("house_place", "kitchen")),
    ("what's the weather like in london", "weather_query", ("place_name", "london")),
    ("play some jazz music", "play_music", None),
])
def test_obvious_utterances(nlu, text, intent, entity):
    u = nlu.understand(text)
    assert u.intent == intent, u
    assert_offsets_point_into_text(u)
    if entity:
        assert (entity[0], entity[1]) in [(e.type, e.text) for e in u.entities], u


def test_confidence_and_alternatives(nlu):
    u = nlu.understand("set an alarm for 6 tomorrow morning")
    assert 0 < u.confidence <= 1
    assert len(u.alternatives) == 3 and u.intent not in [a for a, _ in u.alternatives]
    probs = [u.confidence] + [p for _, p in u.alternatives]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6


def test_offsets_survive_case_spacing_and_punctuation(nlu):
    text = "  Please, WAKE me up at 7:30 AM tomorrow!  "
    u = nlu.understand(text)
    assert u.intent == "alarm_set"
    assert u.entities, u
    assert_offsets_point_into_text(u)


def test_batch_matches_single_calls(nlu):
    # int8 activation scales are chosen per call, so only the decisions, not the exact probabilities, must agree
    texts = ["wake me up at seven am", "turn off the kitchen lights", "what's the weather like in london today"]
    batch = nlu.understand_batch(texts)
    for text, u in zip(texts, batch):
        single = nlu.understand(text)
        assert (u.intent, [(e.start, e.end, e.type) for e in u.entities]) == \
               (single.intent, [(e.start, e.end, e.type) for e in single.entities])
        assert u.confidence == pytest.approx(single.confidence, abs=0.1)


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty_text_is_a_user_error_with_a_fix(nlu, text):
    with pytest.raises(HearthError) as info:
        nlu.understand(text)
    assert not isinstance(info.value, ModelError) and info.value.fix
    with pytest.raises(HearthError):
        nlu.understand_batch(["wake me up", text])


def test_entities_carry_normalized_values():
    u = OnnxNlu(SHIPPED, threads=1).understand("wake me up at seven am")
    time = u.entity("time")
    assert time.value["kind"] == "datetime" and time.value["iso"][11:16] == "07:00"


@pytest.mark.parametrize("name", ["model.int8.onnx", "labels.json", "tokenizer.json"])
def test_missing_file_is_a_model_error(model_copy, name):
    (model_copy / name).unlink()
    with pytest.raises(ModelError, match=name.split(".")[0]) as info:
        OnnxNlu(model_copy)
    assert "hearth models build nlu" in info.value.fix


@pytest.mark.parametrize("name, content", [("model.int8.onnx", b"not a model"), ("labels.json", b"{\"intents\": "),
                                           ("tokenizer.json", b"[]")])
def test_damaged_file_is_a_model_error(model_copy, name, content):
    (model_copy / name).write_bytes(content)
    with pytest.raises(ModelError, match="damaged"):
        OnnxNlu(model_copy)


def test_labels_from_another_build_are_refused(model_copy):
    """A build of one's own without checksums: the shape check, not the checksum, must catch it."""
    (model_copy / "checksums.json").unlink(missing_ok=True)
    labels = json.loads((model_copy / "labels.json").read_text())
    labels["intents"] = labels["intents"][:-1]
    (model_copy / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(ModelError, match="does not match labels.json"):
        OnnxNlu(model_copy)


def test_default_model_follows_the_environment(model_copy, monkeypatch):
    (model_copy / "model.int8.onnx").unlink()
    monkeypatch.setenv("HEARTH_NLU_MODEL", str(model_copy))
    with pytest.raises(ModelError, match=str(model_copy)):
        load_default_nlu()
    monkeypatch.delenv("HEARTH_NLU_MODEL")
    assert load_default_nlu(threads=1).understand("stop").intent


def test_runtime_imports_without_torch():
    code = ("import sys, app.nlu.onnx_model as m; m.OnnxNlu(threads=1, normalize_values=False).understand('hi'); "
            "bad = [n for n in ('torch', 'transformers') if n in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=SHIPPED.parent.parent.parent, timeout=120)


def test_crf_scores_that_do_not_match_the_tags_are_refused(model_copy):
    (model_copy / "checksums.json").unlink(missing_ok=True)
    labels = json.loads((model_copy / "labels.json").read_text())
    n = len(labels["tags"]) - 1
    labels["crf"] = {"start": [0.0] * n, "end": [0.0] * n, "pairs": [[0.0] * n] * n}
    (model_copy / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(ModelError, match="crf scores do not match"):
        OnnxNlu(model_copy)


def test_an_intent_only_gets_the_entity_types_it_was_trained_with(model_copy):
    (model_copy / "checksums.json").unlink(missing_ok=True)
    text = "wake me up at seven am"
    assert OnnxNlu(model_copy, threads=1).understand(text).entity("time")
    labels = json.loads((model_copy / "labels.json").read_text())
    labels["intent_entities"] = {intent: [] for intent in labels["intents"]}  # no intent takes any entity
    (model_copy / "labels.json").write_text(json.dumps(labels))
    nlu = OnnxNlu(model_copy, threads=1)
    assert nlu.understand(text).entity("time")  # the app's decoder leaves the types alone
    nlu.decoder = Decoder(nlu.labels, intent_types=True)
    assert nlu.understand(text).entities == []
