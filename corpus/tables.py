"""Pipe-separated tables in a document -> `Table`s whose data cells are `Fact`s with exact spans.

The layout of the bundled reports (Markdown pipe tables parse too):

    表1 <Chinese caption>        optional caption line just before the rows
    单位:万美元 | ...             optional unit line
    城市 | 广州 | 东莞 ...        header row(s); a header row again part-way through starts
    GDP(亿元人民币) | 19547.44    a new block of columns; two header rows make two-level
    ...                           column labels (city, then 出口/进口)
    资料来源:... |                optional source line
    Table 1 <English caption>     optional English caption

and of financial reports exported to Markdown:

    (in millions, except per share data)       the line before: the table's unit
    |  | Year Ended June 30, |  |               a title row over the years
    |---|---|---|                              the rule line (ignored)
    | (In thousands) | 2019 | 2018 |           a period header row; its corner is a unit
    | Revenue: |  |  |                         a section row (a label, no cells)
    | Net sales | $ 1,452.4 | $(9,982) |       data: money and negatives are numbers

Rules, all general (no table is special-cased): which rows are headers is decided by their
place and the kinds of their cells (`corpus.cells`): the first row is a header; in a table
with numbers, a row with a number or a no-data mark is data, a row of periods ("2019 |
2018"), units ("$'000") or text labels is a header (part-way through, it starts a new block
of columns), a row with only a label is a section row (a title or unit over the first
header is a header). A header cell spanning several columns is written once (4 cities over
8 export/import columns; "Year Ended June 30," over the years) and spread. "—" and empty
cells are "no data" and never become facts. A fact's value is the signed number as written;
its period and year come from its column's labels (title + year), else its row label; its
unit is the cell's "%", else the one written in its row or column labels ("GDP(亿元人民币)",
"Net Change ($)"), a unit row or corner ("$'000", "(In thousands)"), the table's unit line,
caption or the line before it, with the cell's currency ("$") and that scale combined.
Per-share and ratio rows keep no scale; rows labelled as percentages are %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from corpus.cells import (
    NO_DATA,
    CellNumber,
    is_no_data,
    is_period_title,
    label_year,
    period_year,
    read_number,
    row_period,
    strip_footnotes,
)
from corpus.glossary import split_label_unit
from corpus.sentences import Line, split_lines
from corpus.types import Document, Fact
from corpus.units import CURRENCIES, find_unit, header_unit, parse_unit

__all__ = ["NO_DATA", "Cell", "Table", "TableColumn", "TableEntity", "TableRow", "parse_tables",
           "table_entities"]

_CAPTION_ZH = re.compile(r"^表\s*(\d+)")
_CAPTION_EN = re.compile(r"^Table\s*(\d+)", re.IGNORECASE)
_UNIT_LINE = re.compile(r"^(?:单位|Units?)\s*[:：]\s*(?P<unit>\S.*)$", re.IGNORECASE)
_SOURCE_LINE = re.compile(r"^(?:资料来源|数据来源|来源|注|Sources?|Notes?)\s*[:：]", re.IGNORECASE)
_MARKDOWN_RULE = re.compile(r"^:?-{3,}:?$")
MAX_CAPTION_CHARS = 200
_PARENTHESES = re.compile(r"[(（]([^()（）]+)[)）]")

# What a row label says about its numbers, whatever the table's unit ("in millions, except
# per share data"): per-share amounts keep their currency but not the scale, ratios have
# neither, percentages are % ("4.125% bonds" names a rate: a % after a digit is no cue).
ROW_CUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bper\s+(?:[\w-]+\s+){0,2}shares?\b|\bEPS\b", re.IGNORECASE), "per_share"),
    (re.compile(r"\bratios?\b", re.IGNORECASE), "ratio"),
    (re.compile(r"(?<![\d.])(?<![\d.]\s)%|\bper\s?cent(?:age)?s?\b", re.IGNORECASE), "percent"),
)


@dataclass(frozen=True)
class Cell:
    """A cell's stripped text and its span in the document (start == end when empty)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TableColumn:
    """One data column: its labels top-down (("深圳", "进口")) and the header cells they
    come from (a spanning header cell is shared by the columns under it); the period its
    labels name ("Year Ended June 30, 2019") and its year; the unit written over it."""

    labels: tuple[str, ...]
    label_cells: tuple[Cell, ...]
    period: str | None = None
    year: int | None = None
    unit: str | None = None


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
    if any(_label_unit_of_row(row.label.text) for row in table.rows):
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
    markdown = all(line.text.lstrip().startswith("|") for line in lines[first:stop])
    context_unit = None  # written outside the rows: the line before, a caption, a lead-in
    before = _previous_nonblank(lines, first)
    if before is not None and "|" not in before.text:
        text = before.text.strip()
        if _CAPTION_ZH.match(text) and len(text) <= MAX_CAPTION_CHARS:
            caption_zh, start = text, before.start
        elif _CAPTION_EN.match(text) and len(text) <= MAX_CAPTION_CHARS:
            caption_en, start = text, before.start
        context_unit = find_unit(text)
    rows: list[list[Cell]] = []
    for line in lines[first:stop]:
        cells = _cells(line, markdown)
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
    following_index = _next_nonblank_index(lines, after)
    following = lines[following_index] if following_index is not None else None
    if source_note is None and following is not None and _SOURCE_LINE.match(following.text.strip()):
        source_note, end = following.text.strip(), following.end
        after = following_index + 1
        following = _next_nonblank(lines, after)
    if following is not None and caption_en is None:
        text = following.text.strip()
        if _CAPTION_EN.match(text) and len(text) <= MAX_CAPTION_CHARS and not text.endswith("."):
            caption_en, end = text, following.end
            context_unit = context_unit or find_unit(text)
    context_unit = context_unit or _declared_unit(lines, after)
    number = _CAPTION_ZH.match(caption_zh or "") or _CAPTION_EN.match(caption_en or "")
    table_id = f"table{number.group(1)}" if number else f"untitled{ordinal}"
    body = _parse_rows(document.doc_id, table_id, unit or context_unit, rows, markdown)
    if body is None:
        return None
    corner, columns, table_rows, block_unit = body
    facts = tuple(fact for row in table_rows for fact in row.facts)
    return Table(
        table_id, document.doc_id, caption_zh, caption_en, source_note,
        unit or block_unit or context_unit, start, end, facts, corner, columns, table_rows,
    )


