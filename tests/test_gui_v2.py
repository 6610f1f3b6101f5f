"""Desktop app v2 (issue 19), the GUI half: the tray and background mode, autostart, panels that
drive the skills, history, honest states, the keyboard, settings, and the small things."""

from __future__ import annotations

import stat
import sys
import threading

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import QAbstractSlider, QApplication  # noqa: E402

from app.assistant import Assistant  # noqa: E402
from app.audio.source import FileSource, Silence  # noqa: E402
from app.config import Settings  # noqa: E402
from app.errors import DeviceError, HearthError  # noqa: E402
from app.events import Announcement  # noqa: E402
from app.gui import taps  # noqa: E402
from app.gui.chime import SAMPLE_RATE as CHIME_RATE  # noqa: E402
from app.hardware import Hardware, Microphone  # noqa: E402
from app.nlu.types import Entity, Understanding  # noqa: E402
from app.pipeline import Pipeline, PipelineOptions  # noqa: E402
from app.stages import Stage  # noqa: E402
from app.tts import TtsOptions  # noqa: E402
from tests.test_gui_window import TIMER_WAV, TURN_TIMEOUT_MS, FakeDialogue, FakeNlu, FakeReply  # noqa: E402


class RecordingPlayer:
    """A speaker that plays at once and remembers what it played."""

    def __init__(self):
        self.played = []

    def play(self, speech):
        self.played.append(speech)

    def stop(self):
        pass


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """The autostart entry goes to XDG_CONFIG_HOME: never the real ~/.config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def make(qtbot, asr_engine):
    from app.gui.window import MainWindow

    windows = []

    def make(dialogue=None, microphone=None, player=None, tray=False, settings=None, problems=None, ready=True,
             preload=None):
        pipeline = Pipeline(PipelineOptions(speak=False, tts=TtsOptions()), asr=asr_engine, nlu=FakeNlu(),
                            dialogue=dialogue or FakeDialogue())
        if preload is not None:
            pipeline.preload = preload
        assistant = Assistant(pipeline, player=player, microphone=microphone)
        window = MainWindow(settings or Settings.load(), assistant,
                            Hardware(microphone=microphone, player=player, problems=problems or {}), tray=tray)
        qtbot.addWidget(window)
        windows.append(window)
        if ready:
            with qtbot.waitSignal(window.ready, timeout=TURN_TIMEOUT_MS):
                window.show()
        return window

    yield make
    for window in windows:
        window.quit_app()


@pytest.fixture
def home_window(make):
    """A window over the real dialogue manager and its simulated home."""
    from app.dialogue import DialogueManager

    def build(**kw):
        window = make(dialogue=DialogueManager(), **kw)
        window.panels.setMinimumWidth(420)
        return window

    return build


def texts(window):
    return [(b.speaker, b.text.text()) for b in window.conversation.bubbles]


def notes(window):
    from PySide6.QtWidgets import QLabel

    return [w.text() for w in window.conversation.widget().findChildren(QLabel) if w.accessibleName().startswith("Note:")]


def done(qtbot, window, action):
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        action()


def activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)


# -- 1. background mode, tray, autostart ------------------------------------------------------
def test_closing_hides_to_the_tray_and_timers_still_ring_with_a_chime_and_a_notification(qtbot, make):
    player = RecordingPlayer()
    window = make(player=player, tray=True)
    notified = []
    window.tray.notify = lambda title, text: notified.append((title, text))
    window.close()
    assert not window.isVisible() and not window.assistant._closing.is_set()
    window.assistant.pipeline.dialogue.due.append(
        FakeReply(text="Time's up! Your timer for ten minutes is done.", actions=[{"timer": 1, "fired": True}],
                  intent="alarm_set"))
    qtbot.waitUntil(lambda: bool(notified), timeout=5000)
    assert notified == [("Timer", "Time's up! Your timer for ten minutes is done.")]
    assert window.conversation.bubbles[-1].head.text() == "Hearth  ·  Timer"
    qtbot.waitUntil(lambda: bool(player.played), timeout=5000)
    assert player.played[0].sample_rate == CHIME_RATE and 0.3 < player.played[0].duration_s < 1.5

    window.tray.toggle_window()  # the tray's Show
    assert window.isVisible()
    quit_action = next(a for a in window.tray.menu.actions() if a.text() == "Quit Hearth")
    with qtbot.waitSignal(window.quit_requested) as quit_:
        quit_action.trigger()
    assert quit_.args == [0] and window.assistant._closing.is_set() and not window.isVisible()


def test_without_a_tray_closing_quits_and_settings_say_so(qtbot, make):
    from app.gui.settings_dialog import NO_TRAY_NOTE, SettingsDialog

    window = make(tray=False)
    assert window.tray is None
    window.close()
    assert window.assistant._closing.is_set()
    def shown(dialog):
        qtbot.addWidget(dialog)
        return " ".join(label.text() for label in dialog.findChildren(type(window.hint)))

    assert NO_TRAY_NOTE in shown(SettingsDialog(Settings(), tray=False))
    assert NO_TRAY_NOTE not in shown(SettingsDialog(Settings(), tray=True))


def test_the_autostart_setting_writes_and_removes_the_login_entry(qtbot, make, monkeypatch, tmp_path):
    from app.gui.autostart import entry_path
    from app.gui.settings_dialog import SettingsDialog

    wanted = {"on": True}

    def accept(dialog):
        dialog.autostart.setChecked(wanted["on"])
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    window = make()
    window.open_settings()
    entry = entry_path()
    assert entry == tmp_path / "xdg-config" / "autostart" / "hearth.desktop"
    text = entry.read_text()
    assert f"Exec={sys.executable} -m app gui" in text and "Name=Hearth" in text and "TryExec" not in text
    assert Settings.load().autostart
    wanted["on"] = False
    window.open_settings()
    assert not entry.exists() and not Settings.load().autostart


# -- 2. panels drive the skills -----------------------------------------------------------------
def test_light_and_plug_controls_run_the_skills_and_show_as_turns(qtbot, home_window):
    window = home_window()
    home = window.panels.home
    qtbot.waitUntil(lambda: "light.kitchen" in home.devices and home.devices["light.kitchen"].switch.isVisible(),
                    timeout=5000)
    kitchen = home.devices["light.kitchen"]
    assert not kitchen.switch.isChecked() and kitchen.brightness.isHidden()
    done(qtbot, window, lambda: qtbot.mouseClick(kitchen.switch, Qt.LeftButton))
    assert home.rows["light.kitchen"].text().startswith("on") and kitchen.switch.isChecked()
    assert texts(window)[-2:] == [("user", "turn on the light in the kitchen"),
                                  ("hearth", "Sure, the kitchen lights are now on.")]
    assert window.conversation.bubbles[-2].head.text() == "You  ·  panel"

    done(qtbot, window, lambda: kitchen.brightness.setValue(40))  # keys or the wheel: asks once it rests
    assert "40%" in home.rows["light.kitchen"].text() and kitchen.brightness.value() == 40
    blue = next(a for a in kitchen.color.menu().actions() if a.text() == "blue")
    done(qtbot, window, blue.trigger)
    assert "blue" in home.rows["light.kitchen"].text()
    assert texts(window)[-1][1].endswith("blue now.") or "blue" in texts(window)[-1][1]

    plug = home.devices["plug.office"]
    done(qtbot, window, plug.switch.click)
    assert home.rows["plug.office"].text() == "on" and plug.switch.text() == "On"


def test_vacuum_coffee_timer_media_and_list_controls(qtbot, home_window):
    window = home_window()
    home, panels = window.panels.home, window.panels
    qtbot.waitUntil(lambda: "vacuum.hallway" in home.devices, timeout=5000)
    vacuum = home.devices["vacuum.hallway"]
    done(qtbot, window, vacuum.vacuum.click)
    assert home.rows["vacuum.hallway"].text().startswith("cleaning") and vacuum.vacuum.text() == "Dock"
    done(qtbot, window, vacuum.vacuum.click)
    assert home.rows["vacuum.hallway"].text() == "docked"
    brew = next(b for b in home.devices["coffee_maker.kitchen"].findChildren(type(vacuum.vacuum)) if b.text() == "Brew")
    done(qtbot, window, brew.click)
    assert home.rows["coffee_maker.kitchen"].text().startswith("brewing")

    set_timer = Understanding("set a timer for ten minutes", "alarm_set", 1.0, [Entity("time", "ten minutes", 16, 27)])
    done(qtbot, window, lambda: window.act(set_timer))
    [row] = panels.timers.rows.values()
    due = row.item["due"]
    done(qtbot, window, row.more.click)
    assert (row.item["due"] - due).total_seconds() == pytest.approx(60, abs=1)
    assert texts(window)[-1] == ("hearth", "I've added one minute to your timer.")
    done(qtbot, window, row.cancel.click)
    assert panels.timers.rows == {} and "cancelled" in texts(window)[-1][1]

    media = panels.now_playing
    assert media.play.text() == "Play" and not media.next.isEnabled()
    done(qtbot, window, media.play.click)
    first = media.playing["title"]
    assert media.play.text() == "Pause" and media.next.isEnabled()
    done(qtbot, window, media.next.click)
    second = media.playing["title"]
    assert second != first
    done(qtbot, window, media.play.click)
    assert media.playing is None and media.play.text() == "Play" and texts(window)[-1] == ("hearth", f"I've paused {second}.")
    done(qtbot, window, media.play.click)
    assert media.playing["title"] == second and texts(window)[-1] == ("hearth", f"Resuming {second}.")
    with qtbot.waitSignal(window.request_done, timeout=TURN_TIMEOUT_MS):
        media.volume.setSliderDown(True)
        media.volume.setValue(70)
        media.volume.setSliderDown(False)  # let go: asks now
    assert home.rows["speaker.living_room"].text() == "volume 70"
    done(qtbot, window, media.mute.click)
    assert media.mute.isChecked() and "muted" in home.rows["speaker.living_room"].text()

    assert panels.lists.isHidden()
    done(qtbot, window, lambda: window.act(taps.add_item("shopping", "eggs")))
    card = panels.lists.cards["shopping"]
    assert not panels.lists.isHidden() and card.items == ["eggs"]
    card.entry.setText("milk")
    done(qtbot, window, card.entry.returnPressed.emit)
    assert card.items == ["eggs", "milk"]
    eggs = next(b for b in card.findChildren(type(window.hands_free)) if b.text() == "eggs")
    done(qtbot, window, eggs.click)
    assert card.items == ["milk"] and texts(window)[-1] == ("hearth", "I've removed eggs from your shopping list.")


def test_a_timer_tap_names_its_timer_and_is_not_context_for_speech(tmp_path):
    from app.dialogue import DialogueManager

    dm = DialogueManager(tmp_path / "h.db")
    for words in ("ten minutes", "five minutes"):
        dm.handle(Understanding(f"set a timer for {words}", "alarm_set", 1.0, [Entity("time", words, 16, 16 + len(words))]))
    ten, five = sorted(dm.world_snapshot()["timers"], key=lambda t: -t["seconds"])
    reply = dm.handle(taps.cancel({"kind": "timer", "id": ten["id"]}))
    assert reply.actions == [{"alarm": ten["id"], "removed": True}]
    assert [t["id"] for t in dm.world_snapshot()["timers"]] == [five["id"]]
    assert dm.handle(taps.cancel({"kind": "timer", "id": ten["id"]})).text.startswith("I couldn't find that one")
    gone = dm.handle(taps.add_minute({"kind": "timer", "id": ten["id"]}))
    assert gone.text == "That one has already gone off." and len(dm.world_snapshot()["timers"]) == 1
    dm.close()


# -- 3. history and announcement labels ---------------------------------------------------------
def test_history_survives_a_restart_and_can_be_cleared(qtbot, make):
    from app.config import home

    first = make()
    first.text.setText("set a timer for ten minutes")
    done(qtbot, first, first.send.click)
    said = texts(first)
    assert [s for s, _ in said] == ["user", "hearth"]
    first.quit_app()
    saved = home() / "conversation.jsonl"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    second = make()
    assert texts(second) == said
    assert second.conversation.bubbles[1].toggle is not None  # details come back too
    second.clear_history.click()
    assert texts(second) == [] and not saved.exists()
    assert texts(make()) == []


def test_keep_history_off_writes_nothing(qtbot, make):
    from app.config import home

    window = make(settings=Settings(keep_history=False))
    window.text.setText("hello")
    done(qtbot, window, window.send.click)
    assert len(texts(window)) == 2 and not (home() / "conversation.jsonl").exists()


@pytest.mark.parametrize("actions, intent, label", [
    ([{"timer": 3, "fired": True}], "alarm_set", "Timer"), ([{"alarm": 4, "fired": True}], "alarm_set", "Alarm"),
    ([{"event": 5, "fired": True}], "calendar_set", "Reminder"), ([], "system_notice", "Notice")])
def test_announcements_are_labelled_by_what_rang(actions, intent, label):
    from app.gui.window import announcement_label

    assert announcement_label(Announcement(text="x", intent=intent, actions=actions)) == label


# -- 4. honest states ---------------------------------------------------------------------------
def test_loading_until_the_models_are_warm(qtbot, make):
    gate = threading.Event()
    window = make(ready=False, preload=lambda audio=True: gate.wait(30))
    window.show()
    assert "Loading" in window.state_pill.text() and window.loading
    with qtbot.waitSignal(window.ready, timeout=TURN_TIMEOUT_MS):
        gate.set()
    assert "Ready" in window.state_pill.text()


def test_a_silent_talk_says_it_heard_nothing(qtbot, make):
    window = make(microphone=lambda: Silence(1.0))
    done(qtbot, window, window.talk.click)
    assert texts(window) == [] and len(notes(window)) == 1 and "didn't hear anything" in notes(window)[0]


def test_the_level_test_shows_a_working_a_silent_and_a_missing_microphone(qtbot):
    from app.gui.level_test import LevelTest

    def run(open_source):
        test = LevelTest(lambda: None, open_source)
        qtbot.addWidget(test)
        test.button.click()
        qtbot.waitUntil(test.button.isEnabled, timeout=10_000)
        return test.status.text()

    assert run(lambda device: FileSource(TIMER_WAV)).startswith("The microphone works")
    assert run(lambda device: Silence(0.5)).startswith("Only silence")

    def missing(device):
        raise DeviceError("no microphone found", "plug in a microphone")

    assert run(missing) == "No microphone found. Plug in a microphone."


# -- 5. keyboard and accessibility ----------------------------------------------------------------
def test_tab_order_and_no_details_in_the_tab_chain(qtbot, make):
    window = make(microphone=lambda: Silence(0.1))
    for text in ("one", "two", "three"):
        window.text.setText(text)
        done(qtbot, window, window.send.click)
    activate(qtbot, window)
    window.talk.setFocus()
    seen = []
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [window.stop, window.hands_free, window.text, window.send, window.settings_button]
    toggles = [b.toggle for b in window.conversation.bubbles if b.toggle is not None]
    assert len(toggles) == 3 and all(t.focusPolicy() == Qt.NoFocus for t in toggles)


def test_every_tab_stop_shows_its_focus_in_both_themes(qtbot, make):
    window = make(microphone=lambda: Silence(0.1))
    activate(qtbot, window)
    for theme in ("light", "dark"):
        window.apply_settings(Settings(theme=theme))
        for widget in (window.talk, window.stop, window.hands_free, window.text, window.send, window.settings_button):
            window.conversation.setFocus()
            unfocused = widget.grab().toImage()
            widget.setFocus()
            assert widget.hasFocus()
            assert widget.grab().toImage() != unfocused, f"{widget.accessibleName()} shows no focus ({theme})"


def test_without_a_microphone_space_presses_nothing_and_enter_does(qtbot, make):
    window = make(microphone=None)
    activate(qtbot, window)
    window.hands_free.setFocus()
    qtbot.keyClick(window.hands_free, Qt.Key_Space)
    assert not window.hands_free.isChecked() and "No microphone" in window.hint.text()
    qtbot.keyClick(window.hands_free, Qt.Key_Return)
    assert window.hands_free.isChecked()


def test_opening_details_keeps_the_view_and_new_turns_follow(qtbot, make):
    window = make()
    view = window.conversation
    for i in range(30):
        view.add("hearth", f"reply {i}", [("Intent", "x")])
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=3000)
    bar.triggerAction(QAbstractSlider.SliderToMinimum)  # the user scrolls to the top
    seen = []
    bar.valueChanged.connect(seen.append)
    view.bubbles[0].toggle.click()
    qtbot.wait(100)
    assert view.bubbles[0].details.isVisible()
    assert all(value < bar.maximum() // 4 for value in [bar.value(), *seen]), "the view jumped"
    view.add("hearth", "a new reply")
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=3000)


def test_arrow_keys_reach_details_and_names_say_which_message(qtbot, make):
    window = make(problems={Stage.SPEAK: DeviceError("no speaker or audio output found", "connect a speaker")})
    window.conversation.add("user", "hello")
    window.conversation.add("hearth", "hi there", [("Intent", "greet")])
    activate(qtbot, window)
    window.conversation.setFocus()
    qtbot.keyClick(window.conversation, Qt.Key_Up)
    last = window.conversation.bubbles[-1]
    assert window.conversation.current is last and last.accessibleName() == "Hearth said: hi there"
    qtbot.keyClick(window.conversation, Qt.Key_Return)
    assert last.toggle.isChecked() and last.details.isVisibleTo(last)
    qtbot.keyClick(window.conversation, Qt.Key_Up)
    assert window.conversation.current.accessibleName() == "You said: hello"
    banner = window.banners.banners[Stage.SPEAK]
    assert banner.accessibleName() == "Problem: Speaker: no speaker or audio output found"
    assert "connect a speaker" in banner.toolTip()


# -- 6. settings ----------------------------------------------------------------------------------
def test_voices_are_grouped_by_language_with_english_first():
    from app.gui.voice_picker import voice_groups

    groups = voice_groups([("gmw/af", "Afrikaans"), ("gmw/en-us", "English (America)"),
                           ("gmw/en", "English (Great Britain)"), ("roa/fr", "French (France)")])
    assert list(groups) == ["English", "Afrikaans", "French"]
    assert groups["English"] == [("English (America)", "gmw/en-us"), ("English (Great Britain)", "gmw/en")]
    assert groups["Afrikaans"] == [("Afrikaans", "gmw/af")]


def test_the_voice_picker_shows_names_and_previews_on_the_speaker(qtbot):
    from app.gui.voice_picker import VoicePicker

    voices = [("gmw/en-us", "English (America)"), ("gmw/en", "English (Great Britain)")]
    silent = VoicePicker("gmw/en", None, lambda: 175, voices)
    qtbot.addWidget(silent)
    model = silent.combo.model()
    labels = [model.item(i).text() for i in range(model.rowCount())]
    assert labels == ["Default", "English", "English (America)", "English (Great Britain)"]
    assert model.item(1).flags() == Qt.NoItemFlags and silent.voice() == "gmw/en"
    assert not silent.preview.isEnabled() and "No speaker" in silent.preview.toolTip()
    kept = VoicePicker("xx/gone", None, lambda: 175, voices)
    qtbot.addWidget(kept)
    assert kept.voice() == "xx/gone"

    player = RecordingPlayer()
    picker = VoicePicker("gmw/en-us", player, lambda: 175, voices)
    qtbot.addWidget(picker)
    try:
        from app.tts import synthesize

        synthesize("test")
    except HearthError:
        pytest.skip("no espeak-ng to synthesize a preview with")
    picker.preview.click()
    qtbot.waitUntil(picker.preview.isEnabled, timeout=10_000)
    assert len(player.played) == 1 and player.played[0].duration_s > 0.5


def test_installed_voices_have_readable_names():
    from app.tts import voice_names

    try:
        voices = voice_names()
    except HearthError:
        pytest.skip("no espeak-ng")
    names = dict(voices)
    assert names.get("gmw/en-us") == "English (America)"


def test_refresh_lists_new_devices_and_a_device_change_applies_at_once(qtbot, make, monkeypatch):
    import app.gui.settings_dialog as dialog_module
    import app.gui.window as window_module
    from app.gui.settings_dialog import SettingsDialog

    plugged = []
    monkeypatch.setattr(dialog_module, "list_input_devices", lambda: list(plugged))
    dialog = SettingsDialog(Settings(input_device=None))
    qtbot.addWidget(dialog)
    assert dialog.input_device.findData("USB Mic") < 0
    plugged.append({"name": "USB Mic"})
    dialog.refresh.click()
    assert dialog.input_device.findData("USB Mic") >= 0 and dialog.input_device.currentData() is None

    def choose(d):
        d.input_device.setCurrentIndex(d.input_device.findData("USB Mic"))
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", choose)
    monkeypatch.setattr(window_module, "probe_microphone", lambda device: None)  # it works now
    window = make(microphone=None, problems={Stage.LISTEN: DeviceError("no microphone found", "plug one in")})
    assert not window.talk.isEnabled() and Stage.LISTEN in window.banners.banners
    window.open_settings()
    assert window.talk.isEnabled() and Stage.LISTEN not in window.banners.banners
    assert isinstance(window.assistant.microphone, Microphone) and window.assistant.microphone.device == "USB Mic"


# -- 7. small things ------------------------------------------------------------------------------
def test_on_and_off_dots_differ_for_cool_white(qtbot):
    from app.gui.widgets import ON_COLOR, Dot
    from app.gui.world import color_of

    def ring_pixels(active):
        dot = Dot()
        qtbot.addWidget(dot)
        dot.show_state(color_of("cool white"), active)
        image = dot.grab().toImage()
        green = QColor(ON_COLOR)
        return sum(1 for x in range(image.width()) for y in range(image.height())
                   if abs(image.pixelColor(x, y).green() - green.green()) < 30
                   and image.pixelColor(x, y).red() < 120)

    assert ring_pixels(True) > 10 and ring_pixels(False) == 0


def test_banners_stay_compact_at_800x600(qtbot, make):
    problems = {stage: DeviceError(f"{stage} is missing with a long explanation " * 3, "do this and then that " * 4)
                for stage in (Stage.LISTEN, Stage.SPEAK, Stage.FUSION, Stage.ASR)}
    window = make(problems=problems)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.height() == 600, timeout=2000)
    QApplication.processEvents()
    area = window.banners
    assert area.height() <= 0.15 * 600
    assert sum(b.isVisible() for b in area.banners.values()) == 2 and area.more.text() == "▸ 2 more problems"
    assert all(problems[k].message in b.message.text() for k, b in area.banners.items())  # full text kept
    area.more.click()
    assert all(b.isVisible() for b in area.banners.values())


def test_chime_is_short_and_clean():
    from app.gui.chime import chime

    sound = chime()
    assert 0.3 < sound.duration_s < 1.5 and sound.audio.dtype == np.float32
    assert 0.1 < np.abs(sound.audio).max() <= 1.0 and abs(sound.audio[0]) < 0.01
