"""One frame -> SceneContext: faces and head pose, a raised open palm, how light the scene is."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from app.errors import HearthError
from app.fusion.faces import FaceFinder, FaceOptions
from app.fusion.hands import HandFinder, HandOptions
from app.fusion.scene import Face, Hand, SceneContext


@dataclass
class PerceptionOptions:
    faces: FaceOptions = field(default_factory=FaceOptions)
    hands: HandOptions = field(default_factory=HandOptions)
    hands_without_people: bool = False  # the palm detector is half the cost: skip it when nobody is in view
    detect_every: int = 5  # following faces frame to frame, the detector still runs this often for newcomers
    dark_below: float = 40.0  # mean luminance (0..255) under which the scene is "dark"
    bright_above: float = 200.0
    device: str = "auto"


@dataclass
class Perceived:
    scene: SceneContext
    timings_ms: dict[str, float]


def as_image(frame: np.ndarray | Image.Image) -> Image.Image:
    """An RGB (or grey) uint8 array, or a Pillow image, as an RGB Pillow image."""
    if isinstance(frame, Image.Image):
        return frame.convert("RGB")
    array = np.asarray(frame)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise HearthError(f"not an image frame: {array.dtype} array of shape {array.shape}",
                          "pass an RGB uint8 array (height x width x 3) or a Pillow image", code="bad_frame")
    image = Image.fromarray(array)
    return image if image.mode == "RGB" else image.convert("RGB")  # a camera's RGB frame needs no second copy


def light_labels(frame: np.ndarray | Image.Image, options: PerceptionOptions) -> list[str]:
    """How light the room is, from every 4th pixel of every 4th row (Rec. 601 luma, as Pillow's "L"): within
    about a grey level of the whole frame's mean, and a camera's array is read in place, not converted."""
    pixels = np.asarray(frame)[::4, ::4].astype(np.float32)
    mean = float((pixels if pixels.ndim == 2 else pixels[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)).mean())
    return ["dark"] if mean < options.dark_below else ["bright"] if mean > options.bright_above else []


class SceneAnalyzer:
    """The models load on first use of `perceive`, on the thread that uses them."""

    def __init__(self, options: PerceptionOptions | None = None):
        self.options = options or PerceptionOptions()
        self._faces: FaceFinder | None = None
        self._hands: HandFinder | None = None
        self._followed: list[Face] = []  # the faces of the last frame perceived
        self._since_detect = 0
        self._last_hands: list[Hand] | None = None  # the last frame's hands, when it looked for them
        self._reused_hands = False

    def perceive(self, frame: np.ndarray | Image.Image, hands: bool = True, follow: bool = False) -> Perceived:
        """`hands=False` skips the palm chain (about half the cost): the watcher asks for hands only while
        a raised palm has something to stop. `follow=True` says this frame comes right after the last one from
        the same camera: the last frame's faces are found again without the detector (`FaceFinder.follow`),
        which still runs every `detect_every` frames, and whenever a face is lost or nobody was in view. On a stream
        the face detector and the palm chain, each about 7 ms here, never both run on one frame: a detector frame
        keeps the last frame's hands (never two frames in a row), so no frame pays for both (docs/vision.md)."""
        if self._faces is None:
            self._faces = FaceFinder(self.options.faces, self.options.device)
            self._hands = HandFinder(self.options.hands, self.options.device)
        image = as_image(frame)
        start = time.perf_counter()
        faces, detected = None, False
        if follow and self._followed and self._since_detect + 1 < self.options.detect_every:
            faces = self._faces.follow(image, self._followed)
        if faces is None:
            faces, self._since_detect, detected = self._faces.find(image, stream=follow), 0, True
        else:
            self._since_detect += 1
        self._followed = faces
        found = time.perf_counter()
        look = bool(hands and (faces or self.options.hands_without_people))
        reuse = look and follow and detected and self._last_hands is not None and not self._reused_hands
        found_hands = self._last_hands if reuse else self._hands.find(image) if look else []
        self._last_hands, self._reused_hands = (found_hands if look else None), reuse
        end = time.perf_counter()
        light = light_labels(frame if isinstance(frame, np.ndarray) else image, self.options)  # an array: no copy
        scene = SceneContext.of(faces, found_hands, light)
        return Perceived(scene, {"faces": (found - start) * 1e3, "hands": (end - found) * 1e3,
                                 "total": (end - start) * 1e3})

    def analyze(self, frame: np.ndarray | Image.Image | None) -> SceneContext | None:
        """The pipeline's scene stage: a frame's SceneContext (None for no frame)."""
        return None if frame is None else self.perceive(frame).scene
