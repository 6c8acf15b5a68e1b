"""What a question asks: its places, years, metrics and the kind of answer it wants.

Figures are ranked against this analysis (qa.figures), and the same finders label the
figures found in prose (qa.numbers), so a question and a sentence that say "Guangzhou's
GDP" / "广州的GDP" land on the same canonical names: English place names from the
glossary and the metric concepts of METRIC_CUES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from corpus.glossary import Glossary, name_forms
from corpus.units import parse_unit
from qa.change import asks_for_change
from qa.demonyms import NOT_A_PLACE, demonym_mentions, read_demonyms
from qa.lexicon import load_lexicon

PLACE_KINDS = ("place", "region")
ANSWER_KINDS = ("how_many", "how_much", "share", "when", "which", "other")

_LEXICON = load_lexicon()
# Metric concept -> its cues (English lower-case regexes; Chinese literal strings), and the
# units each is measured in; words that start a capitalised run but name nothing. All
# from qa/data/lexicon.toml.
METRIC_CUES = _LEXICON.metric_cues
METRIC_UNITS = _LEXICON.metric_units
NAME_STOPWORDS = _LEXICON.name_stopwords

_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[A-Za-z]+")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")  # a calendar year, not part of a longer number
_CAPITALISED_RUN = re.compile(r"[A-Z][A-Za-z'’]*(?:[ -][A-Z][A-Za-z'’]*)*")


class Mention(NamedTuple):
    """A place or name found in a text: canonical English `name`, span `start`/`end`."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class QuestionAnalysis:
    """The parts of a question that figure ranking and answerability compare against."""

    question: str
    language: str
    entities: tuple[str, ...]
    years: tuple[int, ...]
    metrics: tuple[str, ...]
    answer_kind: str
    asks_change: bool
    expected_units: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    # Names the answer's figure must be about (its context must name them): glossary places
    # and names a dictionary knows (qa.translation.QueryTranslator.known_names).
    places: tuple[str, ...] = ()


def _flexible(name: str) -> str:
    """A regex for an English name where hyphens and spaces are interchangeable
    ("Guangdong-Hong Kong-Macao" is written "Guangdong Hong Kong Macao" in prose)."""
    parts = [re.escape(part) for part in re.split(r"[\s-]+", name.strip()) if part]
    return r"(?<![A-Za-z])" + r"[\s-]+".join(parts) + r"(?![A-Za-z])"


@dataclass(frozen=True)
class _PlaceMatcher:
    chinese: tuple[tuple[str, str], ...]  # (zh, en), longest zh first
    english: tuple[tuple[re.Pattern[str], str], ...]  # (pattern, en), longest first
    regions: frozenset[str] = frozenset()  # English names of regions (they have no one port)
    english_names: tuple[str, ...] = ()  # every English place and region name
    world: re.Pattern[str] | None = None  # the world's place names the glossary lacks ("Japan")


@lru_cache(maxsize=1)
def _demonym_places() -> tuple[str, ...]:
    return tuple(dict.fromkeys(place for _, place in read_demonyms() if place != NOT_A_PLACE))


@lru_cache(maxsize=8)
def _place_matcher(glossary: Glossary) -> _PlaceMatcher:
    """Compiled once per glossary: the place and region names in both languages."""
    places = [e for e in glossary.entries if e.kind in PLACE_KINDS and e.en.strip()]
    chinese = sorted(((e.zh, e.en) for e in places if e.zh), key=lambda p: -len(p[0]))
    english = sorted({e.en for e in places}, key=len, reverse=True)
    return _PlaceMatcher(
        tuple(chinese),
        tuple((re.compile(_flexible(en), re.IGNORECASE), en) for en in english),
        frozenset(e.en for e in places if e.kind == "region"),
        tuple(english),
        _world_pattern(frozenset(name.lower() for en in english for name in name_forms(en))),
    )


