"""Where Hearth keeps its state, settings and logs, and the settings themselves.

platformdirs picks the right per-user folders on each OS; HEARTH_HOME overrides them all
(tests point it at a temporary folder so they never touch the user's state).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tomllib
import typing
from dataclasses import Field, asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import platformdirs
import tomli_w

from app.errors import HearthError

APP_NAME = "hearth"

log = logging.getLogger(__name__)


def _folder(default: Callable[..., str], under_home: str = "") -> Path:
    """A per-user folder (or one inside HEARTH_HOME), created on first use for its owner only (0700):
    it holds what the user said. An existing folder keeps the permissions it has."""
    override = os.environ.get("HEARTH_HOME")
    root = Path(override) if override else Path(default(APP_NAME, appauthor=False))
    path = root / under_home if override else root
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        fix = ("set HEARTH_HOME to a folder you can write to, or unset it" if override
               else f"check that {path.parent} is a folder you can write to")
        raise HearthError(f"cannot use {path} as Hearth's folder ({exc.strerror or exc})", fix,
                          code="home_unusable") from exc
    return path


def create_private(path: Path) -> None:
    """Create `path` empty, readable and writable by its owner only (0600), before anything writes
    what the user said into it. An existing file keeps the permissions its owner gave it."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def home() -> Path:
    """The data directory: conversation state (hearth.db)."""
    return _folder(platformdirs.user_data_dir)


def config_dir() -> Path:
    """The configuration directory: settings.toml, the one file a user edits by hand."""
    return _folder(platformdirs.user_config_dir)


def state_dir() -> Path:
    """The log directory ($HEARTH_HOME/logs with the override)."""
    return _folder(platformdirs.user_state_dir, "logs")


def cache_dir() -> Path:
    """What Hearth can make again and keeps only to start faster ($HEARTH_HOME/cache with the override)."""
    return _folder(platformdirs.user_cache_dir, "cache")


def repo_root() -> Path:
    """Where app/, models/ and assets/ sit side by side, found from the `app` package itself (never the
    working directory): the checkout, site-packages of Hearth's own environment (/opt/hearth in the
    .deb), or a PyInstaller bundle's folder. Every artifact installs real files (onnxruntime, tokenizers
    and Qt open paths), so this is a folder, not a zip (docs/packaging.md)."""
    return Path(str(resources.files("app"))).resolve().parent


def assets_dir() -> Path:
    """The bundled assets (vocabularies, the simulated home, sample commands, the icon); taken beside
    `app` rather than by importing a package named `assets`, which another distribution could shadow."""
    return repo_root() / "assets"


def datasets_dir() -> Path:
    """Training data location: HEARTH_DATASETS, else ../shared/datasets beside the checkout."""
    return Path(os.environ.get("HEARTH_DATASETS", repo_root().parent / "shared" / "datasets"))


def _choice(default: str, *allowed: str) -> Any:
    return field(default=default, metadata={"choices": (default, *allowed)})


def _within(default: float, low: float, high: float) -> Any:
    return field(default=default, metadata={"range": (low, high)})


def _matching(pattern: str, about: str) -> Any:
    """Text that must match `pattern` (checked without loading anything), or None."""
    return field(default=None, metadata={"pattern": pattern, "about": about})


HEADER = "# Hearth settings: `hearth config` lists and changes them; docs/settings.md explains each.\n"


