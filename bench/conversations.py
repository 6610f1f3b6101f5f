"""Conversation suite: scripted multi-turn exchanges graded on every reply and the state after it.

    python -m bench.conversations [--json] [--docs] [--only WORDS] [--suite DIR]

Each exchange in tests/conversations/*.toml (one file per category; the format is described in
tests/conversations/README.md) runs through the shipped language model, loaded once, and the typed
turn path of the Pipeline (nlu -> fusion -> dialogue) with a fresh DialogueManager on a FakeClock,
in a temporary HEARTH_HOME. Prints the pass rate by category and every failing turn; --docs writes
the table into docs/skills.md between the conversations markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "conversations"
SKILLS_DOC = ROOT / "docs" / "skills.md"
COMMAND = "python -m bench.conversations --docs"
ZONE = ZoneInfo("America/New_York")  # the simulated home's currency is USD; not UTC, so zone slips show
START = dt.datetime(2026, 11, 30, 10, 0)  # Monday morning, local time; a file or exchange may set its own
# The state is thrown away, so it goes on a RAM disk where there is one: on disk, SQLite's sync at
# every turn takes three times longer than the suite's own work.
RAM_DISK = Path("/dev/shm")

FILE_KEYS = {"category", "start", "exchange"}
EXCHANGE_KEYS = {"name", "start", "turn"}
STATE_KEYS = {"unchanged", "devices", "switched_on", "timers", "alarms", "events", "lists", "playing"}
TURN_KEYS = {"say", "ask", "reply", "reply_not", "fresh", "advance", "advance_to", "expect_announcement"} | STATE_KEYS
# Fields a timer, alarm or event check may name: the snapshot's own (app/dialogue/snapshot.py) and
# `at`, the local "YYYY-MM-DD HH:MM" of its due time or start.
ITEM_FIELDS = {"timers": {"label", "seconds", "remaining_s"}, "alarms": {"label", "at"},
               "events": {"title", "at", "all_day"}}
# The scheduler polls a moment after the clock reaches a due time, never at the very instant (it wakes on
# seconds_until_due and runs a little later); the suite polls 1 ms after each advance, as it would.
POLL_LAG_S = 0.001
DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


# ---------------------------------------------------------------------------------------------- the data

@dataclass(frozen=True)
class Exchange:
    category: str
    name: str
    start: dt.datetime  # aware, in ZONE
    turns: list[dict]


def _world_devices() -> dict[str, set[str]]:
    """Device id -> its state keys, from the simulated home: a check naming anything else is a typo."""
    from app.config import assets_dir

    world = tomllib.loads((assets_dir() / "world.toml").read_text(encoding="utf-8"))
    return {d["id"]: set(d.get("state", {})) for d in world["devices"]}


def _regexes(value: Any) -> list[str] | None:
    """A regex or a list of alternatives, as a list; None when it is neither or one does not compile."""
    found = [value] if isinstance(value, str) else value
    if not isinstance(found, list) or not found or not all(isinstance(p, str) for p in found):
        return None
    try:
        for p in found:
            re.compile(p)
    except re.error:
        return None
    return found


def _seconds(advance: str) -> int | None:
    m = DURATION.fullmatch(advance)
    if not advance or m is None:
        return None
    days, hours, minutes, secs = (int(g or 0) for g in m.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


def _turn_problems(turn: Any, devices: dict[str, set[str]]) -> list[str]:
    if not isinstance(turn, dict):
        return ["a turn must be a table"]
    out = [f"unknown key {k!r}" for k in turn.keys() - TURN_KEYS]
    spoken = [k for k in ("say", "ask") if k in turn]
    if len(spoken) > 1:
        out.append("a turn has either say or ask, not both")
    if not spoken and not {"advance", "advance_to"} & turn.keys():
        out.append("a turn needs say, ask, advance or advance_to")
    if spoken and not isinstance(turn[spoken[0]], str):
        out.append(f"{spoken[0]} must be a string")
    if spoken and "reply" not in turn:
        out.append("every spoken turn grades its reply: add reply")
    if not spoken and ({"reply", "reply_not", "fresh", "unchanged"} & turn.keys()):
        out.append("reply, reply_not, fresh and unchanged need a spoken turn")
    for key in ("reply", "reply_not"):
        if key in turn and _regexes(turn[key]) is None:
            out.append(f"{key} must be a regex or a list of regexes that compile")
    for key in ("fresh", "unchanged"):
        if key in turn and turn[key] is not True:
            out.append(f"{key} is only ever true (leave it out otherwise)")
    if "advance" in turn and (not isinstance(turn["advance"], str) or _seconds(turn["advance"]) is None):
        out.append("advance is a duration like '20m', '1h30m', '45s' or '2d'")
    if "advance_to" in turn and type(turn["advance_to"]) is not dt.datetime:
        out.append("advance_to is a local date and time like 2026-12-01T06:45:00")
    if "expect_announcement" in turn:
        expected = turn["expect_announcement"]
        if not {"advance", "advance_to"} & turn.keys():
            out.append("expect_announcement needs advance or advance_to")
        if expected is not False and _regexes(expected) is None:
            out.append("expect_announcement is a regex, a list of them, or false (nothing due)")
    wanted_devices = turn.get("devices", {})
    if not isinstance(wanted_devices, dict):
        out.append("devices is a table: device id = { state key = value }")
        wanted_devices = {}
    for device, wanted in wanted_devices.items():
        if device not in devices:
            out.append(f"no device {device!r} in assets/world.toml")
        elif not isinstance(wanted, dict) or not wanted.keys() <= devices[device]:
            out.append(f"devices.{device} must be a table of its state keys {sorted(devices[device])}")
    if "switched_on" in turn and not (isinstance(turn["switched_on"], list)
                                      and set(turn["switched_on"]) <= devices.keys()):
        out.append("switched_on is a list of device ids from assets/world.toml")
    for key, fields in ITEM_FIELDS.items():
        wanted = turn.get(key, 0)
        items = wanted if isinstance(wanted, list) else []
        if isinstance(wanted, bool) or not isinstance(wanted, (int, list)) or not all(
                isinstance(i, dict) and i.keys() <= fields for i in items):
            out.append(f"{key} is a count or a list of tables with keys from {sorted(fields)}")
    lists = turn.get("lists", {})
    if not isinstance(lists, dict) or not all(
            _regexes(k) and isinstance(v, list) and all(_regexes(i) for i in v) for k, v in lists.items()):
        out.append("lists is a table: list-name regex = [item regexes]")
    if "playing" in turn and not (turn["playing"] is False or isinstance(turn["playing"], dict)):
        out.append("playing is false (nothing) or a table of now_playing fields")
    return out


def problems(folder: Path = SUITE) -> list[str]:
    """Everything wrong with the data files, one line each ("file: exchange: turn n: what")."""
    devices = _world_devices()
    out: list[str] = []
    files = sorted(folder.glob("*.toml"))
    if not files:
        return [f"{folder}: no *.toml files"]
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            out.append(f"{path.name}: {exc}")
            continue
        out += [f"{path.name}: unknown key {k!r}" for k in data.keys() - FILE_KEYS]
        if not isinstance(data.get("category"), str):
            out.append(f"{path.name}: needs category = \"...\"")
        if "start" in data and type(data["start"]) is not dt.datetime:
            out.append(f"{path.name}: start is a local date and time")
        names: set[str] = set()
        for n, exchange in enumerate(data.get("exchange", []), 1):
            name = exchange.get("name") if isinstance(exchange, dict) else None
            where = f"{path.name}: {name or f'exchange {n}'}"
            if not isinstance(exchange, dict) or not isinstance(name, str):
                out.append(f"{where}: an exchange needs a name")
                continue
            if name in names:
                out.append(f"{where}: the name is used twice")
            names.add(name)
            out += [f"{where}: unknown key {k!r}" for k in exchange.keys() - EXCHANGE_KEYS]
            if "start" in exchange and type(exchange["start"]) is not dt.datetime:
                out.append(f"{where}: start is a local date and time")
            if not exchange.get("turn"):
                out.append(f"{where}: no turns")
            for i, turn in enumerate(exchange.get("turn", []), 1):
                out += [f"{where}: turn {i}: {p}" for p in _turn_problems(turn, devices)]
        if not data.get("exchange"):
            out.append(f"{path.name}: no exchanges")
    return out


def load(folder: Path = SUITE) -> list[Exchange]:
    """Every exchange, in file order; refuses malformed data (see problems())."""
    if found := problems(folder):
        raise ValueError("malformed conversation data:\n" + "\n".join(found))
    out = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for exchange in data["exchange"]:
            start = exchange.get("start", data.get("start", START))
            out.append(Exchange(data["category"], exchange["name"], start.replace(tzinfo=ZONE), exchange["turn"]))
    return out


# ---------------------------------------------------------------------------------------------- grading

def _same(expected: Any, actual: Any) -> bool:
    """A string is a case-insensitive regex for the whole value (a number's too, as text: '[1-3]\\d');
    booleans and numbers compare exactly."""
    if isinstance(expected, str):
        return actual is not None and re.fullmatch(expected, str(actual), re.IGNORECASE | re.DOTALL) is not None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return expected == actual


def _fits(expected: dict, actual: dict) -> bool:
    return all(_same(v, actual.get(k)) for k, v in expected.items())


def _pairs(expected: list, actual: list, same=_fits) -> bool:
    """Each expected entry matches its own actual entry, and there are no others."""
    if len(expected) != len(actual):
        return False
    if not expected:
        return True
    first, rest = expected[0], expected[1:]
    return any(same(first, a) and _pairs(rest, actual[:i] + actual[i + 1:], same) for i, a in enumerate(actual))


def _local(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def _items(snapshot: dict, key: str) -> list[dict]:
    """Timers, alarms or events as a check sees them: with `at` in local time beside the snapshot's fields."""
    stamp = {"alarms": "due", "events": "start"}.get(key)
    return [{**i, "at": _local(i[stamp])} if stamp else dict(i) for i in snapshot[key]]


def changes(before: dict, after: dict) -> list[str]:
    """What a turn changed in the snapshot, one line per device or key ("now" aside)."""
    out = []
    old = {d["id"]: d["state"] for d in before["devices"]}
    for d in after["devices"]:
        if old.get(d["id"]) != d["state"]:
            diff = {k: v for k, v in d["state"].items() if old.get(d["id"], {}).get(k) != v}
            out.append(f"{d['id']} {diff}")
    for key in sorted(after.keys() - {"now", "devices"}):
        if before.get(key) != after[key]:
            out.append(f"{key}: {before.get(key)} -> {after[key]}")
    return out


def _state_failures(turn: dict, snap: dict, changed: list[str]) -> list[str]:
    out = []
    if turn.get("unchanged") or "ask" in turn:
        out += [f"should change nothing, changed {c}" for c in changed]
    states = {d["id"]: d["state"] for d in snap["devices"]}
    for device, wanted in turn.get("devices", {}).items():
        if not _fits(wanted, states[device]):
            out.append(f"{device} should have {wanted}, has {states[device]}")
    if "switched_on" in turn:
        on = sorted(i for i, s in states.items() if s.get("on") is True)
        if on != sorted(turn["switched_on"]):
            out.append(f"switched on should be {sorted(turn['switched_on'])}, is {on}")
    for key, fields in ITEM_FIELDS.items():
        if key not in turn:
            continue
        wanted, items = turn[key], _items(snap, key)
        count_only = isinstance(wanted, int)
        if (len(items) != wanted) if count_only else not _pairs(wanted, items):
            shown = [{k: i.get(k) for k in fields} for i in items]
            out.append(f"{key} should be {wanted}, are {shown}")
    if "lists" in turn:
        wanted, lists = turn["lists"], snap["lists"]
        names = list(lists)
        fits = _pairs(list(wanted), names, lambda k, name: _same(k, name) and _pairs(
            wanted[k], lists[name], _same))
        if not fits:
            out.append(f"lists should be {wanted}, are {lists}")
    if "playing" in turn:
        wanted, playing = turn["playing"], snap["now_playing"]
        if (playing is not None) if wanted is False else (playing is None or not _fits(wanted, playing)):
            out.append(f"now playing should be {wanted or 'nothing'}, is {playing or 'nothing'}")
    return out


def _reply_failures(turn: dict, reply: str, previous: str | None) -> list[str]:
    out = []
    wanted = _regexes(turn["reply"]) or []
    if not any(re.search(p, reply, re.IGNORECASE) for p in wanted):
        out.append("reply should match " + " | ".join(wanted))
    for p in _regexes(turn.get("reply_not", [])) or []:
        if re.search(p, reply, re.IGNORECASE):
            out.append(f"reply should not match {p}")
    if turn.get("fresh") and reply == previous:
        out.append("reply should differ from the one before")
    return out


# ---------------------------------------------------------------------------------------------- running

@dataclass
class TurnResult:
    category: str
    exchange: str
    index: int  # 1-based within the exchange
    said: str  # the words, or "(time passes: ...)" for a turn that only moves the clock
    reply: str
    announcements: list[str]
    failures: list[str]
    question: bool  # an `ask` turn: a status question
    changed: list[str] = field(default_factory=list)  # what the turn changed in the snapshot

    @property
    def passed(self) -> bool:
        return not self.failures


class ClockedNlu:
    """The shipped model with its time values left for the dialogue to read on the suite's clock.

    The model resolves "tomorrow" against the wall clock; the dialogue reads any time value left
    empty against its own clock (app/dialogue/slots.py), so emptying them puts every turn on the
    FakeClock with the model's spans and the same normalizer.
    """

    def __init__(self, model: Any):
        self.model = model

    def understand(self, text: str):
        from app.nlu.values import TEMPORAL_TYPES

        u = self.model.understand(text)
        for e in u.entities:
            if e.type in TEMPORAL_TYPES:
                e.value = None
        return u


def run_exchange(model: Any, exchange: Exchange, db: Path) -> list[TurnResult]:
    """One exchange on a fresh state database; later turns still run when one fails."""
    from app.dialogue import DialogueManager, FakeClock
    from app.pipeline import Pipeline, PipelineOptions

    clock = FakeClock(exchange.start)
    dm = DialogueManager(db_path=db, clock=clock)
    pipeline = Pipeline(PipelineOptions(), nlu=ClockedNlu(model), dialogue=dm)
    dm.due_announcements()  # the scheduler's first poll at start-up, which sets the reminders' mark
    results, previous = [], None
    try:
        for i, turn in enumerate(exchange.turns, 1):
            failures, rung = [], []
            if "advance" in turn or "advance_to" in turn:
                if "advance_to" in turn:
                    clock.set(turn["advance_to"].replace(tzinfo=ZONE))
                else:
                    clock.advance(_seconds(turn["advance"]))
                clock.advance(POLL_LAG_S)
                rung = [r.text for r in dm.due_announcements()]
                failures += _announcement_failures(turn.get("expect_announcement"), rung)
            said = turn.get("say", turn.get("ask"))
            before, reply = dm.world_snapshot(), ""
            if said is not None:
                result = pipeline.run_text(said)
                reply = result.reply.text if result.reply else f"(error: {result.error})"
                failures += _reply_failures(turn, reply, previous)
                previous = reply
            after = dm.world_snapshot()
            changed = changes(before, after) if said is not None else []
            failures += _state_failures(turn, after, changed)
            label = said if said is not None else f"(time passes: {turn.get('advance') or turn['advance_to']})"
            results.append(TurnResult(exchange.category, exchange.name, i, label, reply, rung, failures,
                                      "ask" in turn, changed))
    finally:
        dm.close()
    return results


def _announcement_failures(expected: Any, rung: list[str]) -> list[str]:
    if expected is None:
        return []
    if expected is False:
        return [f"nothing should ring yet, rang {rung}"] if rung else []
    wanted = _regexes(expected) or []
    if any(re.search(p, text, re.IGNORECASE) for p in wanted for text in rung):
        return []
    return [f"an announcement should match {' | '.join(wanted)}, rang {rung or 'nothing'}"]


@contextmanager
def _temporary_home() -> Iterator[Path]:
    """A throwaway HEARTH_HOME: the suite never touches the user's state, settings or log."""
    saved = os.environ.get("HEARTH_HOME")
    ram = RAM_DISK if RAM_DISK.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="hearth-conversations-", dir=ram) as home:
        os.environ["HEARTH_HOME"] = home
        try:
            yield Path(home)
        finally:
            if saved is None:
                os.environ.pop("HEARTH_HOME", None)
            else:
                os.environ["HEARTH_HOME"] = saved


