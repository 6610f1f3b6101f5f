"""The command line, run as a user runs it: a subprocess, JSON on stdout, clear errors on stderr."""

import json
import subprocess
import sys

import pytest
import soundfile as sf

from tests.speech import FIXTURES, wer


def hearth(*args, input=None):
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, input=input,
                          timeout=300)


def test_version():
    r = hearth("--version")
    assert r.returncode == 0 and r.stdout.startswith("hearth ")


def test_listen_json_one_object_per_file_in_order():
    files = [FIXTURES / "goforward.wav", FIXTURES / "jfk.wav"]
    r = hearth("listen", *map(str, files), "--json", "--no-understand")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["file"] for row in rows] == [str(f) for f in files]
    assert wer("go forward ten meters", rows[0]["transcript"]) <= 0.25
    for row in rows:
        assert {"audio", "vad", "asr", "total"} <= set(row["timings_ms"])


def test_listen_bad_file_reports_and_keeps_going(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"garbage")
    r = hearth("listen", str(bad), str(FIXTURES / "goforward.wav"), "--json", "--no-understand")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert "cannot decode" in rows[0]["error"]["message"] and rows[0]["error"]["fix"]
    assert rows[1]["transcript"]
    assert r.returncode == 1


def test_speak_writes_a_wav(tmp_path):
    out = tmp_path / "reply.wav"
    r = hearth("speak", "Hello from Hearth", "--out", str(out))
    assert r.returncode == 0, r.stderr
    data, rate = sf.read(out)
    assert len(data) / rate > 0.5


def test_speak_without_a_speaker_is_a_clear_error():
    from app.audio.source import list_output_devices

    if list_output_devices():
        pytest.skip("this machine has a speaker")
    r = hearth("speak", "Hello")
    assert r.returncode == 2
    assert "no speaker" in r.stderr and "fix:" in r.stderr and "Traceback" not in r.stderr


def test_doctor_json_reports_devices_and_models():
    r = hearth("doctor", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert isinstance(data["input_devices"], list) and isinstance(data["output_devices"], list)
    assert data["camera"].get("ok") or data["camera"]["error"]
    asr = [m for m in data["models"] if m["model"] == "asr"]
    assert asr and all(m["ok"] and len(m["sha256"]) == 64 for m in asr)
    checked = {m["model"] for m in data["models"] if m["ok"]}
    assert {"vad", "turn", "nlu", "wake", "vision"} <= checked  # every model the app ships is hashed
    assert "CPUExecutionProvider" in data["gpu"]["onnxruntime_providers"]
    assert data["tts_voices"] > 0


def test_missing_file_is_a_clear_error():
    r = hearth("listen", "/nonexistent.wav", "--no-understand")
    assert r.returncode == 1 and "not found" in r.stderr and "Traceback" not in r.stderr


def test_unreadable_inputs_and_outputs_are_clear_errors(tmp_path):
    r = hearth("nlu", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = hearth("speak", "hello", "--out", str(blocker / "reply.wav"))  # a file where a folder should be
    assert r.returncode == 2 and "cannot write" in r.stderr and "Traceback" not in r.stderr


def test_toolchain_commands_without_the_train_extra_say_how_to_get_it():
    code = "import sys; sys.modules['torch'] = None\nfrom app.cli import main\nraise SystemExit(main(['models', 'build', 'nlu', '--tiny']))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "train" in r.stderr and "Traceback" not in r.stderr
