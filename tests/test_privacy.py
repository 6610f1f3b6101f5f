"""Hearth is local-only (issue 12): a turn writes nothing outside HEARTH_HOME and opens no network socket.

Every test runs real model loads and inference in a fresh process, with HOME at a temp folder and
no setting inherited that would switch a library's telemetry or hub access off on the app's behalf.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.speech import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
TURNS = {
    "typed": ["ask", "--json", "set a timer for ten minutes"],
    "file": ["listen", "--json", str(FIXTURES / "goforward.wav")],
    "file-ctranslate2": ["listen", "--json", "--engine", "faster-whisper", str(FIXTURES / "goforward.wav")],
}
ctranslate2 = pytest.mark.skipif(importlib.util.find_spec("faster_whisper") is None,
                                 reason="the optional CTranslate2 engine is not installed")
TURN_PARAMS = [pytest.param(t, marks=ctranslate2 if "ctranslate2" in t else ()) for t in TURNS]

# Runs a command of the app in-process and reports every internet socket it made: Python's own
# (audit events, also those of huggingface_hub and friends) and any a native library still holds
# at the end (/proc: onnxruntime's telemetry uploader would be one).
AUDITED = """
import os, socket, sys
INET = (-1, socket.AF_INET, socket.AF_INET6)  # -1: the default family, AF_INET
seen = []

def hook(event, args):
    if event == "socket.__new__" and args[1] in INET:
        seen.append(f"{event}{args[1:]}")
    elif event in ("socket.connect", "socket.bind", "socket.sendto") and args[0].family in INET:
        seen.append(f"{event} {args[1]}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        seen.append(f"{event} {args[0]}")

sys.addaudithook(hook)
if sys.argv[1:] == ["--probe"]:  # the test of this harness: a socket it must catch
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    except OSError:
        pass
    rc = 0
else:
    from app.cli import main
    rc = main(sys.argv[1:])

def held_inet_sockets():
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return [f"{table} {line.split()[2]}" for table in ("tcp", "tcp6", "udp", "udp6")
            for line in open(f"/proc/self/net/{table}").read().splitlines()[1:] if line.split()[9] in inodes]

for what in seen + held_inet_sockets():
    print("network:", what, file=sys.stderr)
sys.exit(rc or (3 if seen else 0))
"""


def run_isolated(home: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The app with HOME at `home`, its state in home/hearth, no XDG folders and none of the switches
    (ORT_*, HF_*, ...) that would turn a library's telemetry or downloads off for it."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "ORT_", "HF_", "HUGGINGFACE", "TRANSFORMERS_", "DO_NOT_TRACK"))}
    env.update(HOME=str(home), HEARTH_HOME=str(home / "hearth"))
    return subprocess.run([*prefix, sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def assert_answered(turn: str, r: subprocess.CompletedProcess) -> None:
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout.splitlines()[-1])
    assert row["intent"] and row["reply"] and "error" not in row, row
    if turn != "typed":
        assert "forward" in row["transcript"].lower(), row


def _can_unshare_network() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rn", "true"], capture_output=True).returncode == 0


NO_NETWORK = ("unshare", "-rn") if _can_unshare_network() else ()  # a namespace with no network, where permitted


@pytest.mark.parametrize("turn", TURN_PARAMS)
def test_a_turn_stays_on_this_machine(turn, tmp_path):
    """Answered with no network at all (where unshare is permitted), no internet socket made, nothing
    written outside HEARTH_HOME (onnxruntime's telemetry wrote to ~/.cache/Microsoft)."""
    home = tmp_path / "home"
    home.mkdir()
    r = run_isolated(home, "-c", AUDITED, *TURNS[turn], prefix=NO_NETWORK)
    assert "network:" not in r.stderr, r.stderr
    assert_answered(turn, r)
    outside = [str(p.relative_to(home)) for p in home.rglob("*") if not p.is_relative_to(home / "hearth")]
    assert outside == [], f"written outside HEARTH_HOME: {outside}"


def test_the_socket_audit_catches_a_connection(tmp_path):
    r = run_isolated(tmp_path, "-c", AUDITED, "--probe")
    assert r.returncode == 3 and "socket.connect ('127.0.0.1', 9)" in r.stderr, r.stderr
