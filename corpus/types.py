"""The data that travels from `corpus` to `indexer` and `qa`: documents, table facts, chunks.

All frozen: a chunk is built once here and travels unchanged; citations are derived from
it and nothing else (scores live in `indexer.types.Hit`, never on a chunk).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CHUNK_KINDS = ("prose", "table_row", "table")


@dataclass(frozen=True)
class Document:
    """A source text. `doc_id` is its path relative to the corpus root; `text` is the
    file decoded as UTF-8 with nothing else changed, so offsets cite the file."""

    doc_id: str
    title: str
    text: str


@dataclass(frozen=True)
class Fact:
    """One data cell of a table.

    `key` reads as (*column_labels, row_label), e.g. ("江门", "GDP(亿元人民币)") or
    ("深圳", "进口", "东北亚"). `value` is the signed number as written, no scale applied
    (2418.78; "$ (9,982)" is -9982), `unit` the unit as written in the table, a
    `corpus.units.parse_unit` expression (header parentheses, unit line or row, corner,
    caption: "亿元人民币", "万美元", "$'000", "$ in thousands", "%"), or None; `start`/`end`
    are the cell's exact span in the document. Text cells have `value` None. "—" and empty
    cells are "no data" and never become facts. `period` is the period its column (else its
    row) names, as written ("Year Ended June 30, 2019", "FY2019", "2016年"), `year` that
    period's year; both None when the table names none (facts of old indexes too).
    """

    doc_id: str
    table_id: str
    row_label: str
    column_labels: tuple[str, ...]
    raw: str
    value: float | None
    unit: str | None
    start: int
    end: int
    period: str | None = None
    year: int | None = None

    @property
    def measure_labels(self) -> tuple[str, ...]:
        """The column labels that do not only say the period ("2019", "Year Ended June
        30,"): what the column measures, if anything ("Net Change ($)", 出口)."""
        period = self.period or ""
        return tuple(label for label in self.column_labels if not (period and label in period))

    @property
    def key(self) -> tuple[str, ...]:
        return (*self.column_labels, self.row_label)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["column_labels"] = list(self.column_labels)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fact":
        return cls(**{**data, "column_labels": tuple(data["column_labels"])})


@dataclass(frozen=True)
class Chunk:
    """A unit of retrieval. `text` is what gets indexed (for tables a rendered bilingual
    row); `start`/`end` are the str offsets in `Document.text` it cites. For prose
    chunks `text == document.text[start:end]` (checked at build time)."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    kind: str
    section: str | None = None
    table_caption: str | None = None
    facts: tuple[Fact, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the index's chunks.jsonl row)."""
        data = asdict(self)
        data["facts"] = [fact.to_dict() for fact in self.facts]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        facts = tuple(Fact.from_dict(f) for f in data.get("facts", ()))
        return cls(**{**data, "facts": facts})
