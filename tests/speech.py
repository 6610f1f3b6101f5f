"""Speech for tests: the real clips in tests/fixtures and commands synthesized with espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from models.whisper.text import normalize, wer as corpus_wer  # noqa: F401 - normalize re-exported

FIXTURES = Path(__file__).parent / "fixtures"


def references() -> dict[str, str]:
    rows = (line.split("\t") for line in (FIXTURES / "transcripts.tsv").read_text().splitlines() if line)
    return {stem: text.strip() for stem, text in rows}


def wer(reference: str, hypothesis: str) -> float:
    return corpus_wer([reference], [hypothesis])


def synthesize(text: str, out: Path, voice: str = "en-us", speed: int = 150) -> Path:
    """espeak-ng at 22 kHz, left as is: the loader's resampling is part of what gets tested."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed (packaging/install-system.sh installs it)")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True)
    return out
