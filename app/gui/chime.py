"""The sound of a timer, alarm or reminder going off: a short two-note chime made here (no sound
file to ship), played on the assistant's speaker so it rings even while the window is hidden."""

from __future__ import annotations

import numpy as np

from app.tts import Speech

SAMPLE_RATE = 22050
NOTES = ((880.0, 0.0), (1318.5, 0.16))  # (Hz, start s): A5 then E6, a rising "ding-dong"
NOTE_S = 0.5
DECAY = 7.0  # per second: a bell's fade, not a beep's hard stop
ATTACK_S = 0.005  # a short ramp, so the note starts without a click
LEVEL = 0.3


def chime() -> Speech:
    t = np.arange(int((NOTES[-1][1] + NOTE_S) * SAMPLE_RATE)) / SAMPLE_RATE
    audio = np.zeros(len(t))
    for freq, start in NOTES:
        local = t[t >= start] - start
        envelope = np.exp(-DECAY * local) * np.minimum(1.0, local / ATTACK_S)
        audio[t >= start] += LEVEL * envelope * np.sin(2 * np.pi * freq * local)
    return Speech(audio=audio.astype(np.float32), sample_rate=SAMPLE_RATE)
