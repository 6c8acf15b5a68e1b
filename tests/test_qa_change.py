"""qa.change: a number that is a change, not a level, and a question that asks for one."""

import pytest

from qa.change import asks_for_change, labels_a_change, reads_as_change


@pytest.mark.parametrize("before, change", [
    ("the board agreed to increase by ", True),
    ("revenue was up $", True),
    ("an increase of approximately $", True),
    ("GDP grew by ", True),
    ("exports fell ", True),
    ("the gap narrowed by ", True),
    ("出口额增长", True),
    ("revenue was $", False),
    ("revenue increased to $", False),        # "to" gives the new level
    ("rose 5% to $", False),
    ("compared with $", False),
    ("a population of ", False),
    ("", False),
])
def test_words_before_a_number(before, change):
    assert reads_as_change(before) is change


@pytest.mark.parametrize("labels, change", [
    ("% Change", True), ("Increase (decrease)", True), ("Variance", True), ("增长", True),
    ("2019", False), ("Total", False), ("Shares", False),
])
def test_column_labels(labels, change):
    assert labels_a_change(labels) is change


@pytest.mark.parametrize("question, asks", [
    ("How much did revenue increase in 2019?", True),
    ("What was the percentage change in cash from 2018 to 2019?", True),
    ("What was the difference between the two segments?", True),
    ("出口增长了多少?", True),
    ("How many shares are authorized under the plan?", False),
    ("What was revenue in 2019?", False),
    ("Which city had the largest population?", False),
])
def test_questions(question, asks):
    assert asks_for_change(question) is asks