@dataclass
class Settings:
    """User-facing settings, persisted as TOML in the config directory.

    Allowed values live in each field's metadata ("choices" or an inclusive "range"), so loading
    the file, `hearth config` and the settings dialog all apply the same rules.
    """

    input_device: str | None = None
    output_device: str | None = None
    camera: str | None = None
    voice: str | None = _matching(r"piper:[A-Za-z0-9_.-]+|(?:espeak:)?[a-z]+(?:/[a-z0-9-]+)?|system:.*",
                                  "a voice id from `hearth speak --list-voices` (piper:en_US-joe-medium, gmw/en-us)")
    speech_rate: int = _within(175, 80, 400)
    compute_device: str = _choice("auto", "cpu", "gpu")
    trailing_silence_ms: int = _within(700, 100, 3000)
    endpointing: str = _choice("smart", "silence")  # smart: a finished command ends at quick_silence_ms (Smart Turn)
    quick_silence_ms: int = _within(250, 100, 3000)
    hands_free: bool = False
    theme: str = _choice("light", "dark")
    asr_engine: str = _choice("onnx", "faster-whisper")  # onnx: short-window int8 Whisper
    asr_compute_type: str = _choice("int8", "float32")
    asr_model: str = _choice("tiny.en", "base")  # base: a little more accurate, ~2x the ASR time (docs/whisper.md)
    follow_up_s: float = _within(5.0, 0.0, 30.0)  # how long hands-free / a question waits for more speech
    announce: bool = True  # speak due timers and alarms aloud when there is a speaker
    autostart: bool = False  # start the desktop app at login (an XDG autostart entry)
    keep_history: bool = True  # keep the desktop app's conversation across restarts
    look_to_talk: bool = False  # with a camera: facing the device for about a second starts listening
    palm_stop: bool = True  # with a camera: a raised open palm stops speech, music or a ringing timer
    wake_word: bool = False  # while idle, listen for "hey hearth" (app/wake.py) and answer what follows
    wake_threshold: float = _within(0.92, 0.05, 0.99)  # higher: fewer false wakes, more missed ones (docs/models.md)
    wake_refractory_s: float = _within(2.0, 0.5, 10.0)  # after a wake, ignore the word this long
    wake_patience: int = _within(1, 1, 10)  # scores in a row (80 ms each) above the threshold before a wake
    extra: dict = field(default_factory=dict)

    @staticmethod
    def path() -> Path:
        return config_dir() / "settings.toml"

    @classmethod
    def mtime(cls) -> int | None:
        """The file's modification time in ns, None without a file: a long-running process compares
        it between turns and reloads after `hearth config` or a hand edit."""
        try:
            return cls.path().stat().st_mtime_ns
        except OSError:
            return None

    @staticmethod
    def keys() -> list[str]:
        return [f.name for f in fields(Settings)]

    @staticmethod
    def limits(key: str) -> tuple[float, float]:
        """The inclusive range of a numeric setting, for widgets that should not offer more."""
        return _field(key).metadata["range"]

    @classmethod
    def load(cls) -> Settings:
        """Read settings. Never fails: a damaged file is kept aside and defaults used; a bad value
        falls back to that key's default."""
        p = cls.path()
        if not p.exists():
            return cls._migrate()
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            log.warning("cannot read %s (%s): using default settings", p, exc.strerror or exc)
            return cls()
        except ValueError as exc:
            aside = p.with_name(p.name + ".damaged")
            log.warning("%s is damaged (%s): using default settings, the file is kept as %s", p, exc, aside)
            with contextlib.suppress(OSError):  # a read-only folder: it stays where it is
                p.replace(aside)
            return cls()
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        """Settings from parsed data: unknown keys are ignored, a wrong value gives that key's default."""
        values = {}
        for key, value in data.items():
            try:
                values[key] = _check(_field(key), value)
            except HearthError as exc:
                log.warning("settings: %s ignored (%s)", key, exc.message)
        return cls(**values)

    @classmethod
    def _migrate(cls) -> Settings:
        """Once: an older Hearth's settings.json (in the data folder) becomes settings.toml."""
        old = home() / "settings.json"
        if not old.exists():
            return cls()
        try:
            data = json.loads(old.read_text(encoding="utf-8"))
            settings, suffix = cls.from_dict(data if isinstance(data, dict) else {}), ".migrated"
        except (OSError, ValueError) as exc:
            log.warning("cannot migrate %s (%s): using default settings", old, exc)
            settings, suffix = cls(), ".damaged"
        try:
            settings.save()
            old.replace(old.with_name(old.name + suffix))
        except (HearthError, OSError) as exc:
            log.warning("settings not migrated yet: %s", exc)  # tried again next start
        return settings

    def save(self) -> None:
        """Atomic write: a crash or a full disk mid-save leaves the old file intact."""
        p = self.path()
        tmp = p.with_name(p.name + ".tmp")
        try:
            create_private(tmp)
            tmp.write_text(HEADER + tomli_w.dumps({k: v for k, v in asdict(self).items() if v is not None}),
                           encoding="utf-8")
            os.replace(tmp, p)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise HearthError(f"cannot save settings to {p}: {exc.strerror or exc}",
                              "free some disk space or check the folder's permissions; "
                              "the previous settings are kept") from exc

    def get_text(self, key: str) -> str:
        """One value as `hearth config` shows it (and set_text accepts it back)."""
        value = getattr(self, _field(key).name)
        if value is None:
            return "none"
        if isinstance(value, bool):
            return str(value).lower()
        return json.dumps(value) if isinstance(value, dict) else str(value)

    def set_text(self, key: str, text: str) -> None:
        """Set one value from its text ("true", "1.5", "none" clears an optional one), checked
        against the same rules as the file; the caller saves."""
        f = _field(key)
        setattr(self, key, _check(f, _parse(f, text.strip())))


def _field(key: str) -> Field:
    for f in fields(Settings):
        if f.name == key:
            return f
    raise HearthError(f"unknown setting: {key}", "use one of: " + ", ".join(Settings.keys()))


def _kind(f: Field) -> tuple[type, bool]:
    """The field's value type, and whether None is allowed."""
    hint = typing.get_type_hints(Settings)[f.name]
    args = typing.get_args(hint)
    return next((a for a in args if a is not type(None)), hint), type(None) in args


def _allowed(f: Field) -> str:
    kind, optional = _kind(f)
    if "choices" in f.metadata:
        return "one of " + ", ".join(f.metadata["choices"])
    if "range" in f.metadata:
        low, high = f.metadata["range"]
        return f"{'a whole number' if kind is int else 'a number'} from {low:g} to {high:g}"
    if "pattern" in f.metadata:
        return f.metadata["about"] + (", or none for the default" if optional else "")
    if kind is bool:
        return "true or false"
    if kind is dict:
        return "a JSON object"
    return "any text, or none for the default" if optional else "any text"


def _check(f: Field, value: object) -> object:
    """The value if it fits the field (ints widened to float), else a HearthError saying what fits."""
    kind, optional = _kind(f)
    if value is None and optional:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    fits = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    low, high = f.metadata.get("range", (None, None))
    if (not fits or ("choices" in f.metadata and value not in f.metadata["choices"])
            or (low is not None and not low <= value <= high)
            or ("pattern" in f.metadata and not re.fullmatch(f.metadata["pattern"], value))):
        raise HearthError(f"{f.name} cannot be {value!r}", f"{f.name} takes {_allowed(f)}")
    return value


def _parse(f: Field, text: str) -> object:
    """Text from the command line as the field's type; text that does not parse stays text, which
    _check then rejects with the allowed values."""
    kind, optional = _kind(f)
    if optional and text.lower() == "none":
        return None
    try:
        if kind is bool:
            return {"true": True, "false": False}[text.lower()]
        if kind in (int, float, dict):
            return json.loads(text) if kind is dict else kind(text)
    except (KeyError, ValueError):
        pass
    return text
