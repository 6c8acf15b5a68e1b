"""Question analysis: places, years, metric concepts and answer kind, in both languages."""

import pytest

from corpus.glossary import load_glossary
from qa.question import analyse_question, counted_phrase, entity_mentions, metric_mentions


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


@pytest.mark.parametrize(
    ("question", "language", "entities", "years", "metrics", "kind", "units"),
    [
        ("What was Guangzhou's GDP in 2016?", "en", ("Guangzhou",), (2016,), ("gdp",), "how_much", ("CNY", "USD")),
        ("香港的人均GDP是多少?", "zh", ("Hong Kong",), (), ("per capita gdp",), "how_much", ("CNY", "USD")),
        ("What was the GDP of the New York Bay Area?", "en", ("New York Bay Area",), (), ("gdp",), "how_much",
         ("CNY", "USD")),
        ("What was the total cargo throughput of the 11 ports in 2016?", "en", (), (2016,),
         ("cargo throughput",), "how_much", ("t",)),
        ("深圳港的集装箱吞吐量是多少?", "zh", ("Shenzhen Port",), (), ("container throughput",), "how_much", ("TEU",)),
        ("2016年江门的常住人口有多少?", "zh", ("Jiangmen",), (2016,), ("population",), "how_much", ("person",)),
        ("How many people lived in Jiangmen in 2016?", "en", ("Jiangmen",), (2016,), ("population",), "how_many",
         ("person",)),
        ("What share of the national GDP did the Bay Area account for in 2016?", "en", ("Bay Area",), (2016,),
         ("gdp", "share"), "share", ("%", "pp")),
        ("When was the Hong Kong Zhuhai Macao Bridge expected to open?", "en", None, (), (), "when", ("year", "date")),
        ("Which cities have the highest per capita GDP?", "en", (), (), ("per capita gdp",), "which", ()),
        ("What was the area of Huizhou in square kilometers?", "en", ("Huizhou",), (), ("area",), "how_much", ("km2",)),
        ("深圳对南亚的出口是多少万美元?", "zh", None, (), ("export",), "how_much", ("USD", "CNY")),
    ],
)
def test_analyse_question(glossary, question, language, entities, years, metrics, kind, units):
    analysis = analyse_question(question, glossary)
    assert analysis.language == language
    if entities is not None:
        assert analysis.entities == entities
    assert analysis.years == years
    assert analysis.metrics == metrics
    assert analysis.answer_kind == kind
    assert analysis.expected_units == units


def test_chinese_and_english_names_are_the_same_entity(glossary):
    assert analyse_question("广州2016年的GDP是多少?", glossary).entities == ("Guangzhou",)
    assert analyse_question("What was Guangzhou's GDP?", glossary).entities == ("Guangzhou",)
    assert "Shenzhen" in analyse_question("深圳对南亚的出口是多少万美元?", glossary).entities


def test_prose_spelling_of_a_hyphenated_glossary_name(glossary):
    text = "In 2016, the Guangdong Hong Kong Macao Greater Bay Area achieved a regional GDP"
    mentions = entity_mentions(text, glossary)
    assert [(m.name, text[m.start:m.end]) for m in mentions] == [
        ("Guangdong-Hong Kong-Macao Greater Bay Area", "Guangdong Hong Kong Macao Greater Bay Area")]


def test_longest_metric_cue_wins():
    assert [m.concept for m in metric_mentions("per capita GDP and GDP")] == ["per capita gdp", "gdp"]
    assert [m.concept for m in metric_mentions("total import and export volume")] == ["trade"]
    assert [m.concept for m in metric_mentions("人均GDP")] == ["per capita gdp"]
    assert metric_mentions("the New York Bay Area") == []  # "Bay Area" is a name, not an area


def test_analysis_is_frozen(glossary):
    analysis = analyse_question("What was Guangzhou's GDP in 2016?", glossary)
    with pytest.raises(AttributeError):
        analysis.years = (2022,)  # type: ignore[misc]


@pytest.mark.parametrize("question, counted", [
    ("How many young people from Hong Kong and Macao are working in Guangzhou?", "young people"),
    ("How many satellites has the rocket put into orbit?", "satellites"),
    ("广东建立了多少对友好港口?", "友好港口"),
    ("全球招商大会现场签约了多少个重大项目?", "重大项目"),
    ("What was Guangzhou's GDP in 2016?", ""),
])
def test_counted_phrase_is_what_a_how_many_question_counts(question, counted):
    assert counted_phrase(question) == counted
