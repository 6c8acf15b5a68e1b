""""In which year was X larger?": the answer is a period, chosen by comparing one table
row's values across its period columns (or, when the periods are the rows, one column's
values down them).

The row is the table cell the scorer ranks first among cells that carry a year (every
such cell fits a "which year" question equally badly as a number, so the scorer's other
features pick the row); its cells of other periods in the same table and measure are
compared, the larger or smaller wins, and the answer is that period's year, cited where
the table writes it (the nearest preceding occurrence of the year, its column header).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from corpus.types import Document, Fact
from qa.lexicon import load_lexicon
from qa.types import Figure

HEADER_WINDOW = 4000  # how far before a cell its column header may be written


@lru_cache(maxsize=1)
def _direction_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    lexicon = load_lexicon()

    def pattern(words: Sequence[str]) -> re.Pattern[str]:
        return re.compile("|".join(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])" for w in words), re.I)

    return pattern(lexicon.more_words), pattern(lexicon.less_words)


def direction(question: str) -> str | None:
    """"max" when the question asks for the larger value, "min" for the smaller, else None."""
    more, less = _direction_patterns()
    found_more, found_less = more.search(question), less.search(question)
    if found_more and (not found_less or found_more.start() < found_less.start()):
        return "max"
    return "min" if found_less else None


def compare_periods(ranked: Sequence[Figure], facts: dict[tuple[str, int, int], Fact],
                    documents: dict[str, Document], extreme: str) -> Figure | None:
    """The year whose value in the best-ranked dated row is the largest (`extreme`
    "max") or smallest ("min"), as a Figure citing the year's header; None when the
    best row has fewer than two periods to compare."""
    best = next((facts[f.place] for f in ranked if f.place in facts and facts[f.place].year is not None), None)
    if best is None:
        return None
    row = [fact for fact in facts.values()
           if (fact.doc_id, fact.table_id, fact.row_label) == (best.doc_id, best.table_id, best.row_label)
           and fact.value is not None and fact.year is not None
           and fact.measure_labels == best.measure_labels]
    by_year = _by_year(row)
    name = best.row_label
    if len(by_year) < 2:  # periods as rows ("2018 | 1.50"): the same column down the table
        column = [fact for fact in facts.values()
                  if (fact.doc_id, fact.table_id, fact.column_labels, fact.unit)
                  == (best.doc_id, best.table_id, best.column_labels, best.unit)
                  and fact.value is not None and fact.year is not None]
        by_year = _by_year(column)
        name = " ".join(best.column_labels) or best.row_label
    if len(by_year) < 2:
        return None
    pick = max if extreme == "max" else min
    winner = pick(by_year.values(), key=lambda f: f.value)
    text = documents[winner.doc_id].text
    year = str(winner.year)
    start = text.rfind(year, max(0, winner.start - HEADER_WINDOW), winner.start)
    if start < 0:
        return None
    others = ", ".join(f"{f.year}: {f.raw}" for f in by_year.values() if f is not winner)
    word = "larger" if extreme == "max" else "smaller"
    return Figure(value=float(winner.year), unit="year", text=year, doc_id=winner.doc_id, start=start,
                  end=start + len(year), label=f"{name}: {word} in {year} ({winner.raw}; {others})",
                  year=winner.year)



def _by_year(facts: Sequence[Fact]) -> dict[int, Fact]:
    """The first fact (in document order) of each year."""
    by_year: dict[int, Fact] = {}
    for fact in sorted(facts, key=lambda f: f.start):
        by_year.setdefault(fact.year, fact)
    return by_year
