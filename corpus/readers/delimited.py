"""`.csv` and `.tsv`: each file is one table, its first row the header.

The file's name becomes a heading above the table (so its rows have a section), and the
rows become pipe rows that `corpus.tables` reads into facts like any other table. The
delimiter of a `.csv` is sniffed among comma, semicolon and tab (Excel in many locales
writes semicolons); a `.tsv` is tab-separated.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from corpus.readers.encoding import decode_text
from corpus.readers.errors import ReadError
from corpus.readers.layout import TextBuilder
from corpus.types import Document

_SAMPLE_CHARS = 8192


def read(path: Path, doc_id: str, data: bytes) -> Document:
    text, encoding = decode_text(data)
    text = text.lstrip("\ufeff")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff(text)
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise ReadError(f"is not valid CSV ({error}); check its quoting") from error
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ReadError("has fewer than two rows (a header and data); nothing to index")
    builder = TextBuilder()
    builder.heading(path.stem, level=1)
    builder.table(rows)
    return Document(doc_id, path.stem, builder.text(), encoding=encoding, source_format="csv")


def _sniff(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:_SAMPLE_CHARS], delimiters=",;\t").delimiter
    except csv.Error:
        return ","
