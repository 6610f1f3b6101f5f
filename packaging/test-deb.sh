#!/usr/bin/env bash
# Install the .deb on a clean Debian 12 root and run it there with networking off; then purge it and
# check that only user data is left (docs/packaging.md has a run's output and numbers).
#
#   sudo bash packaging/test-deb.sh [DEB] [--fresh] [--keep] [--out DIR]
#
# DEB      the package (default: the newest dist/hearth_*.deb)
# --fresh  debootstrap anew instead of unpacking the cached clean root (the cache is a tarball of
#          a root exactly as debootstrap left it, so either way the install starts from a clean root)
# --keep   leave the root in place for a look around (it is unmounted either way)
# --out    where the summary and the offscreen screenshot go (default: /tmp/hearth-test-deb-out)
#
# Needs root (debootstrap, chroot, mount), Debian's mirror (taken from this machine's apt sources)
# and about 1.3 GB in $TMPDIR. About 1 minute on two cores, with the clean root cached or not. Exit
# status: 0 all checks passed, 1 a check failed, 77 this machine cannot run it: not root, no mounts
# or chroot, no Debian 12 apt sources, or the Debian mirror does not answer (a skip, not a failure).
# Without `unshare -n` (some containers) the checks run with networking on, and the summary says so.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB="" FRESH=0 KEEP=0 OUT=/tmp/hearth-test-deb-out
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) FRESH=1; shift ;;
    --keep) KEEP=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "test-deb.sh: unknown option $1" >&2; exit 2 ;;
    *) DEB=$1; shift ;;
  esac
done
[ -n "$DEB" ] || DEB=$(ls -t dist/hearth_*.deb 2>/dev/null | head -1)
[ -f "$DEB" ] || { echo "test-deb.sh: no .deb given and none in dist/ (bash packaging/build.sh)" >&2; exit 2; }
# exit 77: this machine cannot run the test at all (not root, no mounts): a skip, not a failure
skip() { echo "test-deb.sh: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mount)"
PROBE=$(mktemp -d)
if ! mount -t tmpfs none "$PROBE" 2>/dev/null; then
  rmdir "$PROBE"; skip "cannot mount file systems here (an unprivileged container?)"
fi
umount "$PROBE"; rmdir "$PROBE"
chroot / true 2>/dev/null || skip "chroot is not permitted here"
TMP=${TMPDIR:-/tmp}
CACHE="$TMP/hearth-debootstrap-bookworm.tar"
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
SUMMARY="$OUT/summary.txt"; : > "$SUMMARY"
FAILED=0
note() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }
fail() { note "FAIL: $*"; FAILED=1; }
now() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.2f\", $(now) - $1}"; }

# --- the mirror this machine's apt uses (deb822 .sources or one-line .list) ------------------------
read -r MIRROR SECURITY < <(python3 - <<'EOF'
import glob, re
main = security = ""
files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")) + sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
for path in files:
    try:
        text = open(path).read()
    except OSError:
        continue
    entries = []
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
            if fields.get("Enabled", "yes") != "no" and "deb" in fields.get("Types", "").split():
                entries += [(u, s) for u in fields.get("URIs", "").split() for s in fields.get("Suites", "").split()]
    else:
        for line in text.splitlines():
            m = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if m:
                entries.append(m.groups())
    for uri, suite in entries:
        if suite == "bookworm" and not main:
            main = uri
        elif suite == "bookworm-security" and not security:
            security = uri
print(main or "-", security or "-")
EOF
)
[ "$MIRROR" != "-" ] || skip "no Debian 12 (bookworm) entry in /etc/apt/sources.list*"
# the mirror must answer (debootstrap, apt-get install of the dependencies): without it, skip
python3 - "$MIRROR" 2>/dev/null <<'EOF' || skip "the Debian mirror $MIRROR does not answer"
import sys, urllib.request
urllib.request.urlopen(sys.argv[1].rstrip("/") + "/dists/bookworm/InRelease", timeout=20).read(1)
EOF
# apt or debootstrap failed: the mirror going away mid-run (or a container refusing an operation)
# is a skip; anything else (a dependency that cannot be met, a broken package) is a failure
ENVIRONMENT_ERRORS='Temporary failure resolving|Could not resolve|Failed to fetch|Could not connect|Connection timed out|Connection failed|Network is unreachable|Unable to connect|Couldn.t download|Failed getting release file|Operation not permitted'
apt_failed() {  # apt_failed LOG: report, then exit 77 (environment) or 1 (a real failure)
  tail -30 "$1"
  if grep -qE "$ENVIRONMENT_ERRORS" "$1"; then skip "the Debian mirror stopped answering or an operation was refused ($1)"; fi
  exit 1
}
note "deb: $DEB ($(stat -c %s "$DEB" | awk '{printf "%.1f MB", $1/1e6}'))"
note "mirror: $MIRROR (security: $SECURITY)"

