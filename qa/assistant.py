"""The Python API: `Assistant.load()` then `assistant.ask(question) -> Answer`.

One assistant holds one index, its retrievers (one per mode, made on first use) and the
query encoder (loaded once), so a batch of questions pays the start-up cost once.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from corpus.errors import QuestionError, SettingsError
from corpus.glossary import Glossary
from corpus.types import Chunk
from indexer.index import Index
from indexer.retrievers import MODES, make_retriever
from indexer.types import Hit, Retriever
from qa.answerability import judge
from qa.figures import extreme_first, rank_figures
from qa.numbers import extract_figures, figures_from_facts
from qa.passages import make_passages, sentence_around
from qa.question import analyse_question, counted_phrase, superlative
from qa.settings import QASettings
from qa.translation import HAN, QueryTranslator
from qa.types import Answer, Figure

MAX_TOP_K = 100
FIGURE_KINDS = ("how_many", "how_much", "share", "when")
ROW_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# A number followed (within COUNTED_WINDOW terms) by what a "how many" question counts gets
# COUNTED_BONUS added to its context share; chosen on the dev split.
COUNTED_WINDOW = 4
COUNTED_BONUS = 0.5


def check_question(question: object, max_chars: int) -> str:
    """The question stripped, or a QuestionError saying what is wrong with it."""
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text, got {type(question).__name__}")
    text = question.strip()
    if not text:
        raise QuestionError("the question is empty; ask something, e.g. qa ask \"What was Guangzhou's GDP in 2016?\"")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    if "\x00" in text or sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) // 10:
        raise QuestionError("the question is not readable text (control characters or binary data)")
    return text


class LastQueryEncoder:
    """Wraps an encoder so the same query is embedded once per question: retrieval and
    the relevance check both need its vector."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.dim = encoder.dim
        self.model_id = encoder.model_id
        self._last: tuple[str, np.ndarray] | None = None

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if len(texts) == 1 and self._last is not None and self._last[0] == texts[0]:
            return self._last[1]
        vectors = self.encoder.encode(texts, show_progress=show_progress)
        if len(texts) == 1:
            self._last = (texts[0], vectors)
        return vectors


