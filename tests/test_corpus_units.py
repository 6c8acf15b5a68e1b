"""corpus.units: the unit expressions of financial reports, one spec table, positive and
negative rows; the Chinese and English forms of before are in tests/test_qa_numbers.py."""

import pytest

from corpus.units import CURRENCIES, UnitScale, find_unit, header_unit, parse_unit


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("$'000", UnitScale(1e3, "USD")), ("$’000", UnitScale(1e3, "USD")),
        ("'000", UnitScale(1e3, None)), ("$000", UnitScale(1e3, "USD")),
        ("£000", UnitScale(1e3, "GBP")), ("$M", UnitScale(1e6, "USD")),
        ("$m", UnitScale(1e6, "USD")), ("€m", UnitScale(1e6, "EUR")), ("£m", UnitScale(1e6, "GBP")),
        ("$ million", UnitScale(1e6, "USD")), ("US$ million", UnitScale(1e6, "USD")),
        ("RMB'Million", UnitScale(1e6, "CNY")), ("RMB'000", UnitScale(1e3, "CNY")),
        ("HK$'000", UnitScale(1e3, "HKD")), ("$bn", UnitScale(1e9, "USD")),
        ("$ in millions", UnitScale(1e6, "USD")), ("Dollars in Millions", UnitScale(1e6, "USD")),
        ("(Dollars in thousands, except per share data)", UnitScale(1e3, "USD")),
        ("in thousands", UnitScale(1e3, None)), ("(in thousands)", UnitScale(1e3, None)),
        ("(In thousands)", UnitScale(1e3, None)), ("thousands", UnitScale(1e3, None)),
        ("in thousands of U.S. dollars, except percentages", UnitScale(1e3, "USD")),
        ("(Shares in thousands)", UnitScale(1e3, None)),
        ("Tabular amounts in millions, unless otherwise disclosed", UnitScale(1e6, None)),
        ("$ (in thousands)", UnitScale(1e3, "USD")), ("$", UnitScale(1, "USD")),
        ("€", UnitScale(1, "EUR")), ("bps", UnitScale(1, "bp")), ("basis points", UnitScale(1, "bp")),
        ("t", UnitScale(1, "t")), ("in years", UnitScale(1, "yr")),
        ("单位:万美元", UnitScale(1e4, "USD")), ("亿元人民币", UnitScale(1e8, "CNY")),
    ],
)
def test_parse_unit_reads_financial_forms(written, expected):
    assert parse_unit(written) == expected


@pytest.mark.parametrize(
    "written",
    ["m", "000", "k", "Amount", "Note", "2019", "Change", "Total", "$ €", "$ %",
     "thousand million", "in", "AU$US", "Restated", "1"],
)
def test_parse_unit_refuses_what_is_no_unit(written):
    assert parse_unit(written) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Payments Due By Period (in thousands)", "in thousands"),
        ("Group operating profit (£m)", "£m"),
        ("Net Change ($)", "$"),
        ("Selected data, in millions, except per share data:", "in millions"),
        ("The table below shows our costs (in thousands, except percentages):",
         "in thousands"),
        ("Amounts are shown in thousands of U.S. dollars.", "in thousands of U.S. dollars"),
        ("$'000", "$'000"),
        ("单位:万美元", "单位:万美元"),
        ("Revenue increased by $5 million in 2019.", None),
        ("Expected return on plan assets(1)", None),
        ("Operating income", None),
    ],
)
def test_find_unit_inside_a_text(text, found):
    assert find_unit(text) == found


@pytest.mark.parametrize(
    ("cell", "unit"),
    [("m", "million"), ("000", "thousand"), ("bn", "billion"), ("$'000", "$'000"),
     ("(in thousands)", "(in thousands)"), ("Net Change ($)", None), ("2019", None), ("Note", None)],
)
def test_header_unit_reads_bare_scales_only_as_a_whole_cell(cell, unit):
    assert header_unit(cell) == unit


def test_currencies_are_canonical_codes():
    assert {"USD", "EUR", "GBP", "CNY", "HKD"} <= CURRENCIES
    assert "%" not in CURRENCIES and None not in CURRENCIES
