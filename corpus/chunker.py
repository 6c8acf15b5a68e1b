"""Documents -> `Chunk`s, the units that get indexed and cited.

Prose goes into sentence-aware windows inside one section (a chunk never straddles two
headings or a table, so its `section` is unambiguous); in Markdown, a fenced code block
is one unit, never cut into sentences or across chunks, and its lines are never headings; each table yields one bilingual
`table_row` chunk per entity (see `corpus.tables.table_entities`) and one `table` chunk
holding the whole table block verbatim. Every chunk cites a span of its document; prose
chunks' text is exactly that span, checked as they are built.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from corpus.errors import CorpusError, SettingsError
from corpus.glossary import Glossary, load_glossary
from corpus.sentences import (
    Line,
    heading_text,
    is_heading,
    sentence_spans,
    split_lines,
    split_long_span,
)
from corpus.tables import Table, TableEntity, parse_tables, table_entities
from corpus.types import Chunk, Document, Fact

# Bump when the chunking algorithm changes, so indexes built by another one are refused.
# 2: table facts have a period and year; Markdown tables read as reports write them.
# 3: a scale declared anywhere in the prose after a table, up to the next table, is its unit;
#    numbers with footnote marks ("1.30 (1)") are numbers; "2019 (proposed)" rows are periods.
# 4: Markdown fenced code blocks are kept whole.
# 5: table facts carry the label of the section row they sit under (`Fact.group`).
CHUNKER_VERSION = 5
MAX_CHARS_RANGE = (100, 20000)
OVERLAP_RANGE = (0, 5)


@dataclass(frozen=True)
class ChunkSettings:
    """How prose is windowed. `max_chars`: the longest prose chunk (a single longer
    sentence is cut at commas or spaces); `overlap_sentences`: sentences repeated from the
    end of one window at the start of the next in the same section, for context.
    800 characters with 2 sentences of overlap were chosen on the evaluation set's dev
    split among 400-1200 and 0-2 (eval/reports/tuning-dev.md)."""

    max_chars: int = 800
    overlap_sentences: int = 2

    def __post_init__(self) -> None:
        ranges = (("max_chars", MAX_CHARS_RANGE), ("overlap_sentences", OVERLAP_RANGE))
        for name, (low, high) in ranges:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise SettingsError(
                    f"{name} must be an integer from {low} to {high}; got {value!r}"
                )


def settings_dict(settings: ChunkSettings) -> dict[str, Any]:
    """The settings as written into an index manifest (with the algorithm version)."""
    return {"chunker_version": CHUNKER_VERSION, **asdict(settings)}


def indexable_text(chunk: Chunk) -> str:
    """What BM25 and the embedder see: a prose chunk's text with its section heading in
    front (unless the chunk already starts its section), so the heading's words count."""
    if chunk.kind == "prose" and chunk.section and chunk.section not in chunk.text:
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


def chunk_documents(
    documents: Sequence[Document],
    settings: ChunkSettings = ChunkSettings(),
    glossary: Glossary | None = None,
) -> list[Chunk]:
    """The chunks of all documents, document by document, each in text order."""
    glossary = glossary if glossary is not None else load_glossary()
    chunks: list[Chunk] = []
    for document in documents:
        chunks.extend(chunk_document(document, settings, glossary))
    return chunks


def chunk_document(document: Document, settings: ChunkSettings, glossary: Glossary) -> list[Chunk]:
    """The chunks of one document in text order: prose windows, and for each table its
    whole-table chunk followed by its entity chunks."""
    tables = parse_tables(document)
    lines = split_lines(document.text)  # once: each region takes its slice (issue 13)
    starts = [line.start for line in lines]
    fences = _fenced_blocks(lines) if _is_markdown(document) else {}
    chunks: list[Chunk] = []
    section: str | None = None
    position = 0
    for table in [*tables, None]:
        region_end = table.start if table else len(document.text)
        region = [line for line in lines[bisect_left(starts, position):bisect_left(starts, region_end)]
                  if line.end <= region_end]
        groups, section = _sections(document.text, region, region_end, section, fences)
        for group_section, units in groups:
            for start, end in _windows(document.text, units, settings, set(fences.values())):
                chunks.append(_prose_chunk(document, start, end, group_section))
        if table is not None:
            chunks.extend(_table_chunks(document, table, section, glossary))
            position = table.end
    _check_unique(document, chunks)
    return chunks


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _is_markdown(document: Document) -> bool:
    return document.source_format == "markdown" or document.doc_id.lower().endswith(".md")