# --- a clean Debian 12 root --------------------------------------------------------------------------
ROOT=$(mktemp -d "$TMP/hearth-test-deb-root.XXXXXX")  # one per run: two runs never share a root
chmod 755 "$ROOT"  # it becomes /: mktemp made it private
cleanup() {
  for m in dev/pts dev sys proc; do mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"; done
  if [ "$KEEP" = 0 ]; then rm -rf "$ROOT"; else echo "test-deb.sh: the root is kept in $ROOT"; fi
}
trap cleanup EXIT
for tool in debootstrap readelf; do
  command -v $tool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap binutils; } ||
    skip "needs debootstrap and readelf (apt-get install debootstrap binutils)"
done
T=$(now)
if [ "$FRESH" = 0 ] && [ -f "$CACHE" ]; then
  tar -xf "$CACHE" -C "$ROOT"
  note "clean root: unpacked the cached debootstrap result in $(since "$T") s"
else
  debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" > "$OUT/debootstrap.log" 2>&1 || apt_failed "$OUT/debootstrap.log"
  note "clean root: debootstrap --variant=minbase bookworm in $(since "$T") s"
  tar -cf "$CACHE.$$" -C "$ROOT" . && mv "$CACHE.$$" "$CACHE"  # whole or not at all
fi
{
  echo "deb $MIRROR bookworm main"
  echo "deb $MIRROR bookworm-updates main"
  [ "$SECURITY" != "-" ] && echo "deb $SECURITY bookworm-security main"
} > "$ROOT/etc/apt/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
IN() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
IN apt-get update -qq --error-on=any > "$OUT/apt-update.log" 2>&1 || apt_failed "$OUT/apt-update.log"
snapshot() {  # every path on the root's own file system, but apt's caches and /tmp
  IN find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /var/cache/apt \
     -o -path /var/lib/apt/lists \) -prune -o -print | sort
}

# --- install with apt, as a user would: its dependencies first, so that purging hearth can be checked
# --- against the root as it was just before hearth itself went in ---------------------------------
NAME=$(basename "$DEB")
cp "$DEB" "$ROOT/tmp/$NAME"; chmod 644 "$ROOT/tmp/$NAME"
DEPS=$(dpkg-deb --field "$DEB" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | sed '/^$/d' | tr '\n' ' ')
T=$(now)
IN sh -c "cd /tmp && apt-get install -y -qq --download-only ./$NAME" > "$OUT/apt-download.log" 2>&1 ||
  apt_failed "$OUT/apt-download.log"
DOWNLOAD_S=$(since "$T")
T=$(now)
IN apt-get install -y $DEPS > "$OUT/apt-install-deps.log" 2>&1 || apt_failed "$OUT/apt-install-deps.log"
DEPS_S=$(since "$T")
snapshot > "$OUT/files-before.txt"
T=$(now)
IN sh -c "cd /tmp && apt-get install -y ./$NAME" > "$OUT/apt-install.log" 2>&1 || { tail -30 "$OUT/apt-install.log"; exit 1; }
INSTALL_S=$(since "$T")
NEW_PKGS=$(grep -c '^Setting up' "$OUT/apt-install-deps.log" || true)
note "apt-get install ./$NAME on the clean root: downloading ${DOWNLOAD_S} s; the $NEW_PKGS Debian packages it"\
" depends on ${DEPS_S} s; hearth itself ${INSTALL_S} s"
note "installed size: dpkg says $(IN dpkg-query -W -f='${Installed-Size}' hearth | awk '{printf "%.1f MB", $1*1024/1e6}'),"\
" /opt/hearth is $(du -s --apparent-size -B1 "$ROOT/opt/hearth" | awk '{printf "%.1f MB", $1/1e6}')"
DEPS_MB=$(IN dpkg-query -W -f='${Installed-Size}\t${Package}\n' | awk '$2 != "hearth" {s += $1} END {printf "%.0f", s*1024/1e6}')
note "the whole root after the install: $(du -s -B1 --exclude=proc --exclude=sys --exclude=dev "$ROOT" | awk '{printf "%.0f MB", $1/1e6}') (every package but hearth: $DEPS_MB MB)"

