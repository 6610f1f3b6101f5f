#!/usr/bin/env bash
# Build Hearth's installers: the wheel and the Debian 12 package (docs/packaging.md).
#
#   bash packaging/build.sh [--out DIR] [--wheel-only] [--wheelhouse DIR] [--no-smoke]
#
# --out DIR         where the artifacts go (default dist/; keep big outputs out of the checkout)
# --wheel-only      just the wheel (any OS with Python >= 3.11)
# --wheelhouse DIR  build offline: take every dependency from this folder of wheels, not PyPI
# --no-smoke        skip running the built runtime before packaging it
#
# Needs, for the .deb: Debian 12 (or a derivative with Python 3.11 at /usr/bin/python3.11), the
# python3-venv, binutils (readelf) and dpkg-dev tools; espeak-ng and libportaudio2 for the smoke
# test. Never needs root: dpkg-deb --root-owner-group makes the files root's inside the package.
# Writes nothing into the checkout but --out (the sources are copied to a work folder first).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

OUT=dist WHEEL_ONLY=0 WHEELHOUSE="" SMOKE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --wheel-only) WHEEL_ONLY=1; shift ;;
    --wheelhouse) WHEELHOUSE=$(cd "$2" && pwd); shift 2 ;;
    --no-smoke) SMOKE=0; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
PY=/usr/bin/python3.11
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' app/__init__.py)
DEB_VERSION="$VERSION-1"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hearth-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
PIP_SOURCE=(); [ -n "$WHEELHOUSE" ] && PIP_SOURCE=(--no-index --find-links "$WHEELHOUSE")
step() { printf '\n== %s\n' "$*"; }
seconds() { date +%s.%N; }
T0=$(seconds)

# --- 1. the wheel, from a copy of the sources git would commit (never models/work or .venv) -------
step "wheel"
mkdir -p "$WORK/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$WORK/src"
else
  tar --exclude=./.venv --exclude=./models/work --exclude=./dist --exclude=./build -cf - . | tar -xf - -C "$WORK/src"
fi
BUILD_PY=$PY; [ -x "$BUILD_PY" ] || BUILD_PY=$(command -v python3)
"$BUILD_PY" -m venv "$WORK/buildenv"
"$WORK/buildenv/bin/python" -m pip install -q "${PIP_SOURCE[@]}" --upgrade pip
"$WORK/buildenv/bin/python" -m pip wheel -q "${PIP_SOURCE[@]}" --no-deps -w "$WORK/wheel" "$WORK/src"
WHEEL=$(ls "$WORK"/wheel/hearth-"$VERSION"-*.whl)
cp "$WHEEL" "$OUT/"
WHEEL="$OUT/$(basename "$WHEEL")"
ls -l "$WHEEL"
[ "$WHEEL_ONLY" = 1 ] && exit 0

# --- 2. the runtime: Debian's Python 3.11 in its own virtual environment at /opt/hearth ----------
[ -x "$PY" ] || { echo "build.sh: the .deb needs Debian 12's /usr/bin/python3.11 (apt-get install python3.11 python3-venv)" >&2; exit 1; }
command -v readelf >/dev/null || { echo "build.sh: needs readelf (apt-get install binutils)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build.sh: needs dpkg-deb" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)
ROOT="$WORK/root"
PREFIX=/opt/hearth
VENV="$ROOT$PREFIX"
step "runtime in $PREFIX (Python $("$PY" -c 'import platform; print(platform.python_version())'))"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q "${PIP_SOURCE[@]}" --upgrade pip
"$VENV/bin/python" -m pip install -q "${PIP_SOURCE[@]}" --no-compile "$WHEEL"
"$VENV/bin/python" -m pip freeze --all --exclude-editable > "$WORK/freeze.txt"
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
step "trim"
"$VENV/bin/python" "$REPO/packaging/linux/trim_runtime.py" "$SITE"
"$VENV/bin/python" "$REPO/packaging/linux/list_licenses.py" "$SITE" > "$WORK/python-packages.txt"

