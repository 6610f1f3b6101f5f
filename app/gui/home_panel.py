"""The simulated home, room by room, with a control on each device: a light's switch, brightness
and colour, a plug's switch, the vacuum's clean/dock and the coffee maker's brew. Each control
asks the skills (through `act`, see taps.py) and shows the state the next snapshot reports."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from app.gui import taps
from app.gui.widgets import ON_COLOR, Dot, LevelSlider, Switch, button, card, clear, section
from app.gui.world import color_of, describe, devices_by_room, is_active, room_title, state_of
from app.vocabulary import vocabulary

CSS_COLORS = ("red", "orange", "yellow", "green", "blue", "purple", "pink")  # a short menu; speech knows every CSS name


def _swatch(name: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(color_of(name) or QColor(ON_COLOR))
    return QIcon(pixmap)


class DeviceRow(QWidget):
    """One device: status dot, name, state in words, and its controls; updated in place so a
    control keeps the keyboard focus across snapshots."""

    act = Signal(object)  # app.nlu.types.Understanding

    def __init__(self, device: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.device = device
        self.kind = device.get("kind")
        title = str(device.get("name") or device.get("id") or "device").capitalize()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.dot = Dot()
        self.name = QLabel(title)
        self.name.setWordWrap(True)
        self.value = QLabel()
        self.value.setProperty("role", "muted")
        self.value.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.value.setWordWrap(True)
        grid.addWidget(self.dot, 0, 0)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(self.value, 0, 2)
        grid.setColumnStretch(1, 1)
        self.switch = self.brightness = self.color = self.vacuum = None
        if "on" in state_of(device):
            self.switch = Switch(f"{title}: on or off")
            self.switch.flip.connect(lambda on: self.act.emit(taps.switch(self.device, on)))
            grid.addWidget(self.switch, 0, 3, Qt.AlignRight)
        if self.kind == "light":
            self.brightness = LevelSlider(f"{title} brightness", 5, 100)
            self.brightness.chosen.connect(self._brightness)
            self.color = QToolButton()
            self.color.setText("Colour")
            self.color.setAccessibleName(f"{title} colour")
            self.color.setPopupMode(QToolButton.InstantPopup)
            menu = QMenu(self.color)
            for name in [*vocabulary().colors, *CSS_COLORS]:
                menu.addAction(_swatch(name), name, lambda n=name: self.act.emit(taps.color(self.device, n)))
            self.color.setMenu(menu)
            grid.addWidget(self.brightness, 1, 1, 1, 2)
            grid.addWidget(self.color, 1, 3)
        elif self.kind == "vacuum":
            self.vacuum = button("Clean", "Start the robot vacuum")
            self.vacuum.clicked.connect(lambda: self.act.emit(taps.vacuum(not is_active(self.device))))
            grid.addWidget(self.vacuum, 0, 3, Qt.AlignRight)
        elif self.kind == "coffee_maker":
            brew = button("Brew", "Make a coffee")
            brew.clicked.connect(lambda: self.act.emit(taps.coffee()))
            grid.addWidget(brew, 0, 3, Qt.AlignRight)
        self.show_device(device)

    def show_device(self, device: dict) -> None:
        self.device = device
        state = state_of(device)
        color = (color_of(state.get("hex") or state.get("color")) if self.kind == "light" else None) or QColor(ON_COLOR)
        if "brightness" in state:
            color.setAlphaF(0.35 + 0.65 * max(0, min(100, float(state["brightness"]))) / 100)
        on = is_active(device)
        self.dot.show_state(color, on)
        self.value.setText(describe(device))
        self.value.setAccessibleName(f"{self.name.text()}: {self.value.text()}")
        if self.switch is not None:
            self.switch.show_state(on)
        if self.brightness is not None:
            self.brightness.show_level(int(state.get("brightness", 100)))
            self.brightness.setVisible(on)
            self.color.setVisible(on)
        if self.vacuum is not None:
            self.vacuum.setText("Dock" if on else "Clean")
            name = "Send the robot vacuum back to its dock" if on else "Start the robot vacuum"
            self.vacuum.setAccessibleName(name)
            self.vacuum.setToolTip(name)

    def _brightness(self, level: int) -> None:
        self.act.emit(taps.brightness(self.device, level, int(state_of(self.device).get("brightness", 100))))


class HomePanel(QFrame):
    act = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Simulated home")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        frame, lay = card()
        lay.addWidget(section("Home (simulated)"))
        self._rooms = QVBoxLayout()
        self._rooms.setSpacing(10)
        lay.addLayout(self._rooms)
        outer.addWidget(frame)
        self._layout: Any = None  # (room, device ids) pairs the widgets were built for
        self.devices: dict[str, DeviceRow] = {}

    @property
    def rows(self) -> dict[str, QLabel]:
        """Each device's state in words, by device id."""
        return {key: row.value for key, row in self.devices.items()}

    def set_snapshot(self, snapshot: dict) -> None:
        rooms = devices_by_room(snapshot)
        shape = [(room, [str(d.get("id") or d.get("name")) for d in ds]) for room, ds in rooms.items()]
        if shape != self._layout:
            self._build(rooms, snapshot)
            self._layout = shape
        for devices in rooms.values():
            for d in devices:
                self.devices[str(d.get("id") or d.get("name"))].show_device(d)

    def _build(self, rooms: dict[str, list[dict]], snapshot: dict) -> None:
        clear(self._rooms)
        self.devices = {}
        for room, devices in rooms.items():
            self._rooms.addWidget(QLabel(f"<b>{room_title(room, snapshot)}</b>"))
            for d in devices:
                row = DeviceRow(d)
                row.act.connect(self.act)
                self._rooms.addWidget(row)
                self.devices[str(d.get("id") or d.get("name"))] = row
