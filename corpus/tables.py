"""Pipe-separated tables in a document -> `Table`s whose data cells are `Fact`s with exact spans.

The layout of the bundled reports (Markdown pipe tables parse too):

    表1 <Chinese caption>        optional caption line just before the rows
    单位:万美元 | ...             optional unit line
    城市 | 广州 | 东莞 ...        header row(s); a header row again part-way through starts
    GDP(亿元人民币) | 19547.44    a new block of columns; two header rows make two-level
    ...                           column labels (city, then 出口/进口)
    资料来源:... |                optional source line
    Table 1 <English caption>     optional English caption

Rules, all general (no table is special-cased): the first row of a table is a header; in a
table with numbers, any later row with neither a number nor a no-data mark is a header
too (in a text-only table, a repeat of the first row). A header cell spanning several
columns is written once (4 cities over 8 export/import columns) and spread evenly. "—" and
empty cells are "no data" and never become facts. A fact's unit is the one written in
its row or column label's parentheses ("GDP(亿元人民币)"), else the table's unit line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.glossary import split_label_unit
from corpus.sentences import Line, split_lines
from corpus.types import Document, Fact

NO_DATA = frozenset({"", "—", "——", "-", "--", "–", "－", "…", "...", "N/A", "n/a", "NA", "/"})
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_CAPTION_ZH = re.compile(r"^表\s*(\d+)")
_CAPTION_EN = re.compile(r"^Table\s*(\d+)", re.IGNORECASE)
_UNIT_LINE = re.compile(r"^(?:单位|Units?)\s*[:：]\s*(?P<unit>\S.*)$", re.IGNORECASE)
_SOURCE_LINE = re.compile(r"^(?:资料来源|数据来源|来源|注|Sources?|Notes?)\s*[:：]", re.IGNORECASE)
_MARKDOWN_RULE = re.compile(r"^:?-{3,}:?$")
MAX_CAPTION_CHARS = 200


@dataclass(frozen=True)
class Cell:
    """A cell's stripped text and its span in the document (start == end when empty)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TableColumn:
    """One data column: its labels top-down (("深圳", "进口")) and the header cells they
    come from (a spanning header cell is shared by the columns under it)."""

    labels: tuple[str, ...]
    label_cells: tuple[Cell, ...]


@dataclass(frozen=True)
class TableRow:
    label: Cell
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Table:
    """A parsed table. `start`/`end` span the whole block, caption lines included."""

    table_id: str
    doc_id: str
    caption_zh: str | None
    caption_en: str | None
    source_note: str | None
    unit: str | None
    start: int
    end: int
    facts: tuple[Fact, ...]
    corner_label: str | None
    columns: tuple[TableColumn, ...]
    rows: tuple[TableRow, ...]

    @property
    def caption(self) -> str:
        """The caption to show: English when the document gives one, else Chinese."""
        return self.caption_en or self.caption_zh or self.table_id


@dataclass(frozen=True)
class TableEntity:
    """What one table_row chunk is about: a column group (a city of table 1) or a row."""

    label: str
    axis: str  # "column" or "row"
    start: int
    end: int
    facts: tuple[Fact, ...]


def parse_tables(document: Document) -> list[Table]:
    """Every table of a document, in order. A table is a run of at least two lines holding
    '|' with at least one data row; anything else stays prose."""
    lines = split_lines(document.text)
    tables: list[Table] = []
    index = 0
    while index < len(lines):
        if "|" not in lines[index].text:
            index += 1
            continue
        stop = index
        while stop < len(lines) and "|" in lines[stop].text:
            stop += 1
        if stop - index >= 2:
            table = _parse_block(document, lines, index, stop, ordinal=len(tables) + 1)
            if table is not None:
                tables.append(table)
        index = stop
    return tables


def table_entities(table: Table) -> tuple[TableEntity, ...]:
    """The table's entities, one chunk each. When row labels carry units (rows are
    measures like "GDP(亿元人民币)") the entities are the top-level columns (cities);
    otherwise they are the rows (a region, an industry line, a policy document)."""
    if any(split_label_unit(row.label.text)[1] for row in table.rows):
        return _column_entities(table)
    entities = []
    for row in table.rows:
        if row.facts:
            end = max(fact.end for fact in row.facts)
            entities.append(TableEntity(row.label.text, "row", row.label.start, end, row.facts))
    return tuple(entities)


