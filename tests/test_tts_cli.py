"""`hearth speak`: choosing and listing voices, as a user runs it."""

import json
import subprocess
import sys

import soundfile as sf


def hearth(*args):
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=120, check=False)


def test_list_voices_names_each_engine():
    r = hearth("speak", "--list-voices")
    assert r.returncode == 0, r.stderr
    rows = [line.split(None, 2) for line in r.stdout.splitlines()]
    assert ["gmw/en-us", "espeak", "English (America)"] in rows


def test_list_voices_json():
    r = hearth("speak", "--list-voices", "--json")
    assert r.returncode == 0, r.stderr
    voices = json.loads(r.stdout)
    assert {"id": "gmw/en-us", "name": "English (America)", "engine": "espeak"} in voices


def test_speak_with_a_chosen_voice_writes_normalized_speech(tmp_path):
    out = tmp_path / "said.wav"
    r = hearth("speak", "It is 7:30 and 21°C.", "--voice", "gmw/en-us", "--out", str(out))
    assert r.returncode == 0, r.stderr
    audio, rate = sf.read(out)
    assert rate == 22050 and len(audio) / rate > 2.0  # "seven thirty", "twenty-one degrees Celsius"


def test_unknown_voice_and_no_text_are_clear_errors():
    r = hearth("speak", "hello", "--voice", "xx/none", "--out", "/dev/null")
    assert r.returncode != 0 and "no espeak-ng voice" in r.stderr and "--list-voices" in r.stderr
    r = hearth("speak")
    assert r.returncode != 0 and "nothing to say" in r.stderr and "Traceback" not in r.stderr
