"""Write hearth's man page (hearth.1) and bash completion from the command's own parser.

Both come from `app.cli.build_parser()` at build time, so they list exactly the commands, options
and choices of the Hearth they ship with. Run with the Python that has Hearth installed:

    python packaging/linux/gen_docs.py --man OUT/hearth.1 --completion OUT/hearth
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
from pathlib import Path

FILE_OPTIONS = {"--out", "--screenshot"}  # options whose value is a path to write
FILE_POSITIONALS = {"files", "file"}  # positionals that name files to read
FALLBACK_HELP = {"--json": "print JSON instead of text", "--session": "the conversation (its own context and "
                 "follow-ups); default: default", "--out": "write the speech to this WAV file instead of playing it",
                 "--voice": "an espeak-ng voice id (hearth doctor counts them)", "--rate": "words per minute"}

DESCRIPTION = """\
Hearth is an offline voice assistant: a smart speaker simulated on your desktop. It listens
(microphone or audio files), finds the end of speech (Silero VAD), transcribes it (Whisper
tiny.en, int8 ONNX), understands it (a joint intent and entity model), answers it through its
skills over a simulated home, and speaks the reply (espeak-ng). Everything runs locally;
nothing is fetched at run time.

Run alone, hearth opens the desktop app when there is a display and otherwise runs a headless
demo on the bundled sample commands."""

FILES = [
    ("~/.config/hearth/settings.toml", "the settings (hearth config; $XDG_CONFIG_HOME)"),
    ("~/.local/share/hearth/", "conversation state: timers, lists, the simulated home (hearth.db; $XDG_DATA_HOME)"),
    ("~/.local/state/hearth/", "the log, hearth.log ($XDG_STATE_HOME)"),
    ("/opt/hearth/", "the application: its own Python environment with the models (the Debian package)"),
    ("/opt/hearth/lib/python3.11/site-packages/assets/samples/", "the bundled sample commands (WAV)"),
    ("/usr/share/doc/hearth/", "LICENSE, THIRD_PARTY_NOTICES and the list of bundled Python packages"),
]

ENVIRONMENT = [
    ("HEARTH_HOME", "keep settings, state and the log in this one folder instead"),
    ("HEARTH_CAMERA", "the camera hearth doctor tries (default 0); the camera needs the camera extra (OpenCV), "
     "which the Debian package leaves out"),
    ("HEARTH_ASR_MODEL", "a CTranslate2 Whisper folder for --engine faster-whisper (the ctranslate2 extra)"),
    ("QT_QPA_PLATFORM", "Qt's platform; offscreen runs hearth gui --demo ... --screenshot without a display"),
    ("DISPLAY, WAYLAND_DISPLAY", "the display hearth gui opens its window on"),
]

EXIT_STATUS = [
    ("0", "success"),
    ("1", "a turn failed (listen, ask, gui --demo), or hearth doctor found a missing or damaged model"),
    ("2", "a problem Hearth explains: the message and a fix on standard error, never a traceback"),
    ("130", "interrupted"),
]


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """(name, help, parser) of every subcommand, in the order the parser lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return [(name, helps.get(name, ""), sp) for name, sp in action.choices.items()]
    return []


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]


def positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


# --- man page -------------------------------------------------------------------------------------

