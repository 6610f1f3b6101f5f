"""espeak-ng through its C library, run synchronously on the calling thread: instant, ~130 voices
in many languages, and the fallback when the neural voice is absent.

Why not pyttsx3 (issue 13): its espeak driver runs the library asynchronously (AUDIO_OUTPUT_RETRIEVAL),
so samples and the end of each utterance arrive through a ctypes callback on espeak's own thread, into a
driver that reaches its engine through a weak proxy and writes the WAV only at the end. Hearth made an
engine per call; a late callback found its engine collected ("ReferenceError: weakly-referenced object
no longer exists" in `_onSynth`) or its WAV's folder gone, raised inside the callback ("Exception
ignored on calling ctypes callback function"), and that call got no audio (docs/voice.md).
Here the library runs in AUDIO_OUTPUT_SYNCHRONOUS mode: espeak_Synth returns only after every sample
has been handed to one module-level callback that only copies samples, all under one lock.
The same library turns text into IPA phonemes for the neural voice (`phonemes`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading

import numpy as np

from app.errors import HearthError
from app.tts.speech import Speech, TtsOptions, Voice, WholeClauses

NAME = "espeak"
DEFAULT_VOICE = "gmw/en-us"
_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: AUDIO_OUTPUT_SYNCHRONOUS
_CHARS_UTF8, _ENDPAUSE, _POS_CHARACTER = 1, 0x1000, 1
_RATE, _VOLUME = 1, 2  # espeak_PARAMETER
_PHONEMES_IPA = 0x02
_MIN_RATE, _MAX_RATE = 80, 450  # what espeak-ng accepts, in words per minute

_LOCK = threading.Lock()  # the library keeps one global state: one call at a time
_START = threading.Lock()  # two threads starting the library at once deadlock in espeak_Initialize
_chunks: list[bytes] = []  # filled by _on_audio during espeak_Synth, under _LOCK


class _VoiceStruct(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_char_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@_CALLBACK
def _on_audio(wav, count, _events) -> int:
    """Copies samples and nothing else, so it cannot raise; kept alive for the process's life."""
    if count > 0 and wav:
        _chunks.append(ctypes.string_at(wav, count * 2))
    return 0


class _Library:
    def __init__(self, lib: ctypes.CDLL):
        self.lib = lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.sample_rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, None, 0)
        if self.sample_rate <= 0:
            raise HearthError("espeak-ng could not start (its voice data is missing?)",
                              "reinstall espeak-ng (apt-get install --reinstall libespeak-ng1 espeak-ng-data)")
        lib.espeak_SetSynthCallback(_on_audio)

    def set_voice(self, voice: str) -> None:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise HearthError(f"no espeak-ng voice {voice!r}", "pick one from `hearth speak --list-voices`")


def _library() -> _Library:
    with _START:
        return _start()


@functools.cache
def _start() -> _Library:
    path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        return _Library(ctypes.CDLL(path))
    except OSError as exc:
        raise HearthError(f"text-to-speech unavailable: {exc}", "install espeak-ng (apt-get install espeak-ng)") from exc


def available() -> bool:
    try:
        _library()
    except HearthError:
        return False
    return True


class EspeakEngine(WholeClauses):
    name = NAME

    def voices(self) -> list[Voice]:
        lib = _library()
        with _LOCK:
            listed = lib.lib.espeak_ListVoices(None)
            found, i = [], 0
            while listed[i]:
                v = listed[i].contents
                found.append(Voice(v.identifier.decode().lower(), v.name.decode().strip(), NAME))
                i += 1
        return found

    def synthesize(self, text: str, options: TtsOptions) -> Speech:
        lib = _library()
        data = text.encode("utf-8") + b"\0"
        with _LOCK:
            lib.set_voice(options.voice or DEFAULT_VOICE)
            lib.lib.espeak_SetParameter(_RATE, min(max(int(options.rate), _MIN_RATE), _MAX_RATE), 0)
            lib.lib.espeak_SetParameter(_VOLUME, max(0, round(options.volume * 100)), 0)
            _chunks.clear()
            error = lib.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
            pcm = b"".join(_chunks)
            _chunks.clear()
        if error != 0 or not pcm:
            raise HearthError(f"espeak-ng produced no audio (error {error})", "check `hearth doctor` for TTS voices")
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        return Speech(audio=audio, sample_rate=lib.sample_rate)


def phonemes(text: str, voice: str) -> str:
    """`text` as IPA in espeak-ng's spelling, clause after clause joined by spaces: what Piper voices were
    trained on. Punctuation is dropped by espeak-ng; the caller adds back the clause's own."""
    lib = _library()
    data = ctypes.create_string_buffer(text.encode("utf-8"))
    pointer = ctypes.c_void_p(ctypes.addressof(data))
    parts = []
    with _LOCK:
        lib.set_voice(voice)
        while pointer.value:
            part = lib.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA)
            if part:
                parts.append(part.decode("utf-8").strip())
    return " ".join(p for p in parts if p)