def _declared_unit(lines: list[Line], after: int) -> str | None:
    """A scale declared in parentheses in the prose after a table that says none before
    it: "consists of the following (in millions):", "(Tabular amounts in millions, unless
    otherwise disclosed)", "(Expressed in thousands of U.S. dollars, except share data)".
    Exports of reports (TAT-QA's among them) put such lead-in and page-header paragraphs
    after the table, not always next to it, so the search runs to the next table; a
    declaration on the line just before that next table is its lead-in, not this one's."""
    for index in range(after, len(lines)):
        line = lines[index]
        if "|" in line.text:
            return None
        if line.is_blank:
            continue
        for match in _PARENTHESES.finditer(line.text):
            unit = find_unit(match.group(1))
            parsed = parse_unit(unit) if unit else None
            if parsed is not None and parsed.scale != 1:
                following = _next_nonblank(lines, index + 1)
                leads_next_table = following is not None and "|" in following.text
                return None if leads_next_table else unit.strip()
    return None


def _previous_nonblank(lines: list[Line], index: int) -> Line | None:
    """The last non-blank line before `index`, walking by index: slicing `lines[:index]`
    for every table copied the document's lines each time (chunking was quadratic)."""
    position = _previous_nonblank_index(lines, index)
    return lines[position] if position is not None else None


def _previous_nonblank_index(lines: list[Line], index: int) -> int | None:
    for position in range(index - 1, -1, -1):
        if not lines[position].is_blank:
            return position
    return None


def _next_nonblank(lines: list[Line], index: int) -> Line | None:
    position = _next_nonblank_index(lines, index)
    return lines[position] if position is not None else None


def _next_nonblank_index(lines: list[Line], index: int) -> int | None:
    for position in range(index, len(lines)):
        if not lines[position].is_blank:
            return position
    return None


def _cells(line: Line, markdown: bool = False) -> list[Cell]:
    """The cells of a pipe row with exact spans. A Markdown row ("| a |  | b |") keeps its
    empty cells, so cells stay in their columns; otherwise the trailing empty cells
    ("... | 江门 | |||") are dropped."""
    cells, position = [], line.start
    for part in line.text.split("|"):
        stripped = part.strip()
        offset = part.find(stripped) if stripped else 0
        cells.append(Cell(stripped, position + offset, position + offset + len(stripped)))
        position += len(part) + 1
    if line.text.lstrip().startswith("|"):
        cells = cells[1:]
    if markdown:
        if line.text.rstrip().endswith("|") and cells:
            cells.pop()
        return cells
    while cells and not cells[-1].text:
        cells.pop()
    return cells


