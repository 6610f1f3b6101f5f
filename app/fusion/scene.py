"""Turn one camera frame into a SceneContext with OpenCV's Haar cascades (shipped in opencv).

A frontal face counts as someone looking at the device; a profile face as someone present but
looking away. The dialogue uses this to know whether anyone is there and being addressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.fusion.camera import load_cv2


@dataclass
class SceneContext:
    people: int = 0
    looking: bool = False
    labels: list[str] = field(default_factory=list)  # coarse scene words, e.g. "dark"
    faces: list[tuple[int, int, int, int]] = field(default_factory=list)  # x, y, w, h of frontal faces


class SceneAnalyzer:
    def __init__(self, min_face_fraction: float = 0.08):
        cv = load_cv2()
        data = cv.data.haarcascades
        self._frontal = cv.CascadeClassifier(data + "haarcascade_frontalface_default.xml")
        self._profile = cv.CascadeClassifier(data + "haarcascade_profileface.xml")
        self.min_face_fraction = min_face_fraction

    def analyze(self, frame: np.ndarray) -> SceneContext:
        cv = load_cv2()

        gray = cv.cvtColor(frame, cv.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        gray = cv.equalizeHist(gray)
        side = max(24, int(min(gray.shape[:2]) * self.min_face_fraction))
        frontal = self._frontal.detectMultiScale(gray, 1.1, 5, minSize=(side, side))
        profile = self._profile.detectMultiScale(gray, 1.1, 5, minSize=(side, side))
        n_frontal, n_profile = len(frontal), len(profile)
        labels = ["dark"] if float(gray.mean()) < 40 else []
        return SceneContext(
            people=n_frontal or n_profile,  # a frontal face often also fires the profile cascade
            looking=n_frontal > 0,
            labels=labels,
            faces=[tuple(int(v) for v in f) for f in frontal],
        )
