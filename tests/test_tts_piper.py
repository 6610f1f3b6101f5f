"""The neural voice (optional extra hearth[voice]): skipped where it is not installed."""

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt
from scipy.signal import resample_poly

from app.tts import TtsOptions, default_voice, list_voices, piper, piper_split, stream, synthesize
from app.tts.speech import first_sound

pytestmark = pytest.mark.skipif(not piper.installed(), reason="the neural voice (hearth[voice]) is not installed")
NEURAL = TtsOptions(voice="piper:en_US-joe-medium")


def test_it_is_listed_and_is_the_default():
    assert default_voice() == "piper:en_US-joe-medium"
    assert list_voices()[0].engine == "piper" and list_voices()[0].name.startswith("English (America")


def test_phoneme_ids_are_bos_pad_interleaved_eos_with_punctuation_kept():
    model = piper.model()
    names = {i: symbol for symbol, i in model.ids.items()}
    ids = model.phoneme_ids("Okay, the light is on?")
    assert ids[:2] == [model.ids["^"], model.ids["_"]] and ids[-1] == model.ids["$"]
    assert all(i == model.ids["_"] for i in ids[1:-1:2])
    assert "".join(names[i] for i in ids[2:-1:2]) == " oʊkˈeɪ, ðə lˈaɪt ɪz ˈɔn?"  # a word gap first: no clipped "o"


def test_a_clause_starts_at_its_first_sound():
    quiet = np.concatenate([np.zeros(2205, np.float32), np.full(100, 0.3, np.float32)])
    assert len(piper.without_lead_in(quiet, 22050)) == 100 + 441  # 20 ms kept before the sound
    assert len(piper.without_lead_in(np.zeros(50, np.float32), 22050)) == 50
    lead_in = first_sound(synthesize("Paused Blue Hour.", NEURAL).audio) / 22050
    assert lead_in <= 0.021


def test_synthesizes_audible_speech_at_the_voice_rate():
    speech = synthesize("The timer is set for ten minutes.", NEURAL)
    assert speech.sample_rate == 22050 and speech.audio.dtype == np.float32
    assert 1.0 < speech.duration_s < 4.0 and 0.1 < np.abs(speech.audio).max() <= 1.0


def test_a_clause_with_nothing_sayable_is_a_pause_not_an_error():
    chunks = list(stream("Done — \ufffd the end.", NEURAL))
    assert all(c.sample_rate == 22050 for c in chunks)
    assert synthesize("—", NEURAL).duration_s == pytest.approx(piper.PAUSE_S, abs=0.01)
    assert not synthesize("—", NEURAL).audio.any()


def test_rate_changes_the_length():
    slow = synthesize("one two three four five six", TtsOptions(voice=NEURAL.voice, rate=120))
    fast = synthesize("one two three four five six", TtsOptions(voice=NEURAL.voice, rate=260))
    assert fast.duration_s < 0.7 * slow.duration_s


def _weights():
    return piper.weights_file(piper.folder())


@pytest.fixture
def split(monkeypatch):
    """The voice in its two parts, made now (a start that finds none makes them in the background)."""
    weights, digest = _weights()
    assert piper.make_parts()
    model = piper.read_model(weights, weights.with_name(weights.name + ".json"), digest)
    assert model.vocoder is not None and model.session is None
    monkeypatch.setattr(piper, "model", lambda voice=piper.VOICE: model)
    return model


def test_streams_each_clause_at_one_rate_its_start_first(split):
    chunks = list(stream("Okay, the kitchen light is on. Anything else?", NEURAL))
    assert len(chunks) >= 3 and {c.sample_rate for c in chunks} == {22050}
    assert len(chunks[0].audio) <= piper.FIRST_FRAMES * split.hop  # the first piece only: heard soonest


def _latent(model, text="The timer in the kitchen is set for ten minutes and thirty seconds, starting right now."):
    """Its frames: the duration noise off (0), so their number is the same every run."""
    ids = model.phoneme_ids(text)
    feed = {"input": np.array([ids], np.int64), "input_lengths": np.array([len(ids)], np.int64),
            "scales": np.array([model.noise_scale, model.length_scale, 0.0], np.float32)}
    return model.front.run(None, feed)[0]


