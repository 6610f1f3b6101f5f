"""The main window: conversation, state, live level and partial transcript, push-to-talk,
Stop, hands-free, typed input, side panels you can tap, problem banners, and a tray icon that
keeps Hearth running (and ringing) while the window is closed.

It renders what the assistant reports and forwards what the user asks; it never runs a model.
"""

from __future__ import annotations

import functools
import itertools
import time
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractSpinBox, QApplication, QCheckBox, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit,
    QMainWindow, QPushButton, QSplitter, QSystemTrayIcon, QToolButton, QVBoxLayout, QWidget,
)

from app.assistant import Assistant
from app.audio.player import Player
from app.config import Settings, assets_dir
from app.errors import HearthError
from app.events import Announcement, ErrorEvent, HeardNothing
from app.gui.autostart import set_autostart
from app.gui.background import in_background
from app.gui.banner import BannerArea
from app.gui.camera_view import CameraView
from app.gui.bridge import AssistantBridge
from app.gui.chime import chime
from app.gui.conversation import ConversationView, turn_details
from app.gui.history import Entry, History
from app.gui.icons import icon
from app.gui.level_meter import LevelMeter
from app.gui.panels import SidePanels
from app.gui.settings_dialog import SettingsDialog
from app.gui.theme import STATE_COLORS, apply_theme, palette
from app.gui.tray import Tray
from app.gui.widgets import section
from app.hardware import Hardware, Microphone, SourceFactory, probe_microphone, probe_speaker
from app.wake import wake_options
from app.stages import Stage, State

ICON = assets_dir() / "hearth.svg"
HOLD_S = 0.4  # pressed longer than this: releasing ends the utterance (hold-to-talk); shorter: tap-to-talk
STATE_TEXT = {State.IDLE: "Ready", State.LISTENING: "Listening…", State.THINKING: "Thinking…",
              State.SPEAKING: "Speaking…"}
LOADING = "Loading…"
HEARD_NOTHING = f"{HeardNothing.MESSAGE} in Settings."
NO_MICROPHONE = "No microphone: type below and press Enter."
TYPING = (QLineEdit, QComboBox, QAbstractSpinBox)  # Space types here; everywhere else it is push-to-talk
RINGS = {"timer": "Timer", "alarm": "Alarm", "event": "Reminder"}  # an announcement's action key -> its label


def announcement_label(announcement: Announcement) -> str:
    """"Timer", "Alarm" or "Reminder" from what rang (its actions), else "Notice"."""
    for action in announcement.actions:
        if isinstance(action, dict):
            for key, label in RINGS.items():
                if key in action:
                    return label
    return "Notice"


def _shutdown(bridge: AssistantBridge, *_: Any) -> None:
    if shiboken6.isValid(bridge):  # at interpreter exit Qt may have deleted it already
        bridge.shutdown()


