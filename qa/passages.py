"""Retrieved hits -> cited passages, with the sentences that best match the question marked.

Highlights are document offsets, found inside the chunk's cited span: for prose the
sentence(s) sharing the most question terms, for tables the line(s) holding the cells
that matched.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Iterable, Sequence

from corpus.sentences import sentence_spans, split_lines
from corpus.types import Chunk, Document
from indexer.types import Hit
from qa.types import Passage

Tokenize = Callable[[str], Iterable[str]]


def line_number(document: Document, offset: int) -> int:
    """1-based line of `offset` in the document."""
    return document.text.count("\n", 0, offset) + 1


def _sentence_span(document: Document, offset: int) -> tuple[int, int]:
    line_start = document.text.rfind("\n", 0, offset) + 1
    line_end = document.text.find("\n", offset)
    line_end = len(document.text) if line_end < 0 else line_end
    for start, end in sentence_spans(document.text, line_start, line_end):
        if start <= offset < end:
            return start, end
    return line_start, line_end


def sentence_around(document: Document, offset: int) -> str:
    """The sentence of the document that holds `offset` (its whole line if none is found)."""
    return document.text[slice(*_sentence_span(document, offset))]


_CLAUSE_MARK = re.compile(r"[,;:，；：、]")


def clause_around(document: Document, start: int, end: int) -> str:
    """The clause of a number: its sentence cut at the commas and semicolons around it
    ("..., and the total length of intercity rail reached 1430 kilometers.")."""
    low, high = _sentence_span(document, start)
    before = [m.end() for m in _CLAUSE_MARK.finditer(document.text, low, start)]
    after = _CLAUSE_MARK.search(document.text, max(end, low), high)
    return document.text[(before[-1] if before else low):(after.start() if after else high)]


def spread_tables(hits: Sequence[Hit], chunk_of: Callable[[str], Chunk], max_rows_per_table: int,
                  depth: int) -> list[Hit]:
    """The best `depth` hits with at most `max_rows_per_table` rows of any one table
    (more only when nothing else is left), still in score order. Every row of a table
    repeats its caption and column labels, so a question in the table's words ("常住人口")
    would otherwise fill the top passages with rows of one table and push out the prose
    that answers it."""
    if max_rows_per_table <= 0:
        return list(hits[:depth])
    kept, demoted, rows = [], [], {}
    for hit in hits:
        chunk = chunk_of(hit.chunk_id)
        if chunk.kind == "table_row" and chunk.facts:
            table = (chunk.doc_id, chunk.facts[0].table_id)
            rows[table] = rows.get(table, 0) + 1
            if rows[table] > max_rows_per_table:
                demoted.append(hit)
                continue
        kept.append(hit)
    chosen = {id(hit) for hit in (kept + demoted)[:depth]}
    return [replace(hit, rank=rank) for rank, hit in enumerate((h for h in hits if id(h) in chosen), start=1)]


def _candidate_spans(document: Document, chunk: Chunk) -> list[tuple[int, int]]:
    """Sentences of a prose chunk; non-blank lines of a table chunk."""
    spans = []
    for line in split_lines(document.text[chunk.start:chunk.end]):
        start, end = chunk.start + line.start, chunk.start + line.end
        if line.is_blank:
            continue
        if chunk.kind == "prose":
            spans.extend(sentence_spans(document.text, start, end))
        else:
            spans.append((start, end))
    return spans


def best_spans(document: Document, chunk: Chunk, question_terms: set[str], tokenize: Tokenize) -> tuple[tuple[int, int], ...]:
    """The span(s) of the chunk that share the most distinct question terms (ties: all
    of them, up to two), or none when no span shares any."""
    scored = []
    for start, end in _candidate_spans(document, chunk):
        overlap = len(question_terms & set(tokenize(document.text[start:end])))
        if overlap:
            scored.append((overlap, start, end))
    if not scored:
        return ()
    best = max(score for score, _, _ in scored)
    return tuple((start, end) for score, start, end in scored if score == best)[:2]


def make_passages(
    hits: Sequence[Hit],
    chunk_of: Callable[[str], Chunk],
    documents: dict[str, Document],
    question: str,
    tokenize: Tokenize,
) -> list[Passage]:
    """One passage per hit, in hit order, with line numbers and highlights."""
    terms = set(tokenize(question))
    passages = []
    for hit in hits:
        chunk = chunk_of(hit.chunk_id)
        document = documents[chunk.doc_id]
        passages.append(
            Passage(
                chunk=chunk,
                score=hit.score,
                rank=hit.rank,
                line=line_number(document, chunk.start),
                highlights=best_spans(document, chunk, terms, tokenize),
            )
        )
    return passages
