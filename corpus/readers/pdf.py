"""`.pdf`: text in reading order with its pages, ruled tables as tables.

Read with pdfplumber (pdfminer.six underneath), which gives every character with its
position and font size and finds ruled tables from the page's lines. On each page the
tables are cut out first; the remaining text lines are joined into paragraphs (a line
that stops short of the column's right edge, or a wider gap, ends one) and a line set in
a larger font than the body becomes a heading. A table that ends one page and starts the
next with as many columns is one table. Page numbers alone on a line in the top or
bottom margin are dropped. Encrypted, truncated, damaged and image-only PDFs are refused,
each with its own message; pages with no text layer (scanned pages in a PDF that has text
elsewhere) are named in `Document.notes`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from corpus.readers.errors import ReadError
from corpus.readers.layout import TextBuilder, join_wrapped
from corpus.types import Document

HEADING_SIZE_RATIO = 1.15
PARAGRAPH_GAP_RATIO = 0.6     # a gap over this share of the line height starts a paragraph
SHORT_LINE_RATIO = 0.85       # a line ending before this share of the column width ends one
MARGIN_RATIO = 0.08           # top and bottom share of the page where page numbers stand
_NUMBER_BREAK = re.compile(r"[\d.,]\d")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SENTENCE_END = tuple(".!?。!?:：;；\"”)）")
_PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:page\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*-)?$", re.IGNORECASE)


@dataclass(frozen=True)
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass(frozen=True)
class _Table:
    rows: list[list[str]]
    top: float


def read(path: Path, doc_id: str, data: bytes) -> Document:
    pages = _open_pages(path, data)
    lines_by_page, tables_by_page = zip(*pages) if pages else ((), ())
    body_size = _body_size(lines_by_page)
    builder = TextBuilder()
    empty_pages = []
    open_end = False  # the last paragraph ran to the page's end: the next page may continue it
    for number, (lines, tables) in enumerate(zip(lines_by_page, tables_by_page), start=1):
        builder.new_page()
        if not lines and not tables:
            empty_pages.append(number)
        blocks = sorted([*tables, *_paragraphs(lines, body_size)], key=lambda block: block[0].top
                        if isinstance(block, tuple) else block.top)
        for position, block in enumerate(blocks):
            if isinstance(block, _Table):
                builder.table(block.rows, continues=position == 0)
            elif block[1]:
                builder.heading(block[0].text, 2)
            else:
                builder.paragraph(block[0].text, continues=position == 0 and open_end)
            open_end = not isinstance(block, _Table) and block[2]
    text = builder.text()
    if not text.strip():
        raise ReadError(f"has no text layer on any of its {len(lines_by_page)} page(s) "
                        "(a scanned or image-only PDF); run OCR on it first (e.g. ocrmypdf)")
    title = next(line.lstrip("#").strip() for line in text.splitlines() if line.strip())
    notes = (f"page(s) {', '.join(map(str, empty_pages))} have no text layer (scanned?) and were "
             "not read; run OCR on them to include them",) if empty_pages else ()
    return Document(doc_id, title, text, pages=builder.page_starts(), source_format="pdf", notes=notes)


def _open_pages(path: Path, data: bytes) -> list[tuple[list[_Line], list[_Table]]]:
    """Each page's text lines (outside tables) and tables, or a `ReadError` saying why
    the file cannot be read."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    if not data.lstrip()[:5] == b"%PDF-":
        raise ReadError("is not a PDF (it does not start with %PDF-); is it misnamed?")
    if b"%%EOF" not in data[-2048:]:
        raise ReadError("is truncated (no end-of-file marker; the download or copy was cut "
                        "short); get the whole file again")
    try:
        with pdfplumber.open(path) as pdf:
            return [_page_content(page) for page in pdf.pages]
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ReadError("is encrypted (password-protected); save an unprotected copy") from error
        raise ReadError(f"is a damaged PDF ({type(cause).__name__}: {cause}); "
                        "re-save or re-export it") from error
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as error:
        raise ReadError(f"is a damaged PDF ({type(error).__name__}: {error}); "
                        "re-save or re-export it") from error


