"""The figures of retrieved chunks, each with how well its surroundings fit the question.

Table cells become figures through their facts, numbers in prose through the number
extractor; each figure keeps the text a question's terms are looked for in, and the
passage it came from (answerability checks the places and year asked against it).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, NamedTuple, Sequence

from corpus.glossary import Glossary
from corpus.types import Chunk, Document, Fact
from indexer.index import Index
from qa.numbers import extract_figures, figures_from_facts
from qa.features import Surroundings
from qa.passages import clause_around, sentence_around
from qa.change import labels_a_change, reads_as_change
from qa.question import YEAR, counted_phrase
from qa.translation import HAN, QueryTranslator
from qa.types import Figure

# A number followed (within COUNTED_WINDOW terms) by what a "how many" question counts is
# marked `counted_next` (a feature of the scorer).
COUNTED_WINDOW = 4
NEAR_CHARS = 60  # what "right before a number" means for `near_share`
_NEXT_NUMBER = re.compile(r"\d")


class Candidate(NamedTuple):
    """A figure of a chunk; `around`: the text the question's terms are looked for in (its
    label, and its sentence in prose); `context`: what answerability reads for its places
    and years (the chunk's text for prose, a text cell's row, nothing for a table cell
    but the periods of its row when it has none of its own); `clause`:
    the part of its sentence between commas (empty for a table cell)."""

    figure: Figure
    around: str
    context: str
    clause: str = ""
    in_table: bool = False
    row: str = ""  # a table cell's row label
    fact: Fact | None = None  # a table cell's fact
    near: str = ""  # the words right before a number in prose, on its line
    columns: str = ""  # its column labels that are not its period ("Net Change ($)", 出口)


def _row_periods(facts: Sequence[Fact], fact: Fact) -> str:
    """The periods of a cell's row, for a cell without one: a "Change" or "% Change"
    column compares the row's periods ("2019", "2018 (1)"), so a question asking for the
    change from 2018 to 2019 is about it."""
    return " ".join(dict.fromkeys(f.period for f in facts
                                  if f.row_label == fact.row_label and f.table_id == fact.table_id and f.period))


def _prose_candidate(document: Document, figure: Figure, context: str) -> Candidate:
    before = document.text[max(0, figure.start - NEAR_CHARS):figure.start]
    return Candidate(figure, f"{figure.label} {sentence_around(document, figure.start)}", context,
                     clause_around(document, figure.start, figure.end), near=before.split("\n")[-1])


def _head_word(phrase: str, tokenize: Callable[[str], list[str]]) -> str:
    """The thing a counted phrase counts, its last word: "key tasks" -> "tasks",
    "稳经济措施" -> "措施" (the Chinese word that starts last)."""
    if not HAN.search(phrase):
        return phrase.split()[-1] if phrase.split() else ""
    return max((w for w in tokenize(phrase) if HAN.search(w)), key=phrase.rfind, default="")


class FoundFigures(NamedTuple):
    """The figures found for one question, each once, with what surrounds each (the
    scorer's inputs besides the figure itself) and the context each was found in."""

    figures: list[Figure]
    surroundings: list[Surroundings]
    contexts: dict[tuple[str, int, int], str]
    facts: dict[tuple[str, int, int], Fact]  # the table cells among the figures

    def context_of(self, figure: Figure) -> str:
        return self.contexts.get(figure.place, "")


MAX_CACHED_TEXTS = 50_000  # texts whose terms FigureFinder keeps (chunks, labels, recent questions)


class FigureFinder:
    """Finds and weighs the figures of chunks for one index; caches per chunk and text.
    Nothing about one question carries over to the next: a figure in two overlapping
    chunks takes its context from the better-ranked chunk of the question at hand."""

    def __init__(self, index: Index, glossary: Glossary, translator: QueryTranslator):
        self.index = index
        self.glossary = glossary
        self.translator = translator
        self._chunk_figures: dict[str, tuple[Candidate, ...]] = {}
        self._terms: dict[tuple[str, bool], frozenset[str]] = {}
        self._following: dict[tuple[str, int, int], frozenset[str]] = {}  # the terms right after a number
        self._label_weights: dict[tuple[str, bool], dict[str, float]] = {}

    def find(self, chunks: Sequence[Chunk], question: str, query: str,
             similarities: Sequence[float] | None = None) -> FoundFigures:
        """The figures of `chunks` (in the chunks' order, each once) and, for each, what
        surrounds it (`query` is the question with its English glosses; `similarities`
        the question's cosine similarity with each chunk)."""
        similarities = similarities or [0.0] * len(chunks)
        phrase = counted_phrase(question)
        counted, head = self._counted_terms(phrase), self._counted_terms(_head_word(phrase, self.index.tokenizer.tokenize))
        candidates = [(rank, c) for rank, chunk in enumerate(chunks, start=1) for c in self.figures_of(chunk)]
        if head:  # "eight measures" answers "how many measures", and only that
            candidates += [(rank, c) for rank, chunk in enumerate(chunks, start=1) for c in self.word_figures_of(chunk)
                           if self._counts_it(c.figure, head)]
        seen: set[tuple[str, int, int]] = set()
        unique = [(r, c) for r, c in candidates if not (c.figure.place in seen or seen.add(c.figure.place))]
        question_terms = set(self.index.tokenizer.tokenize(query))
        share = self._term_share(question_terms)
        chinese = any(HAN.search(term) for term in question_terms)
        surroundings = [
            Surroundings(
                context_share=share(c.around), clause_share=share(c.clause), label_share=share(c.figure.label),
                near_share=share(c.near) if c.near else 0.0,
                label_precision=self._precision(c.figure.label, question_terms, chinese),
                row_precision=self._precision(c.row, question_terms, chinese) if c.row else 0.0,
                row_share=share(c.row) if c.row else 0.0,
                column_precision=self._precision(c.columns, question_terms, chinese) if c.columns else 0.0,
                group_precision=(self._precision(c.fact.group, question_terms, chinese)
                                 if c.fact is not None and c.fact.group else 0.0),
                is_change=reads_as_change(c.near) if not c.in_table else labels_a_change(c.columns),
                counted_next=bool(counted) and self._counts_it(c.figure, counted),
                is_table=c.in_table, passage_rank=rank, passage_similarity=similarities[rank - 1])
            for rank, c in unique]
        contexts = {c.figure.place: c.context for _, c in unique}
        facts = {c.figure.place: c.fact for _, c in unique if c.fact is not None}
        return FoundFigures([c.figure for _, c in unique], surroundings, contexts, facts)

    def _precision(self, label: str, question_terms: set[str], chinese: bool) -> float:
        """The IDF-weighted share of a label's terms that the question has: "Other
        charges" fits "What were total charges?" less than "Total charges" does. (Leaving
        years out of the label was tried: cross-validated top-1 0.797 -> 0.783.)"""
        weights = self._label_idf(label, chinese)
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in question_terms) / total if total else 0.0

    def _label_idf(self, label: str, chinese: bool) -> dict[str, float]:
        """The IDF of each of a label's terms, once per label: the same labels come back
        question after question, several times each (label, row, columns)."""
        key = (label, chinese)
        if key not in self._label_weights:
            self._label_weights[key] = self.index.bm25.idf(sorted(self.terms(label, chinese)))
        return self._label_weights[key]

    def word_figures_of(self, chunk: Chunk) -> tuple[Candidate, ...]:
        """The counts a prose chunk writes as words, with their label and sentence."""
        if chunk.facts:
            return ()
        key = "words:" + chunk.chunk_id
        if key not in self._chunk_figures:
            document = self.index.documents[chunk.doc_id]
            self._chunk_figures[key] = tuple(
                _prose_candidate(document, figure, chunk.text)
                for figure in extract_figures(chunk.text, chunk.doc_id, chunk.start, self.glossary, words=True))
        return self._chunk_figures[key]

    def figures_of(self, chunk: Chunk) -> tuple[Candidate, ...]:
        """Every figure a chunk cites, with the text around it that a question's terms
        are looked for in: a table cell's label (it names the row and columns), else the
        figure's label and sentence."""
        if chunk.chunk_id not in self._chunk_figures:
            # Context: a number in prose is about what its passage says; a table cell's
            # label names its row and columns; a number written inside a text cell ("68个
            # 项目") is about the rest of its row (the policy document it belongs to).
            contexts: list[tuple[Figure, str, Fact | None]] = []
            if chunk.facts:
                numeric = [fact for fact in chunk.facts if fact.value is not None]
                figures = figures_from_facts(chunk.facts, chunk.table_caption, self.glossary)
                contexts += [(f, "" if fact.period else _row_periods(chunk.facts, fact), fact)
                             for f, fact in zip(figures, numeric)]
                for fact in chunk.facts:
                    if fact.value is None:
                        row = " ".join([fact.row_label] + [c.raw for c in chunk.facts if c.row_label == fact.row_label])
                        year = YEAR.search(fact.row_label)  # "2015年6月": the row's date
                        contexts += [
                            (replace(f, year=int(year.group(1))) if year and f.year is None else f, row, fact)
                            for f in extract_figures(fact.raw, fact.doc_id, fact.start, self.glossary)
                        ]
            else:
                contexts += [(f, chunk.text, None)
                             for f in extract_figures(chunk.text, chunk.doc_id, chunk.start, self.glossary)]
            document = self.index.documents[chunk.doc_id]
            self._chunk_figures[chunk.chunk_id] = tuple(
                Candidate(figure, f"{figure.label} ", context, in_table=True, row=fact.row_label,
                          columns=" ".join(fact.measure_labels), fact=fact if figure.text == fact.raw else None)
                if fact is not None
                else _prose_candidate(document, figure, context)
                for figure, context, fact in contexts)
        return self._chunk_figures[chunk.chunk_id]

    def terms(self, text: str, chinese: bool) -> frozenset[str]:
        """The BM25 terms of `text`. Without `chinese`, Chinese runs are dropped first: an
        English question has no Chinese term to match, and this spares it loading jieba
        (0.6 s) just to highlight passages that hold Chinese tables."""
        key = (text, chinese)
        found = self._terms.get(key)
        if found is None:
            if len(self._terms) >= MAX_CACHED_TEXTS:  # questions are keys too: a server's would pile up
                self._terms.clear()
            found = self._terms[key] = frozenset(self.index.tokenizer.tokenize(text if chinese else HAN.sub(" ", text)))
        return found

    def _counted_terms(self, phrase: str) -> frozenset[str]:
        """The terms of what a "how many" question counts (`qa.question.counted_phrase`),
        in English too when it is Chinese ("友好港口" -> friendly, port)."""
        if not phrase:
            return frozenset()
        if HAN.search(phrase):
            phrase = " ".join([phrase, *self.translator.glosses(phrase)])
        return frozenset(self.index.tokenizer.tokenize(HAN.sub(" ", phrase)))

    def _counts_it(self, figure: Figure, counted: frozenset[str]) -> bool:
        """Whether the words right after a number in prose name what is counted ("64
        pairs of friendly ports" for "how many friendly ports"), before another number
        does ("two batches of 72 lists": the lists are counted by 72, not by two)."""
        key = figure.place
        if key not in self._following:
            following = self.index.documents[figure.doc_id].text[figure.end : figure.end + 60]
            following = _NEXT_NUMBER.split(following, maxsplit=1)[0]
            self._following[key] = frozenset(self.index.tokenizer.tokenize(HAN.sub(" ", following))[:COUNTED_WINDOW])
        return bool(counted & self._following[key])

    def _term_share(self, question_terms: set[str]) -> Callable[[str], float]:
        """A function giving the share of the question's terms, weighed by IDF, found in
        a text: "friendly ports" tells more than "ports"."""
        weights = self.index.bm25.idf(sorted(question_terms))
        total = sum(weights.values())
        chinese = any(HAN.search(term) for term in question_terms)

        def share(text: str) -> float:
            found = self.terms(text, chinese)
            return sum(w for term, w in weights.items() if term in found) / total if total else 0.0

        return share
