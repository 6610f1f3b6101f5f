"""The main window: conversation, state, live level and partial transcript, push-to-talk,
Stop, hands-free, typed input, side panels and problem banners.

It renders what the assistant reports and forwards what the user asks; it never runs a model.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractSpinBox, QApplication, QCheckBox, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit,
    QMainWindow, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from app.assistant import Assistant
from app.config import Settings, assets_dir
from app.errors import HearthError
from app.events import Announcement, ErrorEvent
from app.gui.banner import BannerArea
from app.gui.bridge import AssistantBridge
from app.gui.conversation import ConversationView, turn_details
from app.gui.icons import icon
from app.gui.level_meter import LevelMeter
from app.gui.panels import SidePanels
from app.gui.settings_dialog import SettingsDialog
from app.gui.theme import STATE_COLORS, apply_theme, palette
from app.hardware import Hardware, SourceFactory
from app.stages import State

ICON = assets_dir() / "hearth.svg"
HOLD_S = 0.4  # pressed longer than this: releasing ends the utterance (hold-to-talk); shorter: tap-to-talk
STATE_TEXT = {State.IDLE: "Ready", State.LISTENING: "Listening…", State.THINKING: "Thinking…",
              State.SPEAKING: "Speaking…"}


def _shutdown(bridge: AssistantBridge, *_: Any) -> None:
    if shiboken6.isValid(bridge):  # at interpreter exit Qt may have deleted it already
        bridge.shutdown()


class MainWindow(QMainWindow):
    state_changed = Signal(str)  # re-emitted on the GUI thread, for tests and the demo driver
    request_done = Signal()  # a listen or typed turn is over and fully shown
    ready = Signal()  # models loaded

    def __init__(self, settings: Settings, assistant: Assistant, hardware: Hardware):
        super().__init__()
        self.settings = settings
        self.hardware = hardware
        self.assistant = assistant
        self.state = State.IDLE
        self._pressed_at: float | None = None
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
        self.apply_settings(settings)
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
        outer.setSpacing(12)

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
        lay.setContentsMargins(14, 14, 14, 14)
        lay.setSpacing(10)
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
        self.hands_free.setAccessibleName("Hands-free: listen again after each reply")
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

        lay.addWidget(self.conversation, 1)
        lay.addWidget(self.hint)
        lay.addWidget(self.partial)
        lay.addLayout(controls)
        lay.addLayout(typed)

        self.panels = SidePanels()
        self.panels.setMinimumWidth(340)
        split.addWidget(left)
        split.addWidget(self.panels)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([740, 360])
        outer.addWidget(split, 1)
        self.setCentralWidget(root)

        self.set_microphone(self.hardware.microphone)
        self.setTabOrder(self.talk, self.stop)
        self.setTabOrder(self.stop, self.hands_free)
        self.setTabOrder(self.hands_free, self.text)
        self.setTabOrder(self.text, self.send)
        self.setTabOrder(self.send, self.settings_button)

    def set_microphone(self, factory: SourceFactory | None, hint: str | None = None) -> None:
        """Without a microphone the app is typed-only; the demo plugs its files in here."""
        self.hardware.microphone = factory
        self.assistant.microphone = factory
        self.talk.setEnabled(factory is not None)
        self.talk.setToolTip("Click and speak, or hold (or hold Space) while speaking" if factory
                             else "No microphone: type your message instead")
        self.hint.setText(hint or ("Hold <b>Space</b> or the Talk button and speak, or type below." if factory
                                   else "No microphone: type below and press Enter."))
        (self.talk if factory else self.text).setFocus()

    def _connect(self) -> None:
        w = self.bridge
        w.state.connect(self._on_state)
        w.level.connect(self.meter.set_level)
        w.partial.connect(self.partial.setText)
        w.final.connect(self._on_final)
        w.turn_done.connect(self._on_turn)
        w.heard_nothing.connect(self.partial.clear)  # bound Qt methods only: lambdas would run on the assistant thread
        w.finished.connect(self.request_done)
        w.ready.connect(self._on_ready)
        w.announced.connect(self._on_announcement)
        w.snapshot.connect(self.panels.set_snapshot)
        w.problem.connect(self._on_problem)
        self.talk.pressed.connect(self.press_to_talk)
        self.talk.released.connect(self.release_to_talk)
        self.stop.clicked.connect(self.stop_all)
        self.send.clicked.connect(self.submit_text)
        self.text.returnPressed.connect(self.submit_text)
        self.hands_free.toggled.connect(self._set_hands_free)
        self.settings_button.clicked.connect(self.open_settings)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self.stop_all)
        QApplication.instance().installEventFilter(self)

    # -- user actions ---------------------------------------------------------------------
    def press_to_talk(self) -> None:
        if self.hardware.microphone is None:
            return
        self._pressed_at = time.monotonic()
        self.partial.setText("")
        self.assistant.talk(self.hardware.microphone)  # while Hearth speaks or listens, this barges in

    def release_to_talk(self) -> None:
        if self._pressed_at is not None and time.monotonic() - self._pressed_at >= HOLD_S:
            self.assistant.release()
        self._pressed_at = None

    def stop_all(self) -> None:
        self.assistant.stop()
        self.partial.setText("")
        self.meter.reset()

    def submit_text(self) -> None:
        text = self.text.text().strip()
        if not text:
            return
        self.text.clear()
        self.conversation.add("user", text, note="typed")
        self.assistant.send(text)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Space is push-to-talk (press to start, release to finish) unless another control has the
        focus: then it keeps its usual meaning (typing a space, toggling a checkbox, pressing a button)."""
        if event.type() in (QEvent.KeyPress, QEvent.KeyRelease) and event.key() == Qt.Key_Space \
                and not event.isAutoRepeat() and self.isActiveWindow() and self.hardware.microphone is not None:
            focus = QApplication.focusWidget()
            if focus is self.talk or not isinstance(focus, (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)):
                if event.type() == QEvent.KeyPress:
                    self.talk.setProperty("active", "true")
                    self.press_to_talk()
                else:
                    self.talk.setProperty("active", "false")
                    self.release_to_talk()
                self.talk.style().polish(self.talk)
                return True
        return super().eventFilter(obj, event)

    def _set_hands_free(self, on: bool) -> None:
        self.assistant.options.hands_free = on
        if on != self.settings.hands_free:
            self.settings.hands_free = on
            self._save_settings()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.settings()
            self._save_settings()
            self.apply_settings(self.settings)

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
        self._on_state(self.state)

    # -- assistant reports ----------------------------------------------------------------
    def _on_state(self, state: str) -> None:
        self.state = state = State(state)
        color = STATE_COLORS.get(state, STATE_COLORS["idle"])
        self.state_pill.setText(f"●  {STATE_TEXT.get(state, state)}")
        self.state_pill.setStyleSheet(f"color: white; background: {color}; border-radius: 13px; "
                                      "padding: 4px 14px; font-weight: 600;")
        self.state_pill.setAccessibleDescription(state)
        if state != State.LISTENING:
            self.meter.reset()
        else:
            self.partial.setText("")
        self.state_changed.emit(state)

    def _on_final(self, text: str) -> None:
        self.partial.setText("")
        if text:
            self.conversation.add("user", text, note="spoken")

    def _on_turn(self, turn: Any) -> None:
        if turn.reply is not None:
            self.conversation.add("hearth", turn.reply.text, turn_details(turn))
        elif turn.error is not None:
            fix = f" Try this: {turn.error.fix}." if turn.error.fix else ""
            self.conversation.add("hearth", f"Sorry, {turn.error.message}.{fix}", turn_details(turn), note="problem")

    def _on_announcement(self, announcement: Announcement) -> None:
        self.conversation.add("hearth", announcement.text, note="announcement")
        QApplication.alert(self)

    def _on_ready(self, error: HearthError | None) -> None:
        self.ready.emit()

    def _on_problem(self, error: ErrorEvent) -> None:
        """Device and start-up problems get a banner; a turn's own errors show in the conversation."""
        if not error.turn_error:
            self.banners.show_problem(error.stage, error.message, error.fix)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.clock.stop()
        QApplication.instance().removeEventFilter(self)
        self.bridge.shutdown()
        super().closeEvent(event)
