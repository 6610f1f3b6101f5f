"""Spoken NLU data (models/nlu/spoken.py): gold spans aligned onto what Whisper wrote, the dev split's
voices kept out of training, and two utterances through espeak-ng and the shipped Whisper."""

from __future__ import annotations

import json
import shutil

import pytest

from models.nlu import spoken
from models.nlu.data import Example
from models.voices import TRAIN_ACCENTS, TRAIN_FLITE, TRAIN_SPEEDS, TRAIN_STRETCH, TRAIN_VARIANTS, Voice
from models.whisper.text import wer


def heard(transcript: str, alignment: spoken.Alignment) -> list[tuple[str, str]]:
    return [(transcript[start:end], etype) for start, end, etype in alignment.spans]


def test_written_words_keep_their_spans_and_lose_surrounding_punctuation():
    assert spoken.words("It's 7:30, Mr. Smith.") == [("its", 0, 4), ("seven", 5, 9), ("thirty", 5, 9),
                                                      ("mister", 11, 13), ("smith", 15, 20)]
    assert spoken.words("at 7 a.m.") == [("at", 0, 2), ("seven", 3, 4), ("am", 5, 9)]


def test_digits_and_abbreviations_take_the_spoken_words_place():
    transcript = "Wake me up at 7 a.m. tomorrow."
    a = spoken.align("wake me up at seven am tomorrow", [(14, 22, "time"), (23, 31, "date")], transcript)
    assert heard(transcript, a) == [("7 a.m.", "time"), ("tomorrow", "date")] and not a.dropped
    transcript = "Set the alarm for 7:30."
    assert heard(transcript, spoken.align("set the alarm for seven thirty", [(18, 30, "time")], transcript)) == [
        ("7:30", "time")]


def test_words_replaced_by_other_words_carry_the_entity():
    transcript = "Play yes today by the Beatles!"
    a = spoken.align("play yesterday by the beatles", [(5, 14, "song_name"), (22, 29, "artist_name")], transcript)
    assert heard(transcript, a) == [("yes today", "song_name"), ("Beatles", "artist_name")]
    transcript = "Wake me at 7am please"  # two words heard as one
    assert heard(transcript, spoken.align("wake me at seven am please", [(11, 19, "time")], transcript)) == [
        ("7am", "time")]


def test_deleted_words_shrink_the_entity_and_shift_nothing_else():
    transcript = "Turn off kitchen light and the fan."
    a = spoken.align("turn off the big kitchen light and the fan", [(9, 24, "house_place"), (39, 42, "device_type")],
                     transcript)
    assert heard(transcript, a) == [("kitchen", "house_place"), ("fan", "device_type")] and not a.dropped


def test_inserted_words_join_an_entity_only_inside_it():
    transcript = "Remind me to, uh, call the mom at 5."
    a = spoken.align("remind me to call mom at five", [(13, 21, "event_name"), (25, 29, "time")], transcript)
    assert heard(transcript, a) == [("call the mom", "event_name"), ("5", "time")]


def test_an_entity_whose_words_all_vanished_is_dropped_and_counted():
    a = spoken.align("what's the weather like today in paris", [(24, 29, "date"), (33, 38, "place_name")],
                     "What's the weather like in Paris?")
    assert a.spans == ((27, 32, "place_name"),)
    assert a.dropped == ((24, 29, "date", "vanished"),)
    assert spoken.align("wake me at seven", [(11, 16, "time")], "").dropped == ((11, 16, "time", "vanished"),)


def test_two_entities_heard_as_one_word_keep_the_first():
    a = spoken.align("add pea nuts", [(4, 7, "food_type"), (8, 12, "food_type")], "Add peanuts.")
    assert a.spans == ((4, 11, "food_type"),) and a.dropped == ((8, 12, "food_type", "merged"),)


