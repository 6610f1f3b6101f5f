"""Frames from a real camera or from fixtures (an image, a folder of images, a video file).

`open_camera("0")` opens device 0; a path opens the file source. No camera is a DeviceError
with the fix, so the app runs on without vision.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.errors import DeviceError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def load_cv2():
    """OpenCV, which the `camera` extra installs (162 MB: the camera is off by default, so the
    installer leaves it out); without it the camera is a DeviceError with the fix."""
    try:
        import cv2 as module
    except ImportError as exc:
        raise DeviceError("camera support is not installed", "install Hearth with its camera extra, "
                          "hearth[camera] (in a checkout: .venv/bin/pip install -e '.[camera]'; the Debian package "
                          "leaves it out, docs/packaging.md says how to add it), or turn the camera off in Settings"
                          ) from exc
    return module


class CameraSource:
    """Returns the latest BGR frame on `read()`; image folders cycle through their files."""

    def __init__(self, spec: str):
        cv = load_cv2()
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
            source = int(spec) if spec.isdigit() else str(path)
            self._capture = cv.VideoCapture(source)
            if not self._capture.isOpened():
                raise DeviceError(f"no camera at {spec!r}",
                                  "connect a camera, pick another in Settings, or leave the camera off")

    def read(self) -> np.ndarray:
        cv = load_cv2()
        if self._images:
            frame = cv.imread(str(self._images[self._index % len(self._images)]))
            self._index += 1
            if frame is None:
                raise DeviceError(f"cannot decode camera image {self._images[(self._index - 1) % len(self._images)]}",
                                  "replace the damaged image")
            return frame
        ok, frame = self._capture.read()
        if not ok and self._capture.get(cv.CAP_PROP_FRAME_COUNT) > 0:  # a video file: loop it
            self._capture.set(cv.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            raise DeviceError("the camera stopped delivering frames", "check that it is still connected")
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()


def open_camera(spec: str | None) -> CameraSource | None:
    """None or "" means the camera is off."""
    return CameraSource(spec) if spec else None