def _roff(text: str) -> str:
    """Plain text as roff: backslashes and hyphens escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in text.splitlines())


def _option_term(action: argparse.Action) -> str:
    names = ", ".join(f"\\fB{_roff(o)}\\fR" for o in action.option_strings)
    if action.nargs == 0:
        return names
    if action.choices:
        value = "{" + ",".join(str(c) for c in action.choices) + "}"
    else:
        value = action.metavar or action.dest.upper()
    more = " ..." if action.nargs in ("+", "*") else ""
    return f"{names} \\fI{_roff(str(value))}\\fR{more}"


def _options_block(parser: argparse.ArgumentParser) -> list[str]:
    out = []
    for action in options(parser):
        help_ = action.help or FALLBACK_HELP.get(action.option_strings[-1], "")
        out += [".TP", _option_term(action), _roff(help_)]
    return out


def man_page(parser: argparse.ArgumentParser, version: str, date: str) -> str:
    out = [f'.TH HEARTH 1 "{date}" "hearth {version}" "User Commands"',
           ".SH NAME", "hearth \\- an offline voice assistant",
           ".SH SYNOPSIS", ".B hearth", "[\\fIOPTIONS\\fR] [\\fICOMMAND\\fR [\\fIARGS\\fR...]]",
           ".SH DESCRIPTION"]
    for paragraph in DESCRIPTION.split("\n\n"):
        out += [_roff(paragraph.replace("\n", " ")), ".PP"]
    out.pop()
    out += [".SH OPTIONS", ".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR",
            "show help and exit; after a command, that command's help (it never runs the command)"]
    out += _options_block(parser)
    out.append(".SH COMMANDS")
    for name, help_, sp in subcommands(parser):
        usage = " ".join(sp.format_usage().split())
        usage = usage.removeprefix("usage: ").replace(" [-h]", "")
        out += [f".SS {name}", _roff(help_[:1].upper() + help_[1:] + "."), ".PP", f".B {_roff(usage)}"]
        if block := _options_block(sp):
            out += [".RS"] + block + [".RE"]
    out.append(".SH EXAMPLES")
    for example, what in [("hearth", "the desktop app, or the headless demo without a display"),
                          ("hearth listen /opt/hearth/lib/python3.11/site-packages/assets/samples/*.wav",
                           "transcribe and answer the bundled sample commands"),
                          ('hearth ask "set a timer for ten minutes"', "one typed turn"),
                          ("hearth talk", "a voice conversation in the terminal"),
                          ("hearth config speech_rate 190", "change a setting"),
                          ("hearth doctor", "what works on this machine")]:
        out += [".TP", f"\\fB{_roff(example)}\\fR", _roff(what)]
    out.append(".SH FILES")
    for path, what in FILES:
        out += [".TP", f"\\fI{_roff(path)}\\fR", _roff(what)]
    out.append(".SH ENVIRONMENT")
    for name, what in ENVIRONMENT:
        out += [".TP", f"\\fB{_roff(name)}\\fR", _roff(what)]
    out.append(".SH EXIT STATUS")
    for code, what in EXIT_STATUS:
        out += [".TP", f"\\fB{code}\\fR", _roff(what)]
    out += [".SH NOTES", _roff("Removing or purging the package leaves every user's settings, state and log "
                               "(the folders under FILES) in place; delete them by hand to forget everything."),
            ".SH SEE ALSO", _roff("espeak-ng(1); /usr/share/doc/hearth/")]
    return "\n".join(out) + "\n"


# --- bash completion ------------------------------------------------------------------------------

def _words(items) -> str:
    return shlex.quote(" ".join(str(i) for i in items))


def completion(parser: argparse.ArgumentParser, settings_keys: list[str]) -> str:
    """A bash completion function: commands, each command's options, option choices, files where a
    path goes, setting names for `hearth config`."""
    commands = subcommands(parser)
    global_opts = ["-h", "--help"] + [o for a in options(parser) for o in a.option_strings]
    global_valued = [o for a in options(parser) if a.nargs != 0 for o in a.option_strings]
    lines = ["# bash completion for hearth; generated by packaging/linux/gen_docs.py from hearth's parser",
             "_hearth() {",
             '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
             '    local cmd="" i=1 npos=0',
             "    while [ $i -lt $COMP_CWORD ]; do",
             '        local w="${COMP_WORDS[i]}"',
             '        if [ -z "$cmd" ]; then',
             '            case "$w" in',
             f"                {'|'.join(global_valued) or '--never'}) i=$((i + 1)) ;;",
             "                -*) ;;",
             '                *) cmd="$w" ;;',
             "            esac",
             '        elif [[ "$w" != -* ]]; then npos=$((npos + 1)); fi',
             "        i=$((i + 1))",
             "    done",
             "    _hearth_files() { compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); }",
             '    if [ -z "$cmd" ]; then',
             '        case "$prev" in']
    for action in options(parser):
        if action.choices:
            lines.append(f"            {'|'.join(action.option_strings)}) "
                         f"COMPREPLY=($(compgen -W {_words(action.choices)} -- \"$cur\")); return ;;")
    lines += ["        esac",
              f"        COMPREPLY=($(compgen -W {_words(global_opts + [n for n, _, _ in commands])} -- \"$cur\"))",
              "        return",
              "    fi",
              '    case "$cmd" in']
    for name, _, sp in commands:
        body = ['        case "$prev" in']
        for action in options(sp):
            if action.choices:
                body.append(f"            {'|'.join(action.option_strings)}) "
                            f"COMPREPLY=($(compgen -W {_words(action.choices)} -- \"$cur\")); return ;;")
            elif action.nargs != 0 and (set(action.option_strings) & FILE_OPTIONS or action.metavar == "WAV"):
                body.append(f"            {'|'.join(action.option_strings)}) _hearth_files; return ;;")
            elif action.nargs != 0:
                body.append(f"            {'|'.join(action.option_strings)}) return ;;")
        body.append("        esac")
        demo = [a for a in options(sp) if a.metavar == "WAV" and a.nargs in ("+", "*")]
        if demo:  # after `--demo WAV`, more files until the next option
            body += ['        local j=$((COMP_CWORD - 1))',
                     '        while [ $j -gt 1 ] && [[ "${COMP_WORDS[j]}" != -* ]]; do j=$((j - 1)); done',
                     f'        if [[ "$cur" != -* ]] && [[ "${{COMP_WORDS[j]}}" == {demo[0].option_strings[0]} ]]; then'
                     ' _hearth_files; return; fi']
        opts = ["-h", "--help"] + [o for a in options(sp) for o in a.option_strings]
        body.append(f'        if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W {_words(opts)} -- "$cur")); return; fi')
        pos = positionals(sp)
        for index, action in enumerate(pos):
            words = None
            if action.choices:
                words = list(action.choices)
            elif name == "config" and action.dest == "key":
                words = settings_keys
            if action.dest in FILE_POSITIONALS:
                test = f"[ $npos -ge {index} ]" if action.nargs in ("+", "*") else f"[ $npos -eq {index} ]"
                body.append(f"        if {test}; then _hearth_files; return; fi")
            elif words is not None:
                body.append(f'        if [ $npos -eq {index} ]; then COMPREPLY=($(compgen -W {_words(words)} -- "$cur")); '
                            "return; fi")
        lines += [f"        {name})"] + ["    " + b for b in body] + ["            ;;"]
    lines += ["    esac", "}", "complete -F _hearth hearth", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--man", type=Path, help="write the man page here")
    p.add_argument("--completion", type=Path, help="write the bash completion here")
    args = p.parse_args(argv)
    from app import __version__
    from app.cli import build_parser
    from app.config import Settings

    parser = build_parser()
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", datetime.datetime.now(datetime.timezone.utc).timestamp()))
    date = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d")
    if args.man:
        args.man.write_text(man_page(parser, __version__, date), encoding="utf-8")
    if args.completion:
        args.completion.write_text(completion(parser, Settings.keys()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
