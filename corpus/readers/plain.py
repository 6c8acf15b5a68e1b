"""`.txt` and `.md`: the decoded text is the document, with nothing changed, so every
offset cites the file itself (a Markdown heading's `#` marks already make sections, and
the chunker keeps fenced code whole). A Markdown file's YAML front matter (`---` lines
around `key: value` pairs at the very top) gives its title when it has a `title:`."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.readers.encoding import decode_text
from corpus.readers.errors import ReadError
from corpus.types import Document

_BOM = "\ufeff"
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_TITLE_KEY = re.compile(r"^title[ \t]*:[ \t]*(?P<title>.+?)[ \t]*$", re.MULTILINE)


def read(path: Path, doc_id: str, data: bytes) -> Document:
    text, encoding = decode_text(data)
    if not text.replace(_BOM, "").strip():
        raise ReadError("is empty; add text or remove the file")
    markdown = path.suffix.lower() == ".md"
    title = (front_matter_title(text) if markdown else None) or first_line(text, markdown)
    return Document(doc_id, title, text, encoding=encoding, source_format="markdown" if markdown else "text")


def front_matter_title(text: str) -> str | None:
    """The `title:` of a Markdown file's front matter, unquoted; None without one."""
    front = _FRONT_MATTER.match(text)
    title = _TITLE_KEY.search(front.group("body")) if front else None
    return title.group("title").strip("\"'") if title else None


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