def _world_pattern(known: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for the place names of the demonym file (qa/data/demonyms.tsv) that the
    glossary lacks, written as names are (capitalised, whole words): a question about
    Japan names a place even when no document does, so it is refused, not answered with
    another place's figure."""
    names = sorted((p for p in _demonym_places() if p.lower() not in known), key=len, reverse=True)
    if not names:
        return None
    # Not followed by another capitalised word ("New York Bay Area"); `_world_mentions`
    # checks the word before ("Michael Jordan").
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z])(?!\s+[A-Z])")


_AFTER_NAME_WORD = re.compile(r"[A-Z][a-z]{1,7}\s\Z")  # a capitalised word of 2-8 letters just before


def _world_mentions(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """The pattern's matches that do not continue a name begun by the word before them
    ("Michael Jordan", "Xx Republic of the Congo": then a later start is tried)."""
    found, position = [], 0
    while (match := pattern.search(text, position)) is not None:
        if _AFTER_NAME_WORD.search(text, max(0, match.start() - 9), match.start()):
            position = match.start() + 1
            continue
        found.append(match)
        position = max(match.end(), match.start() + 1)
    return found


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


def _port_suffix(text: str, mention: Mention, regions: frozenset[str] = frozenset()) -> Mention:
    """"鹿特丹港" / "Rotterdam Port" / "the port of Rotterdam" name the port, not the city
    (unless the glossary has it).
    "大湾区港口" is "the Bay Area's ports" (港口 is the common word), not a port's name."""
    if mention.name in regions:
        return mention
    rest = text[mention.end:]
    if rest.startswith("港") and not rest.startswith(("港澳", "港口")):
        return Mention(mention.name + " Port", mention.start, mention.end + 1)
    port = re.match(r"[ -]Port\b", rest)
    if port and not mention.name.endswith("Port"):
        return Mention(mention.name + " Port", mention.start, mention.end + port.end())
    before = _PORT_OF.search(text, 0, mention.start)  # "the port of Lyon"
    if before and not mention.name.endswith("Port"):
        return Mention(mention.name + " Port", before.start(), mention.end)
    return mention


_PORT_OF = re.compile(r"\bport of (?:the )?\Z", re.IGNORECASE)


def place_mentions(text: str, glossary: Glossary) -> list[Mention]:
    """Glossary places and regions in `text`, Chinese or English, longest first, no overlaps."""
    matcher = _place_matcher(glossary)
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for zh, en in matcher.chinese:
        for match in re.finditer(re.escape(zh), text):
            if _free(taken, match.start(), match.end()):
                taken.append(match.span())
                found.append(_port_suffix(text, Mention(en, *match.span()), matcher.regions))
    for pattern, en in matcher.english:
        for match in pattern.finditer(text):
            if _free(taken, match.start(), match.end()):
                taken.append(match.span())
                found.append(_port_suffix(text, Mention(en, *match.span()), matcher.regions))
    if matcher.world is not None:
        for match in _world_mentions(matcher.world, text):
            if _free(taken, match.start(), match.end()):
                taken.append(match.span())
                found.append(Mention(match.group(), *match.span()))
    # "Central Asian countries", "Japanese firms": a demonym names its place (the glossary's
    # spelling when it has the place, else the demonym file's: "Japan").
    for place, start, end in demonym_mentions(text, matcher.english_names + _demonym_places()):
        if _free(taken, start, end):
            taken.append((start, end))
            found.append(Mention(place, start, end))
    return sorted(found, key=lambda m: m.start)


_CURRENCY_AFTER = re.compile(r"\.?\s+(?:" + "|".join(map(re.escape, _LEXICON.currency_words)) + r")\b", re.I)


def _name_runs(text: str, taken: list[tuple[int, int]]) -> list[Mention]:
    """Capitalised runs ("New York Bay Area") outside glossary mentions, trimmed of
    stopwords and metric words; a lone word at a sentence start is not taken as a name."""
    names = []
    for run in _CAPITALISED_RUN.finditer(text):
        if _CURRENCY_AFTER.match(text, run.end()):  # "US dollars", "Hong Kong dollars" are money
            continue
        words = [(w.group(), run.start() + w.start(), run.start() + w.end())
                 for w in re.finditer(r"[A-Za-z'’]+", run.group())]
        for index, (word, _, _) in enumerate(words):
            if re.search(r"['’]s?$", word):  # "Guangzhou's GDP": the name ends at the possessive
                words = words[: index + 1]
                break
        cued = [(m.start + run.start(), m.end + run.start()) for m in metric_mentions(run.group())]

        def dropped(word: tuple[str, int, int]) -> bool:
            return word[0].lower().rstrip("'’s") in NAME_STOPWORDS or any(
                s <= word[1] and word[2] <= e for s, e in cued)

        while words and dropped(words[0]):
            words.pop(0)
        while words and dropped(words[-1]):
            words.pop()
        if not words:
            continue
        start, end = words[0][1], words[-1][2]
        sentence_start = not text[:start].strip() or text[:start].rstrip()[-1] in ".;!?:\"“\n"
        if len(words) == 1 and (sentence_start or len(words[0][0]) < 2):  # "T" of "T3" is no name
            continue
        if len(words) == 1 and parse_unit(words[0][0]) is not None:  # "(USD)", "RMB", "TEU" are units
            continue
        if _free(taken, start, end):
            name = text[start:end].rstrip("'’")
            names.append(Mention(re.sub(r"['’]s$", "", name), start, end))
    return names


def entity_mentions(text: str, glossary: Glossary) -> list[Mention]:
    """Places from the glossary plus other capitalised names, in text order."""
    return list(_entity_mentions(text, glossary))


@lru_cache(maxsize=4096)
def _entity_mentions(text: str, glossary: Glossary) -> tuple[Mention, ...]:
    """Cached: answerability reads the same passages' places question after question."""
    places = place_mentions(text, glossary)
    taken = [(m.start, m.end) for m in places]
    return tuple(sorted(places + _name_runs(text, taken), key=lambda m: m.start))


class MetricMention(NamedTuple):
    concept: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _metric_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    cues: list[tuple[str, str, bool]] = []
    for concept, (english, chinese) in METRIC_CUES.items():
        cues += [(cue, concept, True) for cue in english]
        cues += [(cue, concept, False) for cue in chinese]
    cues.sort(key=lambda c: -len(c[0]))
    return tuple(
        (re.compile(r"(?<![a-z])" + cue + r"(?![a-z])" if is_regex else re.escape(cue), re.IGNORECASE),
         concept)
        for cue, concept, is_regex in cues
    )


def metric_mentions(text: str) -> list[MetricMention]:
    """Metric concepts cued in `text`, longest cue first, no overlaps, in text order."""
    return list(_metric_mentions(text))


@lru_cache(maxsize=8192)
def _metric_mentions(text: str) -> tuple[MetricMention, ...]:
    """Cached: a figure's label is read for its concepts once per question it is a candidate of."""
    taken: list[tuple[int, int]] = []
    found = []
    for pattern, concept in _metric_patterns():
        for match in pattern.finditer(text):
            if _free(taken, *match.span()):
                taken.append(match.span())
                found.append(MetricMention(concept, *match.span()))
    return tuple(sorted(found, key=lambda m: m.start))


def _language(question: str) -> str:
    return "zh" if len(_CJK.findall(question)) >= len(_EN_WORD.findall(question)) else "en"


# Answer-kind cues, tried in this order (the first that matches wins).
_KIND_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "When did ...", not "What happens when ..." (a condition, not a time asked for). First:
    # "In which year was the share of net earnings higher?" asks for a year, whatever it compares.
    ("when", re.compile(r"^\W*when\b|\bwhen (?:did|was|is|were|will|does|do|has|had|can)\b|\bwhat year\b"
                        r"|\bwhich (?:(?:was|is) the |fiscal |financial |calendar )?years?\b|\bwhat date\b|什么时候|何时|哪一?年|何年|哪天", re.I)),
    ("share", re.compile(r"what (?:percentage|percent|proportion|share|fraction)|how much of a share"
                         r"|percentage of|proportion of|share of|占比|比重|比例|百分之|占.{0,12}多少"
                         # a change asked as a percentage is a percentage, whatever it is of
                         r"|\bpercentage (?:increase|decrease|change|growth|rise|fall|drop)\b|\bgrowth rate\b"
                         r"|\b(?:in|as a) percent(?:age)?\b|增长率|增速|增幅", re.I)),
    ("how_many", re.compile(r"\bhow many\b|\bnumber of\b|几[个项家条对座所名位批次件种类]|多少[个项家条对座所名位批次件种类人]", re.I)),
    ("how_much", re.compile(r"\bhow (?:much|large|big|long)\b|多少|多大|多长|多少钱", re.I)),
    ("which", re.compile(r"\b(?:which|who|where)\b|哪个|哪些|哪座|哪里|谁", re.I)),
)
_PEOPLE = re.compile(r"\bpeople\b|\bpersons?\b|\bpassengers?\b|\bresidents\b|人口|多少人|万人", re.I)
_QUANTITY_WORDS = re.compile(r"\bwhat(?:['’]s\b| (?:was|is|were|are)\b)|是多少|为多少|有多少", re.I)
_UNIT_PHRASE = re.compile(
    r"\bin (?:(?:thousand|million|billion|trillion) )?(?:yuan|us dollars|dollars|tons|teus|"
    r"square kilometers|kilometers|percent|euros|pounds|yen)\b|[万亿]*(?:元人民币|人民币|美元|元|吨|平方公里|公里|人次|TEU)"
    r"|\bin (?:US\$|HK\$|A\$|RMB|€|£|¥|\$)(?!\s*\d)", re.I)
