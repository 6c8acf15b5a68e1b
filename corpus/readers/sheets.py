"""`.xlsx`: a workbook -> one table per sheet, under a heading with the sheet's name.

Read with openpyxl in read-only, values-only mode (a formula cell gives the value Excel
last saved, not the formula). A cell is written as the workbook shows it where that
matters to a figure: a number formatted as a percentage (0.125 under `0.0%`) as `12.5%`,
a whole float without its `.0`, a date as ISO `2021-06-30`. A merged range is repeated in
every cell it covers, as the other readers do. Empty sheets are left out.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from pathlib import Path

from corpus.readers.errors import ReadError
from corpus.readers.layout import TextBuilder
from corpus.types import Document


def read(path: Path, doc_id: str, data: bytes) -> Document:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise ReadError("is not an Excel .xlsx file (not a zip package; an old .xls or a "
                        "damaged file?); open it in Excel or LibreOffice and save it as .xlsx")
    try:
        workbook = load_workbook(path, read_only=False, data_only=True)
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as error:
        raise ReadError(f"is a damaged Excel file ({type(error).__name__}: {error}); "
                        "open it in Excel or LibreOffice and save it again") from error
    builder = TextBuilder()
    for sheet in workbook.worksheets:
        rows = _grid(sheet)
        if any(any(row) for row in rows):
            builder.heading(sheet.title, 2)
            builder.table(rows)
    text = builder.text()
    if not text.strip():
        raise ReadError("holds no values in any sheet")
    title = (workbook.properties.title or "").strip() or path.stem
    return Document(doc_id, title, text, source_format="xlsx")


def _grid(sheet) -> list[list[str]]:
    rows = [[_shown(cell) for cell in row] for row in sheet.iter_rows()]
    for merged in sheet.merged_cells.ranges:
        value = rows[merged.min_row - 1][merged.min_col - 1] if rows else ""
        for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(rows[r]))):
                rows[r][c] = value
    return rows


def _shown(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or ""):
            return f"{value * 100:.10g}%"
        return f"{value:.15g}"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.date().isoformat() if isinstance(value, _dt.datetime) else value.isoformat()
    return str(value)
