"""hearth-gui.exe: the desktop app without a console window (the Start menu shortcut)."""

import sys

from app.cli import main

raise SystemExit(main(["gui", *sys.argv[1:]]))
