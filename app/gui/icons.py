"""Small line icons drawn from inline SVG, tinted per theme (no emoji font is needed)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

PATHS = {
    "mic": '<rect x="9" y="3" width="6" height="11" rx="3" fill="{c}"/>'
           '<path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M8.5 21h7" fill="none" stroke="{c}" stroke-width="2" '
           'stroke-linecap="round"/>',
    "stop": '<rect x="6" y="6" width="12" height="12" rx="2" fill="{c}"/>',
    "send": '<path d="M4 12l16-8-6 16-2.5-6.5z" fill="{c}"/>',
    "gear": '<circle cx="12" cy="12" r="3.2" fill="none" stroke="{c}" stroke-width="2"/>'
            '<path d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1'
            'M16.6 7.4l2.1-2.1" stroke="{c}" stroke-width="2" stroke-linecap="round"/>',
}


def icon(name: str, color: str, size: int = 64) -> QIcon:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">{PATHS[name].format(c=color)}</svg>'
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(QPixmap.fromImage(image))