def _page_content(page) -> tuple[list[_Line], list[_Table]]:
    found = page.find_tables()
    tables = [_Table(_unmerged(table.extract()), table.bbox[1]) for table in found]
    outside = page
    for table in found:
        outside = outside.outside_bbox(table.bbox)
    lines = []
    for line in outside.extract_text_lines(return_chars=True, strip=True):
        text = line["text"].strip()
        in_margin = line["bottom"] < page.height * MARGIN_RATIO or line["top"] > page.height * (1 - MARGIN_RATIO)
        if not text or (in_margin and _PAGE_NUMBER.match(text)):
            continue
        sizes = Counter(round(char["size"], 1) for char in line["chars"])
        lines.append(_Line(text, line["x0"], line["x1"], line["top"], line["bottom"], sizes.most_common(1)[0][0]))
    return lines, tables


def _unmerged(rows: list[list[str | None]]) -> list[list[str]]:
    """pdfplumber gives None for the grid cells a merged cell covers; as in the other
    readers, the merged cell is repeated there: from its left (a header over several
    columns, the common case), else from above (a label over several rows)."""
    grid: list[list[str]] = []
    for r, row in enumerate(rows):
        out: list[str] = []
        for c, cell in enumerate(row):
            if cell is None:
                cell = out[c - 1] if c > 0 else (grid[r - 1][c] if r > 0 and c < len(grid[r - 1]) else "")
            else:
                cell = _cell_lines_joined(cell)
            out.append(cell)
        grid.append(out)
    return grid


def _cell_lines_joined(text: str) -> str:
    """A cell's wrapped lines as one line. A cell with Chinese in it is wrapped anywhere
    (CJK typesetting breaks between any two characters, "201" / "7年" included), so its
    lines join with nothing between; other cells wrap at spaces, so they join with one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if _HAN.search(text):
        return "".join(lines)
    joined = lines[0] if lines else ""
    for line in lines[1:]:  # a number wrapped in a narrow cell ("171173." / "6") is one number
        joined = joined + line if _NUMBER_BREAK.match(joined[-1] + line[0]) else join_wrapped([joined, line])
    return joined


def _body_size(lines_by_page) -> float:
    """The font size most characters are set in."""
    sizes = Counter()
    for lines in lines_by_page:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _paragraphs(lines: list[_Line], body_size: float) -> list[tuple[_Line, bool, bool]]:
    """Lines joined into paragraphs: (a line spanning the paragraph, is it a heading,
    does its last line run to the right edge without ending a sentence, so a paragraph
    at the top of the next page may continue it)."""
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    width = max(right - left, 1.0)
    paragraphs: list[tuple[_Line, bool, bool]] = []
    current: list[_Line] = []

    def flush() -> None:
        if current:
            heading = current[0].size > body_size * HEADING_SIZE_RATIO
            text = join_wrapped([line.text for line in current])
            first, last = current[0], current[-1]
            open_end = last.x1 - left >= SHORT_LINE_RATIO * width and not last.text.endswith(_SENTENCE_END)
            paragraphs.append((_Line(text, first.x0, last.x1, first.top, last.bottom, first.size), heading,
                               open_end and not heading))
            current.clear()

    for line in lines:
        if current:
            previous = current[-1]
            height = max(previous.bottom - previous.top, 1.0)
            in_heading = previous.size > body_size * HEADING_SIZE_RATIO  # a heading wraps short
            ends = (
                line.top - previous.bottom > PARAGRAPH_GAP_RATIO * height
                or (previous.x1 - left < SHORT_LINE_RATIO * width and not in_heading)
                or abs(line.size - previous.size) > 0.5
            )
            if ends:
                flush()
        current.append(line)
    flush()
    return paragraphs
