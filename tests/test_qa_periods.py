"""Parts of a year (quarters, halves): the spec table of qa/periods.py's cues, and the
refusal of a figure stated for another part of the year than the question asks."""

import pytest

from qa.periods import conflicting_part, year_parts


@pytest.mark.parametrize("text, parts", [
    ("Revenue in the second quarter rose", {"q2"}),
    ("Q3 2019 sales", {"q3"}),
    ("the 4th quarter of fiscal 2020", {"q4"}),
    ("During the first half of the year, exports fell", {"h1"}),
    ("In H2 the margin improved", {"h2"}),
    ("in the first six months", {"h1"}),
    ("上半年出口增长", {"h1"}),
    ("今年第三季度的营收", {"q3"}),
    ("一季度GDP", {"q1"}),
    ("1-6月的投资额", {"h1"}),
    ("quarterly dividends", set()),
    ("two quarters later", set()),
    ("the H1N1 outbreak", set()),
    ("half of the projects", set()),
    ("", set()),
])
def test_year_parts(text, parts):
    assert year_parts(text) == parts


@pytest.mark.parametrize("question, sentence, conflict", [
    ("How much was invested in the second quarter?", "In the first quarter, 5 billion was invested.", "the first quarter"),
    ("How much was invested in the second quarter?", "In Q2, 5 billion was invested.", None),
    ("How much was invested in the second quarter?", "In 2019, 5 billion was invested.", None),
    ("How much was invested in 2019?", "In the first quarter, 5 billion was invested.", None),
    ("上半年投资了多少?", "In the second half of the year, 5 billion was invested.", "the second half"),
])
def test_conflicting_part(question, sentence, conflict):
    assert conflicting_part(question, sentence) == conflict


def test_a_figure_for_another_quarter_is_refused(bundled_assistant):
    """The documents give a first-quarter total: asked for the second quarter, it is refused
    with the reason; asked for the first, it answers."""
    refused = bundled_assistant.ask("What was the total investment of Nansha's key projects in the second quarter?")
    assert not refused.answerable and "the first quarter" in refused.reason
    answered = bundled_assistant.ask("What was the total investment of Nansha's key projects in the first quarter?")
    assert answered.answerable and answered.figures[0].value == pytest.approx(63e9)
