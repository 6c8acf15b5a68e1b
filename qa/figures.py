"""How a figure compares with a question, part by part: entity, metric, year.

The match states are features of the scorer (qa.features, qa.scorer), and answerability
uses them to say why a figure does not answer ("the question asks for 2022, the
documents have 2016").
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from qa.places import name_forms
from qa.question import METRIC_UNITS, QuestionAnalysis, metric_mentions
from qa.types import Figure

MATCH_STATES = ("match", "partial", "conflict", "unknown", "not_asked")


class FigureMatch(NamedTuple):
    """How a figure compares with the question, part by part; each a MATCH_STATES value."""

    entity: str
    metric: str
    year: str

    @property
    def matched(self) -> tuple[str, ...]:
        return tuple(part for part, state in zip(self._fields, self) if state == "match")

    @property
    def conflicts(self) -> tuple[str, ...]:
        return tuple(part for part, state in zip(self._fields, self) if state == "conflict")


def _tokens(name: str) -> frozenset[str]:
    words = re.findall(r"[a-z]+|[\u4e00-\u9fff]+", name.lower().replace("’", "'").replace("'s", ""))
    return frozenset(w for w in words if w != "the")


def _entity_state(asked: Sequence[str], entity: str | None) -> str:
    if not asked:
        return "not_asked"
    if not entity:
        return "unknown"
    states = []
    for name in asked:
        for want in map(_tokens, name_forms(name)):
            for have in map(_tokens, name_forms(entity)):
                states.append("match" if want == have else "partial" if want <= have or have <= want else "conflict")
    return min(states, key=("match", "partial", "conflict").index)


def figure_concepts(figure: Figure) -> frozenset[str]:
    """Metric concepts of a figure, read from its metric and its label without the place
    (so "Greater Bay Area" never reads as an area)."""
    label = figure.label
    if figure.entity:
        label = label.replace(figure.entity, " ")
    text = f"{figure.metric or ''} . {label}"
    return frozenset(m.concept for m in metric_mentions(text))


def _metric_state(asked: Sequence[str], concepts: frozenset[str]) -> str:
    if not asked:
        return "not_asked"
    if not concepts:
        return "unknown"
    overlap = len(set(asked) & concepts)
    return "match" if overlap == len(set(asked)) else "partial" if overlap else "conflict"


def _year_state(asked: Sequence[int], year: int | None) -> str:
    if not asked:
        return "not_asked"
    if year is None:
        return "unknown"
    return "match" if year in asked else "conflict"


def figure_matches(analysis: QuestionAnalysis, figure: Figure) -> FigureMatch:
    """Which of entity / metric / year of the question the figure matches or contradicts."""
    return FigureMatch(
        entity=_entity_state(analysis.entities, figure.entity),
        metric=_metric_state(analysis.metrics, figure_concepts(figure)),
        year=_year_state(analysis.years, figure.year),
    )


def extreme_first(analysis: QuestionAnalysis, ranked: Sequence[Figure], extreme: str) -> tuple[list[Figure], bool]:
    """For "which has the highest / lowest ...": among the figures that match the asked
    metric (and year, if asked) in the unit of the best-ranked one, the largest or smallest
    goes first. Returns the new order and whether such a figure was found; compares like
    with like only, so a GDP in yuan never competes with one in dollars."""
    fitting = [
        f for f in ranked
        if figure_matches(analysis, f).metric == "match" and "conflict" not in figure_matches(analysis, f).year
    ]
    if not fitting:
        return list(ranked), False
    # In the unit the question expects when any fits ("smallest area": km2, not a share of it).
    implied = set(analysis.expected_units) | {u for m in analysis.metrics for u in METRIC_UNITS.get(m, ())}
    fitting = [f for f in fitting if f.unit in implied] or fitting
    unit = fitting[0].unit
    same = [f for f in fitting if f.unit == unit]
    best = max(same, key=lambda f: f.value) if extreme == "max" else min(same, key=lambda f: f.value)
    return [best] + [f for f in ranked if f is not best], True