# Money asked for without a metric word for it: "the total value of the projects".
_MONEY = re.compile(r"\b(?:value|amount|worth|money|funds?|turnover|revenue|cost)\b|金额|总额|资金|价值|产值", re.I)
_MONEY_UNITS = ("CNY", "USD", "HKD")
_POINTS = re.compile(r"percentage points?|个百分点|百分点", re.I)
HOW_LONG = re.compile(r"\bhow long\b|多长|多久", re.I)
LENGTH_OR_DURATION = ("km", "yr")  # what "how long" asks for: a distance or a span of time
_YEARS_COUNTED = re.compile(r"\bhow many (?:\w+ )?years\b|多少年|几年", re.I)
_EN_STOP = NAME_STOPWORDS | frozenset("much many did does total all than more less about".split())


def _answer_kind(question: str, metrics: tuple[str, ...]) -> str:
    for kind, pattern in _KIND_CUES:
        if pattern.search(question):
            return kind
    if metrics and _QUANTITY_WORDS.search(question):
        return "how_much"
    return "other"


def _expected_units(question: str, kind: str, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """Units an answer should carry: stated ("in billion yuan", "多少亿元"), else implied by
    the kind (share -> %, when -> year) or by the metric (GDP -> CNY/USD)."""
    units: list[str] = []
    for match in _UNIT_PHRASE.finditer(question):
        phrase = re.sub(r"^in ", "", match.group(), flags=re.I)
        parsed = parse_unit(phrase)
        if parsed and parsed.unit:
            units.append(parsed.unit)
    points = bool(_POINTS.search(question))
    if points:
        units.append("pp")  # a change in a share, not the share itself
    if kind == "share" and not points:
        units += ["%", "pp"]
    elif kind == "when":
        units += ["year", "date"]
    elif kind in ("how_many", "how_much", "other"):
        if kind == "how_many" and _PEOPLE.search(question):
            units.append("person")
        if HOW_LONG.search(question):
            units += list(LENGTH_OR_DURATION)
        if kind == "how_many" and _YEARS_COUNTED.search(question):
            units.append("yr")  # a length of time ("for how many years"), not a calendar year
        counted = _COUNT_EN.search(question) if kind == "how_many" else None
        measured = parse_unit(counted.group(1).split()[0]) if counted else None
        if measured is not None and measured.unit:
            units.append(measured.unit)  # "how many kilometres of rail" asks for a length
        if kind != "how_many" and _MONEY.search(question):
            units += ["CNY", "USD"]
        for metric in metrics:
            # "How many investment projects" counts projects: a count is never money.
            units += [u for u in METRIC_UNITS.get(metric, ()) if kind != "how_many" or u not in _MONEY_UNITS]
    if points:
        units = [u for u in units if u != "%"]
    return tuple(dict.fromkeys(units))


def _keywords(question: str, entities: list[Mention]) -> tuple[str, ...]:
    """Content words left over once places are taken out: a weak, lexical tie-breaker."""
    rest = question
    for mention in sorted(entities, key=lambda m: -m.start):
        rest = rest[: mention.start] + " " + rest[mention.end:]
    words = [w.lower() for w in re.findall(r"[A-Za-z]{3,}", rest)]
    return tuple(dict.fromkeys(w for w in words if w not in _EN_STOP))


_COUNT_EN = re.compile(r"\bhow many\s+((?:[A-Za-z'-]+\s+){0,5}?[A-Za-z'-]+?)(?=\s+(?:did|do|does|are|is|were|was|has|have|had|in|of|from|for|on|at|by|per|a|the|to|that|which|with|into|under|since|between|will|can|could|would|should|been)\b|\?|$)", re.I)
_COUNT_ZH = re.compile(r"(?:多少|几)[个项对家座条所名位批次件]?([\u4e00-\u9fff]{1,16}?)(?:[的?？,，。]|$)")


_HIGHEST = re.compile(r"\b(?:highest|largest|biggest|greatest|most|maximum)\b|最高|最大|最多|第一", re.I)
_LOWEST = re.compile(r"\b(?:lowest|smallest|least|fewest|minimum)\b|最低|最小|最少", re.I)


def superlative(question: str) -> str | None:
    """"max" for "which city has the highest ...", "min" for the lowest, else None."""
    if _HIGHEST.search(question):
        return "max"
    if _LOWEST.search(question):
        return "min"
    return None


def counted_phrase(question: str) -> str:
    """What a "how many" question counts: "How many young people are ..." -> "young
    people"; "广东建立了多少对友好港口?" -> "友好港口"; "" when it counts nothing named."""
    found = _COUNT_EN.search(question) or _COUNT_ZH.search(question)
    return found.group(1).strip() if found else ""


def analyse_question(question: str, glossary: Glossary, names: tuple[str, ...] = ()) -> QuestionAnalysis:
    """Split a question (English or Chinese) into entities, years, metrics and answer kind.
    `names`: English names of places the question names in Chinese that the glossary does
    not know (from the dictionary, qa.translation), added to its entities."""
    mentions = entity_mentions(question, glossary)
    # A metric word inside a name ("Global Investment Promotion Conference") is not asked.
    metrics = tuple(dict.fromkeys(
        m.concept for m in metric_mentions(question)
        if not any(n.start <= m.start and m.end <= n.end for n in mentions)))
    kind = _answer_kind(question, metrics)
    if kind == "share":
        metrics = tuple(m for m in metrics if m != "share") + ("share",)
    return QuestionAnalysis(
        question=question,
        language=_language(question),
        entities=tuple(dict.fromkeys([m.name for m in mentions] + list(names))),
        years=tuple(dict.fromkeys(int(y) for y in YEAR.findall(question))),
        metrics=metrics,
        answer_kind=kind,
        asks_change=asks_for_change(question),
        expected_units=_expected_units(question, kind, metrics),
        keywords=_keywords(question, mentions),
    )
