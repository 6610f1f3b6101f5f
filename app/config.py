"""Where Hearth keeps its state and settings, and the settings themselves.

platformdirs picks the right per-user folders on each OS; HEARTH_HOME overrides them all
(tests point it at a temporary folder so they never touch the user's state).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

from app.errors import HearthError

APP_NAME = "hearth"


def home() -> Path:
    """The state/config directory, created on first use."""
    override = os.environ.get("HEARTH_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def repo_root() -> Path:
    """The checkout, or site-packages in a wheel install (app/, models/ and assets/ sit side by side)."""
    return Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    return repo_root() / "assets"


def datasets_dir() -> Path:
    """Training data location: HEARTH_DATASETS, else ../shared/datasets beside the checkout."""
    return Path(os.environ.get("HEARTH_DATASETS", repo_root().parent / "shared" / "datasets"))


@dataclass
class Settings:
    """User-facing settings, persisted as JSON in the state directory."""

    input_device: str | None = None
    output_device: str | None = None
    camera: str | None = None
    voice: str | None = None
    speech_rate: int = 175
    compute_device: str = "auto"  # auto | cpu | gpu
    trailing_silence_ms: int = 700
    hands_free: bool = False
    theme: str = "light"
    asr_engine: str = "onnx"  # onnx (short-window int8) or faster-whisper
    asr_compute_type: str = "int8"
    extra: dict = field(default_factory=dict)

    @staticmethod
    def path() -> Path:
        return home() / "settings.json"

    @classmethod
    def load(cls) -> "Settings":
        """Read settings; a damaged file falls back to defaults and is kept aside, not lost."""
        p = cls.path()
        if not p.exists():
            return cls()
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            p.replace(p.with_suffix(".json.damaged"))
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self) -> None:
        """Atomic write: a crash or a full disk mid-save leaves the old file intact."""
        p = self.path()
        tmp = p.with_suffix(".json.tmp")
        try:
            tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
            os.replace(tmp, p)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise HearthError(f"cannot save settings to {p}: {exc.strerror or exc}",
                              "free some disk space or check the folder's permissions; "
                              "the previous settings are kept") from exc
