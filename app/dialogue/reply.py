"""What the dialogue manager hands back for one turn or one announcement."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Reply:
    text: str
    actions: list[dict] = field(default_factory=list)  # what changed, e.g. {"device": "light.kitchen", "set": {"on": False}}
    expects_reply: bool = False  # a question was asked: keep listening
    end_session: bool = False
    intent: str = ""

    def __post_init__(self) -> None:
        self.text = re.sub(r"\.{2}(?!\.)", ".", self.text)  # "seven a.m.." -> "seven a.m."
