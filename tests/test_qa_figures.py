"""Figure ranking against questions, on figures built from the bundled corpus."""

from pathlib import Path

import pytest

from corpus.glossary import load_glossary
from corpus.types import Fact
from qa.features import Surroundings, figure_features
from qa.figures import FigureMatch, figure_matches
from qa.numbers import extract_figures, figures_from_facts
from qa.question import analyse_question
from qa.scorer import load_scorer
from qa.types import Figure


def rank_figures(analysis, figures, shares=None, clauses=None):
    """The shipped scorer's order of `figures`, given their context and clause shares."""
    shares = shares or [0.0] * len(figures)
    clauses = clauses or [0.0] * len(figures)
    features = [figure_features(analysis, f, Surroundings(context_share=s, clause_share=c))
                for f, s, c in zip(figures, shares, clauses)]
    return load_scorer().rank(figures, features)

GBA = "gba-development.txt"
TEXT = (Path(__file__).resolve().parents[1] / "corpus" / "documents" / GBA).read_text(encoding="utf-8")
CAPTION = "表1 2016年粤港澳大湾区11城市横向比较"
# (row label, unit as written, first line of the row, {city: cell}) from 表1.
TABLE_1 = [
    ("GDP(亿元人民币)", "亿元人民币", "GDP(亿元人民币) | 19547.44",
     {"广州": "19547.44", "深圳": "19492.6", "江门": "2418.78"}),
    ("GDP(亿元人民币)", "亿元人民币", "GDP(亿元人民币) | 3202.78", {"香港": "20281.46"}),
    ("人均GDP(人民币元)", "人民币元", "人均GDP(人民币元) | 141933", {"广州": "141933", "深圳": "167411"}),
    ("人均GDP(人民币元)", "人民币元", "人均GDP(人民币元) | 99471", {"香港": "276062"}),
    ("常住人口(万人)", "万人", "常住人口(万人) | 1404.35", {"广州": "1404.35"}),
    ("常住人口(万人)", "万人", "常住人口(万人) | 323.00", {"香港": "734.67"}),
]


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


@pytest.fixture(scope="module")
def table_figures(glossary):
    facts = []
    for row, unit, line_start, cells in TABLE_1:
        line = TEXT.index(line_start)
        for city, raw in cells.items():
            start = TEXT.index(f"| {raw} ", line) + 2
            facts.append(Fact(doc_id=GBA, table_id="t1", row_label=row, column_labels=(city,), raw=raw,
                              value=float(raw), unit=unit, start=start, end=start + len(raw)))
    return figures_from_facts(facts, CAPTION, glossary)


@pytest.fixture(scope="module")
def bay_area_sentence_figures(glossary):
    start = TEXT.index("In 2016, the Guangdong Hong Kong Macao Greater Bay Area achieved")
    end = TEXT.index("However, from Figure 1", start)
    return extract_figures(TEXT[start:end], GBA, offset=start, glossary=glossary)


def test_guangzhou_gdp_2016_first(glossary, table_figures):
    ranked = rank_figures(analyse_question("What was Guangzhou's GDP in 2016?", glossary), table_figures)
    assert (ranked[0].value, ranked[0].unit, ranked[0].text) == (1.954744e12, "CNY", "19547.44")
    assert TEXT[ranked[0].start:ranked[0].end] == "19547.44"
    assert ranked[1].entity == "Guangzhou"  # the same city's other figures come next
    assert ranked[-1].entity != "Guangzhou"


def test_chinese_per_capita_question_prefers_per_capita_over_gdp(glossary, table_figures):
    ranked = rank_figures(analyse_question("香港的人均GDP是多少?", glossary), table_figures)
    assert (ranked[0].value, ranked[0].unit, ranked[0].entity) == (276062, "CNY", "Hong Kong")
    hong_kong = [f.value for f in ranked if f.entity == "Hong Kong"]
    assert hong_kong.index(276062) < hong_kong.index(2.028146e12)


def test_new_york_bay_area_gdp(glossary, bay_area_sentence_figures):
    ranked = rank_figures(analyse_question("What was the GDP of the New York Bay Area?", glossary),
                          bay_area_sentence_figures)
    assert [f.text for f in ranked[:2]] == ["$1.5 trillion", "$1.4 trillion"]
    assert (ranked[0].value, ranked[0].unit) == (1.5e12, "USD")
    assert ranked[-1].unit == "year"  # a "how much" question does not want the year 2016


def test_when_question_prefers_years(glossary, bay_area_sentence_figures):
    analysis = analyse_question("When did the Guangdong Hong Kong Macao Greater Bay Area achieve a GDP of "
                                "$1.4 trillion?", glossary)
    assert rank_figures(analysis, bay_area_sentence_figures)[0].text == "2016"


def test_asked_year_conflicts_with_the_documents_year(glossary, table_figures):
    analysis = analyse_question("What was Guangzhou's GDP in 2022?", glossary)
    guangzhou_gdp = next(f for f in table_figures if f.text == "19547.44")
    match = figure_matches(analysis, guangzhou_gdp)
    assert match == FigureMatch(entity="match", metric="match", year="conflict")
    assert match.conflicts == ("year",)
    assert match.matched == ("entity", "metric")


def test_figure_matches_parts(glossary, table_figures):
    analysis = analyse_question("What was Shenzhen's population?", glossary)
    guangzhou_gdp = next(f for f in table_figures if f.text == "19547.44")
    assert figure_matches(analysis, guangzhou_gdp) == FigureMatch("conflict", "conflict", "not_asked")


def test_total_cargo_throughput_2016(glossary):
    start = TEXT.index("As of 2016, the total cargo throughput")
    end = TEXT.index("(see Table 2)", start)
    figures = extract_figures(TEXT[start:end], GBA, offset=start, glossary=glossary)
    ranked = rank_figures(analyse_question(
        "What was the total cargo throughput of the 11 ports in 2016?", glossary), figures)
    assert (ranked[0].text, ranked[0].value, ranked[0].unit) == ("1.47 billion tons", 1.47e9, "t")


def test_ties_are_broken_by_position(glossary):
    text = "Some figure was 5 and another was 5."
    figures = extract_figures(text, "b.txt", glossary=glossary) + extract_figures(text, "a.txt", glossary=glossary)
    ranked = rank_figures(analyse_question("What?", glossary), figures)
    assert [(f.doc_id, f.start) for f in ranked] == [("a.txt", 16), ("a.txt", 34), ("b.txt", 16), ("b.txt", 34)]


def test_clause_overlap_only_breaks_ties(glossary):
    analysis = analyse_question("How long is the intercity rail?", glossary)
    a = Figure(value=1.0, unit="km", text="1 km", doc_id="d", start=0, end=4, label="length")
    b = Figure(value=2.0, unit="km", text="2 km", doc_id="d", start=10, end=14, label="length")
    assert rank_figures(analysis, [a, b], [0.5, 0.5], [0.1, 0.4]) == [b, a]  # a tie: the clause decides
    assert rank_figures(analysis, [a, b], [0.6, 0.5], [0.1, 0.4]) == [a, b]  # no tie: the clause does not count