def _column_entities(table: Table) -> tuple[TableEntity, ...]:
    starts: dict[str, int] = {}
    for column in table.columns:
        top = column.label_cells[0] if column.label_cells else None
        label = column.labels[0]
        if top is not None:
            starts[label] = min(starts.get(label, top.start), top.start)
        else:
            starts.setdefault(label, -1)
    entities = []
    for label, label_start in starts.items():
        facts = tuple(fact for fact in table.facts if fact.column_labels[0] == label)
        if not facts:
            continue
        start = min(fact.start for fact in facts)
        start = min(start, label_start) if label_start >= 0 else start
        entities.append(TableEntity(label, "column", start, max(f.end for f in facts), facts))
    return tuple(entities)


def _parse_block(
    document: Document, lines: list[Line], first: int, stop: int, ordinal: int
) -> Table | None:
    """The table of lines[first:stop] (all holding '|') with its surrounding caption and
    source lines, or None when the run has no data row."""
    caption_zh = caption_en = source_note = unit = None
    start, end = lines[first].start, lines[stop - 1].end
    before = _previous_nonblank(lines, first)
    if before is not None and "|" not in before.text:
        text = before.text.strip()
        if _CAPTION_ZH.match(text) and len(text) <= MAX_CAPTION_CHARS:
            caption_zh, start = text, before.start
        elif _CAPTION_EN.match(text) and len(text) <= MAX_CAPTION_CHARS:
            caption_en, start = text, before.start
    rows: list[list[Cell]] = []
    for line in lines[first:stop]:
        cells = _cells(line)
        if not cells or all(not cell.text for cell in cells):
            continue
        rest_blank = all(not cell.text for cell in cells[1:])
        unit_match = _UNIT_LINE.match(cells[0].text)
        if unit_match and rest_blank:
            unit = unit_match.group("unit").strip()
        elif _SOURCE_LINE.match(cells[0].text) and rest_blank:
            source_note = cells[0].text
        elif not all(_MARKDOWN_RULE.match(cell.text) for cell in cells if cell.text):
            rows.append(cells)
    after = stop
    following = _next_nonblank(lines, after)
    if source_note is None and following is not None and _SOURCE_LINE.match(following.text.strip()):
        source_note, end = following.text.strip(), following.end
        after = lines.index(following) + 1
        following = _next_nonblank(lines, after)
    if following is not None and caption_en is None:
        text = following.text.strip()
        if _CAPTION_EN.match(text) and len(text) <= MAX_CAPTION_CHARS and not text.endswith("."):
            caption_en, end = text, following.end
    number = _CAPTION_ZH.match(caption_zh or "") or _CAPTION_EN.match(caption_en or "")
    table_id = f"table{number.group(1)}" if number else f"untitled{ordinal}"
    body = _parse_rows(document.doc_id, table_id, unit, rows)
    if body is None:
        return None
    corner, columns, table_rows = body
    facts = tuple(fact for row in table_rows for fact in row.facts)
    return Table(
        table_id, document.doc_id, caption_zh, caption_en, source_note, unit, start, end,
        facts, corner, columns, table_rows,
    )


def _previous_nonblank(lines: list[Line], index: int) -> Line | None:
    for line in reversed(lines[:index]):
        if not line.is_blank:
            return line
    return None


def _next_nonblank(lines: list[Line], index: int) -> Line | None:
    for line in lines[index:]:
        if not line.is_blank:
            return line
    return None


