"""The speaker: on a real (virtual) sound server, Stop and close during speech, whole or streamed,
hundreds of times, never hang or crash (PulseAudio's null sink plays at real-time pace, like a
sound card, which ALSA's null device does not: it swallows any buffer at once, so nothing would
be mid-speech); on a scripted stream, streamed chunks play gaplessly, a late one is silence, and
Stop or a failing synthesizer end the speech at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from app.audio import player as player_module
from app.audio.player import Player
from app.errors import HearthError
from app.tts import Speech

ROOT = Path(__file__).resolve().parent.parent

CYCLES = """
import sys, threading, time
import numpy as np
from app.audio.player import Player
from app.tts import Speech

speech = Speech((np.sin(np.arange(48000 * 3) * 0.05) * 0.1).astype(np.float32), 48000)
player, hangs, errors = Player(), 0, []

def streamed():  # a synthesizer handing over 100 ms at a time, each a little late
    for start in range(0, len(speech.audio), 4800):
        time.sleep(0.01)
        yield Speech(speech.audio[start:start + 4800], 48000)

def play(p, stream=False):
    try:
        p.play(streamed() if stream else speech)
    except Exception as exc:
        errors.append(repr(exc))

for i in range({stops}):  # Stop at every moment of a reply's first ~200 ms, whole or streamed
    t = threading.Thread(target=play, args=(player, i % 2 == 1))
    t.start()
    time.sleep(0.02 + (i % 10) * 0.02)
    player.stop()
    t.join(5)
    hangs += t.is_alive()
for i in range({closes}):  # the window closed while Hearth speaks
    p = Player()
    t = threading.Thread(target=play, args=(p,), daemon=True)
    t.start()
    time.sleep(0.02 + (i % 5) * 0.03)
    p.close()
    t.join(5)
    hangs += t.is_alive()
