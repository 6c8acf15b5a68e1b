"""One reader per file format, behind one function: a file -> a `Document`.

Every reader returns the text it extracted with its structure written the way the rest of
`corpus` reads it (`corpus.readers.layout`: Markdown headings, one line per paragraph,
tables as pipe rows, page start offsets), so chunking, table facts and citations work the
same for every format. A file that cannot be read raises `ReadError` saying why.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from corpus.readers.errors import ReadError
from corpus.types import Document

# suffix -> module of corpus.readers with read(path, doc_id, data) -> Document
READERS = {
    ".txt": "plain", ".md": "plain",
    ".pdf": "pdf",
    ".docx": "word",
    ".html": "web", ".htm": "web",
    ".csv": "delimited", ".tsv": "delimited",
    ".xlsx": "sheets",
}
SUFFIXES = tuple(READERS)

__all__ = ["READERS", "SUFFIXES", "ReadError", "read_document"]


def read_document(path: Path, doc_id: str) -> Document:
    """The document of one file, read by the reader of its suffix. Raises `ReadError`
    (the message without the file's name) when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise ReadError(f"is not a format that can be read ({', '.join(SUFFIXES)})")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(f"cannot be read ({error.strerror}); check its permissions") from error
    if not data.strip():
        raise ReadError("is empty; add text or remove the file")
    module = import_module(f"corpus.readers.{READERS[suffix]}")
    return module.read(path, doc_id, data)
