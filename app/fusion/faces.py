"""Faces: BlazeFace finds them, MediaPipe's face landmarks tell which way each head turns.

BlazeFace's back-camera model (256 x 256 input: the 128 x 128 short-range one missed most faces
smaller than a fifth of the frame, someone a couple of metres away; docs/vision.md) gives boxes; each box, widened
1.5 times as MediaPipe does, goes to the 468-point face landmark model, whose face score also
rejects detections that are not faces. That check lets weaker detections in too (small, blurred
faces score 0.25-0.5): they are kept when the landmark model confirms them and they do not overlap
a sure one. The face's box is the landmarks' extent, which fits the face better than BlazeFace's.
Yaw and pitch come from the landmarks' depth (z): the cheek-to-cheek line turns with the head
left/right, the forehead-to-chin line up/down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from app.fusion.image import Square, whole
from app.fusion.models import vision_session
from app.fusion.scene import Face
from app.fusion.ssd import Detection, anchors, decode, iou, weighted_nms

DETECTOR_SIZE = 256
DETECTOR_STRIDES = (16, 32, 32, 32)  # a 16 x 16 grid of 2 anchors, then 8 x 8 of 6
MESH_SIZE = 192
RIGHT_CHEEK, LEFT_CHEEK, FOREHEAD, CHIN = 234, 454, 10, 152  # face mesh landmark indices


@dataclass
class FaceOptions:
    min_score: float = 0.5  # BlazeFace score of a sure detection (MediaPipe's default)
    min_weak_score: float = 0.25  # a weaker one, kept only if the landmark model confirms it
    min_mesh_score: float = 0.5  # the landmark model's "this is a face" score
    box_scale: float = 1.1  # the face's box: the landmarks' extent (a square) times this
    max_yaw: float = 25.0  # degrees either way that still count as facing the device
    max_pitch: float = 20.0
    recheck_rejected: int = 5  # in a stream, a weak candidate the landmark model turned down is checked again
    # only after this many detector runs (a second at 5 frames/s with nobody in view): the same patch of
    # wallpaper need not cost a landmark call every frame


def head_pose(landmarks: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees from face mesh landmarks (468, 3), x/y/z in the same units."""
    across = landmarks[LEFT_CHEEK] - landmarks[RIGHT_CHEEK]
    down = landmarks[CHIN] - landmarks[FOREHEAD]
    yaw = math.degrees(math.atan2(float(across[2]), float(across[0])))
    pitch = math.degrees(math.atan2(float(-down[2]), float(down[1])))
    return yaw, pitch


class FaceFinder:
    def __init__(self, options: FaceOptions | None = None, device: str = "auto"):
        self.options = options or FaceOptions()
        self._detector = vision_session("face_detection_back.onnx", device)
        self._mesh = vision_session("face_landmark.onnx", device)
        self._anchors = anchors(DETECTOR_SIZE, DETECTOR_STRIDES)
        self._rejected: list[Detection] = []  # weak candidates turned down in this stream's recent detector runs
        self._runs_since_recheck = 0

    def find(self, image: Image.Image, stream: bool = False) -> list[Face]:
        """The faces in a frame. `stream=True`: the frame follows the last one from the same camera, so a weak
        candidate turned down at the same place (IoU >= 0.5) in one of the last `recheck_rejected` detector runs
        is not checked again (most of an empty room's cost: docs/vision.md)."""
        if not stream or self._runs_since_recheck >= self.options.recheck_rejected:
            self._rejected, self._runs_since_recheck = [], 0
        self._runs_since_recheck += 1
        frame = whole(image)
        x = frame.crop(image, DETECTOR_SIZE)[None] * 2.0 - 1.0  # BlazeFace takes NHWC in -1..1
        scores1, scores2, boxes1, boxes2 = self._detector.run(None, {"input:0": x})
        found = decode(np.concatenate([boxes1[0], boxes2[0]]), np.concatenate([scores1[0], scores2[0]]),
                       self._anchors, DETECTOR_SIZE, self.options.min_weak_score)
        faces = []
        for d in self._candidates(found):
            weak = d.score < self.options.min_score
            if weak and any(iou(d, r) >= 0.5 for r in self._rejected):
                continue
            (cx, cy), = frame.to_frame([d.center])
            face = self._pose(image, Square(cx, cy, max(d.size) * frame.side * 1.5), d.score)
            if face is not None:
                faces.append(face)
            elif weak:
                self._rejected.append(d)
        return faces

    def follow(self, image: Image.Image, faces: list[Face]) -> list[Face] | None:
        """The previous frame's faces found again by the landmark model alone, around where they were
        (MediaPipe's tracking: a frame later a face has barely moved, so the detector can rest). None
        when one of them is lost: the caller runs the detector."""
        found = []
        for face in faces:
            x, y, side, _ = face.box
            region = Square(x + side / 2, y + side / 2, side / self.options.box_scale * 1.5)
            again = self._pose(image, region, face.score)
            if again is None:
                return None
            found.append(again)
        return found

    def _candidates(self, found: list[Detection]) -> list[Detection]:
        """Sure detections merged on their own (weak boxes would pull them off the face), then the weak
        ones that overlap none of them."""
        sure = weighted_nms([d for d in found if d.score >= self.options.min_score])
        weak = weighted_nms([d for d in found if d.score < self.options.min_score])
        return sure + [d for d in weak if all(iou(d, s) <= 0.3 for s in sure)]

    def _pose(self, image: Image.Image, region: Square, score: float) -> Face | None:
        x = region.crop(image, MESH_SIZE).transpose(2, 0, 1)[None]  # the converted model takes NCHW in 0..1
        points, flag = self._mesh.run(None, {"input_1": x})
        if 1.0 / (1.0 + math.exp(-float(flag.ravel()[0]))) < self.options.min_mesh_score:
            return None
        landmarks = points.reshape(468, 3)
        yaw, pitch = head_pose(landmarks)
        corners = region.to_frame(landmarks[:, :2] / MESH_SIZE)
        (x0, y0), (x1, y1) = corners.min(0), corners.max(0)
        side = max(x1 - x0, y1 - y0) * self.options.box_scale
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        facing = abs(yaw) <= self.options.max_yaw and abs(pitch) <= self.options.max_pitch
        return Face((round(cx - side / 2), round(cy - side / 2), round(side), round(side)), score, facing, yaw, pitch)
