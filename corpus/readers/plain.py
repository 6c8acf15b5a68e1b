"""`.txt` and `.md`: the decoded text is the document, with nothing changed, so every
offset cites the file itself (a Markdown heading's `#` marks already make sections)."""

from __future__ import annotations

from pathlib import Path

from corpus.readers.encoding import decode_text
from corpus.readers.errors import ReadError
from corpus.types import Document

_BOM = "\ufeff"


def read(path: Path, doc_id: str, data: bytes) -> Document:
    text, encoding = decode_text(data)
    if not text.replace(_BOM, "").strip():
        raise ReadError("is empty; add text or remove the file")
    return Document(doc_id, first_line(text, markdown=path.suffix.lower() == ".md"), text,
                    encoding=encoding, source_format="markdown" if path.suffix.lower() == ".md" else "text")


def first_line(text: str, markdown: bool = True) -> str:
    """The title: the first non-blank line, a Markdown heading's '#' marks stripped."""
    for line in text.replace(_BOM, "", 1).split("\n"):
        line = line.strip()
        if not line:
            continue
        if markdown and line.startswith("#"):
            line = line.lstrip("#").strip() or line
        return line
    return ""
