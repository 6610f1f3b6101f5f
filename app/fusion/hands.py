"""Hands: MediaPipe's palm detector finds palms, its hand landmark model (21 points) says whether the
hand is a raised open palm, the "stop" gesture.

The region for the landmark model follows MediaPipe's recipe (palm box widened 2.6 times, moved
half a box towards the fingers) without the rotation: a raised hand is upright, and an unrotated
crop needs no affine warp. Only upright hands (wrist below the fingers) can be a raised palm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from app.fusion.image import Square, whole
from app.fusion.models import vision_session
from app.fusion.scene import Hand
from app.fusion.ssd import anchors, decode, weighted_nms

DETECTOR_SIZE = 192
LANDMARK_SIZE = 224
WRIST, MIDDLE_MCP = 0, 2  # palm detector keypoints
FINGERS = ((6, 8), (10, 12), (14, 16), (18, 20))  # middle joint, tip of index..little finger
THUMB_TIP, THUMB_IP, PINKY_MCP = 4, 3, 17


@dataclass
class HandOptions:
    min_score: float = 0.5  # palm detector score
    min_presence: float = 0.5  # landmark model's "a hand is in the crop" score
    max_tilt: float = 45.0  # degrees from vertical that still count as a raised hand


def is_open_palm(points: np.ndarray, max_tilt: float = 45.0) -> bool:
    """21 hand landmarks (x, y[, z]) in image coordinates (y down) -> a raised open palm: the four
    fingers straight (tip farther from the wrist than the middle joint, by 10 %), the thumb out
    (tip farther from the little finger's base than its last joint) and the hand pointing up."""
    p = np.asarray(points, np.float64)[:, :2]

    def dist(a: int, b: int) -> float:
        return float(np.linalg.norm(p[a] - p[b]))

    straight = all(dist(tip, 0) > 1.1 * dist(pip, 0) for pip, tip in FINGERS)
    thumb_out = dist(THUMB_TIP, PINKY_MCP) > dist(THUMB_IP, PINKY_MCP)
    up = p[9] - p[0]  # wrist -> middle finger base
    tilt = math.degrees(math.atan2(abs(float(up[0])), -float(up[1])))  # 0 = straight up
    return straight and thumb_out and tilt <= max_tilt


class HandFinder:
    def __init__(self, options: HandOptions | None = None, device: str = "auto"):
        self.options = options or HandOptions()
        self._detector = vision_session("palm_detection_lite.onnx", device)
        self._landmarks = vision_session("hand_landmark_lite.onnx", device)
        self._anchors = anchors(DETECTOR_SIZE, (8, 16, 16, 16))

    def find(self, image: Image.Image) -> list[Hand]:
        frame = whole(image)
        x = frame.crop(image, DETECTOR_SIZE).transpose(2, 0, 1)[None]  # NCHW in 0..1
        boxes, scores = self._detector.run(None, {"input_1": x})
        hands = []
        for d in weighted_nms(decode(boxes[0], scores[0], self._anchors, DETECTOR_SIZE, self.options.min_score)):
            wrist, middle = frame.to_frame(d.keypoints[[WRIST, MIDDLE_MCP]])
            (cx, cy), = frame.to_frame([d.center])
            side = max(d.size) * frame.side
            toward = (middle - wrist) / max(float(np.linalg.norm(middle - wrist)), 1e-6)
            region = Square(cx + toward[0] * side / 2, cy + toward[1] * side / 2, side * 2.6)
            hand = self._classify(image, region, d.score)
            if hand is not None:
                hands.append(hand)
        return hands

    def _classify(self, image: Image.Image, region: Square, score: float) -> Hand | None:
        x = region.crop(image, LANDMARK_SIZE).transpose(2, 0, 1)[None]
        points, presence, _handedness, _world = self._landmarks.run(None, {"input_1": x})
        if float(presence.ravel()[0]) < self.options.min_presence:
            return None
        p = region.to_frame(points.reshape(21, 3)[:, :2] / LANDMARK_SIZE)
        x0, y0 = p.min(0)
        x1, y1 = p.max(0)
        box = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
        return Hand(box, score, is_open_palm(p, self.options.max_tilt))
