"""The question frame's word lists, read once from qa/data/lexicon.toml.

Why a data file: metric cues, name stopwords and a corpus's home-country words are
language and corpus knowledge, not program logic; a user extends them without code, and
no word of the bundled texts sits in the program.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from corpus.errors import SettingsError

LEXICON_FILE = Path(__file__).resolve().parent / "data" / "lexicon.toml"


@dataclass(frozen=True)
class Lexicon:
    """`metric_cues`: concept -> (English regexes, Chinese literals); `metric_units`:
    concept -> canonical units; `name_stopwords`; `country_words`: lower-case country ->
    the words that name it without naming it; `currency_words`: names of money;
    `more_words` / `less_words`: comparatives
    and superlatives asking for the larger / smaller value; `change_before_number` /
    `change_in_question`: words that make a number a change / a question ask for one."""

    metric_cues: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    metric_units: Mapping[str, tuple[str, ...]]
    name_stopwords: frozenset[str]
    country_words: Mapping[str, tuple[str, ...]]
    currency_words: tuple[str, ...] = ()
    more_words: tuple[str, ...] = ()
    less_words: tuple[str, ...] = ()
    change_before_number: tuple[str, ...] = ()
    change_in_question: tuple[str, ...] = ()


@lru_cache(maxsize=2)
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        metrics = data["metrics"]
        return Lexicon(
            metric_cues=MappingProxyType({c: (tuple(m["en"]), tuple(m["zh"])) for c, m in metrics.items()}),
            metric_units=MappingProxyType({c: tuple(m["units"]) for c, m in metrics.items() if m["units"]}),
            name_stopwords=frozenset(data["names"]["stopwords"].split()),
            country_words=MappingProxyType({k.lower(): tuple(v) for k, v in data["places"]["country_words"].items()}),
            currency_words=tuple(data["names"].get("currency_words", ())),
            more_words=tuple(data.get("comparison", {}).get("more", ())),
            less_words=tuple(data.get("comparison", {}).get("less", ())),
            change_before_number=tuple(data.get("change", {}).get("before_number", ())),
            change_in_question=tuple(data.get("change", {}).get("in_question", ())),
        )
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read the question lexicon {path}: {error}") from error
