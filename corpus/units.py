"""Unit expressions as written ("亿元人民币", "万人次", "billion yuan", "square kilometers")
mapped to a scale and a canonical unit.

Why here: table headers and unit lines ("GDP(亿元人民币)", "单位:万美元") live in the corpus,
and prose figures in `qa` use the same words, so one table serves both. The canonical units
are those of docs/design.md ("Contracts": CNY, USD, km, km2, t, TEU, %, person, year, None for a bare count)
plus other currencies by ISO code (EUR, GBP, ...), "bp" for basis points, "pp" for
percentage points, "yr" for a length of time ("15 years", as opposed to the calendar year
2016) and "date" for a day of the year without a year.

All the words are data (`corpus/units.tsv`, read once at import): the scale and unit words
of prose and Chinese headers, and the words financial reports write units with:

    written                                   scale   unit
    $'000, '000, $000, £000                   1e3     USD / None / USD / GBP
    $m, $M, €m, $ million, RMB'Million        1e6     USD / USD / EUR / USD / CNY
    in thousands, (in thousands)              1e3     None
    $ in millions, Dollars in Millions        1e6     USD
    in thousands of U.S. dollars, except %    1e3     USD   ("except ..." is dropped)
    Shares in thousands                       1e3     None
    bps, basis points                         1       bp    (63 bps is 63 bp, as written)
    单位:万美元                                1e4     USD   (the Chinese words above)

`find_unit` finds such an expression inside a longer text (a caption, a header cell, the
sentence before a table): "Payments Due By Period (in thousands)" -> "in thousands".
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class UnitScale:
    """`scale` multiplies the number as written; `unit` is canonical, None for a bare count."""

    scale: float
    unit: str | None


FINANCIAL_UNITS_FILE = Path(__file__).with_name("units.tsv")
_FINANCIAL_KINDS = ("currency", "scale", "short", "unit", "count", "filler")
_WORD_KINDS = ("scale_zh", "scale_en", "unit_zh", "unit_en")


def _read_rows(path: Path) -> tuple[tuple[str, str, str], ...]:
    """The (word, kind, value) rows of units.tsv in file order, words as written."""
    found: list[tuple[str, str, str]] = []
    with path.open(encoding="utf-8", newline="") as lines:
        rows = csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t")
        for row in rows:
            if not row or row[0] == "word":
                continue
            word, kind, value = row[0], row[1], (row[2] if len(row) > 2 else "")
            if kind not in _FINANCIAL_KINDS + _WORD_KINDS:
                raise ValueError(f"{path}: kind {kind!r} of {word!r} is not one of {_FINANCIAL_KINDS + _WORD_KINDS}")
            if kind in _WORD_KINDS and any(w == word and k == kind for w, k, _ in found):
                raise ValueError(f"{path}: {word!r} is twice a {kind}")
            found.append((word, kind, value))
    return tuple(found)


_ROWS = _read_rows(FINANCIAL_UNITS_FILE)


def _scale_words(kind: str) -> Mapping[str, float]:
    """The scale words of one kind of units.tsv, in file order."""
    return MappingProxyType({word: float(value) for word, k, value in _ROWS if k == kind})


def _unit_words(kind: str) -> Mapping[str, str | None]:
    """The unit words of one kind of units.tsv, in file order; an empty value is None."""
    return MappingProxyType({word: value or None for word, k, value in _ROWS if k == kind})


# Scale words. Chinese ones attach to the number ("1.2万亿"), English ones follow it.
CHINESE_SCALES: Mapping[str, float] = _scale_words("scale_zh")
ENGLISH_SCALES: Mapping[str, float] = _scale_words("scale_en")
SCALE_WORDS: Mapping[str, float] = MappingProxyType({**CHINESE_SCALES, **ENGLISH_SCALES})

# Chinese unit words as written after a number or inside a header's parentheses, with the
# classifiers of bare counts (68个项目, 9项任务, 180个国家) as None.
CHINESE_UNITS: Mapping[str, str | None] = _unit_words("unit_zh")

# English unit words (matched case-insensitively, whole words).
ENGLISH_UNITS: Mapping[str, str | None] = _unit_words("unit_en")

_UNIT_LINE_PREFIX = re.compile(r"^\s*(?:单位|unit|units)\s*[:：]\s*", re.IGNORECASE)
_BRACKETS = str.maketrans("", "", "()（）[]")


def _longest_prefix(text: str, words: Mapping[str, object]) -> str | None:
    """The longest key of `words` that `text` starts with (Chinese has no spaces)."""
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word):
            return word
    return None


def parse_unit(text: str) -> UnitScale | None:
    """Scale and canonical unit of a unit expression, or None when it is not one we know.

    Accepts Chinese ("亿元人民币", "万人", "万TEU", "个"), English ("billion yuan",
    "square kilometers", "million"), a unit line ("单位:万美元") and a header's
    parenthesised unit ("(亿元人民币)"). A scale word alone gives unit None.
    """
    cleaned = _UNIT_LINE_PREFIX.sub("", text).translate(_BRACKETS).strip()
    if not cleaned:
        return None
    lowered = " ".join(cleaned.lower().split())
    if lowered in ENGLISH_UNITS:
        return UnitScale(1.0, ENGLISH_UNITS[lowered])
    first, _, rest = lowered.partition(" ")
    if first in ENGLISH_SCALES:
        if not rest:
            return UnitScale(ENGLISH_SCALES[first], None)
        if rest in ENGLISH_UNITS:
            return UnitScale(ENGLISH_SCALES[first], ENGLISH_UNITS[rest])
        return _financial_unit(text)
    compact = "".join(cleaned.split())
    if compact in CHINESE_UNITS:  # before scale words: 千米 is a kilometre, not 千 x 米
        return UnitScale(1.0, CHINESE_UNITS[compact])
    scale_word = _longest_prefix(compact, CHINESE_SCALES)
    remainder = compact[len(scale_word):] if scale_word else compact
    scale = CHINESE_SCALES[scale_word] if scale_word else 1.0
    if not remainder:
        return UnitScale(scale, None) if scale_word else None
    if remainder in CHINESE_UNITS:
        return UnitScale(scale, CHINESE_UNITS[remainder])
    if remainder.lower() in ENGLISH_UNITS:
        return UnitScale(scale, ENGLISH_UNITS[remainder.lower()])
    return _financial_unit(text)


@dataclass(frozen=True)
class _UnitWord:
    kind: str
    scale: float
    unit: str | None


def _read_financial_words(rows: tuple[tuple[str, str, str], ...]) -> Mapping[str, _UnitWord]:
    """The financial words of units.tsv, lowercased, longest first (so "u.s. dollars" wins
    over "dollars")."""
    words: dict[str, _UnitWord] = {}
    for written, kind, value in rows:
        if kind not in _FINANCIAL_KINDS:
            continue
        word = written.lower()
        if kind == "currency":
            words[word] = _UnitWord(kind, 1.0, value)
        elif kind in ("scale", "short"):
            words[word] = _UnitWord(kind, float(value), None)
        elif kind == "unit":
            scale, unit = value.split()
            words[word] = _UnitWord(kind, float(scale), unit)
        else:
            words[word] = _UnitWord(kind, 1.0, None)
    return MappingProxyType(dict(sorted(words.items(), key=lambda item: -len(item[0]))))


FINANCIAL_WORDS: Mapping[str, _UnitWord] = _read_financial_words(_ROWS)
# Canonical units that are money.
CURRENCIES = frozenset(
    {w.unit for w in FINANCIAL_WORDS.values() if w.kind == "currency"}
    | {u for u in (*CHINESE_UNITS.values(), *ENGLISH_UNITS.values()) if u in ("CNY", "USD", "HKD", "MOP", "EUR")}
)
_EXCEPT = re.compile(r"[,;]?\s*\b(?:except|unless)\b.*$", re.IGNORECASE | re.DOTALL)
_SEPARATORS = " \t,;:/"


def _financial_unit(text: str) -> UnitScale | None:
    """A unit expression made only of units.tsv words: at most one currency, one scale
    and one other unit; a short scale ("m", "000") only next to a currency. None else."""
    cleaned = _EXCEPT.sub("", _UNIT_LINE_PREFIX.sub("", text)).translate(_BRACKETS).lower()
    found: list[_UnitWord] = []
    position = 0
    while position < len(cleaned):
        char = cleaned[position]
        if char in _SEPARATORS or (char in "'’" and not cleaned.startswith("000", position + 1)):
            position += 1  # RMB'Million: an apostrophe only joins words, but '000 is a scale
            continue
        word = _word_at(cleaned, position)
        if word is None:
            return None
        found.append(FINANCIAL_WORDS[word])
        position += len(word)
    kinds = [w.kind for w in found]
    currencies = {w.unit for w in found if w.kind == "currency"}
    scales = [w for w in found if w.kind in ("scale", "short")]
    units = [w for w in found if w.kind == "unit"]
    if len(currencies) > 1 or len(scales) > 1 or len(units) > 1 or (currencies and units):
        return None
    if not (currencies or scales or units):
        return None
    if "short" in kinds and not currencies:
        return None
    scale = scales[0].scale if scales else 1.0
    if units:
        return UnitScale(scale * units[0].scale, units[0].unit)
    return UnitScale(scale, currencies.pop() if currencies else None)


def _word_at(text: str, position: int) -> str | None:
    """The longest units.tsv word at `position`; a word ending in a letter must end a word."""
    for word in FINANCIAL_WORDS:
        if text.startswith(word, position):
            after = position + len(word)
            if word[-1].isalpha() and after < len(text) and text[after].isalpha():
                continue
            if word[0].isalpha() and position > 0 and text[position - 1].isalpha():
                continue
            return word
    return None


_SCALE_PHRASE = re.compile(
    r"(?:(?:[$€£]|US\$|dollars|euros|pounds|shares|amounts)\s+)?\bin\s+(?:thousands|millions|billions)"
    r"(?:\s+of\s+(?:U\.S\.\s+|US\s+)?(?:dollars|euros|pounds))?",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"[(（]([^()（）]+)[)）]")
_UNIT_LINE_ANYWHERE = re.compile(r"(?:单位|units?)\s*[:：]\s*(\S+)", re.IGNORECASE)


def find_unit(text: str) -> str | None:
    """The unit expression written inside a longer text, as written, or None: a bracketed
    unit ("Revenue (£m)", "(in thousands, except per share data)"), a phrase "in
    thousands/millions/billions" ("Dollars in Millions", "in millions, except ..."), or a
    unit line ("单位:万美元"). The text may itself be a whole unit ("$'000")."""
    stripped = text.strip()
    if stripped and parse_unit(stripped) is not None:
        return stripped
    for match in _PARENTHESES.finditer(text):
        inner = _EXCEPT.sub("", match.group(1)).strip()
        if inner and parse_unit(inner) is not None:
            return inner
    phrase = _SCALE_PHRASE.search(text)
    if phrase:
        return phrase.group()
    line = _UNIT_LINE_ANYWHERE.search(text)
    if line and parse_unit(line.group(1)) is not None:
        return line.group(1)
    return None


def header_unit(text: str) -> str | None:
    """The unit expression of a table header cell that is a unit and nothing else ("$'000",
    "(in thousands)", "%"), as written; a bare short scale, written where only a unit can
    be, is read as its scale word ("m" -> "million", "000" -> "thousand"; in running text
    "m" may be metres). None for any other cell ("Net Change ($)" is a label with a unit)."""
    stripped = text.strip()
    if stripped and parse_unit(stripped) is not None:
        return stripped
    word = FINANCIAL_WORDS.get(text.strip().lower())
    if word is None or word.kind != "short":
        return None
    return next(w for w, u in FINANCIAL_WORDS.items() if u.kind == "scale" and u.scale == word.scale
                and w.isalpha() and not w.endswith("s"))
