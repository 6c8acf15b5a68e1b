"""Rank figures by how well they fit a question: entity, metric, year, kind of answer.

A small additive score, so the reason for an order can be read off `figure_matches` and
the weights below. The answerability logic uses `figure_matches` to say why a figure
does not answer ("the question asks for 2022, the documents have 2016").
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping, NamedTuple, Sequence

from qa.places import name_forms
from qa.question import QuestionAnalysis, metric_mentions
from qa.types import Figure

MATCH_STATES = ("match", "partial", "conflict", "unknown", "not_asked")

# Score of each state per part. A wrong year is worse than a wrong place: the tables hold
# many places for one year, and a figure of another year must never pass for an answer.
WEIGHTS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "entity": MappingProxyType({"match": 3.0, "partial": 1.2, "conflict": -2.0, "unknown": -0.3}),
    "metric": MappingProxyType({"match": 2.5, "partial": 1.2, "conflict": -1.5, "unknown": -0.3}),
    "year": MappingProxyType({"match": 1.5, "partial": 0.0, "conflict": -3.0, "unknown": 0.0}),
})
EXTRA_METRIC_PENALTY = 0.6  # per concept the figure has and the question did not ask for
UNIT_MATCH, UNIT_MISMATCH = 1.5, -0.5
TIME_FOR_WHEN, TIME_NOT_ASKED, NOT_TIME_FOR_WHEN = 2.0, -3.0, -1.5
KEYWORD_BONUS, KEYWORD_CAP = 0.3, 0.9
CONTEXT_WEIGHT = 3.0  # chosen on the evaluation set's dev split
_TIME_UNITS = ("year", "date")


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


def _unit_score(analysis: QuestionAnalysis, figure: Figure) -> float:
    """A "when" question wants a year or date; any other question does not."""
    when = analysis.answer_kind == "when"
    if figure.unit in _TIME_UNITS:
        return TIME_FOR_WHEN if when else TIME_NOT_ASKED
    score = NOT_TIME_FOR_WHEN if when else 0.0
    expected = [u for u in analysis.expected_units if u not in _TIME_UNITS]
    if expected:
        score += UNIT_MATCH if figure.unit in expected else UNIT_MISMATCH
    elif analysis.answer_kind == "how_many" and figure.unit is None:
        score += UNIT_MATCH / 2
    return score


def score_figure(analysis: QuestionAnalysis, figure: Figure) -> float:
    """The additive fit of one figure to the question (higher is better)."""
    match = figure_matches(analysis, figure)
    score = sum(WEIGHTS[part].get(state, 0.0) for part, state in zip(match._fields, match))
    extra = figure_concepts(figure) - set(analysis.metrics)
    if analysis.metrics:
        score -= EXTRA_METRIC_PENALTY * len(extra)
    label = figure.label.lower()
    score += min(KEYWORD_CAP, KEYWORD_BONUS * sum(1 for k in analysis.keywords if k in label))
    return score + _unit_score(analysis, figure)


def rank_figures(
    analysis: QuestionAnalysis, figures: Sequence[Figure], context_overlap: Sequence[float] | None = None,
    clause_overlap: Sequence[float] | None = None,
) -> list[Figure]:
    """Figures best first; ties broken by `clause_overlap`, then by document and
    position, so the order is stable.

    `context_overlap`, one per figure, is the share of the question's terms found in the
    figure's own context (its label and the sentence it stands in): it rewards the number
    the question's words surround ("highways ... 7673 kilometers") over a number of the
    same kind in the next sentence. `clause_overlap` is the same share for the figure's
    clause alone; it only orders figures that tie otherwise, such as three lengths of one
    sentence ("highways 7673 km, railways 5500 km, intercity rail 1430 km").
    """
    overlaps = context_overlap if context_overlap is not None else [0.0] * len(figures)
    clauses = clause_overlap if clause_overlap is not None else [0.0] * len(figures)
    scored = [(round(score_figure(analysis, f) + CONTEXT_WEIGHT * o, 9), c, f)
              for f, o, c in zip(figures, overlaps, clauses)]
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].doc_id, s[2].start, s[2].end, s[2].text))
    return [figure for _, _, figure in scored]


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
    unit = fitting[0].unit
    same = [f for f in fitting if f.unit == unit]
    best = max(same, key=lambda f: f.value) if extreme == "max" else min(same, key=lambda f: f.value)
    return [best] + [f for f in ranked if f is not best], True
