"""`hearth talk` and `hearth chat` as a user runs them: the real models in a subprocess, and
timers that ring by themselves while the conversation waits."""

from __future__ import annotations

import json
from datetime import datetime

from tests.speech import FIXTURES, synthesize
from tests.test_cli import hearth


def rows(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_talk_demo_answers_then_rings_the_timer_while_lingering(tmp_path):
    wav = synthesize("set a timer for five seconds", tmp_path / "timer.wav")
    r = hearth("talk", "--demo", str(wav), "--linger", "8", "--json")
    assert r.returncode == 0, r.stderr
    turn, ring = [row for row in rows(r.stdout) if "transcript" in row or "announcement" in row]
    assert turn["file"] == str(wav) and "timer" in turn["transcript"].lower()
    assert "five seconds" in turn["reply"] and turn["actions"] and "listen" in turn["timings_ms"]
    assert "Time's up" in ring["announcement"]
    assert datetime.fromisoformat(ring["due"])  # ISO 8601
    assert "Traceback" not in r.stderr


def test_talk_demo_reports_a_bad_file_and_goes_on(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    r = hearth("talk", "--demo", str(bad), str(FIXTURES / "goforward.wav"), "--json")
    assert r.returncode == 0, r.stderr
    found = rows(r.stdout)
    errors = [row["error"] for row in found if "error" in row and "transcript" not in row]
    assert any(e["code"] == "audio_unreadable" and e["stage"] == "audio" and e["fix"] for e in errors)
    assert any(row.get("transcript") for row in found)


def test_talk_without_a_microphone_says_what_to_do_instead():
    from app.audio.source import list_input_devices

    if list_input_devices():
        return  # this machine has a microphone: nothing to check here
    r = hearth("talk")
    assert r.returncode == 2
    assert "no microphone" in r.stderr and "--demo" in r.stderr and "Traceback" not in r.stderr


def test_chat_rings_a_timer_while_waiting_for_input():
    r = hearth("chat", "--linger", "5", input="set a timer for two seconds\nturn on the kitchen lights\n")
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if "hearth>" in line]
    assert "two seconds" in lines[0] and "kitchen" in lines[1]
    assert "Time's up" in lines[2]


def test_chat_json_prints_one_object_per_turn_and_stops_at_quit():
    r = hearth("chat", "--json", input="turn on the kitchen lights\nquit\nturn off the kitchen lights\n")
    assert r.returncode == 0, r.stderr
    (turn,) = rows(r.stdout)
    assert turn["intent"] == "iot_hue_lighton" and "kitchen" in turn["reply"]
    assert turn["actions"] == [{"device": "light.kitchen", "set": {"on": True}}]


def test_typed_lines_that_are_not_utf8_become_replacement_characters():
    from app.terminal import typed

    line = b"turn off the \xff lights\n".decode("utf-8", "surrogateescape")
    assert typed(line) == "turn off the \ufffd lights"
    assert typed("  plain  ") == "plain"


def test_timings_show_work_done_while_the_user_spoke_at_its_real_time():
    from app.terminal import timings_line

    timings = {"total": 30.0, "asr": 0.2, "listen": 2100.0, "nlu": 3.4}
    assert timings_line(timings) == "listen 2100 ms, asr 0 ms, nlu 3 ms, total 30 ms"
    during = {"asr": 48.4, "vad": 4.0}
    assert timings_line(timings, during) == ("listen 2100 ms, vad 4 ms (while you spoke), asr 48 ms (while you spoke), "
                                             "nlu 3 ms, total 30 ms")
    waited = timings_line({**timings, "asr": 12.3}, during, "  ·  ")
    assert "asr 48 ms (while you spoke; waited 12 ms)  ·  nlu 3 ms" in waited


def test_talk_wake_demo_answers_each_hey_hearth_in_one_recording_and_reports_a_bad_file(tmp_path):
    """The recording plays on like a room: the second request, later in the same file, is heard too."""
    import numpy as np

    from app.audio import load_audio, save_wav

    said = [load_audio(synthesize(text, tmp_path / f"{i}.wav")) for i, text in
            enumerate(["hey hearth, go forward ten meters", "hey hearth, turn the volume down"])]
    gap = np.zeros(24000, np.float32)
    wav = save_wav(tmp_path / "room.wav", np.concatenate([gap, said[0], gap, gap, said[1], gap]))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    r = hearth("talk", "--wake", "--demo", str(bad), str(wav), "--json")
    assert r.returncode == 0, r.stderr
    found = rows(r.stdout)
    heard = [row["transcript"].lower() for row in found if row.get("transcript")]
    assert len(heard) == 2 and "forward" in heard[0] and "volume" in heard[1], heard
    assert any(row["error"]["code"] == "audio_unreadable" for row in found if "error" in row and "transcript" not in row)


def test_a_press_that_heard_nothing_says_so_once_and_a_follow_up_in_silence_does_not(capsys):
    from types import SimpleNamespace

    from app.errors import NoSpeech
    from app.events import FinalTranscript, HeardNothing, TurnDone
    from app.terminal import TerminalView

    view = TerminalView(as_json=False, echo_user=False)
    view.says_heard_nothing = True
    view.awaiting_words = True  # Enter was pressed
    view(HeardNothing())
    view(TurnDone(turn=SimpleNamespace(reply=None, error=NoSpeech("no speech detected", "speak up"))))
    view(HeardNothing())  # a follow-up window closing in silence: normal
    assert capsys.readouterr().out == f"hearth> {HeardNothing.MESSAGE} (`hearth doctor` lists the microphones).\n"
    view.awaiting_words = True
    view(FinalTranscript(text="what time is it"))
    view(HeardNothing())  # the question's follow-up window, after words were heard
    assert capsys.readouterr().out == ""
