"""Settings: devices, voice, compute, endpointing, hands-free, announcements and theme, saved via
app.config.Settings (whose limits the spin boxes use)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout,
    QWidget,
)

from app.audio.source import list_input_devices, list_output_devices
from app.config import Settings
from app.errors import HearthError

RESTART_NOTE = "Camera and compute device apply the next time Hearth starts."


def _voices() -> list[str]:
    from app.tts import voices

    try:
        return voices()
    except HearthError:
        return []


def _combo(name: str, items: list[tuple[str, object]], current: object, editable: bool = False) -> QComboBox:
    """Items are (label, value); an unknown current value is kept as its own entry, never dropped."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setEditable(editable)
    for label, value in items:
        combo.addItem(label, value)
    index = combo.findData(current)
    if index < 0 and current is not None:
        combo.addItem(str(current), current)
        index = combo.count() - 1
    combo.setCurrentIndex(max(0, index))
    return combo


def _spin(box: QSpinBox | QDoubleSpinBox, name: str, settings: Settings, key: str, step: float,
          suffix: str) -> QSpinBox | QDoubleSpinBox:
    """A spin box for a numeric setting, held to the range the settings file allows."""
    box.setAccessibleName(name)
    box.setRange(*Settings.limits(key))
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setValue(getattr(settings, key))
    return box


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Hearth settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(460)
        self._settings = settings
        form = QFormLayout()
        form.setVerticalSpacing(10)

        inputs = [(d["name"], d["name"]) for d in list_input_devices()]
        self.input_device = _combo("Microphone", [("System default", None)] + inputs, settings.input_device)
        outputs = [(d["name"], d["name"]) for d in list_output_devices()]
        self.output_device = _combo("Speaker", [("System default", None)] + outputs, settings.output_device)
        self.camera = _combo("Camera", [("Off", None), ("Camera 0", "0"), ("Camera 1", "1")], settings.camera,
                             editable=True)
        self.camera.setToolTip("A camera number, or a path to an image, folder of images or video")
        self.voice = _combo("Voice", [("Default", None)] + [(v, v) for v in _voices()], settings.voice)
        self.rate = _spin(QSpinBox(), "Speech rate", settings, "speech_rate", 5, " words/min")
        self.compute = _combo("Compute device", [("Automatic", "auto"), ("CPU", "cpu"), ("GPU (CUDA)", "gpu")],
                              settings.compute_device)
        self.silence = _spin(QSpinBox(), "Trailing silence before the end of speech", settings,
                             "trailing_silence_ms", 100, " ms")
        self.hands_free = QCheckBox("Listen again after each reply")
        self.hands_free.setChecked(settings.hands_free)
        self.hands_free.setAccessibleName("Hands-free")
        self.follow_up = QDoubleSpinBox(decimals=1)
        _spin(self.follow_up, "Wait for a follow-up", settings, "follow_up_s", 0.5, " s")
        self.announce = QCheckBox("Say due timers and alarms aloud")
        self.announce.setChecked(settings.announce)
        self.announce.setAccessibleName("Announce")
        self.theme = _combo("Theme", [("Light", "light"), ("Dark", "dark")], settings.theme)

        for label, widget in (("Microphone", self.input_device), ("Speaker", self.output_device),
                              ("Camera", self.camera), ("Voice", self.voice), ("Speech rate", self.rate),
                              ("Compute device", self.compute), ("End of speech after", self.silence),
                              ("Hands-free", self.hands_free), ("Wait for a follow-up", self.follow_up),
                              ("Announce", self.announce), ("Theme", self.theme)):
            form.addRow(label, widget)

        note = QLabel(RESTART_NOTE)
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)

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
            voice=self.voice.currentData(),
            speech_rate=self.rate.value(),
            compute_device=self.compute.currentData(),
            trailing_silence_ms=self.silence.value(),
            hands_free=self.hands_free.isChecked(),
            follow_up_s=self.follow_up.value(),
            announce=self.announce.isChecked(),
            theme=self.theme.currentData(),
        )
