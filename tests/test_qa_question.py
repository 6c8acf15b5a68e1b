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


def test_percentage_points_questions_expect_points_only(glossary):
    for question in ("By how many percentage points did the export share rise?", "出口占比提高了几个百分点?"):
        assert analyse_question(question, glossary).expected_units == ("pp",)  # "12.4%" is the share itself, not its change


def test_a_count_is_never_money(glossary):
    analysis = analyse_question("How many investment projects did Zhuhai sign?", glossary)
    assert analysis.answer_kind == "how_many"
    assert "investment" in analysis.metrics
    assert not {"CNY", "USD"} & set(analysis.expected_units)


def test_a_metric_word_inside_a_name_is_not_asked(glossary):
    analysis = analyse_question("How many deals came out of the Annual Trade Fair Conference?", glossary)
    assert "trade" not in analysis.metrics
    assert analyse_question("What was the trade volume of Shenzhen?", glossary).metrics == ("trade",)


@pytest.mark.parametrize("question", ["东莞出台了几条措施?", "佛山建了几座桥?", "珠海有多少所大学?"])
def test_chinese_count_classifiers_ask_how_many(glossary, question):
    assert analyse_question(question, glossary).answer_kind == "how_many"


def test_counted_phrase_reaches_past_a_place_name():
    assert counted_phrase("How many Hong Kong and Macao students have enrolled in Zhuhai?") == \
        "Hong Kong and Macao students"


def test_a_single_capital_letter_is_no_name(glossary):
    names = [m.name for m in entity_mentions("the basic engineering of the T3 terminal was completed at Baiyun "
                                             "International Airport", glossary)]
    assert names == ["Baiyun International Airport"]


@pytest.mark.parametrize("question, entities", [
    ("What was the carrying value (USD) of the Term Loan Facility in 2019?", ("Term Loan Facility",)),
    ("How much RMB did Acme Foods invest?", ("Acme Foods",)),
    ("How many TEU did Acme Shipping handle in 2020?", ("Acme Shipping",)),
])
def test_a_unit_written_alone_is_no_name(glossary, question, entities):
    assert analyse_question(question, glossary).entities == entities
