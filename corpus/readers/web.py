"""`.html` / `.htm`: a saved web page -> headings, paragraphs and tables, in page order.

Parsed by lxml's HTML parser (the libxml2 parser browsers' quirks are modelled on, and
forgiving of broken markup). Scripts, styles and the page's furniture (`nav`, `header`,
`footer`, `aside`, forms) are dropped; `h1`-`h6` become headings, block elements
(`p`, `li`, `div`, ...) paragraphs, and `<table>` a pipe table with `colspan`/`rowspan`
cells repeated in each column and row they cover, its `<caption>` the line before it.
The encoding is the page's own (`<meta charset>`) when its bytes are not UTF-8, else
detected.
"""

from __future__ import annotations

import re
from pathlib import Path

from corpus.readers.encoding import decode_text
from corpus.readers.errors import ReadError
from corpus.readers.layout import TextBuilder, clean_inline
from corpus.types import Document

_DROPPED = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside",
            "form", "button", "select", "svg", "iframe", "head"}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "section",
           "article", "main", "figure", "figcaption", "caption", "address", "center", "body",
           "hr", "br", "tr", "td", "th"}
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_MARKUP = re.compile(r"<\s*(html|head|body|p|div|table|h[1-6]|!doctype)\b", re.IGNORECASE)


def read(path: Path, doc_id: str, data: bytes) -> Document:
    from lxml import etree, html

    declared = _META_CHARSET.search(data[:4096])
    text, encoding = decode_text(data, declared.group(1).decode("ascii") if declared else None)
    if not _MARKUP.search(text):
        raise ReadError("has no HTML markup (no <html>, <body>, <p> or <table>); "
                        "is it really a web page? Save it as .txt if it is plain text")
    try:
        root = html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (etree.ParserError, ValueError) as error:
        raise ReadError(f"cannot be parsed as HTML ({error})") from error
    builder = TextBuilder()
    _Walker(builder).block(root)
    extracted = builder.text()
    if not extracted.strip():
        raise ReadError("holds no visible text once scripts and navigation are dropped")
    title = clean_inline(root.findtext(".//title") or "") or _first_line(extracted)
    return Document(doc_id, title, extracted, encoding=encoding, source_format="html")


def _first_line(text: str) -> str:
    return next(line.lstrip("#").strip() for line in text.splitlines() if line.strip())


class _Walker:
    """Depth-first walk that gathers inline text into the current paragraph and flushes
    it at every block boundary."""

    def __init__(self, builder: TextBuilder):
        self.builder = builder
        self.inline: list[str] = []

    def flush(self) -> None:
        self.builder.paragraph("".join(self.inline))
        self.inline = []

    def block(self, element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag in _DROPPED or not isinstance(element.tag, str):
            self.inline.append(element.tail or "")
            return
        if tag in _HEADINGS:
            self.flush()
            self.builder.heading(element.text_content(), _HEADINGS[tag])
        elif tag == "table":
            self.flush()
            caption = element.find("caption")
            if caption is not None:  # the line before a table is where its caption is read
                self.builder.paragraph(_cell_text(caption))
            self.builder.table(_table_rows(element))
        elif tag == "pre":
            self.flush()
            self.builder.paragraph(element.text_content())
        else:
            is_block = tag in _BLOCKS
            if is_block:
                self.flush()
            self.inline.append(element.text or "")
            for child in element:
                self.block(child)
            if is_block:
                self.flush()
        self.inline.append(element.tail or "")


def _table_rows(table) -> list[list[str]]:
    """The table's grid: rows of cell texts, a spanning cell repeated in every column and
    row it covers (nested tables are read as their cells' text)."""
    grid: dict[tuple[int, int], str] = {}
    rows = [row for row in table.iter("tr") if _owner_table(row) is table]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = _cell_text(cell)
            for dr in range(_span(cell, "rowspan")):
                for dc in range(_span(cell, "colspan")):
                    grid[(r + dr, c + dc)] = text
            c += _span(cell, "colspan")
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def _owner_table(row):
    parent = row.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _cell_text(cell) -> str:
    for dropped in [element for element in cell.iter(*_DROPPED) if element is not cell]:
        dropped.drop_tree()
    return clean_inline(cell.text_content())


def _span(cell, name: str) -> int:
    try:
        return min(max(int(cell.get(name, "1")), 1), 1000)
    except ValueError:
        return 1
