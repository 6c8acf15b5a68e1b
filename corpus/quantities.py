"""Raw quantities in text: where a number is, its value, scale, unit and kind, and what is
not a quantity at all ("ASC 606", "Table 1", "(2)", "covid-19", "+852 2345 6789").

The grammar is data (`corpus/data/quantities.toml`: word lists, regex fragments and rules
in order), after Microsoft Recognizers-Text, which declares numbers and units per language
as data and judges every change by one spec table (here `tests/data/quantities_spec.tsv`);
this module only applies it: each rule's matches take their span unless an earlier rule
took part of it, and named groups (`num`, `scale_zh`, `unit_en`, `year`, ...) become values.
Unit and scale words come from `corpus.units` (shared with table headers) plus the data file.
Labelling a quantity (place, metric, year) is `qa.numbers`' job.

Decisions: ordinals ("fifth", "15th", "第五") are found, kind "ordinal", so that their
digits are never read as counts; a caller that wants quantities drops them. A date with a
year is kind "year" (value the year), a day without one kind "date" (value month*100+day).
A number in words below 2 with no scale ("one of", "一个") is no quantity; 63 bps is 63 "bp".

Libraries: Chinese numerals ("三千五百", "一万二", "两", "二〇一九") are read by cn2an, which
reads colloquial, financial and year forms that a table of digits does not (of the spec's
30 rows with a Chinese numeral, a one-character digit table reads 11, cn2an all 30; its
import takes about 1.5 s, so it happens on the first Chinese numeral); quantulum3 is not used because it
reads English only and neither knows "1.2万亿元" nor tells "ASC 606" or "(494)" from a count,
and pint converts units but finds nothing in text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from corpus.errors import CorpusError
from corpus.units import CHINESE_SCALES, CHINESE_UNITS, ENGLISH_SCALES, ENGLISH_UNITS

GRAMMAR = Path(__file__).resolve().parent / "data" / "quantities.toml"
KINDS = ("quantity", "count", "year", "date", "ordinal")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Quantity:
    """A number found in text: `text[start:end]` is what is written, `value` the number with
    its scale applied (and sign), `scale` the multiplier a scale word gave (1.0 for none),
    `unit` canonical as in corpus.units ("year" for a year, "date" for a day), `kind` one of
    KINDS, `value_to` the end of a range ("2-3 million") and `written` "digits" or "words"."""

    start: int
    end: int
    value: float
    unit: str | None
    kind: str
    value_to: float | None = None
    scale: float = 1.0
    written: str = "digits"


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Grammar:
    rules: tuple[_Rule, ...]
    normalise: Mapping[int, str]
    words: Mapping[str, Decimal]  # English number words (lower case) -> value
    ordinals: Mapping[str, int]
    months: Mapping[str, int]
    scales: Mapping[str, Decimal]  # every scale word (English ones lower case) -> multiplier
    numeral_scales: Mapping[str, Decimal]
    units: Mapping[str, str | None]  # unit words (English ones lower case) -> canonical unit
    currencies: Mapping[str, str]
    hundreds: frozenset[str]
    min_bare_word_value: int


def _alternation(words: Any, ignore_case: bool) -> str:
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return f"(?i:{body})" if ignore_case else f"(?:{body})"


def _expand(pattern: str, pieces: Mapping[str, str]) -> str:
    """Replace `{name}` by its piece until none is left; `{1,3}` is a regex quantifier."""
    for _ in range(10):
        expanded = _PLACEHOLDER.sub(lambda m: pieces.get(m.group(1), m.group(0)), pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise CorpusError(f"quantity grammar: placeholders nest too deep in {pattern[:80]!r}")


def _units(data: Mapping[str, Any]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """English unit words (lower case) and Chinese ones -> canonical unit (None: a classifier)."""
    english: dict[str, str | None] = {k.lower(): v for k, v in ENGLISH_UNITS.items()}
    english |= {k.lower(): v for k, v in data["units"]["english"].items()}
    chinese = dict(CHINESE_UNITS) | data["units"]["chinese"] | {c: None for c in data["chinese"]["classifiers"]}
    return english, chinese


def _pieces(data: Mapping[str, Any], english: Mapping[str, Any], chinese: Mapping[str, Any]) -> dict[str, str]:
    """What a `{name}` in a pattern stands for: word lists as alternations, then fragments."""
    words, zh = data["words"], data["chinese"]
    ignore = set(data["ignore_case"])
    lists: dict[str, Any] = {
        "month_names": [names[0] for names in words["months"]],
        "month_abbreviations": [name for names in words["months"] for name in names[1:]],
        "ones": words["ones"], "tens": words["tens"], "hundred": words["hundred"],
        "ordinals": words["ordinals"], "ordinal_tens": words["ordinal_tens"],
        "scale_en": list(ENGLISH_SCALES), "scale_after_currency": list(data["scales"]["after_currency"]),
        "unit_en": list(english), "unit_zh": list(chinese),
        "currency": list(data["currency"]["prefixes"]), "references": data["references"]["english"],
        "chinese_before": data["references"]["chinese_before"],
        "chinese_after": data["references"]["chinese_after"],
        "approx": zh["approx"], "english_ahead": data["units"]["english_ahead"],
        "single_digit_classifiers": zh["single_digit_classifiers"],
    }
    pieces = {name: _alternation(items, name in ignore) for name, items in lists.items()}
    not_before = data["scales"]["chinese_not_before"]
    pieces["scale_zh"] = "(?:" + "|".join(
        re.escape(s) + (f"(?![{not_before[s]}])" if s in not_before else "")
        for s in sorted(CHINESE_SCALES, key=len, reverse=True)) + ")"
    pieces |= {"numeral_start": zh["numeral_start"], "numeral_body": zh["numeral_body"]}
    return pieces | data["fragments"]


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    """The grammar file compiled: word lists into alternations, then rules in order."""
    data = tomllib.loads(GRAMMAR.read_text(encoding="utf-8"))
    words, zh = data["words"], data["chinese"]
    english, chinese = _units(data)
    pieces = _pieces(data, english, chinese)
    rules = []
    for rule in data["rules"]:
        if rule["kind"] not in (*KINDS, "none", "number"):
            raise CorpusError(f"quantity grammar: rule {rule['name']!r} has kind {rule['kind']!r}")
        rules.append(_Rule(rule["name"], rule["kind"], re.compile(_expand(rule["pattern"], pieces))))
    pairs = data["normalise"]["pairs"]
    scales = {k: Decimal(str(v)) for k, v in CHINESE_SCALES.items()}
    scales |= {k.lower(): Decimal(str(v)) for k, v in ENGLISH_SCALES.items()}
    scales |= {k.lower(): Decimal(str(v)) for k, v in data["scales"]["after_currency"].items()}
    number_words = {w: Decimal(i) for i, w in enumerate(words["ones"])}
    number_words |= {w: Decimal(20 + 10 * i) for i, w in enumerate(words["tens"])}
    ordinals = {w: i + 1 for i, w in enumerate(words["ordinals"])}
    ordinals |= {w: 20 + 10 * i for i, w in enumerate(words["ordinal_tens"])}
    return _Grammar(
        rules=tuple(rules),
        normalise=str.maketrans(pairs[0::2], pairs[1::2]),
        words=number_words, ordinals=ordinals,
        months={name.lower(): i + 1 for i, names in enumerate(words["months"]) for name in names},
        scales=scales,
        numeral_scales={k: Decimal(str(v)) for k, v in zh["numeral_scales"].items()},
        units=english | chinese, currencies=data["currency"]["prefixes"], hundreds=frozenset(words["hundred"]),
        min_bare_word_value=words["min_bare_word_value"],
    )


def _chinese_numeral(numeral: str) -> Decimal | None:
    """Value of a Chinese numeral ("三千五百", "一万二", "两", "二〇一九"), None if cn2an
    cannot read it. cn2an is imported here: it takes about 1.5 s and most text has none."""
    import cn2an  # noqa: PLC0415 (slow import, only for text with Chinese numerals)

    try:
        return Decimal(str(cn2an.cn2an(numeral, "normal")))
    except ValueError:
        return None


def _english_number(words: str, grammar: _Grammar) -> tuple[Decimal, Decimal]:
    """"twenty-five" -> 25, "two hundred and fifty" -> 250, "three million" -> (3e6, 1e6):
    the value and the scale word's multiplier."""
    total, current, scale = Decimal(0), Decimal(0), Decimal(1)
    for token in re.findall(r"[a-z]+", words.lower()):
        if token in grammar.words:
            current += grammar.words[token]
        elif token in grammar.hundreds:
            current *= 100
        elif token in grammar.scales:
            scale = grammar.scales[token]
            total, current = total + current * scale, Decimal(0)
    return total + current, scale


