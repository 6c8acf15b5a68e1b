"""Figure matching and the shipped scorer's order, on written examples (no corpus text).

The scorer's weights are fitted (qa/data/figure_scorer.json); these tests pin the
behaviour any sensible fit must keep, one feature at a time with everything else equal,
so a refit that learns something absurd fails here.
"""

import pytest

from corpus.glossary import load_glossary
from corpus.types import Fact
from qa.features import FEATURE_NAMES, Surroundings, figure_features
from qa.figures import FigureMatch, figure_matches
from qa.numbers import figures_from_facts
from qa.question import analyse_question
from qa.scorer import load_scorer
from qa.types import Figure


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


def fig(value, unit=None, label="", entity=None, metric=None, year=None, start=0, doc="d.txt"):
    return Figure(value=value, unit=unit, text=str(value), doc_id=doc, start=start, end=start + 3,
                  label=label, entity=entity, metric=metric, year=year)


def rank(analysis, figures, around=None):
    around = around or [Surroundings()] * len(figures)
    features = [figure_features(analysis, f, s) for f, s in zip(figures, around)]
    return load_scorer().rank(figures, features)


def test_weights_cover_every_feature():
    scorer = load_scorer()
    assert len(scorer.weights) == len(FEATURE_NAMES)
    assert scorer.version and scorer.fitted_on


def test_figure_matches_parts(glossary):
    analysis = analyse_question("What was Shenzhen's GDP in 2022?", glossary)
    same = fig(1.0, "CNY", "Shenzhen GDP 2016", entity="Shenzhen", metric="gdp", year=2016)
    other = fig(1.0, "person", "Guangzhou population", entity="Guangzhou", metric="population")
    assert figure_matches(analysis, same) == FigureMatch("match", "match", "conflict")
    assert figure_matches(analysis, same).conflicts == ("year",)
    assert figure_matches(analysis, other) == FigureMatch("conflict", "conflict", "unknown")


def test_the_asked_year_beats_another_year(glossary):
    analysis = analyse_question("What was Shenzhen's GDP in 2019?", glossary)
    wrong = fig(2.0, "CNY", "Shenzhen GDP 2018", "Shenzhen", "gdp", 2018, start=0)
    right = fig(3.0, "CNY", "Shenzhen GDP 2019", "Shenzhen", "gdp", 2019, start=10)
    assert rank(analysis, [wrong, right]) == [right, wrong]


def test_the_asked_place_beats_another_place(glossary):
    analysis = analyse_question("What was Shenzhen's GDP?", glossary)
    wrong = fig(2.0, "CNY", "Guangzhou GDP", "Guangzhou", "gdp", start=0)
    right = fig(3.0, "CNY", "Shenzhen GDP", "Shenzhen", "gdp", start=10)
    assert rank(analysis, [wrong, right]) == [right, wrong]


def test_a_when_question_wants_a_year_and_others_do_not(glossary):
    year = fig(2018.0, "year", "bridge opened 2018", start=0)
    length = fig(55.0, "km", "bridge length", start=10)
    assert rank(analyse_question("When did the bridge open?", glossary), [length, year])[0] is year
    assert rank(analyse_question("How long is the bridge?", glossary), [year, length])[0] is length


@pytest.mark.parametrize("question, value, unit, year, echoes", [
    ("How much was the bonus pool for the fiscal year ended 2018?", 2018.0, "year", 2018, True),
    ("What was net cash used in financing in 2019?", 2019.0, "date", 2019, True),  # "August 31, 2019"
    ("What was net cash used in financing in 2019?", 2018.0, "year", 2018, False),  # not a year it names
    ("When in 2019 was the plant opened?", 2019.0, "date", 2019, False),  # a question of time
    ("What was net cash used in financing in 2019?", 2019.0, "USD", 2019, False),  # not a time
])
def test_the_questions_own_year_is_not_its_answer(glossary, question, value, unit, year, echoes):
    from qa.features import echoes_question_time

    figure = fig(value, unit, year=year)
    assert echoes_question_time(analyse_question(question, glossary), figure) is echoes


def test_a_level_beats_a_change_unless_a_change_is_asked(glossary):
    change = fig(2_000_000.0, None, "shares authorized", start=0)   # "increase by 2,000,000"
    level = fig(4_650_000.0, None, "shares authorized", start=10)
    around = [Surroundings(is_change=True), Surroundings()]
    assert rank(analyse_question("How many shares are authorized?", glossary), [change, level], around)[0] is level
    asked = analyse_question("By how much did the shares authorized increase?", glossary)
    assert rank(asked, [level, change], around[::-1])[0] is change


def test_the_expected_unit_wins(glossary):
    analysis = analyse_question("What share of exports went to Europe?", glossary)
    money = fig(5.0e9, "USD", "exports Europe", start=0)
    share = fig(12.5, "%", "exports Europe", start=10)
    assert rank(analysis, [money, share])[0] is share


def test_more_of_the_question_in_the_surroundings_wins(glossary):
    analysis = analyse_question("What were total charges?", glossary)
    other = fig(983.0, label="Other charges", start=0)
    total = fig(35719.0, label="Total charges", start=10)
    around = [Surroundings(context_share=0.5, label_share=0.5, label_precision=0.5, row_precision=0.5),
              Surroundings(context_share=1.0, label_share=1.0, label_precision=1.0, row_precision=1.0)]
    assert rank(analysis, [other, total], around) == [total, other]


def test_what_a_how_many_question_counts_next_to_the_number_wins(glossary):
    analysis = analyse_question("How many ports signed agreements?", glossary)
    years = fig(15.0, None, "", start=0)
    ports = fig(64.0, None, "", start=10)
    around = [Surroundings(), Surroundings(counted_next=True)]
    assert rank(analysis, [years, ports], around)[0] is ports


def test_ties_are_broken_by_clause_then_position(glossary):
    analysis = analyse_question("How long is the intercity rail?", glossary)
    a = fig(1.0, "km", "length", start=0)
    b = fig(2.0, "km", "length", start=10)
    c = fig(2.0, "km", "length", start=5, doc="a.txt")
    assert rank(analysis, [a, b], [Surroundings(clause_share=0.1), Surroundings(clause_share=0.4)]) == [b, a]
    assert rank(analysis, [a, b, c]) == [c, a, b]


def test_table_cells_of_a_written_table(glossary):
    text = "Revenue | 2019 | 2018\nSpringfield | 120.5 | 98.0\n"
    start = text.index("120.5")
    facts = [Fact(doc_id="r.md", table_id="t1", row_label="Springfield", column_labels=(str(y),), raw=raw,
                  value=float(raw), unit="$ in millions", start=s, end=s + len(raw), period=str(y), year=y)
             for raw, y, s in (("120.5", 2019, start), ("98.0", 2018, text.index("98.0")))]
    figures = figures_from_facts(facts, None, glossary)
    assert [(f.value, f.unit, f.year) for f in figures] == [(120.5e6, "USD", 2019), (98.0e6, "USD", 2018)]
    ranked = rank(analyse_question("What was Springfield's revenue in 2018?", glossary), figures)
    assert ranked[0].year == 2018 and text[ranked[0].start:ranked[0].end] == "98.0"
