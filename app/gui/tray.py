"""The system-tray icon that keeps Hearth running in the background: closing the window only hides
it, so timers, alarms and reminders still ring; the menu shows or hides the window, stops
Hearth speaking or listening, and quits. Desktop notifications go out through it too."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

NOTIFY_MS = 10_000


class Tray(QObject):
    def __init__(self, window: QWidget, icon: QIcon, stop: Callable[[], None], quit_app: Callable[[], None]):
        super().__init__(window)
        self.window = window
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("Hearth")
        self.menu = QMenu(window)
        self.show_hide = self.menu.addAction("Hide Hearth", self.toggle_window)
        self.menu.addAction("Stop", stop)
        self.menu.addSeparator()
        self.menu.addAction("Quit Hearth", quit_app)
        self.menu.aboutToShow.connect(self._label)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.show()

    def toggle_window(self) -> None:
        if self.window.isVisible():
            self.window.hide()
        else:
            self.window.showNormal()
            self.window.raise_()
            self.window.activateWindow()

    def notify(self, title: str, text: str) -> None:
        self.icon.showMessage(title, text, self.icon.icon(), NOTIFY_MS)

    def _label(self) -> None:
        self.show_hide.setText("Hide Hearth" if self.window.isVisible() else "Show Hearth")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.Trigger:  # a left click; the right click opens the menu
            self.toggle_window()