def _cell_kind(text: str) -> str:
    """"period", "unit", "value" (a number or a no-data mark) or "text"."""
    if period_year(text) is not None:
        return "period"
    if parse_unit(text) is not None:
        return "unit"
    if read_number(text) is not None or is_no_data(text):
        return "value"
    return "text"


def _is_title_or_unit(text: str) -> bool:
    return is_period_title(text) or _corner_unit(text) is not None


def _corner_unit(text: str) -> str | None:
    """The unit in a corner cell: all of it ("£m") or a part ("(Dollars in Millions)")."""
    return header_unit(text) or find_unit(text)


def _row_role(position: int, row: list[Cell], first: list[Cell], numeric: bool,
              seen_data: bool) -> str:
    """"header", "data" or "section" (a label alone over the rows it groups)."""
    if position == 0:
        return "header"
    if not numeric:  # a text table: only a repeat of the first row is a header
        return "header" if [c.text for c in row] == [c.text for c in first] else "data"
    kinds = [_cell_kind(cell.text) for cell in row[1:] if cell.text]
    if not kinds:
        return "header" if not seen_data and _is_title_or_unit(row[0].text) else "section"
    if "value" in kinds:
        return "data"
    return "header"


@dataclass
class _Block:
    """Header rows and the rows under them, while a table is being read."""

    headers: list[list[Cell]] = field(default_factory=list)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)  # (role, cells)


def _parse_rows(
    doc_id: str, table_id: str, unit: str | None, rows: list[list[Cell]], markdown: bool
) -> tuple[str | None, tuple[TableColumn, ...], tuple[TableRow, ...], str | None] | None:
    """(corner label, columns, data rows, the first block's unit) of the table rows, or
    None without a data row."""
    if len(rows) < 2:
        return None
    numeric = any(read_number(cell.text) is not None for row in rows for cell in row[1:])
    blocks: list[_Block] = []
    seen_data = False
    for position, row in enumerate(rows):
        role = _row_role(position, row, rows[0], numeric, seen_data)
        if role == "header":
            if not blocks or blocks[-1].rows:
                blocks.append(_Block())
            blocks[-1].headers.append(row)
        else:
            blocks[-1].rows.append((role, row))
            seen_data = seen_data or role == "data"
    corner: str | None = None
    first_unit: str | None = None
    columns: list[TableColumn] = []
    table_rows: list[TableRow] = []
    for block in blocks:
        width = max((len(row) - 1 for _, row in block.rows), default=0)
        if width < 1:
            continue
        header = _read_header(block.headers, width, len(columns), markdown)
        corner = corner or header.corner
        first_unit = first_unit or header.unit
        columns.extend(header.columns)
        section: tuple[str, int] | None = None
        group: str | None = None  # a corner names the row labels' column ("Region"), not a group
        currencies = _column_currencies([row for role, row in block.rows if role == "data"], width)
        for role, row in block.rows:
            if role == "section":
                dated = row_period(row[0].text)
                section = dated or section
                group = _group_label(row[0].text) or group  # a period row keeps the group
                table_rows.append(TableRow(row[0], ()))
                continue
            context = _RowContext(doc_id, table_id, header.unit or unit, section, currencies, group)
            table_rows.append(TableRow(row[0], _row_facts(context, row, header.columns)))
    if not table_rows:
        return None
    return corner, tuple(columns), tuple(table_rows), first_unit


@dataclass(frozen=True)
class _Header:
    corner: str | None
    columns: list[TableColumn]
    unit: str | None  # written once for the whole block: in the corner or a unit row


def _read_header(headers: list[list[Cell]], width: int, first_index: int,
                 markdown: bool) -> _Header:
    """The corner label, the `width` columns and the unit that the header rows of a block
    describe. Unit cells ("$'000", "(in thousands)") give units, not labels; period titles
    in the corner ("Years ended August 31,") head the periods of the columns."""
    corner: str | None = None
    block_unit: str | None = None
    titles: list[str] = []
    levels: list[list[Cell | None]] = []
    units: list[str | None] = [None] * width
    for header in headers:
        head, spread = _spread(header, width, markdown)
        if head is not None and head.text:
            corner = corner or head.text
            if is_period_title(head.text):
                titles.append(head.text)
            block_unit = block_unit or _corner_unit(head.text)
        present = [cell if cell is not None and cell.text else None for cell in spread]
        unit_cells = [j for j, cell in enumerate(present) if cell and header_unit(cell.text)]
        labels = [cell if j not in unit_cells else None for j, cell in enumerate(present)]
        if len(unit_cells) == 1 and not any(labels):
            block_unit = block_unit or header_unit(spread[unit_cells[0]].text)
        else:
            for j in unit_cells:
                units[j] = header_unit(spread[j].text)
        if any(labels):
            levels.append(_fill(labels, unit_cells) if markdown else _fill_forward(labels))
    columns = []
    for j in range(width):
        cells = tuple(level[j] for level in levels if level[j] is not None)
        labels = tuple(cell.text for cell in cells) or (f"column {first_index + j + 1}",)
        period, year = _column_period(labels if cells else (), titles)
        columns.append(TableColumn(labels, cells, period, year, units[j] or _label_unit(labels)))
    return _Header(corner, columns, block_unit)


