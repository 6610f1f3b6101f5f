#!/usr/bin/env bash
# Build the installable wheel (app, shipped models, assets) into dist/.
# Install on another machine with: bash packaging/install-system.sh && pip install dist/hearth-*.whl
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q build
.venv/bin/python -m build --wheel --outdir dist .
ls -l dist/
