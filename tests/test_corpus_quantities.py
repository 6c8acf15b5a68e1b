"""The quantity grammar against its spec table (tests/data/quantities_spec.tsv): every row
is one expectation, positive (this span, value, unit, kind) or negative (no quantity here)."""

import csv
from pathlib import Path

import pytest

from corpus.quantities import KINDS, Quantity, find_quantities

SPEC = Path(__file__).resolve().parent / "data" / "quantities_spec.tsv"


def spec_rows() -> list[dict[str, str]]:
    lines = [line for line in SPEC.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = spec_rows()


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}:{r['surface']}" for i, r in enumerate(ROWS)])
def test_spec(row):
    text, surface = row["text"], row["surface"]
    start = text.index(surface)
    end = start + len(surface)
    found = find_quantities(text)
    for quantity in found:
        assert text[quantity.start:quantity.end]  # never empty, always inside the text
    if row["kind"] == "none":
        overlapping = [(text[q.start:q.end], q.kind) for q in found if q.start < end and start < q.end]
        assert overlapping == []
        return
    spans = {(q.start, q.end): q for q in found}
    assert (start, end) in spans, [(text[q.start:q.end], q.kind) for q in found]
    quantity = spans[(start, end)]
    assert quantity.kind == row["kind"]
    assert quantity.value == pytest.approx(float(row["value"]), rel=1e-9)
    assert quantity.unit == (row["unit"] or None)
    expected_to = float(row["value_to"]) if row["value_to"] else None
    assert quantity.value_to == (pytest.approx(expected_to, rel=1e-9) if expected_to else None)


def test_the_spec_is_large_and_covers_every_kind():
    kinds = {row["kind"] for row in ROWS}
    assert len(ROWS) >= 300
    assert kinds == {*KINDS, "none"}
    assert sum(row["kind"] == "none" for row in ROWS) >= 80


def test_quantities_are_in_text_order_and_never_overlap():
    text = "On 31 December 2019, ASC 606 revenue was $1.2 billion (2) and 三千五百万元, up 5%~8%."
    found = find_quantities(text)
    assert [text[q.start:q.end] for q in found] == [
        "31 December 2019", "$1.2 billion", "三千五百万元", "5%~8%"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_a_quantity_is_a_frozen_record():
    (quantity,) = find_quantities("exports of US$3 billion")
    assert quantity == Quantity(11, 23, 3e9, "USD", "quantity", None, 1e9, "digits")
    with pytest.raises(AttributeError):
        quantity.value = 0.0  # type: ignore[misc]


def test_traditional_and_simplified_read_alike():
    simplified, traditional = find_quantities("总投资1.2万亿元"), find_quantities("總投資1.2萬億元")
    assert [(q.value, q.unit, q.start, q.end) for q in simplified] == \
        [(q.value, q.unit, q.start, q.end) for q in traditional] == [(1.2e12, "CNY", 3, 9)]