# --- run it: a user, no network ----------------------------------------------------------------------
IN useradd -m -s /bin/bash tester
NET=(unshare -n)
if ! unshare -n true 2>/dev/null; then
  NET=(); note "WARNING: unshare -n is not permitted here: the checks below run WITH networking (no offline check)"
fi
SAMPLES=/opt/hearth/lib/python3.11/site-packages/assets/samples
CAMERA=/tmp/camera.jpg  # an image file as the camera: Pillow reads it, no OpenCV
CAMERA_IMAGE=$(ls tests/fixtures/camera/*.jpg 2>/dev/null | head -1 || true)
[ -n "$CAMERA_IMAGE" ] && cp "$CAMERA_IMAGE" "$ROOT$CAMERA" && chmod 644 "$ROOT$CAMERA"
AS_USER() {  # run as the user, networking off, a clean environment (no display)
  "${NET[@]}" chroot --userspec=tester:tester "$ROOT" env -i HOME=/home/tester USER=tester \
    PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"
}
run() {  # run NAME EXPECTED_RC CMD...: time it, keep its output in $OUT/NAME.out
  local name=$1 want=$2 t rc=0; shift 2
  t=$(now)
  AS_USER "$@" > "$OUT/$name.out" 2>&1 || rc=$?
  LAST_S=$(since "$t")
  if [ "$rc" != "$want" ]; then fail "$name: exit $rc, expected $want ($*)"; sed 's/^/    /' "$OUT/$name.out" | tail -15
  elif grep -q Traceback "$OUT/$name.out"; then fail "$name: a traceback ($*)"; sed 's/^/    /' "$OUT/$name.out" | tail -15
  else note "ok   $name (${LAST_S} s): $*"; fi
}
HOST=${MIRROR#*://}; HOST=${HOST%%/*}
if [ ${#NET[@]} -gt 0 ]; then
  run offline 1 /opt/hearth/bin/python -I -c "import socket, sys
try:
    socket.create_connection(('$HOST', 80), timeout=3)
except OSError as exc:
    print('offline:', exc); sys.exit(1)
print('online')"
  grep -q "^offline:" "$OUT/offline.out" || fail "networking is not off inside the test"
fi
run version 0 hearth --version
VERSION_S=$LAST_S
run doctor 0 hearth doctor --json
DOCTOR_S=$LAST_S
python3 - "$OUT/doctor.out" <<'EOF' || fail "doctor: a model is missing or damaged"
import json, sys
text = open(sys.argv[1]).read()
data = json.loads(text[text.index("{"):])
bad = [m for m in data["models"] if not m["ok"]] if isinstance(data["models"], list) else [data["models"]]
print("    models:", ", ".join(sorted({m["model"] for m in data["models"]})) if not bad else bad)
sys.exit(1 if bad else 0)
EOF
run listen 0 hearth listen "$SAMPLES/01_set_a_timer_for_ten_minutes.wav" --json
LISTEN_S=$LAST_S
grep -q '"intent": "alarm_set"\|"intent":"alarm_set"' "$OUT/listen.out" || grep -qi "timer" "$OUT/listen.out" ||
  fail "listen: no timer understood in $(head -c 300 "$OUT/listen.out")"
run listen-all 0 hearth listen $(cd "$ROOT" && ls .$SAMPLES/*.wav | sed 's/^\.//')
run ask 0 hearth ask "what is twelve times three"
run speak 0 hearth speak "Hello from a clean Debian." --out /tmp/hello.wav
run gui-offscreen 0 env QT_QPA_PLATFORM=offscreen hearth gui --demo "$SAMPLES/01_set_a_timer_for_ten_minutes.wav" \
  --screenshot /tmp/hearth-shot.png
GUI_S=$LAST_S
[ -f "$ROOT/tmp/hearth-shot.png" ] && cp "$ROOT/tmp/hearth-shot.png" "$OUT/gui-offscreen.png"
run gui-no-display 2 hearth gui
grep -q "no display" "$OUT/gui-no-display.out" || fail "gui without a display: no clear message"
# Camera images are read with Pillow and seen by the shipped ONNX models; a webcam needs the optional
# `camera` extra (OpenCV, 162 MB), not in the package: a webcam setting is the clear message with the
# fix, and the assistant carries on without vision.
[ -z "$(find "$ROOT/opt/hearth" \( -name cv2 -o -iname 'opencv*' \) -print -quit)" ] || fail "OpenCV is in the package"
run camera 0 env HEARTH_CAMERA=$CAMERA hearth doctor --json
grep -q '"camera": {"ok": true' "$OUT/camera.out" || fail "camera: doctor cannot read an image file without OpenCV"
run vision 0 hearth vision $CAMERA --json
grep -q '"people"' "$OUT/vision.out" || fail "vision: no perception of $CAMERA in $(head -c 300 "$OUT/vision.out")"
run webcam 0 env HEARTH_CAMERA=0 hearth doctor --json
grep -q '"camera": {"error": "camera support is not installed"}' "$OUT/webcam.out" ||
  fail "webcam: doctor does not say that camera support is not installed"
run camera-talk 0 env HEARTH_HOME=/tmp/camera-home sh -c "hearth config camera 0 \
  && hearth talk --demo $SAMPLES/02_turn_on_the_kitchen_lights.wav < /dev/null"
{ grep -q "camera support is not installed" "$OUT/camera-talk.out" && grep -q "hearth\[camera\]" "$OUT/camera-talk.out"; } ||
  fail "camera: a webcam setting without OpenCV gives no clear message with the fix"
grep -q "^hearth> .*kitchen" "$OUT/camera-talk.out" || fail "camera: no reply without vision"
touch "$ROOT/tmp/marker"
run bench-installed 2 hearth bench nlu
run models-report-installed 2 hearth models report
grep -q "source checkout" "$OUT/bench-installed.out" "$OUT/models-report-installed.out" || fail "no 'source checkout' message"
for sub in "" listen speak doctor config nlu ask chat talk demo gui "models report" "models build nlu" "bench nlu"; do
  run "help-${sub// /-}" 0 hearth $sub --help
done
[ -z "$(find "$ROOT/opt/hearth" -newer "$ROOT/tmp/marker" -print -quit)" ] || fail "something wrote into /opt/hearth"
[ -z "$(find "$ROOT/opt/hearth" -name '*.pyc' -newer "$ROOT/tmp/$NAME" -print -quit)" ] ||
  fail "bytecode written into /opt/hearth at run time"
AS_USER bash -c 'source /usr/share/bash-completion/completions/hearth && complete -p hearth' > "$OUT/completion.out" 2>&1 ||
  fail "bash completion does not load"
[ -f "$ROOT/usr/share/man/man1/hearth.1.gz" ] || fail "no man page"

# --- every library the bundle links to is there, and comes from a package hearth depends on ---------
IN bash -c 'find /opt/hearth -type f \( -name "*.so" -o -name "*.so.*" \) -print0 | xargs -0 -n 50 ldd 2>/dev/null' \
  > "$OUT/ldd.txt" || true
if grep -q "not found" "$OUT/ldd.txt"; then
  fail "libraries not found: $(grep 'not found' "$OUT/ldd.txt" | awk '{print $1}' | sort -u | tr '\n' ' ')"
fi
# Depends must name the packages of the libraries the bundle links to directly (its ELF NEEDED
# entries that it does not carry itself), and nothing else; ldd above lists their whole closure.
find "$ROOT/opt/hearth" \( -type f -o -type l \) -name '*.so*' -printf '%f\n' | sort -u > "$OUT/bundled-libs.txt"
find "$ROOT/opt/hearth" -type f \( -name '*.so' -o -name '*.so.*' \) -print0 | xargs -0 readelf -d 2>/dev/null |
  sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u | comm -23 - "$OUT/bundled-libs.txt" > "$OUT/system-sonames.txt"
IN ldconfig -p | awk -v OFS='\t' '/=>/ && /x86-64|64bit/ {print $1, $NF}' | sort -u > "$OUT/ldconfig.txt"
awk -F'\t' 'NR == FNR {want[$1] = 1; next} ($1 in want) && !seen[$1]++ {print $2}' "$OUT/system-sonames.txt" \
  "$OUT/ldconfig.txt" > "$OUT/system-libs.txt"
# dpkg may record a library under /lib or /usr/lib (merged /usr): ask for both spellings
IN bash -c 'while read -r p; do dpkg -S "$p" 2>/dev/null || dpkg -S "${p#/usr}" 2>/dev/null || dpkg -S "/usr$p" 2>/dev/null ||
  echo "UNOWNED: $p"; done' < "$OUT/system-libs.txt" > "$OUT/lib-owners.txt"
! grep -q UNOWNED "$OUT/lib-owners.txt" || fail "libraries no package owns: $(grep UNOWNED "$OUT/lib-owners.txt" | tr '\n' ' ')"
grep -v UNOWNED "$OUT/lib-owners.txt" | sed 's/: \/.*//' | tr ',' '\n' | sed 's/:.*//; s/ //g' | sort -u > "$OUT/lib-packages.txt"
IN dpkg-query -W -f='${Depends}\n' hearth | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | sed '/^$/d' | sort -u \
  > "$OUT/depends.txt"
# loaded at run time by name, so no NEEDED entry shows them: the interpreter (/opt/hearth/bin/python
# links to /usr/bin/python3.11), espeak-ng and PortAudio (ctypes, in pyttsx3 and sounddevice)
DYNAMIC="python3.11 libespeak-ng1 libportaudio2"
UNDECLARED=$(comm -23 "$OUT/lib-packages.txt" "$OUT/depends.txt" | tr '\n' ' ')
UNUSED=$(comm -13 "$OUT/lib-packages.txt" "$OUT/depends.txt" | grep -vxF -f <(tr ' ' '\n' <<< "$DYNAMIC") | tr '\n' ' ' || true)
[ -z "$UNDECLARED" ] || fail "linked but not in Depends: $UNDECLARED"
if [ -z "$UNUSED" ]; then note "ok   Depends: exactly the packages of the libraries it links to ($(wc -l < "$OUT/depends.txt") packages)"
else fail "in Depends but nothing links to it: $UNUSED"; fi

# --- remove and purge: nothing left but the user's data ---------------------------------------------
T=$(now)
IN apt-get purge -y -qq hearth > "$OUT/apt-purge.log" 2>&1 || { tail -20 "$OUT/apt-purge.log"; exit 1; }
note "apt-get purge hearth: $(since "$T") s"
snapshot > "$OUT/files-after.txt"
# new since just before hearth went in: only the test user (home, mail spool, passwd entries) and
# dpkg/apt's own records and logs may remain
comm -13 "$OUT/files-before.txt" "$OUT/files-after.txt" | grep -vE \
  '^/home/tester(/|$)|^/var/mail/tester$|^/var/lib/dpkg/|^/var/lib/apt/|^/var/log/|^/var/cache/|^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$' \
  > "$OUT/leftovers.txt" || true
[ ! -s "$OUT/leftovers.txt" ] && note "ok   purge: nothing of hearth is left, the user's files are" ||
  fail "left behind after purge: $(head -20 "$OUT/leftovers.txt" | tr '\n' ' ')"
for gone in /opt/hearth /usr/bin/hearth /usr/share/doc/hearth /usr/share/applications/hearth.desktop; do
  [ ! -e "$ROOT$gone" ] || fail "$gone is still there"
done
ls -d "$ROOT/home/tester/.local/share/hearth" "$ROOT/home/tester/.config/hearth" >/dev/null 2>&1 &&
  note "ok   the user's ~/.local/share/hearth and ~/.config/hearth are still there" ||
  fail "the user's data is gone"

note ""
note "startup (warm cache): --version ${VERSION_S} s, doctor --json ${DOCTOR_S} s (hashes every model byte),"\
" listen one clip ${LISTEN_S} s (loads every model), gui --demo offscreen ${GUI_S} s"
[ "$FAILED" = 0 ] && note "test-deb: all checks passed" || note "test-deb: FAILED (details in $OUT)"
exit "$FAILED"