def _fenced_blocks(lines: list[Line]) -> dict[int, tuple[int, int]]:
    """Markdown fenced code blocks: the start offset of each line inside one (its fences
    included) -> the block's span. An unclosed fence runs to the end, as CommonMark reads it."""
    blocks: dict[int, tuple[int, int]] = {}
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index].text)
        if not opening:
            index += 1
            continue
        marker = opening.group(1)
        close = index + 1
        while close < len(lines) and not re.match(
                rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$", lines[close].text):
            close += 1
        last = min(close, len(lines) - 1)
        span = (lines[index].start, lines[last].end)
        for line in lines[index:last + 1]:
            blocks[line.start] = span
        index = last + 1
    return blocks


def _sections(
    text: str, region: list[Line], end: int, section: str | None,
    fences: dict[int, tuple[int, int]] | None = None,
) -> tuple[list[tuple[str | None, list[tuple[int, int]]]], str | None]:
    """Split the prose lines of a region (ending at `end`) into (section, units) groups,
    a unit being a heading line, a sentence span or a whole fenced code block. Headings
    with no text before the next heading join it ("2. Progress ..." then "(1) Guangdong
    ..."); the section carried in from before the region (text after a table) continues
    until a heading starts a new one."""
    fences = fences or {}
    lines = [line for line in region if not line.is_blank]
    groups: list[tuple[str | None, list[tuple[int, int]]]] = []
    headings_only = False
    for index, line in enumerate(lines):
        fence = fences.get(line.start)
        if fence is not None:
            if not groups:
                groups.append((section, []))
            if not groups[-1][1] or groups[-1][1][-1] != fence:
                groups[-1][1].append(fence)
            headings_only = False
            continue
        following = lines[index + 1].text if index + 1 < len(lines) else None
        if following is None and end < len(text):
            following = ""  # a table follows this region
        if is_heading(line.text, following):
            span = _line_span(line)
            if groups and headings_only:
                groups[-1] = (heading_text(line.text), [*groups[-1][1], span])
            else:
                groups.append((heading_text(line.text), [span]))
            section, headings_only = heading_text(line.text), True
            continue
        if not groups:
            groups.append((section, []))
        groups[-1][1].extend(sentence_spans(text, line.start, line.end))
        headings_only = False
    return groups, section


def _line_span(line: Line) -> tuple[int, int]:
    stripped = line.text.strip()
    offset = line.text.find(stripped)
    return line.start + offset, line.start + offset + len(stripped)


def _windows(
    text: str, units: list[tuple[int, int]], settings: ChunkSettings,
    whole: set[tuple[int, int]] | frozenset = frozenset(),
) -> list[tuple[int, int]]:
    """Greedy sentence windows of at most max_chars, each next window starting with the
    last `overlap_sentences` units of the previous one when they fit with new text. A
    unit in `whole` (a fenced code block) is never cut, even when longer than max_chars."""
    limit = settings.max_chars
    pieces = [piece for start, end in units
              for piece in ([(start, end)] if (start, end) in whole else split_long_span(text, start, end, limit))]
    windows = []
    first = 0
    while first < len(pieces):
        last = first
        while last + 1 < len(pieces) and pieces[last + 1][1] - pieces[first][0] <= limit:
            last += 1
        windows.append((pieces[first][0], pieces[last][1]))
        if last + 1 >= len(pieces):
            break
        following = max(last + 1 - settings.overlap_sentences, first + 1)
        while following <= last and pieces[last + 1][1] - pieces[following][0] > limit:
            following += 1
        first = following
    return windows


def _prose_chunk(document: Document, start: int, end: int, section: str | None) -> Chunk:
    text = document.text[start:end]
    if not text.strip() or text != text.strip() or not 0 <= start < end <= len(document.text):
        raise CorpusError(f"{document.doc_id}: internal chunking error at {start}..{end}")
    return _make_chunk(document.doc_id, start, end, text, "prose", section, None, ())


def _table_chunks(
    document: Document, table: Table, section: str | None, glossary: Glossary
) -> list[Chunk]:
    """The whole table verbatim, then one rendered chunk per entity citing its cells."""
    doc_id, caption = document.doc_id, table.caption
    whole = document.text[table.start : table.end]
    chunks = [
        _make_chunk(doc_id, table.start, table.end, whole, "table", section, caption, table.facts)
    ]
    for entity in table_entities(table):
        text = render_entity(table, entity, glossary)
        chunks.append(_make_chunk(
            doc_id, entity.start, entity.end, text, "table_row", section, caption, entity.facts
        ))
    return chunks


def render_entity(table: Table, entity: TableEntity, glossary: Glossary) -> str:
    """One entity as bilingual text: "Table 1 ... | 表1 ... | city 城市 Jiangmen 江门: GDP
    (100 million yuan RMB) GDP(亿元人民币) 2418.78; ...", so an English question finds a
    Chinese table and a Chinese question finds it too."""
    parts = [caption for caption in (table.caption_en, table.caption_zh) if caption]
    if table.unit:
        parts.append(f"{_bilingual('单位', glossary)}: {_bilingual(table.unit, glossary)}")
    head = _bilingual(entity.label, glossary)
    if table.corner_label:
        head = f"{_bilingual(table.corner_label, glossary)} {head}"
    values = "; ".join(_render_fact(fact, entity, glossary) for fact in entity.facts)
    parts.append(f"{head}: {values}")
    return " | ".join(parts)


def _render_fact(fact: Fact, entity: TableEntity, glossary: Glossary) -> str:
    if entity.axis == "column":
        labels = (*fact.column_labels[1:], fact.row_label)
    else:
        labels = fact.column_labels
    value = fact.raw
    if fact.value is None:
        english = glossary.gloss(fact.raw)
        if english:
            value = f"{fact.raw} ({', '.join(english)})"
    return " ".join([*(_bilingual(label, glossary) for label in labels), value])


def _bilingual(label: str, glossary: Glossary) -> str:
    english = glossary.english_label(label)
    return f"{english} {label}" if english and english != label else label


def _make_chunk(
    doc_id: str, start: int, end: int, text: str, kind: str,
    section: str | None, caption: str | None, facts: tuple[Fact, ...],
) -> Chunk:
    """A chunk whose id is a hash of what it is and cites, so it is stable across runs."""
    digest = hashlib.sha1(f"{doc_id}|{kind}|{start}|{end}|{text}".encode("utf-8")).hexdigest()[:16]
    return Chunk(digest, doc_id, start, end, text, kind, section, caption, facts)


def _check_unique(document: Document, chunks: list[Chunk]) -> None:
    ids = [chunk.chunk_id for chunk in chunks]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"{document.doc_id}: two chunks have the same id; report this as a bug")