def test_the_pieces_are_the_clause_decoded_whole(split):
    latent = _latent(split)
    assert latent.shape[2] > piper.FIRST_FRAMES + piper.PIECE_FRAMES  # three pieces at least
    whole = split.vocoder.run(None, {split.vocoder.get_inputs()[0].name: latent})[0].reshape(-1)
    pieces = list(piper._decoded(split, latent))
    assert len(pieces) >= 3 and len(pieces[0]) == piper.FIRST_FRAMES * split.hop
    np.testing.assert_allclose(np.concatenate(pieces), whole, atol=1e-4)
    (one,) = piper._decoded(split, latent, whole=True)  # `synthesize`: no margins to pay for
    np.testing.assert_array_equal(one, whole)


def test_a_start_without_parts_runs_whole_and_makes_them_in_the_background(monkeypatch):
    import subprocess
    import sys

    from app.model_files import sha256

    weights, digest = _weights()
    started = []
    monkeypatch.setattr(piper_split, "_started", set())
    monkeypatch.setattr(piper_split, "Popen", lambda args, **kw: started.append(args))
    assert piper_split.open_parts(weights, digest) is None and piper_split.open_parts(weights, digest) is None
    (args,) = started  # once per process
    assert args[:3] == [sys.executable, "-m", "app.tts.piper_split"]
    assert subprocess.run(args, timeout=120).returncode == 0  # what the background process does
    front, vocoder = piper_split.open_parts(weights, digest)
    made = piper_split.parts_dir(digest) / piper_split.VOCODER
    digest_made = sha256(made)
    made.write_bytes(b"\0" * made.stat().st_size)  # same size, other bytes: only the checksum tells
    assert piper_split.open_parts(weights, digest) is None and not made.exists()  # whole again, not made yet
    monkeypatch.setattr(piper_split, "_started", set())
    assert piper_split.open_parts(weights, digest) is None and len(started) == 2
    assert piper_split.make(weights, digest) and sha256(made) == digest_made


def test_a_second_maker_leaves_the_parts_to_the_first(monkeypatch):
    weights, digest = _weights()
    making = piper_split.parts_dir(digest).with_name(piper_split.parts_dir(digest).name + ".making")
    making.mkdir(parents=True)
    assert not piper_split.make(weights, digest) and making.is_dir()
    old = making.stat().st_mtime - piper_split.STALE_S - 1  # left by a process that died
    os.utime(making, (old, old))
    assert piper_split.make(weights, digest) and not making.exists()


def test_without_the_onnx_package_the_voice_runs_whole(monkeypatch):
    import sys

    started = []
    monkeypatch.setitem(sys.modules, "onnx", None)  # not installed
    monkeypatch.setattr(piper_split, "_started", set())
    monkeypatch.setattr(piper_split, "Popen", lambda args, **kw: started.append(args))
    weights, digest = _weights()
    model = piper.read_model(weights, weights.with_name(weights.name + ".json"), digest)
    assert model.vocoder is None and model.session is not None and not started
    monkeypatch.setattr(piper, "model", lambda voice=piper.VOICE: model)
    (only,) = piper.PiperEngine().pieces("Hello there.", TtsOptions())  # the whole clause in one piece
    assert only.duration_s > 0.3 and np.abs(only.audio).max() > 0.1


def test_whisper_understands_it(asr_engine):
    from models.whisper.text import wer

    text = "Okay, I'll remind you to check the oven in forty-five minutes."
    speech = synthesize(text, NEURAL)
    heard = asr_engine.transcribe(resample_poly(speech.audio, 16000, 22050).astype(np.float32)).text
    assert wer([text], [heard]) <= 0.1, heard


def test_the_settings_voice_picker_offers_it(qtbot):
    from app.gui.voice_picker import VoicePicker

    picker = VoicePicker(None, None, lambda: 175)
    qtbot.addWidget(picker)
    model = picker.combo.model()
    assert "piper:en_US-joe-medium" in [model.item(i).data(Qt.UserRole) for i in range(model.rowCount())]


def test_exit_while_a_reply_is_synthesized_on_a_daemon_thread_is_clean():
    """The player feeds a stream from a daemon thread; onnxruntime torn down under its call used to abort."""
    import subprocess
    import sys

    code = ("import threading, time\nfrom app.tts import stream\n"
            "chunks = stream('This reply has several clauses, each one synthesized in turn, one more, and another, "
            "and yet another one, and the last one.')\n"
            "threading.Thread(target=lambda: list(chunks), daemon=True).start()\ntime.sleep(0.05)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0 and "terminate called" not in r.stderr, r.stderr