def _ordinal(word: str, grammar: _Grammar) -> int:
    """"fifth" -> 5, "twenty-first" -> 21, "thirtieth" -> 30."""
    head, _, last = word.lower().rpartition("-")
    return int(grammar.words.get(head, 0)) + grammar.ordinals[last]


def _year(written: str, base: int | None = None) -> int:
    """A four-digit year, or two digits: "19" -> 2019, "20" after 2019 -> 2020."""
    if len(written) == 4:
        return int(written)
    century = (base // 100 * 100) if base else 2000
    year = century + int(written)
    return year + 100 if base and year < base else year


def _unit(groups: Mapping[str, str | None], grammar: _Grammar) -> str | None:
    """The canonical unit: a currency prefix first, then the unit word after the number."""
    if groups.get("cur"):
        return grammar.currencies[groups["cur"]]
    for name in ("unit_zh", "unit_en", "unit_ahead", "unit_from"):
        written = groups.get(name)
        if written:
            return grammar.units.get(" ".join(written.lower().split()), grammar.units.get(written))
    return None


def _scale(word: str, grammar: _Grammar) -> Decimal:
    return grammar.scales[word] if word in grammar.scales else grammar.scales[word.lower()]


def _number(match: re.Match[str], grammar: _Grammar) -> Quantity | None:
    """A "number" rule's match as a quantity (with a scale or unit) or a count."""
    groups = match.groupdict()
    written = "digits"
    scale = Decimal(1)
    if groups.get("num"):
        value = Decimal(groups["num"].replace(",", ""))
        value_to = Decimal(groups["num_to"].replace(",", "")) if groups.get("num_to") else None
    elif groups.get("zh"):
        written = "words"
        value, value_to = _chinese_numeral(groups["zh"]), None
        if value is None:
            return None
        if groups.get("zh_to"):
            value_to = _chinese_numeral(groups["zh_to"])
        inner = [s for s in grammar.numeral_scales if s in groups["zh"]]
        scale = max((grammar.numeral_scales[s] for s in inner), default=Decimal(1))
    else:
        written = "words"
        value, scale = _english_number(groups["word"], grammar)
        value_to = None
    scale_word = groups.get("scale_zh") or groups.get("scale_en") or groups.get("scale_cur")
    if scale_word:
        scale = _scale(scale_word, grammar)
        from_word = groups.get("scale_from")  # "2亿-3亿元": the first number's own scale
        value *= _scale(from_word, grammar) if from_word else scale
        value_to = value_to * scale if value_to is not None else None
    if written == "words" and scale == 1 and value < grammar.min_bare_word_value:
        return None
    if groups.get("neg"):
        value = -value
    unit = _unit(groups, grammar)
    kind = "quantity" if (unit is not None or scale != 1) else "count"
    if groups.get("unit_ahead") and not (groups.get("unit_en") or groups.get("unit_zh")):
        kind = "count"  # "four consecutive years": a count of years, its unit at a distance
    return Quantity(match.start(), match.end(), float(value), unit, kind,
                    float(value_to) if value_to is not None else None, float(scale), written)


def _dated(match: re.Match[str], kind: str, grammar: _Grammar) -> Quantity | None:
    """A "year" rule's match (value the year) or a "date" one (value month*100+day)."""
    groups = match.groupdict()
    if groups.get("zh_year"):
        year = _chinese_numeral(groups["zh_year"])
        return None if year is None else Quantity(match.start(), match.end(), float(year), "year", "year",
                                                  written="words")
    if kind == "year":
        year = _year(groups["year"])
        year_to = _year(groups["year_to"], year) if groups.get("year_to") else None
        if year_to is not None and year_to <= year:
            year_to = None  # "2019/12" is December, not a range back in time
        return Quantity(match.start(), match.end(), float(year), "year", "year",
                        float(year_to) if year_to else None)
    month = (grammar.months[groups["month"].lower().rstrip(".")] if groups.get("month")
             else int(groups["month_n"]))
    day = int(groups["day"]) if groups.get("day") else 0
    day_to = month * 100 + int(groups["day_to"]) if groups.get("day_to") else None
    return Quantity(match.start(), match.end(), float(month * 100 + day), "date", "date",
                    float(day_to) if day_to else None)


def _resolve(rule: _Rule, match: re.Match[str], grammar: _Grammar) -> Quantity | None:
    if rule.kind == "number":
        return _number(match, grammar)
    if rule.kind in ("year", "date"):
        return _dated(match, rule.kind, grammar)
    groups = match.groupdict()  # "ordinal"
    if groups.get("ordinal"):
        value, written = Decimal(_ordinal(groups["ordinal"], grammar)), "words"
    elif groups.get("zh"):
        value, written = _chinese_numeral(groups["zh"]), "words"
        if value is None:
            return None
    else:
        value, written = Decimal(groups["num"]), "digits"
    return Quantity(match.start(), match.end(), float(value), None, "ordinal", written=written)


# ECMA-48 escape sequences: CSI (ESC [ or U+009B ... final byte), OSC (ESC ] or U+009D ...
# BEL or ST), and two-character escapes.
_TERMINAL_ESCAPE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
                              r"|\x1b[@-Z\\-_]")


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity, count, year, date and ordinal in `text`, in text order, with exact
    spans (`text[q.start:q.end]` is what is written). Rules apply in the grammar's order;
    a match that overlaps a span an earlier rule took is tried again one character on, and
    a "none" rule's span (a code, a list marker) yields nothing."""
    grammar = _grammar()
    normal = text.translate(grammar.normalise)
    # Terminal escape sequences are not text: "\x1b]0;title\x07" holds no quantity 0. They
    # read as spaces of the same length, so every span still cites `text`.
    normal = _TERMINAL_ESCAPE.sub(lambda m: " " * len(m.group()), normal)
    taken: list[tuple[int, int]] = []
    found: list[Quantity] = []
    for rule in grammar.rules:
        position = 0
        while (match := rule.pattern.search(normal, position)) is not None:
            start, end = match.span()
            position = max(end, start + 1)
            if start == end or any(start < e and s < end for s, e in taken):
                position = start + 1
                continue
            if rule.kind == "none":
                taken.append((start, end))
                continue
            quantity = _resolve(rule, match, grammar)
            if quantity is None:
                position = start + 1
                continue
            taken.append((start, end))
            found.append(quantity)
    return sorted(found, key=lambda q: q.start)