def trained(voice: Voice) -> bool:
    """In the training grid of models/voices.py: a training voice at a training speed."""
    if voice.engine == "espeak":
        accent, _, variant = voice.name.partition("+")
        low, high = TRAIN_SPEEDS
        return accent in TRAIN_ACCENTS and variant in TRAIN_VARIANTS and low <= voice.speed <= high
    low, high = TRAIN_STRETCH
    return voice.name in TRAIN_FLITE and low <= voice.speed <= high


def test_no_dev_voice_or_speed_is_ever_used_for_training():
    keys = [f"hwu64:{i}" for i in range(3000)]
    train = [spoken.setting(k, "train")[0] for k in keys]
    dev = [spoken.setting(k, "dev")[0] for k in keys]
    assert all(trained(v) for v in train)
    assert not any(trained(v) for v in dev)
    assert not {(v.name, v.speed) for v in dev} & {(v.name, v.speed) for v in train}
    assert all(v.name.partition("+")[0] not in TRAIN_ACCENTS and v.name not in TRAIN_FLITE for v in dev)
    assert {v.engine for v in dev} == {"piper", "flite", "espeak"} and {v.engine for v in train} == {"flite", "espeak"}


def test_the_setting_follows_from_the_key_alone():
    """The same in every run and process (a resumed `make` continues the same data): pinned."""
    assert spoken.setting("slurp:42", "dev") == (Voice("flite", "kal", 1.05, 99), None)
    assert spoken.setting("slurp:42", "train") == (Voice("espeak", "en-gb-x-rp+david", 166, 55), 11.1)
    settings = [spoken.setting(f"slurp:{i}", "train") for i in range(400)]
    assert len({v for v, _ in settings}) > 300
    snrs = [snr for _, snr in settings if snr is not None]
    assert 100 < len(snrs) < 300 and all(10.0 <= snr <= 30.0 for snr in snrs)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_two_utterances_end_to_end(tmp_path):
    pytest.importorskip("scipy")
    # keys whose dev voice is flite's slt: the neural voice samples noise, so its audio (and what Whisper
    # hears) differs from run to run; these two are the same every time
    examples = [Example("wake me up at seven am", "alarm_set", ((14, 22, "time"),), "test:12"),
                Example("turn on the kitchen lights", "iot_hue_lighton", ((12, 19, "house_place"),), "test:17")]
    path = tmp_path / "dev.jsonl"
    assert spoken.make(examples[:1], "dev", path, log=lambda _: None) == 1
    with path.open("a") as out:
        out.write('{"key": "test:17", "voi')  # a run killed mid-line
    assert spoken.make(examples, "dev", path, log=lambda _: None) == 1  # resumes, rewriting the cut line
    assert spoken.make(examples, "dev", path, log=lambda _: None) == 0
    records = spoken.read(path)
    assert [r.key for r in records] == ["test:12", "test:17"]
    assert {r.voice["engine"] for r in records} == {"flite"}
    assert [(r.voice, r.snr_db) for r in records] == [(vars(v), snr) for v, snr in
                                                      (spoken.setting(e.key, "dev") for e in examples)]
    assert wer([r.text for r in records], [r.transcript for r in records]) <= 0.5  # the app's path heard them
    for record, example in zip(records, examples):
        assert record.gold_spans == list(example.spans) and record.refused is None
        assert record.spans and record.spans == list(spoken.align(record.text, record.gold_spans,
                                                                  record.transcript).spans)
    assert [(e.text, e.spans) for e in spoken.load_spoken("dev", tmp_path)] == [
        (r.transcript, tuple(r.spans)) for r in records]


def test_training_leaves_out_transcripts_that_are_other_sentences(tmp_path):
    from dataclasses import asdict

    def record(key, transcript):
        return spoken.Spoken(key, {}, None, "what days are my alarms set for", transcript, "alarm_query", [], [], [])

    rows = [record("a", "what days are my alarms set for"), record("b", "We'll take a moment and see it for..."),
            record("c", "")]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    assert [e.key for e in spoken.load_spoken("train", tmp_path)] == ["a"]
    assert [e.key for e in spoken.load_spoken("train", tmp_path, max_wer=None)] == ["a", "b"]
