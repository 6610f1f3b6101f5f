"""`hearth bench nlu` without a built teacher: its committed measurement, clearly labelled."""

import json

import pytest

from app.errors import HearthError
from bench import nlu

SHIPPED = {"size_mb": 8.7, "parameters": 8_608_303, "latency": {"p50_ms": 1.0, "p95_ms": 1.3, "n": 200},
           "peak_rss_mb": 119.0, "dev": {"intent_accuracy": 89.86, "span_f1": 69.61, "n": 1628}}
TEACHER = SHIPPED | {"size_mb": 90.6, "parameters": 22_632_751, "latency": {"p50_ms": 15.0, "p95_ms": 16.8, "n": 200},
                     "dev": {"intent_accuracy": 90.66, "span_f1": 70.04, "n": 1628}}


@pytest.fixture
def measured(monkeypatch):
    """The shipped model 'measured now' without spawning the real measurement."""
    calls = []

    def fake(folder, threads, torch_weights=None, model_file="model.onnx"):
        calls.append(folder)
        return TEACHER if torch_weights else SHIPPED

    monkeypatch.setattr("models.compress.study.measure_in_process", fake)
    return calls


def test_a_missing_teacher_is_read_from_its_record_and_the_table_says_so(tmp_path, measured):
    record = tmp_path / "teacher_measured.json"
    nlu.record_teacher(TEACHER, 2, 1.0, record)
    result = nlu.run(tmp_path / "no-teacher", tmp_path / "shipped", 2, record)
    assert len(measured) == 1  # only the shipped model ran
    assert result["rows"][0]["model"].startswith("teacher: fp32 PyTorch (recorded ")
    assert result["rows"][0]["entity_f1"] == 70.04 and result["teacher_measured"] is None
    text = nlu.markdown(result)
    assert "not built in this checkout" in text and "teacher_measured.json" in text


def test_a_built_teacher_is_measured_now(tmp_path, measured):
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    (teacher / "model.pt").write_bytes(b"weights")
    result = nlu.run(teacher, tmp_path / "shipped", 2, tmp_path / "none.json")
    assert len(measured) == 2 and result["rows"][0]["model"] == "teacher: fp32 PyTorch"
    assert result["teacher_recorded"] is None and "not built" not in nlu.markdown(result)


def test_neither_teacher_nor_record_is_a_clear_error(tmp_path, measured):
    with pytest.raises(HearthError, match="no fp32 PyTorch teacher") as info:
        nlu.run(tmp_path / "no-teacher", tmp_path / "shipped", 2, tmp_path / "missing.json")
    assert "models.nlu.build --out" in info.value.fix


def test_the_committed_record_is_readable():
    recorded = json.loads(nlu.TEACHER_RECORD.read_text())
    assert {"dev", "latency", "size_mb", "date", "machine", "command", "load_before"} <= recorded.keys()
