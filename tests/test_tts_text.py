import pytest

from app.tts.text import clauses, speakable


@pytest.mark.parametrize("text, spoken", [
    ("Wake me at 7:30.", "Wake me at seven thirty."),
    ("It rang at 19:05", "It rang at seven oh five PM"),
    ("Meet at 9:00 am.", "Meet at nine AM."),
    ("Lunch at 12:00", "Lunch at twelve o'clock"),
    ("It is 21°C outside, 70 °F inside.", "It is twenty-one degrees Celsius outside, seventy degrees Fahrenheit inside."),
    ("Humidity is 45%.", "Humidity is forty-five percent."),
    ("That is $3.50, £1 or €12.", "That is three US dollars and fifty cents, one pound or twelve euros."),
    ("Drive 5 km at 50 km/h, then 1 km.", "Drive five kilometres at fifty kilometres per hour, then one kilometre."),
    ("Add 250 g of flour and 1 l of milk.", "Add two hundred and fifty grams of flour and one litre of milk."),
    ("Dr. Smith, e.g. on the 21st.", "Doctor Smith, for example on the twenty-first."),
    ("Set 1,200 aside, minus -3 and 2.5", "Set one thousand two hundred aside, minus minus three and two point five"),
    ("seven a.m. tomorrow", "seven AM tomorrow"),
    ("The office lamp is on.", "The office lamp is on."),
])
def test_speakable(text, spoken):
    assert speakable(text) == spoken


def test_a_comma_after_a_number_stays_a_comma():
    assert speakable("We had 1,200, then 3, then $1,000, done.") == (
        "We had one thousand two hundred, then three, then one thousand US dollars, done.")


def test_words_are_not_taken_for_units():
    assert speakable("5 mins later, 3 limes") == "five mins later, three limes"


def test_a_dot_that_ends_the_sentence_too_is_kept():
    assert speakable("Buy stamps at five p.m.") == "Buy stamps at five PM."
    assert speakable("At five p.m. Then more, etc.") == "At five PM. Then more, et cetera."
    assert speakable("Ask Dr. Who.") == "Ask Doctor Who."


def test_clauses_keep_their_marks_and_join_short_later_pieces():
    assert clauses("Okay, the kitchen light is on. Anything else?") == ["Okay,", "the kitchen light is on.",
                                                                         "Anything else?"]
    assert clauses("Two lights are on: the kitchen and the hall, both dimmed. Ok.") == [
        "Two lights are on:", "the kitchen and the hall,", "both dimmed. Ok."]
    assert clauses("Hi.") == ["Hi."]
    assert clauses("A long first sentence here. Ok.") == ["A long first sentence here. Ok."]
    assert clauses("  ") == []
