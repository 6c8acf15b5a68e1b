"""Parts of a year (quarters, halves) named in a question or a sentence.

Why: a year is not the only period a figure can be for. "What was invested in the second
quarter?" must not be answered by "in the first quarter ... 63 billion yuan": the year
check (qa.answerability) cannot see that, this can. Only a conflict counts: a figure
whose sentence names no part of the year may still answer (the period is often stated
once, sentences earlier). The cues are data: [periods] of qa/data/lexicon.toml.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache

from qa.lexicon import LEXICON_FILE


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, re.Pattern[str] | None, tuple[str, ...]], ...]:
    periods = tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8")).get("periods", {})
    return tuple(
        (name, re.compile(r"(?<![\w-])(?:" + "|".join(cue["en"]) + r")(?![\w-])", re.I) if cue.get("en") else None,
         tuple(cue.get("zh", ())))
        for name, cue in periods.items())


def year_parts(text: str) -> frozenset[str]:
    """The parts of a year `text` names: {"q2"} for "in the second quarter", {"h1"} for
    "上半年"; empty when it names none."""
    found = set()
    for name, english, chinese in _cues():
        if (english is not None and english.search(text)) or any(word in text for word in chinese):
            found.add(name)
    return frozenset(found)


def conflicting_part(question: str, sentence: str) -> str | None:
    """The part of the year the sentence names instead of the one the question asks, in
    words ("the first quarter"), or None when there is no conflict."""
    asked = year_parts(question)
    if not asked:
        return None
    stated = year_parts(sentence)
    if not stated or stated & asked:
        return None
    return "the " + _spoken()[sorted(stated)[0]]


@lru_cache(maxsize=1)
def _spoken() -> dict[str, str]:
    """Each part's name in words: its first English cue ("first quarter")."""
    periods = tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8")).get("periods", {})
    return {name: re.sub(r"\(.*", "", cue["en"][0]) if cue.get("en") else name for name, cue in periods.items()}
