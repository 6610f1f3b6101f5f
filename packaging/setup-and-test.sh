#!/usr/bin/env bash
# Install the app plus the train and test extras into .venv and run the whole test suite.
# torch is pinned first: the pinned CPU wheel comes from local disk; an unpinned one pulls CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-system.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[train,test]"
.venv/bin/python -m pip install -q --no-deps "openai-whisper>=20250625"  # its triton is GPU-only
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
