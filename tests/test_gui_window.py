"""The desktop window, driven like a user would: push-to-talk on a file-backed microphone,
Stop during speech and listening, banners for missing devices, settings that persist."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app.assistant import Assistant  # noqa: E402
from app.audio import FileSource  # noqa: E402
from app.config import Settings  # noqa: E402
from app.nlu.types import Entity, Understanding  # noqa: E402
from app.pipeline import Pipeline, PipelineOptions  # noqa: E402
from app.tts import TtsOptions  # noqa: E402
from tests.fakes import Announcing  # noqa: E402
from tests.speech import wer  # noqa: E402

SAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "assets" / "samples"
TIMER_WAV = SAMPLES / "01_set_a_timer_for_ten_minutes.wav"
TURN_TIMEOUT_MS = 60_000


class FakeNlu:
    """Stands in for the ONNX model: these tests are about the window, not understanding."""

    def understand(self, text):
        return Understanding(text=text, intent="timer_set", confidence=0.9,
                             entities=[Entity(type="duration", text="ten minutes", start=0, end=0, value=600)])


@dataclass
class FakeReply:
    text: str
    actions: list = field(default_factory=list)
    expects_reply: bool = False
    end_session: bool = False
    intent: str = ""


class FakeDialogue(Announcing):
    def handle(self, understanding, session="default", scene=None, direct=False):
        self.heard.append(understanding.text)
        return FakeReply(text=f"Timer set for ten minutes. You said: {understanding.text}",
                         actions=[{"timer": 1, "seconds": 600}], intent=understanding.intent)

    def world_snapshot(self):
        return {"rooms": {"kitchen": "kitchen"},
                "devices": [{"id": "light.kitchen", "kind": "light", "room": "kitchen", "name": "kitchen lights",
                             "state": {"on": True, "brightness": 80, "color": "red"}}],
                "timers": [{"id": 1, "label": "", "seconds": 600, "remaining_s": 600}], "alarms": [],
                "now_playing": None}


class BlockingPlayer:
    """A speaker that plays until stopped, so Stop can be observed mid-speech."""

    def __init__(self):
        self.playing = threading.Event()
        self._stop = threading.Event()
        self.stopped = False

    def play(self, speech):
        self.playing.set()
        self._stop.wait(30)

    def stop(self):
        self.stopped = True
        self._stop.set()


class EndlessSilence:
    """A microphone in a quiet room, paced like a real one."""

    def frames(self):
        import time

        while True:
            time.sleep(0.032)
            yield np.zeros(512, np.float32)

    def close(self):
        pass


@pytest.fixture
def make_window(qtbot, asr_engine):
    from app.gui.window import MainWindow
    from app.hardware import Hardware

    windows = []

    def make(microphone=None, player=None, speak=False, problems=None, settings=None):
        pipeline = Pipeline(PipelineOptions(speak=speak, tts=TtsOptions()), asr=asr_engine,
                            nlu=FakeNlu(), dialogue=FakeDialogue())
        assistant = Assistant(pipeline, player=player, microphone=microphone)
        window = MainWindow(settings or Settings.load(), assistant,
                            Hardware(microphone=microphone, player=player, problems=problems or {}))
        qtbot.addWidget(window)
        states: list[str] = []
        window.state_changed.connect(states.append)
        window.states = states
        with qtbot.waitSignal(window.ready, timeout=TURN_TIMEOUT_MS):
            window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def bubbles(window):
    return [(b.speaker, b.text.text()) for b in window.conversation.bubbles]


def test_push_to_talk_on_a_file_microphone_holds_a_turn(qtbot, make_window):
    from PySide6.QtCore import Qt

    window = make_window(microphone=lambda: FileSource(TIMER_WAV))
    levels = []
    window.bridge.level.connect(levels.append)
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        qtbot.mouseClick(window.talk, Qt.LeftButton)
    said = bubbles(window)
    assert [s for s, _ in said] == ["user", "hearth"]
    assert wer("set a timer for ten minutes", said[0][1]) <= 0.25
    assert said[1][1].startswith("Timer set for ten minutes")
    assert window.states[:3] == ["listening", "thinking", "idle"]
    assert max(levels) > 0.01
    details = window.conversation.bubbles[1]
    assert details.details is not None and not details.details.isVisibleTo(details)
    details.toggle.click()
    assert details.details.isVisibleTo(details)
    text = " ".join(w.text() for w in details.details.findChildren(type(details.text)))
    assert "timer_set" in text and "asr" in text and "duration" in text
    qtbot.waitUntil(lambda: bool(window.panels.timers.items), timeout=5000)  # the snapshot reached the panels
    assert "kitchen lights" in window.panels.home.rows["light.kitchen"].accessibleName().lower()


def test_space_bar_is_push_to_talk(qtbot, make_window):
    from PySide6.QtCore import Qt

    window = make_window(microphone=lambda: FileSource(TIMER_WAV))
    window.activateWindow()
    window.talk.setFocus()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        qtbot.keyPress(window.talk, Qt.Key_Space)
        qtbot.keyRelease(window.talk, Qt.Key_Space)
    assert [s for s, _ in bubbles(window)] == ["user", "hearth"]


def test_stop_interrupts_speaking_at_once(qtbot, make_window):
    player = BlockingPlayer()
    window = make_window(player=player, speak=True)
    window.text.setText("set a timer for ten minutes")
    with qtbot.waitSignal(window.state_changed, check_params_cb=lambda s: s == "speaking", timeout=TURN_TIMEOUT_MS):
        window.send.click()
    assert player.playing.is_set()
    with qtbot.waitSignal(window.request_done, timeout=5000):
        window.stop.click()
    assert player.stopped and window.state == "idle"
    assert bubbles(window)[-1][0] == "hearth"


def test_stop_cancels_listening_and_answers_nothing(qtbot, make_window):
    window = make_window(microphone=EndlessSilence)
    with qtbot.waitSignal(window.state_changed, check_params_cb=lambda s: s == "listening", timeout=5000):
        window.talk.click()
    with qtbot.waitSignal(window.request_done, timeout=5000):
        window.stop.click()
    assert window.state == "idle" and bubbles(window) == []


def test_hands_free_listens_again_after_a_reply_and_a_silent_follow_up_adds_no_note(qtbot, make_window):
    from PySide6.QtWidgets import QLabel

    opened = []  # each open of the microphone: the command once Talk is pressed, else a quiet room
    pressed = threading.Event()

    def microphone():
        command = pressed.is_set() and "command" not in opened
        opened.append("command" if command else "quiet")
        return FileSource(TIMER_WAV) if command else EndlessSilence()

    window = make_window(microphone=microphone)
    window.hands_free.setChecked(True)
    qtbot.waitUntil(lambda: opened == ["quiet"])  # hands-free waits for "hey hearth"
    pressed.set()
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        window.talk.click()
    # Talk ended the wait; one reply, then a follow-up window that closed by itself when nobody spoke
    assert opened[:2] == ["quiet", "command"] and opened[-1] == "quiet"
    assert window.states.count("listening") == 2 and window.state == "idle"
    assert Settings.load().hands_free
    labels = window.conversation.widget().findChildren(QLabel)
    assert not [w for w in labels if w.accessibleName().startswith("Note:")]  # silence after a reply is normal


def test_missing_devices_show_banners_and_typing_still_works(qtbot, make_window, monkeypatch):
    from app.hardware import detect, probe_camera, probe_gpu
    from app.stages import Stage

    hardware = detect(None, None)
    if hardware.microphone is not None:
        pytest.skip("this machine has a microphone; the no-microphone path needs one without")
    problems = dict(hardware.problems)
    problems[Stage.FUSION] = probe_camera("/nonexistent/camera.png")
    gpu = probe_gpu("gpu")
    if gpu is not None:
        problems[Stage.ASR] = gpu
    window = make_window(microphone=None, player=hardware.player, problems=problems)
    shown = window.banners.banners
    assert {Stage.LISTEN, Stage.FUSION} <= set(shown)
    for key, problem in problems.items():
        assert problem.message in shown[key].message.text()
        assert problem.fix and problem.fix in shown[key].fix.text()
    assert not window.talk.isEnabled()
    window.text.setText("set a timer for ten minutes")
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        window.send.click()
    assert [s for s, _ in bubbles(window)] == ["user", "hearth"]


def test_settings_persist_across_a_new_window(qtbot, make_window, monkeypatch):
    from app.gui.settings_dialog import SettingsDialog

    def edit_and_accept(dialog):
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.rate.setValue(210)
        dialog.silence.setValue(1200)
        dialog.hands_free.setChecked(True)
        dialog.compute.setCurrentIndex(dialog.compute.findData("cpu"))
        dialog.camera.setEditText("/tmp/frames")
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", edit_and_accept)
    first = make_window()
    first.open_settings()
    assert first.assistant.pipeline.options.tts.rate == 210
    assert first.assistant.pipeline.options.vad.trailing_silence_ms == 1200
    first.close()

    saved = Settings.load()
    assert (saved.theme, saved.speech_rate, saved.trailing_silence_ms, saved.hands_free, saved.compute_device,
            saved.camera) == ("dark", 210, 1200, True, "cpu", "/tmp/frames")
    second = make_window(settings=saved)
    assert second.hands_free.isChecked()
    assert second.assistant.pipeline.options.tts.rate == 210
    dialog = SettingsDialog(second.settings)
    assert dialog.theme.currentData() == "dark" and dialog.rate.value() == 210


def test_due_timers_are_announced_by_the_assistant_scheduler(qtbot, make_window):
    window = make_window()
    window.assistant.pipeline.dialogue.due.append(FakeReply(text="Your ten minute timer is done.", intent="timer"))
    qtbot.waitUntil(lambda: any("timer is done" in t for _, t in bubbles(window)), timeout=5000)


def test_a_command_changes_the_simulated_home_on_screen(qtbot, asr_engine):
    from app.dialogue import DialogueManager
    from app.gui.window import MainWindow
    from app.hardware import Hardware
    from app.nlu.onnx_model import OnnxNlu

    pipeline = Pipeline(PipelineOptions(), asr=asr_engine, nlu=OnnxNlu(), dialogue=DialogueManager())
    window = MainWindow(Settings.load(), Assistant(pipeline), Hardware())
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=TURN_TIMEOUT_MS):
        window.show()
    qtbot.waitUntil(lambda: "light.kitchen" in window.panels.home.rows, timeout=5000)
    assert window.panels.home.rows["light.kitchen"].text().startswith("off")
    window.text.setText("turn on the kitchen lights")
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        window.send.click()
    assert window.panels.home.rows["light.kitchen"].text().startswith("on")
    assert bubbles(window)[-1][0] == "hearth"
    window.close()
