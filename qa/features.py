"""A flat, typed feature record for each candidate figure, from small pure functions.

The scorer (qa.scorer) ranks figures by `w · features` with weights fitted on data
(eval.fit_scorer), so everything that decides which figure answers a question is here,
named, and can be switched off one at a time (`qa eval --ablate NAME`). Each function
reads the question's analysis (qa.question) and what is known about one figure: its own
fields, the text around it (qa.candidates) and the passage it came from.

Spec (question -> figure -> the features that fire):

| question                           | figure                                   | fires                               |
|------------------------------------|------------------------------------------|-------------------------------------|
| What was Lyon's revenue in 2016?   | Lyon revenue 2016, EUR                   | entity_match metric_match year_match unit_match |
| What was Lyon's revenue in 2022?   | Lyon revenue 2016                        | year_conflict                       |
| When did the bridge open?          | "2018" (unit year)                       | time_for_when                       |
| What was revenue in 2019?          | "2019" (unit year)                       | time_not_asked                      |
| How many ports ...?                | "64" followed by "pairs of ports"        | counted_next bare_count_for_how_many|
| What is the total charges?         | row "Other charges"                      | label_precision 0.5 (other unasked) |
| How many shares are authorized?    | "2,000,000" after "increase by"          | change_not_asked                    |
| What was net cash provided by operating activities? | row "Operating activities" under section "Net cash provided by" | group_precision 1 |
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence

from qa.figures import figure_concepts, figure_matches
from qa.question import QuestionAnalysis
from qa.types import Figure

_TIME_UNITS = ("year", "date")
KEYWORD_CAP = 3


@dataclass(frozen=True)
class Surroundings:
    """What is known about a figure besides itself (filled by qa.candidates and the
    assistant): IDF-weighted shares of the question's terms found in its label and
    sentence (`context_share`), in its comma clause, in its label alone, in the words
    right before a number in prose (`near_share`: "amortization expense was $163"); the share of the
    label's own terms that the question has (`label_precision`); for a table cell the
    same for its row label alone (`row_precision`: the question names the whole row;
    `row_share`: the row holds the question's terms), for its non-period column labels
    (`column_precision`) and for the section row it sits under (`group_precision`:
    "Net cash provided by (used in):" over "Operating activities"); whether what a "how
    many" question counts follows it; the rank of the passage it came from and that
    passage's cosine similarity with the question (MiniLM; for a table cell, its row's)."""

    context_share: float = 0.0
    clause_share: float = 0.0
    label_share: float = 0.0
    near_share: float = 0.0
    label_precision: float = 0.0
    row_precision: float = 0.0
    row_share: float = 0.0
    column_precision: float = 0.0
    group_precision: float = 0.0
    is_change: bool = False  # a change, not a level (qa.change): "increase by 2,000,000", "% Change"
    counted_next: bool = False
    is_table: bool = False
    passage_rank: int = 1
    passage_similarity: float = 0.0


@dataclass(frozen=True)
class FigureFeatures:
    """One candidate's features, all floats; see the module's spec table."""

    entity_match: float
    entity_partial: float
    entity_conflict: float
    entity_unknown: float
    metric_match: float
    metric_partial: float
    metric_conflict: float
    metric_unknown: float
    extra_metrics: float
    year_match: float
    year_conflict: float
    year_unknown: float
    unit_match: float
    unit_mismatch: float
    time_for_when: float
    time_not_asked: float
    not_time_for_when: float
    bare_count_for_how_many: float
    keyword_hits: float
    context_share: float
    clause_share: float
    label_share: float
    near_share: float
    label_precision: float
    row_precision: float
    row_share: float
    column_precision: float
    group_precision: float
    change_asked: float
    change_not_asked: float
    level_for_change: float
    counted_next: float
    is_table: float
    passage_reciprocal_rank: float
    passage_similarity: float

    def vector(self) -> tuple[float, ...]:
        return tuple(self.__dict__.values())  # fields in order; astuple's deep copy is slow


FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(FigureFeatures))


def _states(prefix: str, state: str, names: Sequence[str]) -> dict[str, float]:
    """One-hot of a match state ("not_asked" sets none)."""
    return {f"{prefix}_{name}": float(state == name) for name in names}


def echoes_question_time(analysis: QuestionAnalysis, figure: Figure) -> bool:
    """A year or date whose year the question itself names, asked by a question that is
    not about time: "How much was X for the fiscal year ended 2018?" is never answered
    "2018", nor "What was X in 2019?" by "August 31, 2019" (the sentence that matches
    the question best often holds its own date). Not a feature but a type check: such a
    candidate is dropped, whatever it scores."""
    return (analysis.answer_kind != "when" and figure.unit in _TIME_UNITS
            and figure.year is not None and figure.year in analysis.years)


def unit_features(analysis: QuestionAnalysis, figure: Figure) -> dict[str, float]:
    """A "when" question wants a year or date and any other does not; a stated or
    implied unit ("in billion yuan", GDP -> money) should be the figure's."""
    when = analysis.answer_kind == "when"
    time = figure.unit in _TIME_UNITS
    expected = [u for u in analysis.expected_units if u not in _TIME_UNITS]
    return {
        "unit_match": float(bool(expected) and not time and figure.unit in expected),
        "unit_mismatch": float(bool(expected) and not time and figure.unit not in expected),
        "time_for_when": float(when and time),
        "time_not_asked": float(time and not when),
        "not_time_for_when": float(when and not time),
        "bare_count_for_how_many": float(analysis.answer_kind == "how_many" and not expected
                                         and figure.unit is None),
    }


def match_features(analysis: QuestionAnalysis, figure: Figure) -> dict[str, float]:
    """Entity / metric / year states of the figure against the question (qa.figures)."""
    match = figure_matches(analysis, figure)
    extra = figure_concepts(figure) - set(analysis.metrics) if analysis.metrics else frozenset()
    return {
        **_states("entity", match.entity, ("match", "partial", "conflict", "unknown")),
        **_states("metric", match.metric, ("match", "partial", "conflict", "unknown")),
        "extra_metrics": float(len(extra)),
        **_states("year", match.year, ("match", "conflict", "unknown")),
    }


def keyword_hits(analysis: QuestionAnalysis, figure: Figure) -> float:
    """Content words of the question found in the label, as a share of KEYWORD_CAP."""
    label = figure.label.lower()
    return min(KEYWORD_CAP, sum(1 for k in analysis.keywords if k in label)) / KEYWORD_CAP


def figure_features(analysis: QuestionAnalysis, figure: Figure, around: Surroundings) -> FigureFeatures:
    """The feature record of one figure for one question."""
    return FigureFeatures(
        **match_features(analysis, figure),
        **unit_features(analysis, figure),
        keyword_hits=keyword_hits(analysis, figure),
        context_share=around.context_share,
        clause_share=around.clause_share,
        label_share=around.label_share,
        near_share=around.near_share,
        label_precision=around.label_precision,
        row_precision=around.row_precision,
        row_share=around.row_share,
        column_precision=around.column_precision,
        group_precision=around.group_precision,
        change_asked=float(around.is_change and analysis.asks_change),
        change_not_asked=float(around.is_change and not analysis.asks_change),
        level_for_change=float(analysis.asks_change and not around.is_change),
        counted_next=float(around.counted_next),
        is_table=float(around.is_table),
        passage_reciprocal_rank=1.0 / max(1, around.passage_rank),
        passage_similarity=around.passage_similarity,
    )
