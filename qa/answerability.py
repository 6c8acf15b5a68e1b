"""Does what was retrieved answer the question, or only come close?

A question is answered only when (1) the best passage is relevant enough (cosine
similarity with the question, or in BM25 mode the share of the question's terms it holds),
(2) every year the question asks about occurs in the retrieved text, (3) every place it
names is mentioned there, and (4) when it asks for a number, the best figure matches it
with no conflict of entity, metric or year. Each refusal carries the reason, so the user
sees why ("the documents have no figures for 2022") rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from corpus.glossary import Glossary
from corpus.types import Document
from qa.figures import figure_matches
from qa.question import QuestionAnalysis, entity_mentions
from qa.settings import QASettings
from qa.types import Figure, Passage

FIGURE_SEEKING = ("how_many", "how_much", "share")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str = ""


def passage_texts(passages: Sequence[Passage], documents: dict[str, Document]) -> list[str]:
    """What each passage says, as cited and as indexed (tables are rendered in English)."""
    texts = []
    for passage in passages:
        chunk = passage.chunk
        cited = documents[chunk.doc_id].text[chunk.start:chunk.end]
        texts.append(cited if chunk.text == cited else f"{cited}\n{chunk.text}")
    return texts


def missing_years(analysis: QuestionAnalysis, texts: Sequence[str]) -> list[int]:
    found = {int(y) for text in texts for y in _YEAR.findall(text)}
    return [year for year in analysis.years if year not in found]


def missing_entities(analysis: QuestionAnalysis, texts: Sequence[str], glossary: Glossary) -> list[str]:
    found = {m.name for text in texts for m in entity_mentions(text, glossary)}
    lowered = "\n".join(texts).lower()
    return [e for e in analysis.entities if e not in found and e.lower() not in lowered]


def figure_verdict(analysis: QuestionAnalysis, figures: Sequence[Figure]) -> Verdict:
    """A number is asked for: the best figure must fit it with no conflict."""
    if not figures:
        return Verdict(False, "no figure in the retrieved passages answers it")
    best = figures[0]
    match = figure_matches(analysis, best)
    if match.conflicts:
        return Verdict(
            False,
            f"the closest figure ({best.label or best.text}) does not match the question's "
            f"{' and '.join(match.conflicts)}",
        )
    return Verdict(True)


def judge(
    analysis: QuestionAnalysis,
    passages: Sequence[Passage],
    documents: dict[str, Document],
    figures: Sequence[Figure],
    relevance: float,
    relevance_kind: str,
    settings: QASettings,
    glossary: Glossary,
) -> Verdict:
    """The verdict on one question; `relevance` is cosine similarity ("similarity") or
    the question-term coverage of the best passage ("coverage", in BM25 mode)."""
    if not passages:
        return Verdict(False, "nothing in the documents matches the question")
    threshold = settings.min_similarity if relevance_kind == "similarity" else settings.min_term_coverage
    if relevance < threshold:
        return Verdict(False, f"the closest passage is a weak match ({relevance_kind} {relevance:.2f} < {threshold:.2f})")
    texts = passage_texts(passages, documents)
    years = missing_years(analysis, texts)
    if years:
        return Verdict(False, f"the documents found say nothing about {', '.join(map(str, years))}")
    entities = missing_entities(analysis, texts, glossary)
    if entities:
        return Verdict(False, f"the documents found do not mention {', '.join(entities)}")
    if analysis.answer_kind in FIGURE_SEEKING:
        return figure_verdict(analysis, figures)
    return Verdict(True)