def _spread(header: list[Cell], width: int, markdown: bool) -> tuple[Cell | None, list[Cell | None]]:
    """The corner cell and the cell over each of the `width` columns of one header row.
    A Markdown row is in its columns already; otherwise fewer cells than columns spread
    evenly (4 cities over 8 export/import columns)."""
    count = len(header)
    if markdown:
        spread = list(header[1 : width + 1])
        return header[0], spread + [None] * (width - len(spread))
    if count == width + 1 or count > width + 1:
        return header[0], list(header[1 : width + 1])
    if count == width:
        return None, list(header)
    if count > 1 and width % (count - 1) == 0:
        span = width // (count - 1)
        return header[0], [header[1 + j // span] for j in range(width)]
    if width % count == 0:
        span = width // count
        return None, [header[j // span] for j in range(width)]
    return header[0], [header[1 + j] if 1 + j < count else None for j in range(width)]


def _fill(spread: list[Cell | None], unit_columns: list[int]) -> list[Cell | None]:
    """Spanning cells of a Markdown header row: one cell alone is over every column (a
    title, wherever the export put it); a label repeated ("% of | | % of") is its own
    column's; otherwise an empty cell continues the label on its left (a merged cell),
    except over a column whose unit the row gives ("Note | $'000 | $'000")."""
    present = [cell for cell in spread if cell is not None and cell.text]
    if len(present) == 1 and not unit_columns:
        return [present[0]] * len(spread)
    if len({cell.text for cell in present}) < len(present):
        return spread
    filled = _fill_forward(spread)
    return [None if j in unit_columns else cell for j, cell in enumerate(filled)]


def _column_period(labels: tuple[str, ...], titles: list[str]) -> tuple[str | None, int | None]:
    """("Year Ended June 30, 2019", 2019) for the labels ("Year Ended June 30,", "2019"):
    the lowest label that is a period, after the period titles above it and in the
    corner; else a label naming one year among other words ("2019 actual"). None when
    the labels name two years ("2019 vs 2018", "2019 %" over "Change from 2018")."""
    years = {label_year(label) for label in labels} - {None}
    if len({y for label in labels for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", label)}) > 1:
        return None, None
    for index in range(len(labels) - 1, -1, -1):
        year = period_year(labels[index])
        if year is not None:
            above = [label for label in labels[:index] if is_period_title(label)]
            return " ".join([*titles, *above, strip_footnotes(labels[index])]), year
    for label in reversed(labels):
        year = label_year(label)
        if year is not None and len(years) == 1:
            return strip_footnotes(label), year
    return None, None


def _label_unit(labels: tuple[str, ...]) -> str | None:
    """The unit written in a column's labels, lowest first: "Net Change ($)", "Cap (%)",
    "Payments Due (in thousands)"; "%" for a percentage column ("% Change")."""
    for label in reversed(labels):
        written = find_unit(label)
        if written is not None:
            return written
    for label in reversed(labels):
        if _row_cue(label) == "percent":
            return "%"
    return None


def _row_cue(label: str) -> str | None:
    for pattern, cue in ROW_CUES:
        if pattern.search(label):
            return cue
    return None



def _fill_forward(spread: list[Cell | None]) -> list[Cell | None]:
    """An empty header cell continues the label on its left (a merged cell)."""
    filled: list[Cell | None] = []
    for cell in spread:
        if (cell is None or not cell.text) and filled:
            cell = filled[-1]
        filled.append(cell if cell is not None and cell.text else None)
    return filled


@dataclass(frozen=True)
class _RowContext:
    """What a data row's facts share: where they are, the unit of their block or table
    and the period of the section row above them ("2019 Fiscal Year")."""

    doc_id: str
    table_id: str
    unit: str | None
    section: tuple[str, int] | None
    currencies: tuple[str | None, ...] = ()  # per column: the currency its cells write, if one
    group: str | None = None  # the label of the section row above ("Payments", "Net cash provided by:")


def _column_currencies(rows: list[list[Cell]], width: int) -> tuple[str | None, ...]:
    """Per column, the one currency symbol its cells write ("$" on the first and total
    rows only, as accounts are set): every amount of the column is in it."""
    found: list[set[str]] = [set() for _ in range(width)]
    for row in rows:
        for j, cell in enumerate(row[1 : width + 1]):
            number = read_number(cell.text) if cell.text else None
            if number is not None and number.currency:
                found[j].add(number.currency)
    return tuple(next(iter(f)) if len(f) == 1 else None for f in found)


def _row_facts(context: _RowContext, row: list[Cell], columns: list[TableColumn]) -> tuple[Fact, ...]:
    label = row[0]
    dates = [p for cell in row[1:] if cell.text and (p := row_period(cell.text)) and period_year(cell.text)]
    row_dated = row_period(label.text) or (dates[0] if len(dates) == 1 else None) or context.section
    facts = []
    for j, column in enumerate(columns):
        cell = row[1 + j] if 1 + j < len(row) else None
        if cell is None or cell.text in NO_DATA:
            continue
        number = read_number(cell.text)
        if number is not None and number.currency is None and number.suffix is None \
                and j < len(context.currencies) and context.currencies[j] \
                and _row_cue(label.text) not in ("percent", "ratio"):
            number = replace(number, currency=context.currencies[j])
        period, year = (column.period, column.year) if column.year is not None else (row_dated or (None, None))
        facts.append(
            Fact(
                doc_id=context.doc_id,
                table_id=context.table_id,
                row_label=label.text,
                column_labels=column.labels,
                raw=cell.text,
                value=None if number is None else number.value,
                unit=None if number is None else _fact_unit(number, label.text, column, context.unit),
                start=cell.start,
                end=cell.end,
                period=period,
                year=year,
                group=context.group,
            )
        )
    return tuple(facts)


def _group_label(text: str | None) -> str | None:
    """The words a section row says its rows belong to ("Payments",
    "Net cash provided by (used in):", a segment's name), or None for a unit, a period
    or a period title, which say when or in what, not which."""
    if not text:
        return None
    label = text.strip().rstrip(":：").strip()
    if (not re.search(r"[^\W\d_]", label) or is_period_title(label) or label_year(label) is not None
            or _corner_unit(label) is not None):
        return None
    return label


def _fact_unit(number: CellNumber, row_label: str, column: TableColumn, unit: str | None) -> str | None:
    """The unit of a numeric cell as a `parse_unit` expression: the cell's "%" or "bps";
    else the first written of the row label's unit, a percentage row's "%", the column's
    unit, the block's or table's unit; a currency alone ("$" in the cell or the column)
    and a scale alone ("in thousands") are combined ("$ in thousands"). Per-share and
    ratio rows drop the scale."""
    if number.suffix:
        return number.suffix
    cue = _row_cue(row_label)
    row_unit = _label_unit_of_row(row_label)
    if row_unit is not None:
        return row_unit
    if cue == "percent" and number.currency is None:
        return "%"
    written = [w for w in (column.unit, unit) if w is not None]
    if cue in ("per_share", "ratio"):
        if cue == "ratio":
            return None
        currencies = [parse_unit(w).unit for w in written if parse_unit(w).unit in CURRENCIES]
        return number.currency or (currencies[0] if currencies else None)
    if not written:
        return number.currency
    first = written[0]
    parsed = parse_unit(first)
    if parsed is None or parsed.unit not in (None, *CURRENCIES):
        return first
    if parsed.unit is None:  # a scale alone: the currency from the cell, else none
        return f"{number.currency} {first}" if number.currency else first
    if parsed.scale == 1:  # a currency alone: a scale written further out, if they agree
        for further in written[1:]:
            combined = f"{first} {further}"
            if parse_unit(further).scale != 1 and parse_unit(combined) is not None:
                return combined
    return first


def _label_unit_of_row(label: str) -> str | None:
    """A unit in the row label's parentheses that `parse_unit` reads ("GDP(亿元人民币)",
    "Sales (t)"); a footnote ("(1)") or a remark ("(Restated)") is none."""
    written = split_label_unit(label)[1]
    return written if written and parse_unit(written) is not None else None
