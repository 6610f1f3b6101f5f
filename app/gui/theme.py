"""Light and dark looks: one style sheet template filled from two palettes, so they never drift."""

from __future__ import annotations

from string import Template

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.stages import State

PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "bg": "#f5f3f0", "surface": "#ffffff", "surface2": "#efebe6", "border": "#ddd6cd",
        "text": "#1f1b16", "muted": "#6b635a", "accent": "#d9622b", "accent_text": "#ffffff",
        "user": "#fde7d9", "hearth": "#ffffff", "warn_bg": "#fff4d6", "warn_border": "#e8c35a",
        "danger": "#c0392b", "on": "#2e9e5b", "off": "#a39a90",
    },
    "dark": {
        "bg": "#1b1a19", "surface": "#262523", "surface2": "#302e2b", "border": "#3d3a36",
        "text": "#f1ece6", "muted": "#a49b91", "accent": "#f0793e", "accent_text": "#1b1a19",
        "user": "#4a2f20", "hearth": "#2c2a28", "warn_bg": "#3e3420", "warn_border": "#8a7031",
        "danger": "#e5695b", "on": "#4cc27f", "off": "#6f675f",
    },
}

# State colours for the indicator pill (same in both themes: they carry meaning).
STATE_COLORS = {State.IDLE: "#8a8178", State.LISTENING: "#2e9e5b", State.THINKING: "#c98a16", State.SPEAKING: "#d9622b"}

QSS = Template("""
QWidget { background: $bg; color: $text; font-size: 10.5pt; }
QMainWindow, QDialog { background: $bg; }
QLabel { background: transparent; }
QLabel[role="muted"] { color: $muted; }
QLabel[role="title"] { font-size: 15pt; font-weight: 600; }
QLabel[role="section"] { color: $muted; font-size: 9pt; font-weight: 600; letter-spacing: 1px; }
QLabel[role="partial"] { color: $muted; font-style: italic; }
QFrame[role="card"] { background: $surface; border: 1px solid $border; border-radius: 12px; }
QFrame[role="bubble-user"] { background: $user; border-radius: 14px; }
QFrame[role="bubble-hearth"] { background: $hearth; border: 1px solid $border; border-radius: 14px; }
QFrame[role="bubble-user"][current="true"], QFrame[role="bubble-hearth"][current="true"] { border: 2px solid $accent; }
QFrame[role="details"] { background: $surface2; border-radius: 8px; }
QFrame[role="banner"] { background: $warn_bg; border: 1px solid $warn_border; border-radius: 8px; }
QFrame[role="device"] { background: $surface2; border-radius: 8px; }
QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; border: none; }
QPushButton, QToolButton { background: $surface2; border: 1px solid $border; border-radius: 8px;
    padding: 6px 12px; }
QPushButton:hover, QToolButton:hover { border-color: $accent; }
QPushButton:focus, QToolButton:focus, QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus {
    border: 2px solid $accent; }
QCheckBox:focus { color: $accent; }
QCheckBox::indicator:focus { border: 2px solid $accent; }
QSlider::handle:horizontal:focus { border: 2px solid $text; }
QScrollArea:focus { border: 2px solid $accent; border-radius: 8px; }
QPushButton:disabled { color: $muted; }
QPushButton[role="primary"] { background: $accent; color: $accent_text; border: 2px solid $accent; font-weight: 600;
    min-height: 20px; padding: 6px 22px; border-radius: 18px; }
QPushButton[role="primary"]:focus { border-color: $text; }
QPushButton[role="primary"]:pressed, QPushButton[role="primary"][active="true"] { background: $on; }
QPushButton[role="primary"]:disabled { background: $off; border-color: $off; }
QPushButton[role="danger"] { color: $danger; }
QPushButton[role="small"] { padding: 2px 8px; }
QPushButton[role="small"]:focus { padding: 1px 7px; }
QToolButton[role="link"] { background: transparent; border: none; color: $muted; padding: 0; }
QToolButton[role="link"]:hover { color: $accent; }
QToolButton[role="link"]:focus { color: $accent; text-decoration: underline; }
QLineEdit { background: $surface; border: 1px solid $border; border-radius: 8px; padding: 6px 8px; }
QComboBox, QSpinBox { min-height: 24px; }
QCheckBox { background: transparent; spacing: 8px; }
QCheckBox::indicator { width: 16px; height: 16px; border: 1px solid $muted; border-radius: 4px;
    background: $surface; }
QCheckBox::indicator:checked { background: $accent; border-color: $accent; }
QCheckBox[role="onoff"]::indicator { width: 28px; height: 14px; border-radius: 8px; background: $surface2; }
QCheckBox[role="onoff"]::indicator:checked { background: $on; border-color: $on; }
QSlider::groove:horizontal { background: $surface2; height: 4px; border-radius: 2px; }
QSlider::sub-page:horizontal { background: $accent; border-radius: 2px; }
QSlider::handle:horizontal { background: $surface; border: 1px solid $muted; width: 12px; margin: -6px 0;
    border-radius: 7px; }
QProgressBar { background: $surface2; border: none; border-radius: 3px; height: 6px; }
QProgressBar::chunk { background: $accent; border-radius: 3px; }
QScrollBar:vertical { background: transparent; width: 8px; }
QScrollBar::handle:vertical { background: $border; border-radius: 4px; min-height: 24px; }
QScrollBar::add-line, QScrollBar::sub-line { height: 0; }
""")


def palette(name: str) -> dict[str, str]:
    return PALETTES.get(name, PALETTES["light"])


def apply_theme(app: QApplication, name: str) -> None:
    """Fusion (the same on every OS) coloured by a QPalette, plus a style sheet for Hearth's own widgets;
    combo and spin boxes keep Fusion's drawing so their arrows stay crisp."""
    colors = palette(name)
    app.setStyle("Fusion")
    qpal = app.palette()
    for role, key in ((QPalette.Window, "bg"), (QPalette.Base, "surface"), (QPalette.Text, "text"),
                      (QPalette.WindowText, "text"), (QPalette.Button, "surface2"), (QPalette.ButtonText, "text"),
                      (QPalette.Highlight, "accent"), (QPalette.HighlightedText, "accent_text"),
                      (QPalette.AlternateBase, "surface2"), (QPalette.PlaceholderText, "muted"),
                      (QPalette.ToolTipBase, "surface"), (QPalette.ToolTipText, "text")):
        qpal.setColor(role, QColor(colors[key]))
    app.setPalette(qpal)
    app.setStyleSheet(QSS.substitute(colors))
