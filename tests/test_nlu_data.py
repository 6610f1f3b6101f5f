"""Data loaders on the real shared datasets, the dev split, BIO encoding and decoding."""

import json
from collections import Counter
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from app.config import datasets_dir
from app.errors import HearthError
from app.nlu.tagging import decode_bio, word_tags
from models.nlu import data

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "nlu" / "shipped"
pytestmark = pytest.mark.skipif(not (datasets_dir() / "hwu64").exists(), reason=f"no datasets in {datasets_dir()}")


@pytest.fixture(scope="module")
def main_data():
    return data.load_main()


@pytest.fixture(scope="module")
def tokenizer():
    tok = Tokenizer.from_file(str(SHIPPED / "tokenizer.json"))
    tok.no_padding()
    return tok


def assert_valid_spans(examples):
    for ex in examples:
        for start, end, etype in ex.spans:
            assert 0 <= start < end <= len(ex.text), ex
            assert ex.text[start:end] == ex.text[start:end].strip() and etype, ex


def test_hwu64_loads_all_utterances_with_char_spans():
    examples = data.load_hwu64()
    assert len(examples) == 9760
    assert len({e.intent for e in examples}) == 64
    assert len({s[2] for e in examples for s in e.spans}) == 54
    assert_valid_spans(examples)
    today = next(e for e in examples if e.text == "are there any alarms for today")
    assert [(today.text[s:e], t) for s, e, t in today.spans] == [("today", "date")]


def test_slurp_token_and_bracket_spans_become_char_spans():
    examples = data.load_slurp()
    assert len(examples) == 2033
    assert_valid_spans(examples)
    ex = next(e for e in examples if e.text == "siri what is one american dollar in japanese yen")
    assert [(ex.text[s:e], t) for s, e, t in ex.spans] == [("american dollar", "currency_name"),
                                                            ("japanese yen", "currency_name")]


def test_parse_annotation():
    assert data.parse_annotation("wake me at [time : seven am] [date : Friday]") == (
        "wake me at seven am Friday", [(11, 19, "time"), (20, 26, "date")])


def test_snips_loads_including_the_file_that_is_not_utf8():
    bad = datasets_dir() / "snips" / "train_PlayMusic_full.json"
    with pytest.raises(UnicodeDecodeError):
        bad.read_bytes().decode("utf-8")
    train, validate = data.load_snips("train"), data.load_snips("validate")
    assert len(train) == 13784 and len(validate) == 700
    counts = Counter(e.intent for e in train)
    assert len(counts) == 7 and counts["PlayMusic"] > 1900
    assert_valid_spans(train + validate)


def test_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(HearthError, match="dataset file missing") as info:
        data.load_hwu64(tmp_path)
    assert "HEARTH_DATASETS" in info.value.fix


def test_main_task_merges_on_64_intents_and_counts_what_it_drops(main_data):
    assert len({e.intent for e in main_data.examples}) == 64
    assert all("_" in e.intent for e in main_data.examples)
    assert set(main_data.dropped) == {"slurp label without scenario_action form",
                                      "slurp label outside the 64 HWU64 intents", "slurp sentence already in HWU64"}
    assert len(main_data.examples) == 9760 + 2033 - sum(main_data.dropped.values())
    texts = [e.text.lower() for e in main_data.examples]
    assert len(texts) == len(set(texts)), "a duplicate sentence could sit in train and dev at once"


def test_split_is_stratified_deterministic_and_disjoint(main_data):
    train, dev = data.split(main_data.examples, seed=13)
    again_train, again_dev = data.split(list(reversed(main_data.examples)), seed=13)
    assert [e.key for e in dev] == [e.key for e in again_dev]
    assert {e.key for e in train}.isdisjoint(e.key for e in dev)
    assert len(train) + len(dev) == len(main_data.examples)
    totals, in_dev = Counter(e.intent for e in main_data.examples), Counter(e.intent for e in dev)
    for intent, n in totals.items():
        assert abs(in_dev[intent] - 0.15 * n) <= 1, intent
    _, other = data.split(main_data.examples, seed=14)
    assert {e.key for e in other} != {e.key for e in dev}


def test_committed_dev_split_definition_matches_the_code(main_data):
    definition = json.loads((SHIPPED / "dev_split.json").read_text())
    _, dev = data.split(main_data.examples, seed=definition["seed"], dev_fraction=definition["dev_fraction"])
    assert definition["keys"] == sorted(e.key for e in dev)


def test_bio_round_trip_on_the_real_data(main_data, tokenizer):
    exact = sum(data.round_trip(e.text, e.spans, tokenizer) == list(e.spans) for e in main_data.examples)
    # the only losses are gold spans that end inside a word, which wordpiece tags cannot express
    assert exact >= len(main_data.examples) - 5


def test_bio_tags_mark_every_wordpiece_and_skip_specials(tokenizer):
    text = "set an alarm for seven am in the livingroom"
    spans = ((17, 25, "time"), (33, 43, "house_place"))
    enc = tokenizer.encode(text)
    tags = data.bio_tags(enc.offsets, spans)
    assert tags[0] is None and tags[-1] is None
    named = [(text[s:e], t) for (s, e), t in zip(enc.offsets, tags) if t and t != "O"]
    assert named[0] == ("seven", "B-time") and named[1] == ("am", "I-time")
    assert named[2][1] == "B-house_place" and all(t == "I-house_place" for _, t in named[3:])
    assert decode_bio([t or "O" for t in tags], enc.offsets) == list(spans)


def test_decode_keeps_adjacent_entities_and_stray_inside_tags():
    offsets = [(0, 0), (0, 5), (6, 8), (9, 14), (15, 20), (0, 0)]
    tags = ["O", "B-date", "B-date", "I-time", "I-place", "O"]
    assert decode_bio(tags, offsets) == [(0, 5, "date"), (6, 8, "date"), (9, 14, "time"), (15, 20, "place")]


def test_encode_aligns_labels_with_wordpieces(main_data, tokenizer):
    examples = main_data.examples[:50]
    labels = data.make_labels(main_data.examples, 48)
    for ex, f in zip(examples, data.encode(examples, tokenizer, labels)):
        assert len(f["tag_labels"]) == len(f["input_ids"]) == len(f["attention_mask"])
        assert f["tag_labels"][0] == data.IGNORE and f["tag_labels"][-1] == data.IGNORE
        assert labels.intents[f["intent_labels"]] == ex.intent
        assert sum(labels.tags[t].startswith("B-") for t in f["tag_labels"] if t >= 0) == len(ex.spans)


def test_later_wordpieces_follow_their_words_first_tag():
    # [CLS] running to 190 b ##pm [SEP]: the model split 'bpm' between two entities
    tags = ["O", "B-playlist", "I-playlist", "B-year", "B-timeRange", "I-playlist", "O"]
    words = [None, 0, 1, 2, 3, 3, None]
    assert word_tags(tags, words) == ["O", "B-playlist", "I-playlist", "B-year", "B-timeRange", "I-timeRange", "O"]
    assert word_tags(["O", "O", "B-x"], [None, 0, 0]) == ["O", "O", "O"]
