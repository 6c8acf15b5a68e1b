"""Numbers in prose and table cells, normalised into `Figure`s with a label.

A figure keeps its surface form and exact span (so an answer cites what the document
says) and gets a value with scale words applied, a canonical unit (corpus.units) and a
label ("New York Bay Area GDP 2016") built from its sentence: the nearest place or name,
the metric the number quantifies, the sentence's year. Where a number is and what it is
(value, scale, unit; a year, a date, a code that is no quantity) is the grammar of
`corpus.quantities`; this module labels what it finds.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, Sequence

from corpus.glossary import Glossary, load_glossary
from corpus.quantities import Quantity, find_quantities
from corpus.types import Fact
from corpus.units import parse_unit
from qa.question import (
    PLACE_KINDS, Mention, entity_mentions, metric_mentions,
)
from qa.types import Figure

_YEAR = r"(?:19|20)\d{2}"
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+|[;；。！？\n]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|[。！？\n]")
_FOLLOWING_PLACE = re.compile(r"\s+(?:in|of|for|at|from)\s+(?:the\s+)?")
# A count names its place after what it counts: "300 users in Hong Kong", "55 bases for
# Hong Kong youths", or right before it: "40,000 Hong Kong and Macao residents".
_COUNTED_PLACE = re.compile(r"\s+(?:[a-z][a-z-]*\s+){0,4}(?:in|of|for|at|from)\s+(?:the\s+)?|\s+")
# A bare count of people: "2,900 young people", "40,000 Hong Kong and Macao residents".
_PEOPLE_COUNT = re.compile(
    r"\s*(?:[A-Za-z][A-Za-z-]*\s+(?<!\bof\s)(?<!\bin\s)(?<!\bwith\s)(?<!\bfrom\s)(?<!\bfor\s)){0,4}?"
    r"(?:people|persons|residents|youths?|visitors|tourists|students|employees|workers|talents|inhabitants)\b"
    r"|\s*(?:人|名)(?![\u4e00-\u9fff]*(?:民币|口))")
_NOUN_STOPS = frozenset("of in and or with to from for that which were was have has are is per by at on as than".split())
_ZH_COUNT_NOUN = re.compile(r"[\u4e00-\u9fff]{1,4}")
_MODIFIERS = ("share", "growth")
_PEOPLE_METRICS = ("population", "passenger throughput")


@lru_cache(maxsize=1)
def _bundled_glossary() -> Glossary:
    return load_glossary()


def _spans(text: str, boundary: re.Pattern[str]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in boundary.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _containing(spans: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in spans:
        if start <= position < end:
            return start, end
    return position, position


def _numbers(text: str, words: bool) -> list[Quantity]:
    """The grammar's quantities, counts, years and dates (ordinals dropped). With `words`,
    the bare numbers written in words ("eight measures", "四个") instead of the rest;
    a number in words with a scale ("三千五百万元", "two million yuan") is among the rest."""
    return [q for q in find_quantities(text)
            if q.kind != "ordinal" and (q.written == "words" and q.scale == 1.0) == words]


class MetricCue(NamedTuple):
    """A metric concept cued at a document-local span."""

    concept: str
    start: int
    end: int


def _nearest_before(mentions: Sequence[Mention], start: int, lo: int) -> Mention | None:
    before = [m for m in mentions if lo <= m.start and m.end <= start]
    return before[-1] if before else None


def _entity(text: str, raw: Quantity, mentions: Sequence[Mention],
            clause: tuple[int, int], sentence: tuple[int, int]) -> str | None:
    """"$1.5 trillion in the New York Bay Area" names its place after the number;
    otherwise the nearest place before it in the clause, then in the sentence."""
    for mention in mentions:
        between = text[raw.end:mention.start]
        if raw.end <= mention.start < clause[1] and (
                _FOLLOWING_PLACE.fullmatch(between) or raw.kind == "count" and _COUNTED_PLACE.fullmatch(between)):
            return mention.name
        if mention.start >= raw.end:
            break
    if raw.kind in ("year", "date"):  # "In 2016, the Bay Area ...": the subject follows
        after = [m for m in mentions if raw.end <= m.start < clause[1]]
        if after:
            return after[0].name
    near = _nearest_before(mentions, raw.start, clause[0]) or _nearest_before(mentions, raw.start, sentence[0])
    return near.name if near else None


def _year(raw: Quantity, years: Sequence[Quantity], clause: tuple[int, int], sentence: tuple[int, int],
          text: str = "", values: Sequence[Quantity] = ()) -> int | None:
    """The year a figure is about: its own value for a year; else a year written just
    after it ("113,000 for the fiscal year ended 2018", "$4.2 million in 2018"); else the
    nearest year before it in its clause, else after it in the clause, then the same in
    its sentence."""
    if raw.unit == "year":
        return int(raw.value)
    following = _year_after(text, raw, years, values, clause)
    if following is not None:
        return following
    for lo, hi in (clause, sentence):
        inside = [y for y in years if lo <= y.start < hi]
        before = [y for y in inside if y.end <= raw.start]
        after = [y for y in inside if y.start >= raw.end]
        if before or after:
            return int((before[-1] if before else after[0]).value)
    return None


# Between a number and the year that is its own: a few words ending in a preposition
# phrase ("for the fiscal year ended", "in", "as of"), no digits, no clause break.
_YEAR_AFTER = re.compile(
    r"^[^\d.;:!?，。；]{0,40}?\b(?:in|for|during|ended|ending|at|as of|as at|by|of|on)\b[^\d.;:!?，。；]{0,30}$",
    re.IGNORECASE)


def _year_after(text: str, raw: Quantity, years: Sequence[Quantity], values: Sequence[Quantity],
                clause: tuple[int, int]) -> int | None:
    """The first year after `raw` in its clause when only a preposition phrase stands
    between them (see _YEAR_AFTER), else None."""
    following = next((y for y in years if y.start >= raw.end and y.start < clause[1]), None)
    if following is None or any(raw.end <= v.start < following.start for v in values):
        return None
    return int(following.value) if _YEAR_AFTER.match(text[raw.end:following.start]) else None


def _count_noun(text: str, raw: Quantity) -> str | None:
    """The noun a bare count counts: "853 cooperative projects", "68个项目"."""
    rest = text[raw.end:]
    if rest[:1] and "\u4e00" <= rest[0] <= "\u9fff":
        match = _ZH_COUNT_NOUN.match(rest)
        return match.group() if match else None
    words = []
    for word in re.match(r"[ a-z-]*", rest).group().split()[:4]:
        if word in _NOUN_STOPS:
            break
        words.append(word)
    return " ".join(words) or None


def _metric(text: str, raw: Quantity, clause: tuple[int, int]) -> str | None:
    """What a number measures: a concept cued by its own unit word ("passengers"), the noun
    a bare count counts, or the nearest metric cue before it in its clause (after it when
    none is before). Percentages keep a share/growth modifier ("gdp share")."""
    cues = [MetricCue(m.concept, clause[0] + m.start, clause[0] + m.end)
            for m in metric_mentions(text[clause[0]:clause[1]])]
    if raw.kind in ("year", "date"):  # "In 2016, ... achieved a regional GDP": when of the GDP
        after = [c.concept for c in cues if c.start >= raw.end and c.concept not in _MODIFIERS]
        before = [c.concept for c in cues if c.end <= raw.start and c.concept not in _MODIFIERS]
        return (after[:1] or before[-1:] or [None])[0]
    own = [m.concept for m in metric_mentions(text[raw.start:raw.end])]
    if own and own[-1] not in _MODIFIERS:
        return own[-1]
    if raw.kind == "count":
        noun = _count_noun(text, raw)
        if noun:
            concepts = [m.concept for m in metric_mentions(noun) if m.concept not in _MODIFIERS]
            return concepts[-1] if concepts else noun
    before = [c for c in cues if c.end <= raw.start]
    base = [c.concept for c in before if c.concept not in _MODIFIERS]
    if not base:
        base = [c.concept for c in cues if c.start >= raw.end and c.concept not in _MODIFIERS][:1]
    metric = base[-1] if base else None
    if raw.unit in ("%", "pp") and before and before[-1].concept in _MODIFIERS:
        return f"{metric} {before[-1].concept}" if metric else before[-1].concept
    return metric



def _respectively(text: str, raws: Sequence[Quantity], mentions: Sequence[Mention],
                  sentence: tuple[int, int]) -> dict[int, str]:
    """"A, B and C ... were X, Y and Z respectively": pair values and places in order.
    Returns {raw.start: entity}; empty when the counts do not line up."""
    lo, hi = sentence
    if not re.search(r"\brespectively\b|分别", text[lo:hi]):
        return {}
    values = [r for r in raws if lo <= r.start < hi and r.kind not in ("year", "date")]
    if len(values) < 2:
        return {}
    names: list[Mention] = []
    for mention in mentions:
        if lo <= mention.start < values[0].start and (not names or names[-1].name != mention.name):
            names.append(mention)
    if len(names) < len(values):
        names = [m for m in mentions if values[-1].end <= m.start < hi]
    if len(names) < len(values):
        return {}
    names = names[-len(values):] if names[0].start < values[0].start else names[: len(values)]
    return {value.start: name.name for value, name in zip(values, names)}


def _respective_years(text: str, raws: Sequence[Quantity], sentence: tuple[int, int]) -> dict[int, int]:
    """"At December 31, 2019 and 2018 there were 383,000 and 750,000 shares,
    respectively": the years listed before the values pair with them in order.
    Returns {raw.start: year}; empty unless the counts line up."""
    lo, hi = sentence
    if not re.search(r"\brespectively\b|分别", text[lo:hi]):
        return {}
    inside = [r for r in raws if lo <= r.start < hi]
    values = [r for r in inside if r.kind not in ("year", "date")]
    if len(values) < 2:
        return {}
    years = [r for r in inside if r.unit == "year" and r.end <= values[0].start]
    if len(years) != len(values):
        return {}
    return {value.start: int(year.value) for value, year in zip(values, years)}


def _label(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p not in (None, ""))


def _display(metric: str | None) -> str | None:
    """"gdp share" -> "GDP share": concepts are lower-case, labels are for people."""
    if metric is None:
        return None
    return re.sub(r"\bgdp\b", "GDP", metric)


def extract_figures(text: str, doc_id: str, offset: int = 0,
                    glossary: Glossary | None = None, words: bool = False) -> list[Figure]:
    """Every number in `text` as a Figure, in text order. `offset` is where `text` starts
    in the document, so `document.text[f.start:f.end] == f.text`. `glossary` defaults to
    the bundled one (place names for labels). With `words`, the counts written as words
    instead ("eight measures"): only worth reading when a question counts what follows
    them, since "two industries" would otherwise outrank the digits asked for."""
    glossary = glossary or _bundled_glossary()
    raws = _numbers(text, words)
    if not raws:
        return []
    clauses, sentences = _spans(text, _CLAUSE_END), _spans(text, _SENTENCE_END)
    mentions = entity_mentions(text, glossary)
    years = [r for r in raws if r.unit == "year"]
    values = [r for r in raws if r.kind not in ("year", "date")]
    paired: dict[int, str] = {}
    paired_years: dict[int, int] = {}
    for sentence in sentences:
        paired.update(_respectively(text, raws, mentions, sentence))
        paired_years.update(_respective_years(text, raws, sentence))
    figures = []
    for raw in raws:
        clause, sentence = _containing(clauses, raw.start), _containing(sentences, raw.start)
        entity = paired.get(raw.start) or _entity(text, raw, mentions, clause, sentence)
        metric = _metric(text, raw, clause)
        unit = raw.unit
        if unit is None and raw.kind == "quantity" and metric in _PEOPLE_METRICS:
            unit = "person"  # "population ... 67.9438 million": people, though unwritten
        if unit is None and raw.kind == "count" and _PEOPLE_COUNT.match(text, raw.end):
            unit = "person"
        year = paired_years.get(raw.start) or _year(raw, years, clause, sentence, text, values)
        surface = text[raw.start:raw.end]
        if raw.kind in ("year", "date"):
            label = _label(entity, _display(metric), raw.kind, surface)
        else:
            label = _label(entity, _display(metric), year)
        figures.append(Figure(value=raw.value, unit=unit, text=surface, doc_id=doc_id,
                              start=offset + raw.start, end=offset + raw.end, label=label,
                              entity=entity, metric=metric, year=year))
    return figures


_HAN = re.compile(r"[\u4e00-\u9fff]")
_HEADER_UNIT = re.compile(r"[(（]([^()（）]+)[)）]\s*$")
_CAPTION_YEAR = re.compile(rf"(?<!\d)({_YEAR})(?:\s*年)?(?!\d)")


def _strip_unit(label: str) -> str:
    return _HEADER_UNIT.sub("", label).strip()


def _fact_scale(fact: Fact) -> tuple[float, str | None]:
    """Scale and canonical unit of a cell: Fact.unit, else a unit in a label's parentheses.
    A unit we do not know keeps scale 1 and its own spelling rather than being dropped."""
    written = fact.unit
    if written is None:
        for label in (fact.row_label, *fact.column_labels):
            match = _HEADER_UNIT.search(label)
            if match and parse_unit(match.group(1)):
                written = match.group(1)
                break
    if written is None:
        return 1.0, None
    parsed = parse_unit(written)
    return (parsed.scale, parsed.unit) if parsed else (1.0, written)


def _english(zh: str, glossary: Glossary) -> str | None:
    """Glossary English of a label; "深圳港" falls back to "Shenzhen Port" via "深圳"."""
    english = glossary.english(zh)
    if english is None and zh.endswith("港") and len(zh) > 1:
        city = glossary.english(zh[:-1])
        english = f"{city} Port" if city else None
    return english


def _concept_name(label: str) -> str | None:
    concepts = [m.concept for m in metric_mentions(label)]
    return _display(concepts[-1]) if concepts else None


def _scaled(number: str, scale: float) -> float:
    """number x scale in decimal, so 19547.44 x 1e8 is 1954744000000.0, not ...999.9998."""
    return float(Decimal(number) * Decimal(scale))


def _is_place(zh: str, glossary: Glossary) -> bool:
    kinds = {e.kind for e in glossary.entries if e.zh in (zh, zh[:-1] if zh.endswith("港") else zh)}
    return bool(kinds & set(PLACE_KINDS)) and not kinds - set(PLACE_KINDS) - {"term"}


def _fact_figure(fact: Fact, year: int | None, glossary: Glossary) -> Figure:
    scale, unit = _fact_scale(fact)
    labels = [_strip_unit(label) for label in fact.key]
    places = [label for label in labels if _is_place(label, glossary)]
    entity_zh = places[0] if places else None
    rest = [label for label in labels if label != entity_zh]
    entity = (_english(entity_zh, glossary) or entity_zh) if entity_zh else None
    rest_en = [_english(label, glossary) or _concept_name(label) or label for label in rest]
    concepts = [m.concept for part in rest + rest_en for m in metric_mentions(part)]
    metric = concepts[0] if concepts else (" ".join(rest_en) or None)
    written_year = year is not None and any(str(year) in label for label in labels)
    group = fact.group.rstrip(":：") if fact.group else None
    chinese = _label(entity_zh, *rest)
    if chinese and _HAN.search(chinese):  # "杭州 GDP 2016": place, measure, year
        english = _label(entity, group, *rest_en, None if written_year else year)
    else:  # what the row measures, then which column: "Operating activities, Year ended March 31, 2019"
        row_en = rest_en[-1:] if rest and rest[-1] == labels[-1] else []
        columns = rest_en[: len(rest_en) - len(row_en)]
        when = _label(*columns, None if written_year else year)
        english = _label(entity, group, *row_en) + (", " + when if when and (entity or group or row_en) else when)
    # The labels as written, after the English, only when they are another language's
    # ("杭州 GDP 2016 (杭州 GDP(亿元人民币))"); an English table's would repeat the label.
    shown = f"{english} ({chinese})" if chinese and _HAN.search(chinese) else english
    return Figure(
        value=_scaled(repr(fact.value), scale), unit=unit, text=fact.raw, doc_id=fact.doc_id,
        start=fact.start, end=fact.end, label=shown, entity=entity, metric=metric, year=year,
    )


def figures_from_facts(facts: Sequence[Fact], caption: str | None,
                       glossary: Glossary) -> list[Figure]:
    """Table cells as Figures: value = number x the unit's scale, labelled in English and
    Chinese ("Guangzhou GDP 2016 (广州 GDP)") so questions in either language match; the
    year is the fact's own (its column's "Year Ended June 30, 2019"), else the caption's
    ("表1 2016年..."). Text cells (value None) give none."""
    found = _CAPTION_YEAR.search(caption or "")
    year = int(found.group(1)) if found else None
    return [_fact_figure(fact, fact.year if fact.year is not None else year, glossary)
            for fact in facts if fact.value is not None]
