"""What a question gets back: figures and passages, each citing an exact span."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.types import Chunk


@dataclass(frozen=True)
class Figure:
    """A number found in the documents, normalised.

    `text` is the surface form as written ("2418.78", "$1.4 trillion", "1.2万亿元");
    `value` the normalised number (scale words and table header units applied);
    `unit` a short canonical unit (CNY, USD, km, km2, t, TEU, %, person, year, ...) or
    None for a bare count; `label` says what it measures ("Jiangmen GDP 2016").
    `start`/`end` cite the surface form in the document `doc_id`.
    """

    value: float
    unit: str | None
    text: str
    doc_id: str
    start: int
    end: int
    label: str = ""
    entity: str | None = None
    metric: str | None = None
    year: int | None = None

    @property
    def place(self) -> tuple[str, int, int]:
        """Where it is written: the same number found via two chunks is one figure."""
        return self.doc_id, self.start, self.end


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its citation. `highlights` are (start, end) document
    offsets of the best-matching sentence(s) inside the chunk's span; `line` is the
    1-based line of `chunk.start` in its document."""

    chunk: Chunk
    score: float
    rank: int
    line: int
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Answer:
    """The answer to one question. When `answerable` is False the passages are the
    closest evidence, not an answer, and `figures` is empty. When the question does not
    ask for a number (`asks_for_figure` False), the figures are what the passages hold,
    not the answer."""

    question: str
    answerable: bool
    figures: tuple[Figure, ...]
    passages: tuple[Passage, ...]
    mode: str = "hybrid"
    reason: str = ""
    asks_for_figure: bool = True  # a how many / how much / what share / when question
