#!/usr/bin/env bash
# Install the app plus the train, test, ctranslate2, camera and voice extras into .venv and run the whole test suite.
# torch is pinned first: the pinned CPU wheel comes from local disk; an unpinned one pulls CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tests also need a private PulseAudio: its null sink is the sound card the speaker tests play on;
# nsis and debootstrap: tests/test_packaging.py compiles the Windows installer script, and builds the
# .deb and installs it on a clean Debian 12 root (HEARTH_TEST_DEB below).
bash packaging/install-system.sh pulseaudio libasound2-plugins nsis debootstrap
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[train,test,ctranslate2,camera,voice]"  # ctranslate2: the faster-whisper engine and baselines; voice: the optional neural voice
.venv/bin/python -m pip install -q --no-deps "openai-whisper>=20250625"  # its triton is GPU-only
export QT_QPA_PLATFORM=offscreen
# the .deb built, installed on a clean Debian 12 and run there (about 3 minutes; HEARTH_TEST_DEB=0 skips it)
export HEARTH_TEST_DEB=${HEARTH_TEST_DEB:-1}
exec .venv/bin/python -m pytest -q "$@"