class Assistant:
    """Answers questions from one index with cited passages and figures."""

    def __init__(self, index: Index, settings: QASettings | None = None, glossary: Glossary | None = None):
        self.index = index
        self.settings = settings or QASettings()
        self.glossary = glossary or index.glossary
        self._retrievers: dict[str, Retriever] = {}
        self._encoder = None
        self.translator = QueryTranslator(self.glossary, index.tokenizer.tokenize)
        self._figure_context: dict[tuple[str, int, int], str] = {}
        self._chunk_figures: dict[str, tuple[tuple[Figure, str], ...]] = {}
        self._terms: dict[tuple[str, bool], frozenset[str]] = {}

    @classmethod
    def load(cls, index: str | Path | None = None, settings: QASettings | None = None, progress=None) -> "Assistant":
        """The assistant over the index at `index`, or over the bundled corpus (its index
        is built into the user cache on first use)."""
        if index is None:
            from indexer.cache import open_bundled_index

            return cls(open_bundled_index(progress=progress), settings)
        return cls(Index.load(Path(index)), settings)

    # -- retrieval -------------------------------------------------------------------

    @property
    def encoder(self):
        if self._encoder is None:
            from indexer.retrievers import load_query_encoder_for

            self._encoder = LastQueryEncoder(load_query_encoder_for(self.index))
        return self._encoder

    def retriever(self, mode: str) -> Retriever:
        if mode not in MODES:
            raise SettingsError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode not in self._retrievers:
            encoder = None if mode == "bm25" else self.encoder
            self._retrievers[mode] = make_retriever(self.index, mode, encoder, self.settings.fusion)
        return self._retrievers[mode]

    def _relevance(self, question: str, hits: Sequence[Hit], mode: str) -> tuple[float, str]:
        """How well the best passage matches: cosine similarity when the mode has
        embeddings, else the share of the question's terms the best passage holds."""
        if not hits:
            return 0.0, "similarity"
        if mode == "bm25":
            terms = set(self.index.tokenizer.tokenize(question))
            if not terms:
                return 0.0, "coverage"
            best = max(
                len(terms & set(self.index.tokenizer.tokenize(self.index.chunk(h.chunk_id).text))) / len(terms)
                for h in hits[:3]
            )
            return best, "coverage"
        query = self.encoder.encode([question])[0]
        rows = [self.index.row(h.chunk_id) for h in hits[:3]]
        similarities = self.index.dense.vectors[rows] @ query
        return float(np.max(similarities)), "similarity"

    # -- figures ---------------------------------------------------------------------

    def figures_of(self, chunk: Chunk) -> tuple[tuple[Figure, str], ...]:
        """Every figure a chunk cites, with the text around it that a question's terms
        are looked for in: a table cell's label (it names the row and columns), else the
        figure's label and sentence."""
        if chunk.chunk_id not in self._chunk_figures:
            # Context: a number in prose is about what its passage says; a table cell's
            # label names its row and columns; a number written inside a text cell ("68个
            # 项目") is about the rest of its row (the policy document it belongs to).
            contexts: list[tuple[Figure, str]] = []
            if chunk.facts:
                contexts += [(f, "") for f in figures_from_facts(chunk.facts, chunk.table_caption, self.glossary)]
                for fact in chunk.facts:
                    if fact.value is None:
                        row = " ".join([fact.row_label] + [c.raw for c in chunk.facts if c.row_label == fact.row_label])
                        year = ROW_YEAR.search(fact.row_label)  # "2015年6月": the row's date
                        contexts += [
                            (replace(f, year=int(year.group(1))) if year and f.year is None else f, row)
                            for f in extract_figures(fact.raw, fact.doc_id, fact.start, self.glossary)
                        ]
            else:
                contexts += [(f, chunk.text) for f in extract_figures(chunk.text, chunk.doc_id, chunk.start, self.glossary)]
            document = self.index.documents[chunk.doc_id]
            found = []
            for figure, context in contexts:
                self._figure_context[(figure.doc_id, figure.start, figure.end)] = context
                sentence = "" if chunk.facts else sentence_around(document, figure.start)
                found.append((figure, f"{figure.label} {sentence}"))
            self._chunk_figures[chunk.chunk_id] = tuple(found)
        return self._chunk_figures[chunk.chunk_id]

    def terms(self, text: str, chinese: bool) -> frozenset[str]:
        """The BM25 terms of `text`. Without `chinese`, Chinese runs are dropped first: an
        English question has no Chinese term to match, and this spares it loading jieba
        (0.6 s) just to highlight passages that hold Chinese tables."""
        key = (text, chinese)
        if key not in self._terms:
            self._terms[key] = frozenset(self.index.tokenizer.tokenize(text if chinese else HAN.sub(" ", text)))
        return self._terms[key]

    def context_of(self, figure: Figure) -> str:
        """The passage a figure was found in (empty for a table cell: its label is all)."""
        return self._figure_context.get((figure.doc_id, figure.start, figure.end), "")

    def _counted_terms(self, question: str) -> frozenset[str]:
        """The terms of what a "how many" question counts, in English too when it is
        Chinese ("友好港口" -> friendly, port)."""
        phrase = counted_phrase(question)
        if not phrase:
            return frozenset()
        if HAN.search(phrase):
            phrase = " ".join([phrase, *self.translator.glosses(phrase)])
        return frozenset(self.index.tokenizer.tokenize(HAN.sub(" ", phrase)))

    def _counts_it(self, figure: Figure, counted: frozenset[str]) -> bool:
        """Whether the words right after a number in prose name what is counted ("64
        pairs of friendly ports" for "how many friendly ports")."""
        following = self.index.documents[figure.doc_id].text[figure.end : figure.end + 60]
        return bool(counted & set(self.index.tokenizer.tokenize(HAN.sub(" ", following))[:COUNTED_WINDOW]))

    def _candidate_figures(self, chunks: Sequence[Chunk], question_terms: set[str]) -> tuple[list[Figure], list[float]]:
        """Figures of the chunks (each once) and the share of the question's terms, weighed
        by IDF, found in each one's context: "friendly ports" tells more than "ports"."""
        weights = self.index.bm25.idf(sorted(question_terms))
        total = sum(weights.values())
        chinese = any(HAN.search(term) for term in question_terms)
        seen, figures, overlaps = set(), [], []
        for chunk in chunks:
            for figure, around in self.figures_of(chunk):
                key = (figure.doc_id, figure.start, figure.end)
                if key not in seen:
                    seen.add(key)
                    figures.append(figure)
                    context = self.terms(around, chinese)
                    shared = sum(w for term, w in weights.items() if term in context)
                    overlaps.append(shared / total if total else 0.0)
        return figures, overlaps

    # -- the answer ------------------------------------------------------------------

    def ask(self, question: str, top_k: int = 5, mode: str = "hybrid") -> Answer:
        """Answer one question: the top-k cited passages, the figures that fit it best,
        and whether the documents answer it at all."""
        text = check_question(question, self.settings.max_question_chars)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise SettingsError(f"top_k must be an integer from 1 to {MAX_TOP_K}; got {top_k!r}")
        depth = max(top_k, self.settings.figure_passages)
        query = self.translator.expand(text)  # a Chinese question also searches in English
        hits = self.retriever(mode).search(query, depth)
        chinese = bool(HAN.search(text))
        tokenize = self.index.tokenizer.tokenize
        passages = make_passages(hits, self.index.chunk, self.index.documents, query, lambda t: self.terms(t, chinese))
        analysis = analyse_question(text, self.glossary)
        source_chunks = [p.chunk for p in passages[: self.settings.figure_passages]]
        candidates, overlaps = self._candidate_figures(source_chunks, set(tokenize(query)))
        counted = self._counted_terms(text)
        if counted:
            overlaps = [o + COUNTED_BONUS * self._counts_it(f, counted) for f, o in zip(candidates, overlaps)]
        ranked = rank_figures(analysis, candidates, overlaps)
        extreme = superlative(text)
        asks_for_figure = analysis.answer_kind in FIGURE_KINDS or (analysis.answer_kind == "other" and bool(analysis.metrics))
        if extreme and analysis.metrics:
            ranked, found = extreme_first(analysis, ranked, extreme)
            asks_for_figure = asks_for_figure or found
        figures = ranked[: self.settings.max_figures]
        relevance, kind = self._relevance(query, hits, mode)
        verdict = judge(
            analysis, passages[: self.settings.figure_passages], self.index.documents,
            figures, relevance, kind, self.settings, self.glossary, self.context_of,
        )
        return Answer(
            question=text,
            answerable=verdict.answerable,
            figures=tuple(figures) if verdict.answerable else (),
            passages=tuple(passages[:top_k]),
            mode=mode,
            reason=verdict.reason,
            asks_for_figure=asks_for_figure,
        )
