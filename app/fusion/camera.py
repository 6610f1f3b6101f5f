"""Frames from a real camera or from files (an image, a folder of images, a video), as RGB arrays.

`open_camera("0")` opens device 0; a path opens the file source. Images are decoded by Pillow
(a dependency), so file sources and `hearth vision` need no OpenCV; webcams and videos go
through OpenCV, which the `camera` extra installs. No camera is a DeviceError with the fix, so
the app runs on without vision. Frames stay in memory: nothing here writes them anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from app.errors import DeviceError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def load_cv2():
    """OpenCV, which the `camera` extra installs (162 MB: the camera is off by default, so the
    installer leaves it out); without it a webcam or video is a DeviceError with the fix."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # a missing webcam is our DeviceError, not OpenCV's warnings
    try:
        import cv2 as module
    except ImportError as exc:
        raise DeviceError("camera support is not installed", "install Hearth with its camera extra, "
                          "hearth[camera] (in a checkout: .venv/bin/pip install -e '.[camera]'; the Debian package "
                          "leaves it out, docs/packaging.md says how to add it), or turn the camera off in Settings"
                          ) from exc
    return module


def read_image(path: Path) -> np.ndarray:
    """One image file as an RGB uint8 array; a missing or damaged file is a DeviceError."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except FileNotFoundError as exc:
        raise DeviceError(f"camera image not found: {path}", "check the path") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DeviceError(f"cannot decode camera image {path}", "replace the damaged image") from exc


class CameraSource:
    """Returns the next RGB frame on `read()`; image folders cycle through their files, videos loop."""

    def __init__(self, spec: str):
        self.spec = spec
        path = Path(spec)
        self._images: list[Path] = []
        self._index = 0
        self._capture = None
        if path.is_dir():
            self._images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise DeviceError(f"no images in camera folder {path}", "put PNG/JPEG frames there")
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            if not path.exists():
                raise DeviceError(f"camera image not found: {path}", "check the path in Settings")
            self._images = [path]
        else:
            cv = load_cv2()
            self._capture = cv.VideoCapture(int(spec) if spec.isdigit() else str(path))
            if not self._capture.isOpened():
                raise DeviceError(f"no camera at {spec!r}",
                                  "connect a camera, pick another in Settings, or leave the camera off")

    def read(self) -> np.ndarray:
        if self._images:
            path = self._images[self._index % len(self._images)]
            self._index += 1
            return read_image(path)
        cv = load_cv2()
        ok, frame = self._capture.read()
        if not ok and self._capture.get(cv.CAP_PROP_FRAME_COUNT) > 0:  # a video file: loop it
            self._capture.set(cv.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            raise DeviceError("the camera stopped delivering frames", "check that it is still connected")
        return np.ascontiguousarray(frame[..., ::-1])  # OpenCV's BGR -> RGB

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()


def open_camera(spec: str | None) -> CameraSource | None:
    """None or "" means the camera is off."""
    return CameraSource(spec) if spec else None