def _cells(line: Line) -> list[Cell]:
    """The cells of a pipe row with exact spans; a Markdown leading '|' and the trailing
    empty cells ("... | 江门 | |||") are dropped."""
    cells, position = [], line.start
    for part in line.text.split("|"):
        stripped = part.strip()
        offset = part.find(stripped) if stripped else 0
        cells.append(Cell(stripped, position + offset, position + offset + len(stripped)))
        position += len(part) + 1
    if line.text.lstrip().startswith("|"):
        cells = cells[1:]
    while cells and not cells[-1].text:
        cells.pop()
    return cells


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def _parse_rows(
    doc_id: str, table_id: str, unit: str | None, rows: list[list[Cell]]
) -> tuple[str | None, tuple[TableColumn, ...], tuple[TableRow, ...]] | None:
    """(corner label, columns, data rows) of the table rows, or None without a data row."""
    if len(rows) < 2:
        return None
    numeric = any(_is_number(cell.text) for row in rows for cell in row[1:])
    first_texts = [cell.text for cell in rows[0]]

    def is_header(position: int, row: list[Cell]) -> bool:
        if position == 0:
            return True
        if numeric:
            return not any(_is_number(c.text) or (c.text and c.text in NO_DATA) for c in row)
        return [cell.text for cell in row] == first_texts

    blocks: list[tuple[list[list[Cell]], list[list[Cell]]]] = []
    for position, row in enumerate(rows):
        if is_header(position, row):
            if not blocks or blocks[-1][1]:
                blocks.append(([], []))
            blocks[-1][0].append(row)
        else:
            blocks[-1][1].append(row)
    corner: str | None = None
    columns: list[TableColumn] = []
    table_rows: list[TableRow] = []
    for headers, data in blocks:
        width = max((len(row) - 1 for row in data), default=0)
        if width < 1:
            continue
        block_corner, block_columns = _columns(headers, width, first_index=len(columns))
        corner = corner or block_corner
        columns.extend(block_columns)
        for row in data:
            facts = _row_facts(doc_id, table_id, unit, row, block_columns)
            table_rows.append(TableRow(row[0], facts))
    if not table_rows:
        return None
    return corner, tuple(columns), tuple(table_rows)


def _columns(
    headers: list[list[Cell]], width: int, first_index: int
) -> tuple[str | None, list[TableColumn]]:
    """The corner label and the `width` columns that the header rows of a block describe."""
    corner: str | None = None
    levels: list[list[Cell | None]] = []
    for header in headers:
        count = len(header)
        if count == width + 1 or count > width + 1:
            head, spread = header[0], list(header[1 : width + 1])
        elif count == width:
            head, spread = None, list(header)
        elif count > 1 and width % (count - 1) == 0:
            span = width // (count - 1)
            head, spread = header[0], [header[1 + j // span] for j in range(width)]
        elif width % count == 0:
            span = width // count
            head, spread = None, [header[j // span] for j in range(width)]
        else:
            head = header[0]
            spread = [header[1 + j] if 1 + j < count else None for j in range(width)]
        if corner is None and head is not None and head.text:
            corner = head.text
        levels.append(_fill_forward(spread))
    columns = []
    for j in range(width):
        cells = tuple(level[j] for level in levels if level[j] is not None)
        labels = tuple(cell.text for cell in cells) or (f"column {first_index + j + 1}",)
        columns.append(TableColumn(labels, cells))
    return corner, columns


def _fill_forward(spread: list[Cell | None]) -> list[Cell | None]:
    """An empty header cell continues the label on its left (a merged cell)."""
    filled: list[Cell | None] = []
    for cell in spread:
        if (cell is None or not cell.text) and filled:
            cell = filled[-1]
        filled.append(cell if cell is not None and cell.text else None)
    return filled


def _row_facts(
    doc_id: str, table_id: str, unit: str | None, row: list[Cell], columns: list[TableColumn]
) -> tuple[Fact, ...]:
    label = row[0]
    facts = []
    for j, column in enumerate(columns):
        cell = row[1 + j] if 1 + j < len(row) else None
        if cell is None or cell.text in NO_DATA:
            continue
        value = _number(cell.text)
        fact_unit = None if value is None else _fact_unit(cell.text, label.text, column.labels, unit)
        facts.append(
            Fact(
                doc_id=doc_id,
                table_id=table_id,
                row_label=label.text,
                column_labels=column.labels,
                raw=cell.text,
                value=value,
                unit=fact_unit,
                start=cell.start,
                end=cell.end,
            )
        )
    return tuple(facts)


def _number(text: str) -> float | None:
    """The number of a numeric cell ("2418.78", "1,404", "12.5%"); None for text cells."""
    if not _is_number(text):
        return None
    return float(text.rstrip("%").replace(",", ""))


def _fact_unit(
    raw: str, row_label: str, column_labels: tuple[str, ...], unit: str | None
) -> str | None:
    """The unit as written: '%' in the cell, a label's parentheses (row label first, then
    the innermost column label), else the table's unit line."""
    if raw.endswith("%"):
        return "%"
    for label in (row_label, *reversed(column_labels)):
        label_unit = split_label_unit(label)[1]
        if label_unit:
            return label_unit
    return unit
