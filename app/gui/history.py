"""The window's conversation, kept across restarts: one JSON line per turn in the data folder
(app.config.home(), beside hearth.db, never in the checkout), readable by its owner only,
since it holds what the user said. The `keep_history` setting turns it off."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.config import create_private, home

log = logging.getLogger(__name__)

FILE_NAME = "conversation.jsonl"
SHOWN = 200  # turns shown again at start
KEEP = 1000  # turns kept on disk: past twice this the file is cut back to it


@dataclass
class Entry:
    speaker: str  # "user" | "hearth"
    text: str
    note: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


class History:
    def __init__(self, path: Path | None = None):
        self.path = path or home() / FILE_NAME

    def load(self) -> list[Entry]:
        """The last SHOWN turns; a damaged line is skipped, a missing or unreadable file is no history."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        if len(lines) > 2 * KEEP:
            self._rewrite(lines[-KEEP:])
        turns = []
        for line in lines[-SHOWN:]:
            try:
                d = json.loads(line)
                turns.append(Entry(d["speaker"], d["text"], d.get("note", ""), [tuple(r) for r in d.get("details", [])]))
            except (ValueError, KeyError, TypeError):
                continue
        return turns

    def append(self, turn: Entry) -> None:
        """A full disk or a read-only folder loses this turn from the history, never from the window."""
        try:
            create_private(self.path)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(turn), ensure_ascii=False) + "\n")
        except OSError as exc:
            log.warning("conversation history not saved to %s: %s", self.path, exc)

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot delete the conversation history %s: %s", self.path, exc)

    def _rewrite(self, lines: list[str]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            create_private(tmp)
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("cannot shorten the conversation history %s: %s", self.path, exc)
