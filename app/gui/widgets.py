"""Small widgets the side panels share: cards, status dots, on/off switches and level sliders that
ask for a change and then show what the snapshot says, never what was merely clicked."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

OFF_COLOR = "#a39a90"
ON_COLOR = "#2e9e5b"
SETTLE_MS = 400  # a slider moved by keys or the wheel asks once it rests this long


def section(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setProperty("role", "section")
    return label


def card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(14, 12, 14, 12)
    lay.setSpacing(8)
    return frame, lay


def button(text: str, name: str) -> QPushButton:
    """A compact panel button; its accessible name says what it does to which thing."""
    b = QPushButton(text)
    b.setProperty("role", "small")
    b.setAccessibleName(name)
    b.setToolTip(name)
    return b


class Dot(QWidget):
    """A device's status: on is filled with the light's own colour (dimmed by brightness) inside a
    green ring, off is an empty grey ring, so even a near-white "cool white" reads as on."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.color, self.active = QColor(ON_COLOR), False
        self.setFixedSize(QSize(16, 16))

    def show_state(self, color: QColor, active: bool) -> None:
        self.color, self.active = color, active
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        if self.active:
            p.setPen(QPen(QColor(ON_COLOR), 2.5))
            p.setBrush(self.color)
        else:
            p.setPen(QPen(QColor(OFF_COLOR), 1.2))
            p.setBrush(Qt.NoBrush)
        p.drawEllipse(2, 2, 12, 12)


class Switch(QCheckBox):
    """On/off for a device: a click asks for the other state (`flip`); the box itself moves only
    when the next snapshot says the device changed."""

    flip = Signal(bool)  # the state asked for

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__("Off", parent)
        self.setProperty("role", "onoff")
        self.setAccessibleName(name)
        self.clicked.connect(lambda: self.flip.emit(not self.isChecked()))

    def nextCheckState(self) -> None:  # noqa: N802 - Qt API: a click does not toggle by itself
        pass

    def show_state(self, on: bool) -> None:
        self.setChecked(on)
        self.setText("On" if on else "Off")


class LevelSlider(QSlider):
    """A level the user chooses (`chosen`): when the handle is let go, or once keys or the wheel
    rest; a level the snapshot shows never counts as a choice."""

    chosen = Signal(int)

    def __init__(self, name: str, low: int = 0, high: int = 100, parent: QWidget | None = None):
        super().__init__(Qt.Horizontal, parent)
        self.setRange(low, high)
        self.setAccessibleName(name)
        self._shown = low
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._choose)
        self.sliderReleased.connect(self._choose)
        self.valueChanged.connect(self._moved)

    def show_level(self, value: int) -> None:
        if self.isSliderDown() or self._settle.isActive():  # the user is moving it: theirs wins
            return
        self._shown = value
        self.blockSignals(True)
        self.setValue(value)
        self.blockSignals(False)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        """The wheel scrolls the panel, not a light it passes over, unless the slider has the focus."""
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def _moved(self, _value: int) -> None:
        if not self.isSliderDown():
            self._settle.start()

    def _choose(self) -> None:
        self._settle.stop()
        if self.value() != self._shown:
            self._shown = self.value()
            self.chosen.emit(self.value())


def clear(layout) -> None:
    """Empty a layout, deleting its widgets and nested layouts."""
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()
        elif item.layout():
            clear(item.layout())
