"""Text structure the chunker needs: lines, sentences and headings, all as str offsets.

Everything here returns spans into the original text (never edited copies), so a chunk
built from them can cite `document.text[start:end]` exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of a text without its line break ("\\n", "\\r\\n"): text == source[start:end]."""

    start: int
    end: int
    text: str

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    """The lines of `text` with their offsets. Only "\\n" breaks a line (str.splitlines
    also breaks on form feeds and U+2028, which would shift offsets against the file)."""
    lines, start = [], 0
    for piece in text.split("\n"):
        content = piece[:-1] if piece.endswith("\r") else piece
        lines.append(Line(start, start + len(content), content))
        start += len(piece) + 1
    return lines


# A sentence ends at Chinese 。！？； (no space follows them) or at English . ! ? ; followed
# by a space or the line end; closing quotes and brackets stay with the sentence they close.
_CLOSERS = re.escape("\"'”’」』）)]")
_SENTENCE_END = re.compile(rf"[。！？；]+[{_CLOSERS}]*|[.!?;]+[{_CLOSERS}]*(?=\s|$)")
# Words whose trailing period is not a sentence end ("Mr. Sun", "No. 3", "e.g. ports").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st vs e.g i.e fig figs approx dept inc ltd co corp gov "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m".split()
)


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of `text[start:end]` (one line or paragraph) as (start, end) offsets,
    each stripped of surrounding whitespace; together they hold every non-blank char."""
    segment = text[start:end]
    cuts = [0]
    for match in _SENTENCE_END.finditer(segment):
        if match.group().startswith(".") and _ends_with_abbreviation(segment, match.start()):
            continue
        cuts.append(match.end())
    cuts.append(len(segment))
    spans = []
    for left, right in zip(cuts, cuts[1:]):
        span = _strip_span(segment, left, right)
        if span:
            spans.append((start + span[0], start + span[1]))
    return spans


def _ends_with_abbreviation(text: str, end: int) -> bool:
    """Whether the word just before `end` ("Mr", "e.g", a lone capital "J") is an
    abbreviation. The word is the longest run of ASCII letters and periods before `end`,
    from its first letter; it is found by stepping back from `end`, not by searching all
    of `text[:end]`, so a paragraph's periods cost time in proportion to its length (the
    run before a sentence end holds no space, so each character is stepped over once)."""
    start = end
    while start > 0 and text[start - 1] in _WORD_CHARS:
        start -= 1
    while start < end and text[start] == ".":
        start += 1
    if start == end:
        return False
    token = text[start:end]
    return token.lower() in _ABBREVIATIONS or (len(token) == 1 and token.isupper())


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")


def _strip_span(text: str, left: int, right: int) -> tuple[int, int] | None:
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    return (left, right) if left < right else None


def split_long_span(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence into pieces of at most `max_chars`, preferring to cut
    after a comma or a space; text without either (long Chinese runs) is cut hard."""
    pieces = []
    while end - start > max_chars:
        window = text[start : start + max_chars]
        cut = max(window.rfind(mark) for mark in ("，", "、", ",", " ", "\n"))
        cut = start + cut + 1 if cut > max_chars // 3 else start + max_chars
        span = _strip_span(text, start, cut)
        if span:
            pieces.append(span)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    span = _strip_span(text, start, end)
    if span:
        pieces.append(span)
    return pieces


# Numbered headings: "(3) Infrastructure ...", "（二）总体要求", "2. Progress ...", "一、背景",
# "第三章 ...". Markdown: "## Results".
_NUMBERED_HEADING = re.compile(
    r"^(?:[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]"
    r"|\d{1,2}(?:\.\d{1,2})*\.(?=\s)|\d{1,2}、|[一二三四五六七八九十]{1,3}、"
    r"|第[一二三四五六七八九十\d]{1,3}[章节部分])\s*\S"
)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+\S")
_CAPTION = re.compile(r"^(?:Figure|Fig\.|Table|Chart|图|表)\s*\d", re.IGNORECASE)
_NO_HEADING_END = tuple(".。!！?？;；:：,，、—-…")
MAX_HEADING_CHARS = 160
MAX_UNNUMBERED_HEADING_CHARS = 130


def is_heading(line: str, next_line: str | None) -> bool:
    """Whether a line is a section heading whose text should travel with its section.

    Numbered and Markdown headings always count. A short unnumbered line (a title like
    "Four key areas of focus ...") counts when it does not end like a sentence or a
    lead-in, is not a figure/table caption, and some text follows it (`next_line`, the
    next non-blank line, or None at the end of the text).
    """
    text = line.strip()
    if not text or len(text) > MAX_HEADING_CHARS:
        return False
    if _MARKDOWN_HEADING.match(text):
        return True
    if text.endswith(_NO_HEADING_END) or _CAPTION.match(text):
        return False
    if _NUMBERED_HEADING.match(text):
        return True
    return (
        next_line is not None
        and len(text) <= MAX_UNNUMBERED_HEADING_CHARS
        and "|" not in text
        and (text[0].isupper() or text[0].isdigit() or _is_cjk(text[0]) or text[0] in "\"“")
    )


def heading_text(line: str) -> str:
    """The section name of a heading line: stripped, Markdown '#' marks removed."""
    text = line.strip()
    if _MARKDOWN_HEADING.match(text):
        text = text.lstrip("#").strip()
    return text


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
