"""A question about a place the answer's figure is not about is refused, whether the place is
in the glossary or only in the dictionary (CC-CEDICT); and the question grammar of the
figures it asks for ("what's", "how many kilometres", "per head", "the port of X")."""

import pytest

from corpus.glossary import load_glossary
from qa.question import analyse_question, place_mentions


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


@pytest.mark.parametrize("question, kind, units", [
    ("What's the population of Lyon?", "how_much", ("person",)),
    ("What’s the GDP of Lyon?", "how_much", ("CNY", "USD")),
    ("How many kilometres of tramway does Lyon have?", "how_many", ("km",)),
    ("How many tons of cargo did the port handle?", "how_many", ("t",)),
    ("How many projects were signed?", "how_many", ()),
])
def test_answer_kind_and_units(glossary, question, kind, units):
    analysis = analyse_question(question, glossary)
    assert (analysis.answer_kind, analysis.expected_units) == (kind, units)


@pytest.mark.parametrize("question", ["What was Lyon's GDP per head?", "What was Lyon's per-head GDP?",
                                      "What was GDP per person in Lyon?"])
def test_per_head_is_per_capita(glossary, question):
    assert analyse_question(question, glossary).metrics == ("per capita gdp",)


@pytest.mark.parametrize("question, name", [
    ("How many passengers used the port of Hong Kong?", "Hong Kong Port"),
    ("Cargo handled by the Port of Hong Kong", "Hong Kong Port"),
    ("Hong Kong Port cargo", "Hong Kong Port"),
    ("Hong Kong's exports", "Hong Kong"),
])
def test_the_port_of_a_place_is_its_port(glossary, question, name):
    assert [m.name for m in place_mentions(question, glossary)] == [name]


@pytest.mark.parametrize("entities, known", [
    (["San Francisco Bay Area"], ["San Francisco"]),
    (["Lyon"], ["Lyon"]),
    (["Tokyo Bay"], ["Tokyo Bay"]),
    (["Flurbish Widgets"], []),
    ([], []),
])
def test_dictionary_names_inside_the_question_names(bundled_assistant, entities, known):
    assert bundled_assistant.translator.known_names(entities) == known


@pytest.mark.parametrize("question, refused_for", [
    ("What's the population of the San Francisco Bay Area?", "San Francisco"),
    ("东京湾区的常住人口有多少?", "Tokyo Bay"),
])
def test_a_figure_about_another_place_is_refused(bundled_assistant, question, refused_for):
    answer = bundled_assistant.ask(question)
    assert not answer.answerable and refused_for in answer.reason


def test_a_figure_about_the_named_place_still_answers(bundled_assistant):
    answer = bundled_assistant.ask("What was the GDP of the San Francisco Bay Area?")
    assert answer.answerable and answer.figures[0].value == pytest.approx(0.8e12)


@pytest.mark.parametrize("question, units", [
    ("How long is the tramway of Lyon?", ("km", "yr")),
    ("How long has the mayor served?", ("km", "yr")),
    ("里昂的地铁有多长?", ("km", "yr")),
])
def test_how_long_asks_for_a_length_or_a_duration(glossary, question, units):
    assert analyse_question(question, glossary).expected_units == units


def test_how_long_is_not_answered_by_a_year_or_a_count(bundled_assistant):
    answer = bundled_assistant.ask("How long is the Hong Kong-Zhuhai-Macao Bridge?")
    assert not answer.answerable and "length" in answer.reason
    answer = bundled_assistant.ask("How long were the Bay Area's highways at the end of 2016?")
    assert answer.answerable and answer.figures[0].unit == "km"