# The environment moves from $VENV to /opt/hearth: only pyvenv.cfg and the scripts' #! lines name
# its folder (bin/python links to /usr/bin/python3.11, which the package depends on).
rm -f "$VENV"/bin/activate* "$VENV"/bin/pip* "$VENV"/bin/Activate.ps1
for f in "$VENV"/bin/*; do
  if [ -f "$f" ] && [ ! -L "$f" ] && head -c 2 "$f" | grep -q '#!'; then
    sed -i "1s|^#!.*$|#!$PREFIX/bin/python|" "$f"
  fi
done
sed -i "s|^command = .*|command = $PY -m venv $PREFIX|" "$VENV/pyvenv.cfg"
if grep -rIl --exclude-dir=__pycache__ "$WORK/root" "$VENV" >/dev/null; then
  echo "build.sh: the build folder is still named in:" >&2; grep -rIl "$WORK/root" "$VENV" >&2; exit 1
fi
# Bytecode for every module, recorded under /opt/hearth; "unchecked-hash" because dpkg owns these
# files (nothing edits them in place), so Python never stats sources or rewrites caches at start.
find "$VENV" -name __pycache__ -type d -prune -exec rm -rf {} +
"$VENV/bin/python" -m compileall -q -j 0 -s "$ROOT" -p / --invalidation-mode unchecked-hash "$VENV/lib" >/dev/null

if [ "$SMOKE" = 1 ]; then
  step "smoke test of the built runtime"
  SAMPLE=$(ls "$SITE"/assets/samples/*.wav | head -1)
  HEARTH_HOME="$WORK/home" "$VENV/bin/python" -I -B -m app --version
  HEARTH_HOME="$WORK/home" "$VENV/bin/python" -I -B -m app listen "$SAMPLE"
  HEARTH_HOME="$WORK/home" QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -I -B -m app gui --demo "$SAMPLE" \
    --screenshot "$WORK/smoke.png"
  rm -rf "$WORK/home"
fi

# --- 3. the rest of the file system: launcher, desktop entry, icon, metadata, man page, docs -----
step "package files"
install -D -m 755 packaging/linux/hearth "$ROOT/usr/bin/hearth"
install -D -m 644 assets/hearth.desktop "$ROOT/usr/share/applications/hearth.desktop"
install -D -m 644 assets/hearth.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/hearth.svg"
install -D -m 644 packaging/linux/hearth.metainfo.xml "$ROOT/usr/share/metainfo/hearth.metainfo.xml"
mkdir -p "$ROOT/usr/share/man/man1" "$ROOT/usr/share/bash-completion/completions"
"$VENV/bin/python" -I -B "$REPO/packaging/linux/gen_docs.py" --man "$ROOT/usr/share/man/man1/hearth.1" \
  --completion "$ROOT/usr/share/bash-completion/completions/hearth"
gzip -9n "$ROOT/usr/share/man/man1/hearth.1"
DOC="$ROOT/usr/share/doc/hearth"
install -D -m 644 LICENSE "$DOC/LICENSE"
install -m 644 THIRD_PARTY_NOTICES "$DOC/THIRD_PARTY_NOTICES"
install -m 644 "$WORK/python-packages.txt" "$DOC/python-packages.txt"
sed "s/@YEAR@/$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)/" packaging/linux/copyright > "$DOC/copyright"
MAINTAINER=${HEARTH_MAINTAINER:-"Hearth maintainers <hearth@localhost>"}
printf 'hearth (%s) bookworm; urgency=medium\n\n  * Release %s (README.md, docs/packaging.md).\n\n -- %s  %s\n' \
  "$DEB_VERSION" "$VERSION" "$MAINTAINER" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")" | gzip -9n > "$DOC/changelog.Debian.gz"

# --- 4. DEBIAN/: control (Installed-Size measured), the one maintainer script, md5sums ------------
mkdir -p "$ROOT/DEBIAN"
install -m 755 packaging/linux/postrm "$ROOT/DEBIAN/postrm"
find "$ROOT" -path "$ROOT/DEBIAN" -prune -o -type d -exec chmod 755 {} +
find "$ROOT" -path "$ROOT/DEBIAN" -prune -o -type f -exec chmod go-w,a+r {} +
INSTALLED_KB=$(du -sk --apparent-size --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$INSTALLED_KB/" \
    -e "s|@MAINTAINER@|$MAINTAINER|" packaging/linux/control |
  awk '/^[^ ]/ {field = $1} /^ / && field != "Description:" {sub(/^ +/, " "); printf "%s", $0; next}
       NR > 1 {print ""} {printf "%s", $0} END {print ""}' > "$ROOT/DEBIAN/control"  # one-line Depends
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$ROOT/DEBIAN/md5sums"
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +  # after compileall: unchecked-hash pycs ignore mtimes

step "dpkg-deb"
DEB="$OUT/hearth_${DEB_VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
T1=$(seconds)
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'
printf '\nbuilt %s: %.1f MB, installs %.1f MB, in %.0f s\n' "$DEB" "$(stat -c %s "$DEB" | awk '{print $1/1e6}')" \
  "$(awk "BEGIN{print $INSTALLED_KB*1024/1e6}")" "$(awk "BEGIN{print $T1-$T0}")"
cp "$WORK/freeze.txt" "$OUT/hearth_${DEB_VERSION}_${ARCH}.freeze.txt"