def run(folder: Path = SUITE, only: str | None = None, model: Any = None) -> list[TurnResult]:
    """Every exchange (those whose category or name contains `only`), through the shipped model unless given one."""
    exchanges = [x for x in load(folder) if not only or only.lower() in f"{x.category} {x.name}".lower()]
    with _temporary_home() as home:
        if model is None:
            from app.nlu.onnx_model import load_default_nlu

            model = load_default_nlu()
        return [r for n, x in enumerate(exchanges) for r in run_exchange(model, x, home / f"{n}.db")]


# ---------------------------------------------------------------------------------------------- reporting

@dataclass
class Score:
    category: str
    turns: int = 0
    turns_passed: int = 0
    exchanges: int = 0
    exchanges_passed: int = 0

    @property
    def rate(self) -> float:
        return self.turns_passed / self.turns if self.turns else 0.0


def scores(results: list[TurnResult]) -> list[Score]:
    """One Score per category in suite order, then "all"."""
    by: dict[str, Score] = {}
    exchanges: dict[tuple[str, str], bool] = {}
    for r in results:
        s = by.setdefault(r.category, Score(r.category))
        s.turns += 1
        s.turns_passed += r.passed
        key = (r.category, r.exchange)
        exchanges[key] = exchanges.get(key, True) and r.passed
    for (category, _), passed in exchanges.items():
        by[category].exchanges += 1
        by[category].exchanges_passed += passed
    total = Score("all")
    for s in by.values():
        for f in ("turns", "turns_passed", "exchanges", "exchanges_passed"):
            setattr(total, f, getattr(total, f) + getattr(s, f))
    return [*by.values(), total]


