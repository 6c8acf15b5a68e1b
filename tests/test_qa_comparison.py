""""In which year was X larger?": a year chosen by comparing a row across its period
columns, or a column down its period rows; a change column answers the change between its
row's periods (tests/data/comparison, written for these tests)."""

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    from corpus.loader import load_documents
    from indexer.build import build_index
    from qa.assistant import Assistant

    out = tmp_path_factory.mktemp("comparison") / "index"
    build_index(load_documents([Path(__file__).parent / "data" / "comparison"]), out)
    return Assistant.load(out)


@pytest.mark.parametrize("question, year", [
    # periods as rows: the column the question names, not its neighbour in another currency
    ("In which year was the dividend per share in € the largest?", 2022),
    ("In which year was the dividend per share in US$ the largest?", 2021),
    ("In which year was the dividend per share in € the smallest?", 2020),
    ("Which was the year with the worst dividend per share in €?", 2020),
    # periods as columns, beside a change and a % change column that are no year
    ("In which year was the share of profit in joint ventures higher?", 2021),
    ("In which year was the share of losses in other associates lower?", 2022),
])
def test_the_year_of_the_larger_or_smaller_value(assistant, question, year):
    answer = assistant.ask(question)
    assert answer.answerable, answer.reason
    top = answer.figures[0]
    assert (top.unit, top.value) == ("year", year)
    assert top.text == str(year)


def test_a_change_column_answers_the_change_between_its_rows_periods(assistant):
    # the "% Change" cell has no period of its own; its row's periods are the years asked
    answer = assistant.ask("What was the percentage change in the share of profit in joint ventures "
                           "from 2021 to 2022?")
    assert answer.answerable, answer.reason
    assert (answer.figures[0].value, answer.figures[0].unit, answer.figures[0].text) == (-60.0, "%", "(60)%")
