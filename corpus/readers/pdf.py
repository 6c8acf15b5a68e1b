"""`.pdf`: text in reading order with its pages, ruled tables as tables.

Read with pdfplumber (pdfminer.six underneath), which gives every character with its
position and font size and finds ruled tables from the page's lines. On each page the
tables are cut out first; the remaining text lines are joined into paragraphs (a line
that leaves room for the next line's first word, or a wider gap, ends one) and a line set
in a larger font than the body becomes a heading. One column is read, top to bottom (a
two-column page is not yet told apart). A table that ends one page and starts the
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
    first_word: float = 0.0  # width of the line's first word (one character for Chinese)


@dataclass(frozen=True)
class _Table:
    rows: list[list[str]]
    top: float

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)


@dataclass(frozen=True)
class _Paragraph:
    """Lines joined: `line` spans them; `room` is what its last line left free when it
    does not end a sentence (None otherwise): a paragraph at the top of the next page
    continues it when its first word needed more than that."""

    line: _Line
    heading: bool
    room: float | None

    @property
    def top(self) -> float:
        return self.line.top


def read(path: Path, doc_id: str, data: bytes) -> Document:
    pages = _open_pages(path, data)
    lines_by_page, tables_by_page = zip(*pages) if pages else ((), ())
    body_size = _body_size(lines_by_page)
    builder = TextBuilder()
    empty_pages = []
    last: _Table | _Paragraph | None = None  # the previous page's last block
    for number, (lines, tables) in enumerate(zip(lines_by_page, tables_by_page), start=1):
        builder.new_page()
        if not lines and not tables:
            empty_pages.append(number)
        blocks = sorted([*tables, *_paragraphs(lines, body_size)], key=lambda block: block.top)
        for position, block in enumerate(blocks):
            first = position == 0
            if isinstance(block, _Table):
                # a table cut by the page break goes on with as many columns
                builder.table(block.rows, continues=first and isinstance(last, _Table) and last.width == block.width)
            elif block.heading:
                builder.heading(block.line.text, 2)
            else:
                # a paragraph cut by the page break: the first word here did not fit there
                continues = (first and isinstance(last, _Paragraph) and last.room is not None
                             and last.room <= block.line.first_word)
                builder.paragraph(block.line.text, continues=continues)
            last = block
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
    boxes = [table.bbox for table in found]

    def outside_tables(obj: dict) -> bool:
        """By the character's centre: a caption line touching the table's last rule
        (LibreOffice sets them 0.6 pt apart) stays text."""
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    outside = page.filter(outside_tables) if boxes else page
    lines = []
    for line in outside.extract_text_lines(return_chars=True, strip=True):
        text = line["text"].strip()
        in_margin = line["bottom"] < page.height * MARGIN_RATIO or line["top"] > page.height * (1 - MARGIN_RATIO)
        if not text or (in_margin and _PAGE_NUMBER.match(text)):
            continue
        sizes = Counter(round(char["size"], 1) for char in line["chars"])
        lines.append(_Line(text, line["x0"], line["x1"], line["top"], line["bottom"], sizes.most_common(1)[0][0],
                           _first_word_width(line["chars"])))
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


def _first_word_width(chars: list[dict]) -> float:
    """How wide the line's first word is: up to the first space, or one character when
    it is Chinese (which wraps between any two characters)."""
    visible = [char for char in chars if char["text"].strip()]
    if not visible:
        return 0.0
    if _HAN.match(visible[0]["text"]):
        return visible[0]["x1"] - visible[0]["x0"]
    end = visible[0]["x1"]
    for previous, char in zip(visible, visible[1:]):
        if char["x0"] - previous["x1"] > 0.2 * char["size"]:  # a space
            break
        end = char["x1"]
    return end - visible[0]["x0"]


def _body_size(lines_by_page) -> float:
    """The font size most characters are set in."""
    sizes = Counter()
    for lines in lines_by_page:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _paragraphs(lines: list[_Line], body_size: float) -> list[_Paragraph]:
    """The page's lines joined into paragraphs, in order."""
    if not lines:
        return []
    # the text's right edge, per font size: a wide title does not widen the body's
    right: dict[float, float] = {}
    for line in lines:
        right[line.size] = max(right.get(line.size, 0.0), line.x1)
    paragraphs: list[_Paragraph] = []
    current: list[_Line] = []

    def flush() -> None:
        if current:
            heading = current[0].size > body_size * HEADING_SIZE_RATIO
            text = join_wrapped([line.text for line in current])
            first, last = current[0], current[-1]
            open_end = not heading and not last.text.endswith(_SENTENCE_END)
            paragraphs.append(_Paragraph(
                _Line(text, first.x0, last.x1, first.top, last.bottom, first.size, first.first_word),
                heading, right[last.size] - last.x1 - 0.5 * last.size if open_end else None))
            current.clear()

    for line in lines:
        if current:
            previous = current[-1]
            height = max(previous.bottom - previous.top, 1.0)
            in_heading = previous.size > body_size * HEADING_SIZE_RATIO  # a heading wraps short
            # a line ends its paragraph when the next line's first word would have fit on it
            room = right[previous.size] - previous.x1 - 0.5 * previous.size  # less a space
            ends = (
                line.top - previous.bottom > PARAGRAPH_GAP_RATIO * height
                or (room > line.first_word and not in_heading)
                or abs(line.size - previous.size) > 0.5
            )
            if ends:
                flush()
        current.append(line)
    flush()
    return paragraphs
