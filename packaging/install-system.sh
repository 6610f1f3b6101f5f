#!/usr/bin/env bash
# System packages Hearth needs on Debian/Ubuntu: speech synthesis, audio I/O, and Qt's X11 libraries.
set -euo pipefail
PKGS=(espeak-ng flite libportaudio2 libsndfile1 sox xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0
      libxkbcommon-x11-0 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0
      libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3 "$@")  # arguments: extra packages (tests)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
