"""corpus.cells: a table cell's number, period and title as written in reports."""

import pytest

from corpus.cells import (
    CellNumber,
    is_no_data,
    is_period_title,
    label_year,
    period_year,
    read_number,
    row_period,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2418.78", CellNumber(2418.78, None, None)),
        ("1,404", CellNumber(1404, None, None)),
        ("$1,327.9", CellNumber(1327.9, "$", None)),
        ("$ 1,452.4", CellNumber(1452.4, "$", None)),
        ("$  1,452.4", CellNumber(1452.4, "$", None)),
        ("$ (9,982)", CellNumber(-9982, "$", None)),
        ("$(128,333)", CellNumber(-128333, "$", None)),
        ("(494)", CellNumber(-494, None, None)),
        ("−298", CellNumber(-298, None, None)),
        ("-0.5", CellNumber(-0.5, None, None)),
        ("(4.1)%", CellNumber(-4.1, None, "%")),
        ("(100.0%)", CellNumber(-100.0, None, "%")),
        ("12.5%", CellNumber(12.5, None, "%")),
        ("50.0 %", CellNumber(50.0, None, "%")),
        ("63 bps", CellNumber(63, None, "bps")),
        ("€3.4", CellNumber(3.4, "€", None)),
        ("$ 0", CellNumber(0, "$", None)),
        ("1.30 (1)", CellNumber(1.30, None, None)),
        ("1.73 (2), (3)", CellNumber(1.73, None, None)),
        ("$ (12.5) (a)", CellNumber(-12.5, "$", None)),
        ("4.5*", CellNumber(4.5, None, None)),
        ("7.25% [2]", CellNumber(7.25, None, "%")),
    ],
)
def test_numbers_as_written(cell, expected):
    assert read_number(cell) == expected


@pytest.mark.parametrize(
    "cell", ["—", "-", "", "N/A", "Nil", "4(a)", "12 (345)", "94th", "(5", "5)", "-(5)", "12,34", "1.2.3", "Total"]
)
def test_no_number(cell):
    assert read_number(cell) is None


@pytest.mark.parametrize("cell", ["—", "-", "", "N/A", "Nil", "NM", "---"])
def test_no_data_marks(cell):
    assert is_no_data(cell)


@pytest.mark.parametrize(
    ("cell", "year"),
    [
        ("2019", 2019), ("2018 (1)", 2018), ("2018(1)", 2018), ("FY2019", 2019), ("FY 19", 2019),
        ("F19", 2019), ("Fiscal 2019", 2019), ("Fiscal 2016 (2)(3)", 2016),
        ("2019 Fiscal Year", 2019), ("December 31, 2019", 2019), ("30 June 2019", 2019),
        ("Year Ended June 30, 2019", 2019), ("Three months ended 31 December 2019", 2019),
        ("As of December 31, 2019", 2019), ("2016年", 2016), ("2015年6月", 2015), ("Q1 2019", 2019),
        ("2019 actual", None), ("2019 vs 2018", None), ("2,019", None), ("$2019", None), ("Total", None),
    ],
)
def test_period_cells(cell, year):
    assert period_year(cell) == year


@pytest.mark.parametrize(
    ("label", "year"),
    [("2019 actual", 2019), ("2019 maximum", 2019), ("2019 vs 2018", None),
     ("Change from 2018", None), ("2017-2019 EPS (%)", None), ("Net income", None)],
)
def test_label_year_names_one_year_only(label, year):
    assert label_year(label) == year


@pytest.mark.parametrize(
    ("label", "period"),
    [("2021", ("2021", 2021)), ("FY2019", ("FY2019", 2019)),
     ("Balance at March 31, 2018", ("March 31, 2018", 2018)),
     ("2019 (proposed)", ("2019 (proposed)", 2019)), ("2018 (as restated)", ("2018 (as restated)", 2018)),
     ("2019 (1,200 units)", None),
     ("Borrowings – 4.125% bonds 2023", None), ("Net income", None)],
)
def test_row_period(label, period):
    assert row_period(label) == period


@pytest.mark.parametrize(
    ("text", "title"),
    [("Year Ended December 31,", True), ("Years ended", True), ("December 31,", True),
     ("As of", True), ("Fiscal Year Ended", True), ("Three months ended", True),
     ("Pension", False), ("Unaudited", False), ("December 31, 2019", False), ("", False)],
)
def test_period_titles(text, title):
    assert is_period_title(text) is title
