"""`.docx`: a Word document -> headings, paragraphs and tables, in the body's order.

Read with python-docx. The body is walked element by element (python-docx lists
paragraphs and tables separately, which would lose where each table stands). A paragraph
whose style is a heading ("Heading 2", "Title") becomes a heading of that level; a table
becomes a pipe table, a merged cell repeated in each grid column it spans (python-docx
gives the merged cell once per column). Word has no fixed pages, so there are none.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from corpus.readers.errors import ReadError
from corpus.readers.layout import TextBuilder
from corpus.types import Document

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def read(path: Path, doc_id: str, data: bytes) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    if not zipfile.is_zipfile(path):
        raise ReadError("is not a Word .docx file (not a zip package; an old .doc or a "
                        "damaged file?); open it in Word or LibreOffice and save it as .docx")
    try:
        document = docx.Document(str(path))
        builder = TextBuilder()
        for block in document.iter_inner_content():
            if isinstance(block, docx.table.Table):
                builder.table([[cell.text for cell in row.cells] for row in block.rows])
            else:
                _paragraph(builder, block)
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, XMLSyntaxError, ValueError) as error:
        raise ReadError(f"is a damaged Word file ({type(error).__name__}: {error}); "
                        "open it in Word or LibreOffice and save it again") from error
    text = builder.text()
    if not text.strip():
        raise ReadError("holds no text (an empty document, or only images)")
    title = (document.core_properties.title or "").strip() or _first_line(text)
    return Document(doc_id, title, text, source_format="docx")


def _paragraph(builder: TextBuilder, paragraph) -> None:
    style = paragraph.style.name if paragraph.style is not None else ""
    match = _HEADING_STYLE.match(style or "")
    if match:
        builder.heading(paragraph.text, int(match.group(1)))
    elif style == "Title":
        builder.heading(paragraph.text, 1)
    else:
        builder.paragraph(paragraph.text)


def _first_line(text: str) -> str:
    return next(line.lstrip("#").strip() for line in text.splitlines() if line.strip())
