"""Start Hearth at login: an XDG autostart entry (~/.config/autostart/hearth.desktop), made from
the launcher entry in assets/ with this installation's own command, so it starts the Hearth
that wrote it even when `hearth` is not on the login shell's PATH."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from app.config import assets_dir
from app.errors import HearthError


def entry_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / "hearth.desktop"


def _quoted(arg: str) -> str:
    """One Exec argument, quoted the way the desktop entry spec wants (double quotes, \\-escapes)."""
    if re.fullmatch(r"[\w@%+=:,./-]+", arg):
        return arg
    return '"' + re.sub(r'(["`$\\])', r"\\\1", arg).replace("\\", "\\\\") + '"'


def entry_text() -> str:
    """assets/hearth.desktop with Exec running this Python's Hearth, and no TryExec (it named `hearth`)."""
    command = " ".join(_quoted(a) for a in (sys.executable, "-m", "app", "gui", "--hidden"))
    lines = []
    for line in (assets_dir() / "hearth.desktop").read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={command}"
        elif line.startswith("TryExec="):
            continue
        lines.append(line)
    return "\n".join(lines + ["X-GNOME-Autostart-enabled=true"]) + "\n"


def set_autostart(on: bool) -> None:
    """Write or remove the entry; a folder that cannot be written is a HearthError with the fix."""
    path = entry_path()
    try:
        if on:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(entry_text(), encoding="utf-8")
        else:
            path.unlink(missing_ok=True)
    except OSError as exc:
        raise HearthError(f"cannot {'write' if on else 'remove'} the login entry {path}: {exc.strerror or exc}",
                          f"check that {path.parent} is a folder you can write to") from exc
