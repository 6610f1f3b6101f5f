#!/usr/bin/env bash
# Install everything the app needs into .venv (no torch) and start Hearth.
# With no display it runs the headless demo instead of the window.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-system.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[camera]"  # the camera is a Setting away in the app; the .deb leaves it out
exec .venv/bin/hearth "$@"
