"""Audio in: decoding files and capturing frames from a microphone or a file standing in for one."""

from app.audio.files import SAMPLE_RATE, load_audio, save_wav
from app.audio.source import AudioSource, FileSource, MicrophoneSource, list_input_devices

__all__ = [
    "SAMPLE_RATE",
    "load_audio",
    "save_wav",
    "AudioSource",
    "FileSource",
    "MicrophoneSource",
    "list_input_devices",
]
