"""An Answer as the `qa ask --json` contract, or as text for a person.

The JSON shape is the stable contract of docs/design.md: scripts and benchmarks depend on it,
so it has exactly these keys and nothing else; keys are only ever added (`page`: the 1-based
page of a paged document, such as a PDF, the cited text starts on; null for other formats).
"""

from __future__ import annotations

from typing import Any

from corpus.types import Document
from qa.safe_output import visible
from qa.types import Answer, Figure, Passage


def page_of(documents: dict[str, Document], doc_id: str, offset: int) -> int | None:
    """The page of a document's character offset; None when it has no pages (or is unknown)."""
    document = documents.get(doc_id)
    return document.page_of(offset) if document is not None else None


def where(documents: dict[str, Document], doc_id: str, offset: int, line: int | None = None) -> str:
    """A citation's place as a person reads it: `report.pdf p. 12` for a paged document,
    else `notes.txt:5` (with a line) or the document alone."""
    page = page_of(documents, doc_id, offset)
    if page is not None:
        return f"{visible(doc_id)} p. {page}"
    return f"{visible(doc_id)}:{line}" if line is not None else visible(doc_id)


def figure_json(figure: Figure, documents: dict[str, Document] | None = None) -> dict[str, Any]:
    return {
        "value": figure.value,
        "unit": figure.unit,
        "text": figure.text,
        "label": figure.label,
        "doc": figure.doc_id,
        "start": figure.start,
        "end": figure.end,
        "page": page_of(documents or {}, figure.doc_id, figure.start),
    }


def passage_json(passage: Passage, documents: dict[str, Document]) -> dict[str, Any]:
    chunk = passage.chunk
    return {
        "doc": chunk.doc_id,
        "start": chunk.start,
        "end": chunk.end,
        "text": documents[chunk.doc_id].text[chunk.start:chunk.end],
        "score": passage.score,
        "rank": passage.rank,
        "page": page_of(documents, chunk.doc_id, chunk.start),
    }


def answer_json(answer: Answer, documents: dict[str, Document]) -> dict[str, Any]:
    """The contract: question, answerable, figures and passages, best first."""
    return {
        "question": answer.question,
        "answerable": answer.answerable,
        "figures": [figure_json(f, documents) for f in answer.figures],
        "passages": [passage_json(p, documents) for p in answer.passages],
    }


def format_value(value: float, unit: str | None) -> str:
    """2.41878e11 CNY -> "241,878,000,000 CNY"; keeps decimals only where they exist.
    A year is written as a year ("2016", not "2,016")."""
    if unit == "year" and float(value).is_integer():
        return f"{value:.0f}"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit else number


def _marked(text: str, offset: int, marks: list[tuple[int, int]], style: tuple[str, str]) -> str:
    """`text` (starting at document offset `offset`) with the marked spans wrapped; the
    document's own text shown safely (`qa.safe_output.visible`), the marks as given."""
    opening, closing = style
    pieces, cursor = [], 0
    for start, end in sorted(marks):
        left, right = max(start - offset, cursor), min(end - offset, len(text))
        if left >= right:
            continue
        pieces += [visible(text[cursor:left]), opening, visible(text[left:right]), closing]
        cursor = right
    pieces.append(visible(text[cursor:]))
    return "".join(pieces)


def answer_text(answer: Answer, documents: dict[str, Document], color: bool = False) -> str:
    """Best figure first (value, unit, label, citation), then numbered cited passages
    with the figure and the best-matching sentence marked."""
    figure_style = ("\x1b[1;32m", "\x1b[0m") if color else ("[[", "]]")
    sentence_style = ("\x1b[1m", "\x1b[0m") if color else ("", "")
    lines = []
    if answer.answerable and answer.figures and answer.asks_for_figure:
        best = answer.figures[0]
        shown = best.text if best.unit == "date" else format_value(best.value, best.unit)  # 914 means September 14
        lines.append(f"Answer: {visible(shown)}  ({visible(best.label or best.text)})")
        lines.append(f"  as written: \"{visible(best.text)}\" in {where(documents, best.doc_id, best.start)} "
                     f"[{best.start}:{best.end}]")
        for other in answer.figures[1:3]:
            lines.append(f"  also: {format_value(other.value, other.unit)}  ({visible(other.label)}) "
                         f"{where(documents, other.doc_id, other.start)} [{other.start}:{other.end}]")
    elif answer.answerable:
        lines.append("Answer: see the passages below.")
    else:
        lines.append("Not found in the documents" + (f": {visible(answer.reason)}." if answer.reason else "."))
        lines.append("The closest passages, as evidence only:")
    figure_marks = [(f.start, f.end) for f in answer.figures[:1]]
    for passage in answer.passages:
        chunk = passage.chunk
        place = f"{where(documents, chunk.doc_id, chunk.start, passage.line)} [{chunk.start}:{chunk.end}]"
        context = visible(chunk.table_caption or chunk.section or "")
        lines.append("")
        lines.append(f"[{passage.rank}] {place}  score {passage.score:.3f}" + (f"  — {context}" if context else ""))
        cited = documents[chunk.doc_id].text[chunk.start:chunk.end]
        body = _marked(cited, chunk.start, [m for m in figure_marks if chunk.start <= m[0] < chunk.end], figure_style)
        if not figure_marks and passage.highlights:
            body = _marked(cited, chunk.start, list(passage.highlights), sentence_style)
        lines.extend("    " + line for line in body.splitlines() if line.strip())
    return "\n".join(lines)
