"""Square crops of a frame, the one image operation the models need (Pillow: no OpenCV)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Square:
    """A square region of the frame, in frame pixels; it may reach past the edges (black there)."""

    cx: float
    cy: float
    side: float

    def crop(self, frame: Image.Image, size: int) -> np.ndarray:
        """The region resized to size x size, RGB float32 in 0..1."""
        x0, y0 = self.cx - self.side / 2, self.cy - self.side / 2
        box = (x0, y0, x0 + self.side, y0 + self.side)
        out = frame.transform((size, size), Image.Transform.EXTENT, box, Image.Resampling.BILINEAR)
        return np.asarray(out, np.float32) / 255.0

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Points in 0..1 of this square -> frame pixels."""
        return np.asarray(points) * self.side + np.array([self.cx - self.side / 2, self.cy - self.side / 2])


def whole(frame: Image.Image) -> Square:
    """The frame letterboxed into a square (the detectors' input keeps the aspect ratio)."""
    w, h = frame.size
    return Square(w / 2, h / 2, float(max(w, h)))
