"""The text a reader extracts: headings, paragraphs and tables in order, with page starts.

Every reader writes its structure into the one plain-text form the rest of `corpus`
already reads, so chunking, table facts and citations need no format-specific code:

- a heading is a Markdown heading line (`## Results`), which `corpus.sentences` takes as a
  section;
- a paragraph is one line (wrapped lines joined), blocks are separated by a blank line;
- a table is one pipe row per line (`城市 | 广州 | 深圳`), which `corpus.tables` parses into
  facts; a merged cell is repeated in each column it spans;
- a paged format records where each page's text starts, so a citation can name its page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def clean_inline(text: str) -> str:
    """Runs of whitespace (newlines, tabs, no-break spaces) become one space; trimmed."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def join_wrapped(lines: list[str]) -> str:
    """Lines of one wrapped paragraph as one line: a space between English words, none
    between Chinese characters (Chinese is written without spaces) or after a hyphen."""
    joined = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if joined and not (joined.endswith("-") or _CJK.match(joined[-1]) or _CJK.match(line[0])):
            joined += " "
        joined += line
    return joined


def table_cell(text: str) -> str:
    """A cell's text on one line; a '|' inside it becomes '¦' so it cannot split the cell."""
    return clean_inline(join_wrapped(text.splitlines())).replace("|", "\u00a6")


def pipe_rows(rows: list[list[str]]) -> list[str]:
    """The table's rows as pipe lines, empty rows left out. Rows are written as the
    bundled reports write them (`a | b | c`, trailing empty cells dropped, a row of one
    cell ending in ` |`), unless some row starts with an empty cell: then the whole table
    is written as Markdown rows (`|  | 2019 |`), which keep every cell in its column."""
    cells = [[table_cell(cell) for cell in row] for row in rows]
    cells = [row for row in cells if any(row)]
    if not cells:
        return []
    if any(not row[0] for row in cells):
        width = max(len(row) for row in cells)
        return ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in cells]
    lines = []
    for row in cells:
        while not row[-1]:
            row = row[:-1]
        lines.append(" | ".join(row) + (" |" if len(row) == 1 else ""))
    return lines


@dataclass
class TextBuilder:
    """Collects blocks in reading order and writes `Document.text` and its page starts.
    A table may continue on the next page (`table(rows, continues=True)`): its rows then
    join the previous table's with no blank line, so it stays one table."""

    parts: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    length: int = 0
    last_was_table: bool = False
    _page_pending: bool = False

    def new_page(self) -> None:
        """The next block starts a page (its start offset is recorded when it comes)."""
        if self._page_pending:  # the previous page held no text: it starts where this one does
            self.pages.append(-1)
        self._page_pending = True

    def heading(self, text: str, level: int = 1) -> None:
        text = clean_inline(text)
        if text:
            self._add(f"{'#' * min(max(level, 1), 6)} {text}", table=False)

    def paragraph(self, text: str, continues: bool = False) -> None:
        """A paragraph; with `continues`, the rest of the previous paragraph (cut by a
        page break), joined to it as a wrapped line is."""
        text = clean_inline(text)
        if not text:
            return
        if continues and self.parts and not self.last_was_table:
            previous = self.parts[-1]
            joined = join_wrapped([previous, text])
            self._add(joined[len(previous):], table=False, joined=True, separator="")
        else:
            self._add(text, table=False)

    def table(self, rows: list[list[str]], continues: bool = False) -> None:
        lines = pipe_rows(rows)
        if lines:
            self._add("\n".join(lines), table=True, joined=continues and self.last_was_table)

    def _add(self, block: str, table: bool, joined: bool = False, separator: str | None = None) -> None:
        if separator is None:
            separator = "" if not self.parts else ("\n" if joined else "\n\n")
        start = self.length + len(separator)
        if self._page_pending:
            # a continued paragraph's page starts at its first character, not the space
            first = start + (len(block) - len(block.lstrip(" ")))
            self.pages = [first if page == -1 else page for page in self.pages]
            self.pages.append(first)
            self._page_pending = False
        self.parts.extend((separator, block))
        self.length = start + len(block)
        self.last_was_table = table

    def text(self) -> str:
        return "".join(self.parts) + ("\n" if self.parts else "")

    def page_starts(self) -> tuple[int, ...]:
        """One start per page begun; trailing pages with no text start at the text's end."""
        end = len(self.text())
        starts = [end if page == -1 else page for page in self.pages]
        if self._page_pending:
            starts.append(end)
        return tuple(starts)