def changed_by_questions(results: list[TurnResult]) -> list[TurnResult]:
    """Status questions answered by changing state: the issue allows none."""
    return [r for r in results if r.question and r.changed]


def table(results: list[TurnResult]) -> str:
    rows = ["| category | turns right | % | exchanges fully right |", "|---|---:|---:|---:|"]
    for s in scores(results):
        name = f"**{s.category}**" if s.category == "all" else s.category
        rows.append(f"| {name} | {s.turns_passed} / {s.turns} | {int(100 * s.rate)} | "  # rounded down
                    f"{s.exchanges_passed} / {s.exchanges} |")
    questions = [r for r in results if r.question]
    rows += ["", f"Status questions that changed state: {len(changed_by_questions(results))} of {len(questions)}."]
    return "\n".join(rows)


def failing(results: list[TurnResult]) -> str:
    lines = []
    for r in results:
        if not r.passed:
            lines.append(f"- [{r.category}] {r.exchange}, turn {r.index}: said {r.said!r}\n"
                         f"    got: {r.reply!r}" + (f" (rang {r.announcements})" if r.announcements else "")
                         + "".join(f"\n    - {f}" for f in r.failures))
    return "\n".join(lines)


def machine() -> str:
    return f"{os.cpu_count()}-core {platform.machine()}, {platform.system()}"


