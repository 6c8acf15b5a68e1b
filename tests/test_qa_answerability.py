"""The figure verdict on written examples: a refusal always says why."""

import pytest

from corpus.glossary import load_glossary
from qa.answerability import figure_verdict
from qa.question import analyse_question
from qa.types import Figure


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


def fig(value, unit, label):
    return Figure(value=value, unit=unit, text=str(value), doc_id="d", start=0, end=3, label=label)


@pytest.mark.parametrize("question, label", [
    ("What was the growth rate of exports in 2019?", "exports 2019"),
    ("What was the percentage increase in operating costs in 2019?", "operating costs 2019"),
])
def test_a_share_question_is_not_answered_by_money(glossary, question, label):
    analysis = analyse_question(question, glossary)
    money = figure_verdict(analysis, [fig(5e9, "USD", label)], lambda f: "2019", glossary)
    assert not money.answerable and "not a percentage" in money.reason
    share = figure_verdict(analysis, [fig(7.2, "%", label)], lambda f: "2019", glossary)
    assert share.answerable and share.reason == ""


def test_another_year_is_refused_with_the_year(glossary):
    analysis = analyse_question("What was revenue in 2021?", glossary)
    figure = Figure(value=1.0, unit="USD", text="1", doc_id="d", start=0, end=1, label="revenue 2019", year=2019)
    verdict = figure_verdict(analysis, [figure], lambda f: "", glossary)
    assert not verdict.answerable and "2021" in verdict.reason


@pytest.mark.parametrize("question, kind", [
    ("What happens when the timeout expires?", "other"),   # a condition, not a time asked for
    ("When did the bridge open?", "when"),
    ("In 2019, when was the plan issued?", "when"),
    ("In which year was revenue larger?", "when"),
    ("In which year was the share of net earnings higher?", "when"),  # "share of" is what is compared
    ("Which was the year that performed the worst in terms of cash?", "when"),
    ("Which fiscal year had higher revenue?", "when"),
    ("Which segment had the largest revenue in 2019?", "which"),
])
def test_when_is_a_question_of_time_only_when_it_asks_one(glossary, question, kind):
    assert analyse_question(question, glossary).answer_kind == kind
