"""Settings: devices (with a refresh and a microphone level test), voice (with a preview),
compute, endpointing, hands-free, announcements, theme, starting at login and keeping the
conversation, saved via app.config.Settings (whose limits the spin boxes use)."""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton,
    QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from app.audio.portaudio import rescan
from app.audio.source import list_input_devices, list_output_devices
from app.config import Settings
from app.errors import HearthError
from app.gui.level_test import LevelTest
from app.gui.voice_picker import VoicePicker
from app.stages import SpeechPlayer

log = logging.getLogger(__name__)

RESTART_NOTE = "Camera and compute device apply the next time Hearth starts; everything else at once."
RESCAN_RETRY_MS = 500  # while Hearth speaks or listens, how often the device lists try to look again
NO_TRAY_NOTE = ("This desktop has no system tray: closing the window quits Hearth, and timers and alarms "
                "ring only while it runs.")


def _fill(combo: QComboBox, items: list[tuple[str, object]], current: object) -> None:
    """Items are (label, value); an unknown current value is kept as its own entry, never dropped."""
    combo.clear()
    for label, value in items:
        combo.addItem(label, value)
    index = combo.findData(current)
    if index < 0 and current is not None:
        combo.addItem(str(current), current)
        index = combo.count() - 1
    combo.setCurrentIndex(max(0, index))


def _combo(name: str, items: list[tuple[str, object]], current: object, editable: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setEditable(editable)
    _fill(combo, items, current)
    return combo


def _check(text: str, name: str, on: bool) -> QCheckBox:
    box = QCheckBox(text)
    box.setAccessibleName(name)
    box.setChecked(on)
    return box


def _spin(box: QSpinBox | QDoubleSpinBox, name: str, settings: Settings, key: str, step: float,
          suffix: str) -> QSpinBox | QDoubleSpinBox:
    """A spin box for a numeric setting, held to the range the settings file allows."""
    box.setAccessibleName(name)
    box.setRange(*Settings.limits(key))
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setValue(getattr(settings, key))
    return box


def _rescan() -> bool:
    """Look for devices plugged in or out since the last look, never blocking the window: False
    while a stream is open (Hearth speaking or listening), when the lists are as of the last look."""
    try:
        return rescan()
    except HearthError as exc:  # the lists then show what there is (nothing, without PortAudio)
        log.warning("device rescan failed: %s", exc)
        return True


def _devices(found: list[dict]) -> list[tuple[str, object]]:
    return [("System default", None)] + [(d["name"], d["name"]) for d in found]


def _form(*rows: tuple[str, QWidget]) -> QWidget:
    page = QWidget()
    form = QFormLayout(page)
    form.setVerticalSpacing(8)
    for label, widget in rows:
        form.addRow(label, widget)
    return page


def _beside(*widgets: QWidget) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    for i, w in enumerate(widgets):
        lay.addWidget(w, 1 if i == 0 else 0)
    return row


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None, player: SpeechPlayer | None = None,
                 tray: bool = True):
        super().__init__(parent)
        self.setWindowTitle("Hearth settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(520)
        self._settings = settings

        self._rescan_later = QTimer(self)  # a rescan refused while a stream was open, tried again
        self._rescan_later.setSingleShot(True)
        self._rescan_later.setInterval(RESCAN_RETRY_MS)
        self._rescan_later.timeout.connect(self.refresh_devices)
        if not _rescan():
            self._rescan_later.start()
        self.input_device = _combo("Microphone", _devices(list_input_devices()), settings.input_device)
        self.output_device = _combo("Speaker", _devices(list_output_devices()), settings.output_device)
        self.refresh = QPushButton("Refresh")
        self.refresh.setAccessibleName("Look for microphones and speakers again")
        self.refresh.setToolTip("List microphones and speakers plugged in since Hearth started")
        self.refresh.clicked.connect(self.refresh_devices)
        self.level = LevelTest(self.input_device.currentData)
        self.camera = _combo("Camera", [("Off", None), ("Camera 0", "0"), ("Camera 1", "1")], settings.camera,
                             editable=True)
        self.camera.setToolTip("A camera number, or a path to an image, folder of images or video")
        self.rate = _spin(QSpinBox(), "Speech rate", settings, "speech_rate", 5, " words/min")
        self.voice = VoicePicker(settings.voice, player, self.rate.value)
        self.compute = _combo("Compute device", [("Automatic", "auto"), ("CPU", "cpu"), ("GPU (CUDA)", "gpu")],
                              settings.compute_device)
        self.silence = _spin(QSpinBox(), "Trailing silence before the end of speech", settings,
                             "trailing_silence_ms", 100, " ms")
        self.hands_free = _check("Listen again after each reply", "Hands-free", settings.hands_free)
        self.follow_up = QDoubleSpinBox(decimals=1)
        _spin(self.follow_up, "Wait for a follow-up", settings, "follow_up_s", 0.5, " s")
        self.announce = _check("Say due timers and alarms aloud", "Announce", settings.announce)
        self.theme = _combo("Theme", [("Light", "light"), ("Dark", "dark")], settings.theme)
        self.autostart = _check("Start Hearth when I log in", "Start Hearth when I log in", settings.autostart)
        self.keep_history = _check("Keep the conversation when Hearth restarts", "Keep conversation history",
                                   settings.keep_history)

        tabs = QTabWidget()  # two short pages, so the dialog fits an 800x600 screen
        tabs.addTab(_form(("Microphone", _beside(self.input_device, self.refresh)), ("Microphone level", self.level),
                          ("Speaker", self.output_device), ("Camera", self.camera), ("Voice", self.voice),
                          ("Speech rate", self.rate), ("Compute device", self.compute)), "Devices and voice")
        tabs.addTab(_form(("End of speech after", self.silence), ("Hands-free", self.hands_free),
                          ("Wait for a follow-up", self.follow_up), ("Announce", self.announce), ("Theme", self.theme),
                          ("At login", self.autostart), ("History", self.keep_history)), "Behaviour")

        notes = [RESTART_NOTE] + ([] if tray else [NO_TRAY_NOTE])
        note = QLabel("\n".join(notes))
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addWidget(note)
        lay.addWidget(buttons)

    def refresh_devices(self) -> None:
        """Microphones and speakers plugged in since start-up appear; the current choices stay. While
        Hearth speaks or listens PortAudio cannot look again, so the lists try again shortly."""
        if not _rescan():
            self._rescan_later.start()
        _fill(self.input_device, _devices(list_input_devices()), self.input_device.currentData())
        _fill(self.output_device, _devices(list_output_devices()), self.output_device.currentData())

    def _camera_value(self) -> str | None:
        text = self.camera.currentText().strip()
        data = self.camera.currentData()
        if self.camera.findText(text) == self.camera.currentIndex() and self.camera.currentIndex() >= 0:
            return data
        return text or None

    def settings(self) -> Settings:
        """The edited settings (the caller saves them)."""
        return replace(
            self._settings,
            input_device=self.input_device.currentData(),
            output_device=self.output_device.currentData(),
            camera=self._camera_value(),
            voice=self.voice.voice(),
            speech_rate=self.rate.value(),
            compute_device=self.compute.currentData(),
            trailing_silence_ms=self.silence.value(),
            hands_free=self.hands_free.isChecked(),
            follow_up_s=self.follow_up.value(),
            announce=self.announce.isChecked(),
            theme=self.theme.currentData(),
            autostart=self.autostart.isChecked(),
            keep_history=self.keep_history.isChecked(),
        )
