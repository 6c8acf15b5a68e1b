"""The QA stage's settings: how many passages, where figures come from, answerability.

The thresholds were chosen on the evaluation set's dev split (see eval/reports/); they
are settings, not constants, so a user with another corpus can set their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.errors import SettingsError
from indexer.fusion import FusionSettings

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class QASettings:
    """`fusion`: how `hybrid` mode fuses BM25 and dense hits.
    `figure_passages`: how many of the top passages figures are drawn from.
    `max_figures`: how many ranked figures an answer lists.
    `min_similarity`: the cosine similarity (query vs best passage, MiniLM) below which
    nothing in the documents is taken to answer the question.
    `min_term_coverage`: in BM25 mode (no embeddings), the share of the question's terms
    the best passage must contain instead.
    `max_rows_per_table`: how many rows of one table may come before other passages
    (0: no limit); the rest follow them."""

    fusion: FusionSettings = field(default_factory=FusionSettings)
    figure_passages: int = 10
    max_figures: int = 10
    min_similarity: float = 0.25
    min_term_coverage: float = 0.2
    max_question_chars: int = MAX_QUESTION_CHARS
    max_rows_per_table: int = 3

    def __post_init__(self) -> None:
        if isinstance(self.figure_passages, bool) or not isinstance(self.figure_passages, int) \
                or not 1 <= self.figure_passages <= 100:
            raise SettingsError(f"figure_passages must be an integer from 1 to 100; got {self.figure_passages!r}")
        if isinstance(self.max_figures, bool) or not isinstance(self.max_figures, int) \
                or not 1 <= self.max_figures <= 100:
            raise SettingsError(f"max_figures must be an integer from 1 to 100; got {self.max_figures!r}")
        if isinstance(self.max_rows_per_table, bool) or not isinstance(self.max_rows_per_table, int) \
                or self.max_rows_per_table < 0:
            raise SettingsError(f"max_rows_per_table must be an integer >= 0; got {self.max_rows_per_table!r}")
        for name in ("min_similarity", "min_term_coverage"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not -1.0 <= value <= 1.0:
                raise SettingsError(f"{name} must be a number from -1 to 1; got {value!r}")
        if not isinstance(self.max_question_chars, int) or self.max_question_chars < 10:
            raise SettingsError(f"max_question_chars must be an integer >= 10; got {self.max_question_chars!r}")