def docs_section(results: list[TurnResult]) -> str:
    exchanges = len({(r.category, r.exchange) for r in results})
    about = (f"{dt.date.today().isoformat()} · `{COMMAND}` · {machine()} · {exchanges} scripted exchanges in "
             "`tests/conversations/` ([format](../tests/conversations/README.md)) through the shipped language model and the dialogue manager, each reply and the "
             "state after it graded (issue 11 aims at 95 % of turns right and no status question that changes state).")
    return "\n".join(["## Conversation suite", "", about, "", table(results)])


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.conversations", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print every turn's result as JSON")
    p.add_argument("--docs", action="store_true", help="write the table into docs/skills.md")
    p.add_argument("--only", help="run the exchanges whose category or name contains these words")
    p.add_argument("--suite", type=Path, default=SUITE, metavar="DIR",
                   help="the folder of *.toml exchanges to run (default: tests/conversations), e.g. a held-out set")
    args = p.parse_args(argv)
    if args.docs and args.only:
        p.error("--docs writes the whole suite's table: leave out --only")
    if args.docs and args.suite.resolve() != SUITE.resolve():
        p.error("--docs writes the table of tests/conversations: leave out --suite")
    if not args.suite.is_dir():
        p.error(f"--suite {args.suite}: no such folder")
    results = run(args.suite, only=args.only)
    if args.json:
        print(json.dumps({"date": dt.date.today().isoformat(), "machine": machine(),
                          "scores": [{**asdict(s), "rate": round(s.rate, 4)} for s in scores(results)],
                          "questions_that_changed_state": len(changed_by_questions(results)),
                          "turns": [{**asdict(r), "passed": r.passed} for r in results]}, indent=1))
    else:
        print(table(results))
        if fails := failing(results):
            print("\nFailing turns:\n" + fails)
    if args.docs:
        write_section("conversations", docs_section(results), SKILLS_DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