class MainWindow(QMainWindow):
    state_changed = Signal(str)  # re-emitted on the GUI thread, for tests and the demo driver
    request_done = Signal()  # a listen or typed turn is over and fully shown
    ready = Signal()  # models loaded
    quit_requested = Signal(int)  # Quit (the tray's, or the demo's end): the exit code for the application

    def __init__(self, settings: Settings, assistant: Assistant, hardware: Hardware,
                 tray: bool | None = None, history: History | None = None):
        """`tray`: whether to live in the system tray (None: when the desktop has one)."""
        super().__init__()
        self.settings = settings
        self.hardware = hardware
        self.assistant = assistant
        self.state = State.IDLE
        self.loading = True  # until the assistant's models are warm
        self.history = history or History()
        self._pressed_at: float | None = None
        self._awaiting_words = False  # a Talk press waits for speech: silence then gets a note
        self._quitting = False
        self.setWindowTitle("Hearth")
        self.setWindowIcon(QIcon(str(ICON)))
        self.resize(1120, 760)
        self.setMinimumSize(QSize(760, 520))

        self.bridge = AssistantBridge(assistant)
        # Deleted without being closed (tests, crashes): end the assistant's threads first. The
        # partial holds the bridge, so it outlives the window's Python wrapper.
        self.destroyed.connect(functools.partial(_shutdown, self.bridge))
        self._build()
        self._connect()
        if tray is None:
            tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray = Tray(self, QIcon(str(ICON)), self.stop_all, self.quit_app) if tray else None
        self.apply_settings(settings)
        if settings.keep_history:
            for turn in self.history.load():
                self.conversation.add(turn.speaker, turn.text, turn.details, turn.note)
        for key, problem in hardware.problems.items():
            self.banners.show_problem(key, problem.message, problem.fix)
        assistant.start()
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self.panels.tick)  # countdowns tick here; the assistant rings them
        self.clock.start()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(10)

        header = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(QIcon(str(ICON)).pixmap(QSize(34, 34)))
        logo.setAccessibleName("Hearth logo")
        title = QLabel("Hearth")
        title.setProperty("role", "title")
        subtitle = QLabel("offline voice assistant")
        subtitle.setProperty("role", "muted")
        self.state_pill = QLabel()
        self.state_pill.setAccessibleName("Assistant state")
        self.state_pill.setAlignment(Qt.AlignCenter)
        self.state_pill.setMinimumWidth(120)
        self.settings_button = QPushButton("Settings")
        self.settings_button.setAccessibleName("Open settings")
        self.settings_button.setShortcut(QKeySequence("Ctrl+,"))
        header.addWidget(logo)
        header.addWidget(title)
        header.addWidget(subtitle, 0, Qt.AlignBottom)
        header.addStretch(1)
        header.addWidget(self.state_pill)
        header.addWidget(self.settings_button)
        outer.addLayout(header)

        self.banners = BannerArea()
        outer.addWidget(self.banners)

        split = QSplitter(Qt.Horizontal)
        split.setChildrenCollapsible(False)
        left = QFrame()
        left.setProperty("role", "card")
        lay = QVBoxLayout(left)
        lay.setContentsMargins(14, 10, 14, 14)
        lay.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(section("Conversation"))
        top.addStretch(1)
        self.clear_history = QToolButton()
        self.clear_history.setText("Clear history")
        self.clear_history.setProperty("role", "link")
        self.clear_history.setAccessibleName("Clear the conversation history")
        top.addWidget(self.clear_history)
        self.conversation = ConversationView()
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setAlignment(Qt.AlignCenter)
        self.partial = QLabel("")
        self.partial.setProperty("role", "partial")
        self.partial.setWordWrap(True)
        self.partial.setAccessibleName("What Hearth is hearing")
        self.meter = LevelMeter()

        controls = QHBoxLayout()
        self.talk = QPushButton("Talk")
        self.talk.setProperty("role", "primary")
        self.talk.setAccessibleName("Push to talk")
        self.stop = QPushButton("Stop")
        self.stop.setProperty("role", "danger")
        self.stop.setAccessibleName("Stop speaking and listening")
        self.stop.setToolTip("Stop (Esc)")
        self.hands_free = QCheckBox("Hands-free")
        self.hands_free.setAccessibleName("Hands-free: wake on \"hey hearth\", listen again after each reply")
        controls.addWidget(self.talk)
        controls.addWidget(self.stop)
        controls.addSpacing(8)
        controls.addWidget(self.meter, 1)
        controls.addSpacing(8)
        controls.addWidget(self.hands_free)

        typed = QHBoxLayout()
        self.text = QLineEdit()
        self.text.setPlaceholderText("Type a message, e.g. “turn on the kitchen lights”")
        self.text.setAccessibleName("Message to Hearth")
        self.send = QPushButton("Send")
        self.send.setAccessibleName("Send the typed message")
        typed.addWidget(self.text, 1)
        typed.addWidget(self.send)

        lay.addLayout(top)
        lay.addWidget(self.conversation, 1)
        lay.addWidget(self.hint)
        lay.addWidget(self.partial)
        lay.addLayout(controls)
        lay.addLayout(typed)

        self.panels = SidePanels()
        self.panels.setMinimumWidth(300)
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        self._camera = self.assistant.pipeline.options.camera  # what the camera switch turns back on
        self.camera_view = CameraView(self.assistant.bus, self._switch_camera)
        self.camera_view.setVisible(bool(self._camera))  # only with a camera set
        side.addWidget(self.camera_view)
        side.addWidget(self.panels, 1)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([740, 360])
        outer.addWidget(split, 1)
        self.setCentralWidget(root)

        self.set_microphone(self.hardware.microphone)
        chain = (self.talk, self.stop, self.hands_free, self.text, self.send, self.settings_button,
                 self.conversation, self.clear_history)
        for first, then in itertools.pairwise(chain):
            self.setTabOrder(first, then)

    def _switch_camera(self, on: bool) -> None:
        """The camera card's switch: the watcher closes the camera (its light goes off) or reopens it."""
        self.assistant.pipeline.options.camera = self._camera if on else None

    def set_microphone(self, factory: SourceFactory | None, hint: str | None = None) -> None:
        """Without a microphone the app is typed-only; the demo plugs its files in here."""
        self.hardware.microphone = factory
        self.assistant.microphone = factory
        self.talk.setEnabled(factory is not None)
        self.talk.setToolTip("Click and speak, or hold (or hold Space) while speaking" if factory
                             else "No microphone: type your message instead")
        self.hint.setText(hint or ("Hold <b>Space</b> or the Talk button and speak, or type below." if factory
                                   else NO_MICROPHONE))
        (self.talk if factory else self.text).setFocus()

    def _connect(self) -> None:
        w = self.bridge
        w.state.connect(self._on_state)
        w.level.connect(self.meter.set_level)
        w.partial.connect(self.partial.setText)
        w.final.connect(self._on_final)
        w.turn_done.connect(self._on_turn)
        w.heard_nothing.connect(self._on_heard_nothing)  # bound methods only: lambdas would run on the assistant thread
        w.finished.connect(self.request_done)
        w.ready.connect(self._on_ready)
        w.announced.connect(self._on_announcement)
        w.snapshot.connect(self.panels.set_snapshot)
        w.problem.connect(self._on_problem)
        self.panels.act.connect(self.act)
        self.talk.pressed.connect(self.press_to_talk)
        self.talk.released.connect(self.release_to_talk)
        self.stop.clicked.connect(self.stop_all)
        self.send.clicked.connect(self.submit_text)
        self.text.returnPressed.connect(self.submit_text)
        self.hands_free.toggled.connect(self._set_hands_free)
        self.settings_button.clicked.connect(self.open_settings)
        self.clear_history.clicked.connect(self.forget_history)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self.stop_all)
        QApplication.instance().installEventFilter(self)

    # -- user actions ---------------------------------------------------------------------
    def press_to_talk(self) -> None:
        if self.hardware.microphone is None:
            return
        self._pressed_at = time.monotonic()
        self._awaiting_words = True
        self.partial.setText("")
        self.assistant.talk(self.hardware.microphone)  # while Hearth speaks or listens, this barges in

    def release_to_talk(self) -> None:
        if self._pressed_at is not None and time.monotonic() - self._pressed_at >= HOLD_S:
            self.assistant.release()
        self._pressed_at = None

    def stop_all(self) -> None:
        self._awaiting_words = False
        self.assistant.stop()
        self.partial.setText("")
        self.meter.reset()

    def submit_text(self) -> None:
        text = self.text.text().strip()
        if not text:
            return
        self.text.clear()
        self._show("user", text, note="typed")
        self.assistant.send(text)

    def act(self, understanding: Any) -> None:
        """A panel tap: shown as what it asks, answered by the same skills as speech."""
        self._show("user", understanding.text, note="panel")
        self.assistant.act(understanding)

    def _show(self, speaker: str, text: str, details: list[tuple[str, str]] | None = None, note: str = "") -> None:
        """One turn in the conversation, and in the history that outlives a restart."""
        self.conversation.add(speaker, text, details, note)
        if self.settings.keep_history:
            self.history.append(Entry(speaker, text, note, details or []))

    def forget_history(self) -> None:
        self.conversation.clear()
        self.history.clear()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Space is push-to-talk (press to start, release to finish) wherever the focus is, except where
        it types (the text box, a list, a number); without a microphone it only says so. Since Space
        is taken, Enter presses the focused button, box or switch."""
        if event.type() not in (QEvent.KeyPress, QEvent.KeyRelease) or event.isAutoRepeat() \
                or not self.isActiveWindow() or QApplication.activePopupWidget() is not None:
            return super().eventFilter(obj, event)
        focus = QApplication.focusWidget()
        press = event.type() == QEvent.KeyPress
        if event.key() == Qt.Key_Space and not isinstance(focus, TYPING):
            if self.hardware.microphone is None:
                if press:
                    self.hint.setText(f"<b>{NO_MICROPHONE}</b>")
                return True
            self.talk.setProperty("active", "true" if press else "false")
            if press:
                self.press_to_talk()
            else:
                self.release_to_talk()
            self.talk.style().polish(self.talk)
            return True
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and isinstance(focus, QAbstractButton):
            if press and isinstance(focus, QToolButton) and focus.menu():
                focus.showMenu()
            elif press:
                focus.click()
            return True
        return super().eventFilter(obj, event)

    def _set_hands_free(self, on: bool) -> None:
        """Hands-free: wait for "hey hearth" while idle (app/wake.py) and listen again after each reply."""
        self.assistant.options.hands_free = on
        if on != self.settings.hands_free or on != self.settings.wake_word:
            self.settings.hands_free = self.settings.wake_word = on
            self._save_settings()
        self.assistant.set_wake(wake_options(self.settings))

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, player=self.assistant.player, tray=self.tray is not None)
        if dialog.exec():
            old, self.settings = self.settings, dialog.settings()
            if self.settings.autostart != old.autostart:
                try:
                    set_autostart(self.settings.autostart)
                except HearthError as exc:
                    self.settings.autostart = old.autostart
                    self.banners.show_problem("settings", exc.message, exc.fix)
            if old.keep_history and not self.settings.keep_history:
                self.history.clear()  # "don't keep it" means the kept copy goes too
            self._save_settings()
            self.apply_settings(self.settings)
            self._find_devices()

    def _save_settings(self) -> None:
        """A full disk keeps the new settings for this run and says so; the saved file stays as it was."""
        try:
            self.settings.save()
        except HearthError as exc:
            self.banners.show_problem("settings", exc.message, exc.fix)

    def apply_settings(self, settings: Settings) -> None:
        """The look here; voice, endpointing, hands-free and devices in the assistant, for the next turn."""
        app = QApplication.instance()
        apply_theme(app, settings.theme)
        colors = palette(settings.theme)
        self.meter.set_colors(colors["surface2"], colors["accent"])
        self.talk.setIcon(icon("mic", colors["accent_text"]))
        self.stop.setIcon(icon("stop", colors["danger"]))
        self.send.setIcon(icon("send", colors["accent"]))
        self.settings_button.setIcon(icon("gear", colors["muted"]))
        self.assistant.apply_settings(settings)
        self.hands_free.setChecked(settings.hands_free)
        self._show_state()

    def _find_devices(self) -> None:
        """A microphone or speaker that was missing at start and is there now works at once."""
        s = self.settings
        if self.hardware.microphone is None and probe_microphone(s.input_device) is None:
            self.set_microphone(Microphone(s.input_device))
            self.banners.clear(Stage.LISTEN)
        if self.assistant.player is None and probe_speaker() is None:
            self.hardware.player = self.assistant.player = Player(s.output_device)
            self.assistant.pipeline.options.speak = True
            self.banners.clear(Stage.SPEAK)

    # -- assistant reports ----------------------------------------------------------------
    def _show_state(self) -> None:
        """The pill: what Hearth is doing, and "Loading…" (not "Ready") until its models are warm."""
        loading = self.loading and self.state == State.IDLE
        color = STATE_COLORS.get(self.state, STATE_COLORS["idle"])
        self.state_pill.setText(f"●  {LOADING if loading else STATE_TEXT.get(self.state, self.state)}")
        self.state_pill.setStyleSheet(f"color: white; background: {color}; border-radius: 13px; "
                                      "padding: 4px 14px; font-weight: 600;")
        self.state_pill.setAccessibleDescription("loading" if loading else self.state)

    def _on_state(self, state: str) -> None:
        self.state = state = State(state)
        self._show_state()
        if state != State.LISTENING:
            self.meter.reset()
        else:
            self.partial.setText("")
        self.state_changed.emit(state)

    def _on_final(self, text: str) -> None:
        self.partial.setText("")
        if text:
            self._awaiting_words = False
            self._show("user", text, note="spoken")

    def _on_heard_nothing(self) -> None:
        """Only a Talk press that heard nothing says so: a hands-free window closing in silence is normal."""
        self.partial.clear()
        if self._awaiting_words:
            self._awaiting_words = False
            self.conversation.add_note(HEARD_NOTHING)

    def _on_turn(self, turn: Any) -> None:
        if turn.reply is not None:
            self._show("hearth", turn.reply.text, turn_details(turn))
        elif turn.error is not None and turn.error.code != "no_speech":  # silence has its note
            fix = f" Try this: {turn.error.fix}." if turn.error.fix else ""
            self._show("hearth", f"Sorry, {turn.error.message}.{fix}", turn_details(turn), note="problem")

    def _on_announcement(self, announcement: Announcement) -> None:
        """A timer, alarm or reminder rang: a bubble, a chime, and a notification when the window is away."""
        label = announcement_label(announcement)
        self._show("hearth", announcement.text, note=label)
        player = self.assistant.player
        if label != "Notice" and player is not None and self.state != State.SPEAKING:
            in_background(lambda: player.play(chime()), self)
        if self.tray is not None and not (self.isVisible() and self.isActiveWindow()):
            self.tray.notify(label, announcement.text)
        QApplication.alert(self)

    def _on_ready(self, error: HearthError | None) -> None:
        self.loading = False
        self._show_state()
        self.ready.emit()

    def _on_problem(self, error: ErrorEvent) -> None:
        """Device and start-up problems get a banner; a turn's own errors show in the conversation."""
        if not error.turn_error:
            self.banners.show_problem(error.stage, error.message, error.fix)

    # -- closing --------------------------------------------------------------------------
    def quit_app(self, code: int = 0) -> None:
        """Really end Hearth (the tray's Quit, the demo's end): close, stop the assistant, exit with `code`."""
        self._quitting = True
        self.close()
        self.quit_requested.emit(code)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """With a tray, closing only hides the window: the assistant runs on, so timers still ring."""
        if self.tray is not None and not self._quitting:
            event.ignore()
            self.hide()
            return
        self.clock.stop()
        QApplication.instance().removeEventFilter(self)
        self.bridge.shutdown()
        if self.tray is not None:
            self.tray.icon.hide()
        super().closeEvent(event)
