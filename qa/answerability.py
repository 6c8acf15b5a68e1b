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
from typing import Callable, Sequence

from corpus.glossary import Glossary
from corpus.chinese_script import to_simplified
from corpus.types import Document
from qa.figures import figure_matches
from qa.passages import sentence_around
from qa.periods import conflicting_part
from qa.places import mentions, unquoted
from qa.question import HOW_LONG, LENGTH_OR_DURATION, YEAR, QuestionAnalysis, entity_mentions, place_mentions
from qa.settings import QASettings
from qa.types import Figure, Passage

FIGURE_SEEKING = ("how_many", "how_much", "share")
SHARE_UNITS = ("%", "pp", "bp")


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str = ""


def passage_texts(passages: Sequence[Passage], documents: dict[str, Document]) -> list[str]:
    """What each passage says, as cited and as indexed (tables are rendered in English),
    traditional Chinese folded to simplified so that 臺北 mentions 台北."""
    texts = []
    for passage in passages:
        chunk = passage.chunk
        cited = documents[chunk.doc_id].text[chunk.start:chunk.end]
        texts.append(to_simplified(cited if chunk.text == cited else f"{cited}\n{chunk.text}"))
    return texts


def missing_years(analysis: QuestionAnalysis, texts: Sequence[str]) -> list[int]:
    found = {int(y) for text in texts for y in YEAR.findall(text)}
    return [year for year in analysis.years if year not in found]


def missing_entities(analysis: QuestionAnalysis, texts: Sequence[str], glossary: Glossary) -> list[str]:
    texts = [unquoted(text) for text in texts]
    found = {m.name for text in texts for m in entity_mentions(text, glossary)}
    joined = "\n".join(texts)
    return [e for e in analysis.entities if e not in found and not mentions(joined, e, glossary)]


def figure_verdict(
    analysis: QuestionAnalysis, figures: Sequence[Figure], context_of: Callable[[Figure], str], glossary: Glossary,
    sentence_of: Callable[[Figure], str] | None = None,
) -> Verdict:
    """A number is asked for: the best figure must fit it. Its own context (the sentence
    it stands in, or a table cell's row and column labels) must name every place the
    question names ("Dongguan's imports from Africa" is not answered by Dongguan's from
    Central Asia), hold the year asked, and the figure must not measure something else:
    a share question wants a percentage. (Requiring a content word of the question in the
    figure's label or context was tried: right on the dev split's near misses, it refused
    right answers on TAT-QA whose labels lack the table's title, so it is not used. So was
    requiring every capitalised name, not only places, in the context: "Shantou's GDP" was
    then refused, but the dev split fell from 0.957 to 0.913 figure@1 and TAT-QA extra-dev
    from 0.931 to 0.922, on 2026-12-03.)"""
    if not figures:
        return Verdict(False, "no figure in the retrieved passages answers it")
    best = figures[0]
    shown = best.label or best.text
    context = f"{best.label}\n{context_of(best)}"
    places = {m.name for m in place_mentions(analysis.question, glossary)}
    absent = [name for name in analysis.entities if name in places and not mentions(context, name, glossary)]
    # A dictionary's name need not be written as the question writes it ("Pudong Airport",
    # "Pudong International Airport"): its words must all be in the context.
    words = set(re.findall(r"[a-z]+", context.lower()))
    absent += [name for name in analysis.places if name not in places and name not in absent
               and not set(re.findall(r"[a-z]+", name.lower())) <= words]
    if absent:
        return Verdict(False, f"the closest figure ({shown}) is not about {', '.join(absent)}")
    if analysis.years and best.year not in analysis.years:
        if best.year is not None or not any(str(y) in context for y in analysis.years):
            return Verdict(False, f"the closest figure ({shown}) is not for {', '.join(map(str, analysis.years))}")
    other_part = conflicting_part(analysis.question, sentence_of(best)) if sentence_of else None
    if other_part:
        return Verdict(False, f"the closest figure ({shown}) is for {other_part}")
    match = figure_matches(analysis, best)
    if match.metric == "conflict":
        return Verdict(False, f"the closest figure ({shown}) measures something else than the question asks")
    if analysis.answer_kind == "share" and best.unit not in SHARE_UNITS:
        return Verdict(False, f"the closest figure ({shown}) is not a percentage")
    if HOW_LONG.search(analysis.question) and best.unit not in LENGTH_OR_DURATION:
        return Verdict(False, f"the closest figure ({shown}) is neither a length nor a span of time")
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
    context_of: Callable[[Figure], str],
    figure_fit: float | None = None,
    min_fit: float | None = None,
) -> Verdict:
    """The verdict on one question; `relevance` is cosine similarity ("similarity") or
    the question-term coverage of the best passage ("coverage", in BM25 mode).
    `figure_fit` is the figure scorer's score of the best figure and `min_fit` the
    least score that answers (calibrated with the weights, qa.scorer)."""
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
        verdict = figure_verdict(analysis, figures, context_of, glossary,
                                 lambda f: sentence_around(documents[f.doc_id], f.start))
        if verdict.answerable and figure_fit is not None and min_fit is not None and figure_fit < min_fit:
            shown = figures[0].label or figures[0].text
            return Verdict(False, f"the closest figure ({shown}) fits the question poorly "
                                  f"(score {figure_fit:.2f} < {min_fit:.2f})")
        return verdict
    return Verdict(True)
