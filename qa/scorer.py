"""One scoring function for candidate figures: `w · features`, weights read from a data file.

The weights (qa/data/figure_scorer.json) are fitted by `python -m eval.fit_scorer` on the
question set's dev split and the TAT-QA "fit" documents (a conditional logit: the softmax
over one question's candidates should put the right figure first), stored with a version,
what they were fitted on and the fit's own scores, and printed in every report. Nothing
here is tuned by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from corpus.errors import SettingsError
from qa.features import FEATURE_NAMES, FigureFeatures
from qa.types import Figure

WEIGHTS_FILE = Path(__file__).resolve().parent / "data" / "figure_scorer.json"


@dataclass(frozen=True)
class Scorer:
    """Linear weights over `FEATURE_NAMES`; `ablated` features count as zero."""

    weights: tuple[float, ...]
    version: str
    fitted_on: str
    ablated: frozenset[str] = field(default=frozenset())
    min_score: float | None = None  # a best figure scoring less does not answer (calibrated)

    @property
    def _effective(self) -> tuple[float, ...]:
        return tuple(0.0 if name in self.ablated else w for w, name in zip(self.weights, FEATURE_NAMES))

    def scores(self, features: Sequence[FigureFeatures]) -> list[float]:
        """`w · features` of each candidate (rounded, so sums in another order tie)."""
        weights = self._effective
        return [round(sum(w * x for w, x in zip(weights, f.vector())), 9) for f in features]

    def rank(self, figures: Sequence[Figure], features: Sequence[FigureFeatures],
             scores: Sequence[float] | None = None) -> list[Figure]:
        """Figures best first; ties broken by the figure's clause share (three lengths of
        one sentence), then by document and position, so the order is stable."""
        scores = self.scores(features) if scores is None else scores
        scored = [(s, x.clause_share, f) for f, x, s in zip(figures, features, scores)]
        scored.sort(key=lambda s: (-s[0], -s[1], s[2].doc_id, s[2].start, s[2].end, s[2].text))
        return [figure for _, _, figure in scored]

    def without(self, names: Sequence[str]) -> "Scorer":
        """The same scorer with `names` switched off (for `qa eval --ablate`)."""
        unknown = sorted(set(names) - set(FEATURE_NAMES))
        if unknown:
            raise SettingsError(f"unknown feature(s) {', '.join(unknown)}; features are: {', '.join(FEATURE_NAMES)}")
        return replace(self, ablated=self.ablated | frozenset(names))

    def with_min_score(self, min_score: float | None) -> "Scorer":
        return replace(self, min_score=min_score)

    def describe(self) -> str:
        ablated = f"; ablated: {', '.join(sorted(self.ablated))}" if self.ablated else ""
        return f"figure scorer {self.version} (fitted on {self.fitted_on}){ablated}"

    def table(self) -> list[tuple[str, float]]:
        """(feature, weight) pairs, largest weight magnitude first: for reports."""
        return sorted(zip(FEATURE_NAMES, self.weights), key=lambda p: -abs(p[1]))


def scorer_from_dict(data: dict[str, Any]) -> Scorer:
    """A scorer from the weights file's contents; refuses a file for other features."""
    weights = data.get("weights", {})
    missing = [name for name in FEATURE_NAMES if name not in weights]
    if missing:
        raise SettingsError(f"the figure scorer's weights lack {', '.join(missing)}; "
                            f"refit them with `python -m eval.fit_scorer`")
    min_score = data.get("min_score")
    return Scorer(tuple(float(weights[name]) for name in FEATURE_NAMES), str(data.get("version", "?")),
                  str(data.get("fitted_on", "?")), min_score=None if min_score is None else float(min_score))


@lru_cache(maxsize=4)
def load_scorer(path: Path = WEIGHTS_FILE) -> Scorer:
    """The scorer of the weights file (the shipped one by default)."""
    try:
        return scorer_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise SettingsError(f"cannot read the figure scorer's weights {path}: {error}") from error
