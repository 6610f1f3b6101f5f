"""Slot-filled variants: spans land on the new words, values come from the given sentences only."""

from models.nlu.augment import AugmentOptions, fill, substitute
from models.nlu.data import Example

TRAIN = [Example("wake me at seven am", "alarm_set", ((11, 19, "time"),), "a"),
         Example("wake me at noon in paris", "alarm_set", ((11, 15, "time"), (19, 24, "place_name")), "b"),
         Example("what's the weather in rome", "weather_query", ((22, 26, "place_name"),), "c"),
         Example("stop", "general_quiet", (), "d")]


def test_fill_moves_every_span_onto_its_new_value():
    ex = fill(TRAIN[1], ["half past six", "new york"], "b#fill0")
    assert ex.text == "wake me at half past six in new york" and ex.intent == "alarm_set"
    assert [(ex.text[s:e], t) for s, e, t in ex.spans] == [("half past six", "time"), ("new york", "place_name")]


def test_variants_swap_values_of_the_same_type_seen_in_training_with_the_same_intent():
    out = substitute(TRAIN, AugmentOptions(copies=1, rare_copies=2, rare_below=2))
    seen = {(e.intent, e.text[s:t], k) for e in TRAIN for s, t, k in e.spans}
    assert out and all((e.intent, e.text[s:t], k) in seen for e in out for s, t, k in e.spans)
    assert not any("rome" in e.text for e in out if e.intent == "alarm_set")  # a weather place stays with weather
    assert [e.text for e in out if e.key.startswith("a#")] == ["wake me at noon"]  # another value, never its own
    by_source = {k: sum(e.key.startswith(k + "#") for e in out) for k in "abcd"}
    # no variant for: the weather sentence (its intent has no other place), the sentence without entities
    assert by_source == {"a": 1, "b": 1, "c": 0, "d": 0}
