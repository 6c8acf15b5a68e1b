"""The data that travels from `corpus` to `indexer` and `qa`: documents, table facts, chunks.

All frozen: a chunk is built once here and travels unchanged; citations are derived from
it and nothing else (scores live in `indexer.types.Hit`, never on a chunk).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any

CHUNK_KINDS = ("prose", "table_row", "table")


@dataclass(frozen=True)
class Document:
    """A source text. `doc_id` is its path relative to the corpus root; `text` is what
    every offset cites: a text file decoded with nothing else changed, or the text a
    reader extracted from a PDF, Word, HTML or CSV file (`corpus.readers`), its tables
    written as pipe rows. `pages` are the start offsets of the pages of a paged format
    (page n starts at pages[n - 1]; empty for formats without pages), `encoding` the
    encoding the bytes were decoded with (None where the format says it), `source_format`
    the reader that made it, `notes` what the reader could not read (PDF pages with no
    text layer). The fields after `text` have defaults so old indexes still load."""

    doc_id: str
    title: str
    text: str
    pages: tuple[int, ...] = ()
    encoding: str | None = None
    source_format: str = "text"
    notes: tuple[str, ...] = ()

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None for a format without pages."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (an index's documents.jsonl row)."""
        data = asdict(self)
        data["pages"], data["notes"] = list(self.pages), list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        """The inverse of `to_dict`; rows of old indexes (no pages) load too."""
        return cls(**{**data, "pages": tuple(data.get("pages", ())), "notes": tuple(data.get("notes", ()))})


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
    `group` is the label of the section row the cell's row sits under ("Payments",
    "Net cash provided by (used in):" without its colon), else None: three "Beginning
    balance" rows of three segments differ by it.
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
    group: str | None = None

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
        if self.group is None:
            del data["group"]  # most cells have none: chunks.jsonl stays as it was
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
