"""Devices plugged in after start-up, on a private PulseAudio (tests/conftest.py: sound_server),
and the Settings dialog looking again once Hearth is done with the sound device.

"Plugging in" adds a null sink and its ALSA device while Hearth runs, which PortAudio, like a USB
headset's sound card, only sees after it re-initialises. Each scenario runs in its own process, so
PortAudio starts there on the test's sound server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = """
import json, os, subprocess, threading, time
import numpy as np
from app.audio import portaudio
from app.audio.source import list_input_devices, list_output_devices
from app.tts import Speech

def plug(name):
    '''A speaker `name` (a null sink) and a microphone `name`_mic (its monitor), as ALSA devices.'''
    subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={name}"], check=True, capture_output=True)
    subprocess.run(["pactl", "set-default-sink", "hearth_test"], check=True)  # plugging in moves nothing
    with open(os.path.expanduser("~/.asoundrc"), "a") as rc:
        rc.write(f'pcm.{name} {{ type pulse device {name} hint {{ show on description "{name}" }} }}\\n'
                 f'pcm.{name}_mic {{ type pulse device {name}.monitor hint {{ show on description "{name}" }} }}\\n')

def names(found):
    return [d["name"] for d in found]

def index_of(kind, name):
    for line in subprocess.run(["pactl", "list", "short", kind], capture_output=True, text=True).stdout.splitlines():
        if line.split("\\t")[1] == name:
            return line.split("\\t")[0]

def used(kind):
    '''The sinks (kind sink-inputs) or sources (source-outputs) Hearth's streams are on now.'''
    lines = subprocess.run(["pactl", "list", "short", kind], capture_output=True, text=True).stdout.splitlines()
    return sorted(line.split("\\t")[1] for line in lines)

tone = Speech((np.sin(np.arange(48000) * 0.05) * 0.1).astype(np.float32), 48000)  # 1 s
"""


def run(env: dict, script: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PRELUDE + script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_device_plugged_in_after_start_up_is_listed_and_offered_in_settings(sound_server):
    seen = run(sound_server, """
before = names(list_output_devices())
plug("hearth_usb")
cached = names(list_output_devices())
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.config import Settings
from app.gui.settings_dialog import SettingsDialog
dialog = SettingsDialog(Settings())  # looks again as it opens
offered = [dialog.output_device.findData("hearth_usb") >= 0, dialog.input_device.findData("hearth_usb_mic") >= 0]
plug("hearth_usb2")
dialog.refresh.click()
offered.append(dialog.output_device.findData("hearth_usb2") >= 0)
print(json.dumps({"before": before, "cached": cached, "offered": offered,
                  "after": names(list_output_devices())}))
""")
    assert "hearth_usb" not in seen["before"] + seen["cached"]  # PortAudio's own list is as of its start
    assert seen["offered"] == [True, True, True]
    assert {"hearth_usb", "hearth_usb2"} <= set(seen["after"])


def test_a_rescan_never_pulls_a_stream_from_under_hearth(sound_server):
    seen = run(sound_server, """
from app.audio.player import Player
from app.audio.source import MicrophoneSource
mic = MicrophoneSource(timeout_s=10)  # an idle null sink's monitor sends its first block late
frames = mic.frames()
next(frames)
plug("hearth_usb")
refused = portaudio.rescan()  # the microphone is open: not now
heard = sum(len(next(frames)) for _ in range(5))  # and it is still listening
during = "hearth_usb" in names(list_output_devices())
mic.close()
after_mic = "hearth_usb" in names(list_output_devices())  # looked again as soon as it closed

player, speaking, errors = Player(), threading.Event(), []
def speak():
    try:
        player.play(tone, on_first_audio=speaking.set)
    except Exception as exc:
        errors.append(repr(exc))
t = threading.Thread(target=speak)
t.start()
speaking.wait(5)
plug("hearth_usb2")
refused_speaking = portaudio.rescan(wait_s=0.05)
t.join(10)
print(json.dumps({"refused": [refused, refused_speaking], "heard": heard, "during": during, "after_mic": after_mic,
                  "errors": errors, "after_speech": portaudio.rescan()
                  and "hearth_usb2" in names(list_output_devices())}))
""")
    assert seen["refused"] == [False, False] and seen["heard"] == 5 * 512 and seen["errors"] == []
    assert not seen["during"] and seen["after_mic"] and seen["after_speech"]


def test_a_device_change_applies_from_the_next_reply_and_listen_without_restart(sound_server):
    seen = run(sound_server, """
from app.assistant import Assistant
from app.audio.player import Player
from app.hardware import Microphone
from app.pipeline import Pipeline, PipelineOptions
assistant = Assistant(Pipeline(PipelineOptions()), player=Player(), microphone=Microphone(None))
assert list_output_devices()  # PortAudio has started
plug("hearth_usb")  # after start-up, and no rescan: choosing it is enough

speaking, sinks = threading.Event(), {}
t = threading.Thread(target=assistant.player.play, args=(tone,), kwargs={"on_first_audio": speaking.set})
t.start()
speaking.wait(5)
assistant.set_speaker("hearth_usb")  # mid-reply
time.sleep(0.2)
sinks["mid_reply"] = used("sink-inputs")
t.join(10)
speaking.clear()
t = threading.Thread(target=assistant.player.play, args=(tone,), kwargs={"on_first_audio": speaking.set})
t.start()
speaking.wait(5)
sinks["next_reply"] = used("sink-inputs")
assistant.stop()
t.join(10)

assistant.set_microphone("hearth_usb_mic")
source = assistant.microphone()
sources = used("source-outputs")
source.close()
print(json.dumps({"sinks": sinks, "sources": sources,
                  "expected": [index_of("sinks", "hearth_test"), index_of("sinks", "hearth_usb"),
                               index_of("sources", "hearth_usb.monitor")]}))
""")
    old, new, new_mic = seen["expected"]
    assert seen["sinks"] == {"mid_reply": [old], "next_reply": [new]}  # the reply in hand ends where it began
    assert seen["sources"] == [new_mic]


def test_settings_look_again_once_hearth_is_done_with_the_sound_device(qtbot, monkeypatch):
    """Opened while Hearth speaks, Settings cannot rescan yet; it tries again until it can."""
    import app.gui.settings_dialog as dialog_module
    from app.config import Settings

    portaudio = {"busy": True, "listed": []}

    def rescan() -> bool:
        if not portaudio["busy"]:
            portaudio["listed"] = [{"name": "USB Speaker"}]  # plugged in since the last look
        return not portaudio["busy"]

    monkeypatch.setattr(dialog_module, "rescan", rescan)
    monkeypatch.setattr(dialog_module, "list_output_devices", lambda: list(portaudio["listed"]))
    dialog = dialog_module.SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.output_device.findData("USB Speaker") < 0 and dialog._rescan_later.isActive()
    portaudio["busy"] = False  # the reply is over
    qtbot.waitUntil(lambda: dialog.output_device.findData("USB Speaker") >= 0, timeout=5000)
    assert not dialog._rescan_later.isActive()
