import numpy as np
import pytest
import soundfile as sf

from app.audio import SAMPLE_RATE, FileSource, load_audio
from app.errors import AudioFormatError
from tests.speech import FIXTURES


@pytest.mark.parametrize("fmt,rate", [("WAV", 44100), ("FLAC", 22050), ("OGG", 48000)])
def test_formats_and_rates_become_16k_mono(tmp_path, fmt, rate):
    t = np.arange(rate) / rate
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.5
    path = tmp_path / f"tone.{fmt.lower()}"
    sf.write(path, stereo, rate, format=fmt)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - SAMPLE_RATE) < 200
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(audio) - 440) < 5


def test_corrupt_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(AudioFormatError, match="cannot decode"):
        load_audio(bad)
    assert bad.read_bytes() == b"RIFF\x00\x00garbage"  # input left untouched


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(AudioFormatError, match="not found"):
        load_audio(tmp_path / "nope.wav")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0), 16000)
    with pytest.raises(AudioFormatError, match="empty"):
        load_audio(empty)


def test_file_source_yields_whole_frames_with_tail_silence():
    src = FileSource(FIXTURES / "goforward.wav", tail_silence_s=1.0)
    frames = list(src.frames())
    assert all(len(f) == 512 for f in frames)
    assert len(frames) * 512 >= len(load_audio(FIXTURES / "goforward.wav"))
    assert np.abs(frames[-1]).max() == 0


def test_microphone_on_a_silent_alsa_device_and_without_one(tmp_path):
    """ALSA's null device stands in for a microphone; with no device at all the error names the fix."""
    import subprocess
    import sys

    (tmp_path / ".asoundrc").write_text("pcm.!default { type null }\nctl.!default { type hw card 0 }\n")
    code = ("import numpy as np\n"
            "from app.audio.source import MicrophoneSource\n"
            "mic = MicrophoneSource(); frames = mic.frames()\n"
            "chunk = np.concatenate([next(frames) for _ in range(10)]); mic.close()\n"
            "assert chunk.shape == (5120,) and np.isfinite(chunk).all() and np.abs(chunk).max() <= 1.0\n")
    run = subprocess.run([sys.executable, "-c", code], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    (tmp_path / ".asoundrc").write_text("pcm.!default { type hw card 9 }\n")  # no such card
    code = ("from app.audio.source import MicrophoneSource\n"
            "from app.errors import DeviceError\n"
            "try:\n    MicrophoneSource()\nexcept DeviceError as e:\n    print(e.message, '|', e.fix)\n")
    run = subprocess.run([sys.executable, "-c", code], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert "microphone" in run.stdout and "hearth listen" in run.stdout, run.stdout + run.stderr[-2000:]