player.play(type(speech)(speech.audio[:4800], 48000))  # and it still plays to the end afterwards
told = []
player.play((Speech(speech.audio[:4800], 48000) for _ in range(2)), on_first_audio=lambda: told.append(1))
player.close()
print("hangs", hangs, "errors", len(errors), "first_audio", len(told), errors[:3])
"""


def test_stop_and_close_during_speech_never_hang(sound_server):
    run = subprocess.run([sys.executable, "-c", CYCLES.format(stops=200, closes=50)], cwd=ROOT, env=sound_server,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split()[:6] == ["hangs", "0", "errors", "0", "first_audio", "1"], run.stdout + run.stderr[-2000:]


def test_no_output_device_is_a_clear_device_error(tmp_path):
    (tmp_path / ".asoundrc").write_text("pcm.!default { type hw card 9 }\n")  # no such card
    code = ("import numpy as np\nfrom app.audio.player import Player\nfrom app.tts import Speech\n"
            "from app.errors import DeviceError\n"
            "try:\n    Player().play(Speech(np.zeros(1600, np.float32), 16000))\n"
            "except DeviceError as e:\n    print(e.code, '|', e.message, '|', e.fix)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert "speaker" in run.stdout and "|" in run.stdout, run.stdout + run.stderr[-2000:]


# -- streamed speech, on a scripted stream --------------------------------------------------------
class ScriptedStream:
    """An output stream that calls back block after block on its own thread, as PortAudio does,
    keeping every block written; fast, so a chunk that is late shows as a silent block."""

    made: ClassVar[list[ScriptedStream]] = []
    go = threading.Event()  # the device starts asking for blocks once this is set

    def __init__(self, *, samplerate, blocksize, callback, finished_callback, **_):
        self.samplerate, self.blocksize = samplerate, blocksize
        self.callback, self.finished = callback, finished_callback
        self.blocks: list[np.ndarray] = []
        self.aborted = False
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        ScriptedStream.made.append(self)

    def _run(self) -> None:
        sd = sounddevice_stub
        ScriptedStream.go.wait(10)
        while not self._halt.wait(0.002):
            out = np.full((self.blocksize, 1), np.nan, np.float32)
            try:
                self.callback(out, self.blocksize, None, None)
            except sd.CallbackStop:
                self.blocks.append(out[:, 0])
                break
            except sd.CallbackAbort:
                break
            self.blocks.append(out[:, 0])
        self.finished()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.join(5)

    def abort(self) -> None:
        self.aborted = True
        self._halt.set()
        self._thread.join(5)

    def close(self) -> None:
        pass

    def played(self) -> np.ndarray:
        return np.concatenate(self.blocks)


class sounddevice_stub:  # stands in for the sounddevice module
    CallbackStop = type("CallbackStop", (Exception,), {})
    CallbackAbort = type("CallbackAbort", (Exception,), {})
    OutputStream = ScriptedStream
    _initialized = 1

    @staticmethod
    def query_devices():
        return [{"name": "scripted", "max_input_channels": 0, "max_output_channels": 1}]


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setattr(player_module.portaudio, "sounddevice", lambda: sounddevice_stub)
    ScriptedStream.made = []
    ScriptedStream.go.set()
    return ScriptedStream.made


def chunk(start: int, n: int, rate: int = 16000) -> Speech:
    """Samples numbered start+1..start+n (scaled), so order and gaps show in what was played."""
    return Speech((np.arange(start + 1, start + n + 1) / 1e5).astype(np.float32), rate)


def test_streamed_chunks_play_gaplessly_on_one_stream(scripted):
    given = threading.Event()

    def synthesizer():
        for k in range(5):
            yield chunk(700 * k, 700)
        given.set()

    ScriptedStream.go.clear()  # the device waits until every chunk is in, so none can be late
    player = threading.Thread(target=Player().play, args=(synthesizer(),))
    player.start()
    assert given.wait(5)
    ScriptedStream.go.set()
    player.join(5)
    played = scripted[0].played()
    assert len(scripted) == 1 and scripted[0].samplerate == 16000
    assert np.array_equal(played[:3500], chunk(0, 3500).audio) and not played[3500:].any()


def test_speech_starts_with_the_first_chunk_and_a_late_one_is_silence(scripted):
    first = threading.Event()
    seen = []

    def synthesizer():
        yield chunk(0, 500)
        seen.append(first.wait(5))  # the first chunk is heard while the rest is synthesized
        for k in (1, 2):
            time.sleep(0.05)
            yield chunk(500 * k, 500)

    def on_first_audio():
        seen.append(threading.current_thread().name)
        first.set()

    Player().play(synthesizer(), on_first_audio=on_first_audio)
    played = scripted[0].played()
    assert seen == ["hearth-audio-out", True]
    assert not played[500:1024].any()  # the rest of the first block: silence, as the next chunk was late
    assert np.array_equal(played[played != 0], chunk(0, 1500).audio)  # then all of it, in order


def test_stop_while_the_synthesizer_is_busy_returns_at_once_and_ends_it(scripted):
    hold, asked, closed = threading.Event(), [], threading.Event()

    def stuck():
        try:
            yield chunk(0, 500)
            hold.wait(10)  # a synthesizer still working on the next clause
            asked.append("more")
            yield chunk(500, 500)
        finally:
            closed.set()

    player, started = Player(), threading.Event()
    done = threading.Thread(target=player.play, args=(stuck(),), kwargs={"on_first_audio": started.set})
    done.start()
    assert started.wait(5)
    player.stop()
    done.join(5)
    assert not done.is_alive()
    hold.set()
    assert closed.wait(5) and asked == ["more"]  # the chunk in progress finishes; none is asked for after it
    player.close()
    assert scripted[0].aborted


def test_a_failing_synthesizer_ends_the_speech_after_what_it_gave_and_says_why(scripted):
    def failing():
        yield chunk(0, 600)
        raise HearthError("the voice broke", "choose another voice", code="voice_broke")

    with pytest.raises(HearthError) as caught:
        Player().play(failing())
    assert caught.value.code == "voice_broke"
    assert np.array_equal(scripted[0].played()[:600], chunk(0, 600).audio)

    def crashing():
        raise RuntimeError("espeak died")
        yield

    with pytest.raises(HearthError) as caught:
        Player().play(crashing())
    assert caught.value.code == "tts_failed" and "espeak died" in caught.value.message and caught.value.fix


def test_chunks_at_another_sample_rate_are_refused(scripted):
    with pytest.raises(HearthError) as caught:
        Player().play(iter([chunk(0, 500, 16000), chunk(500, 500, 22050)]))
    assert caught.value.code == "speech_rate_changed"


def test_nothing_to_say_plays_nothing(scripted):
    told = []
    Player().play(iter([]), on_first_audio=lambda: told.append(1))
    assert scripted == [] and told == []
