"""The Python API: `Assistant.load()` then `assistant.ask(question) -> Answer`.

One assistant holds one index, its retrievers (one per mode, made on first use) and the
query encoder (loaded once), so a batch of questions pays the start-up cost once.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from corpus.errors import DocumentFilterError, QuestionError, SettingsError
from corpus.glossary import Glossary
from indexer.index import Index
from indexer.retrievers import MODES, make_retriever
from indexer.types import Hit, Retriever
from qa.answerability import judge
from qa.candidates import FigureFinder
from qa.features import FigureFeatures, echoes_question_time, figure_features
from qa.comparison import compare_periods, direction
from qa.figures import extreme_first
from qa.question import QuestionAnalysis
from qa.scorer import Scorer, load_scorer
from qa.passages import make_passages, spread_tables
from qa.question import analyse_question, place_mentions, superlative
from qa.settings import QASettings
from qa.translation import HAN, QueryTranslator
from qa.types import Answer, Figure

MAX_TOP_K = 100
MAX_CACHED_FILTERS = 256  # distinct `doc` filters kept; a server asked many would grow without bound
FIGURE_KINDS = ("how_many", "how_much", "share", "when")


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


class Scored(NamedTuple):
    """Every candidate figure of one question with the features the scorer ranked it by."""

    figures: tuple[Figure, ...]
    features: tuple[FigureFeatures, ...]
    analysis: QuestionAnalysis
    top_score: float | None = None  # the scorer's score of the answer's best figure


class Retrieved(NamedTuple):
    """What retrieval found for one question: the query searched (the question with its
    English glosses), the hits in fused order, and the cited passages made from them."""

    query: str
    hits: tuple[Hit, ...]
    passages: tuple


class LastQueryEncoder:
    """Wraps an encoder so the same query is embedded once per question: retrieval and
    the relevance check both need its vector. The last query is kept per thread, so
    questions answered at once in several threads (`qa serve`) never see each other's."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.dim = encoder.dim
        self.model_id = encoder.model_id
        self.precision = getattr(encoder, "precision", "fp32")
        self._local = threading.local()

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        last = getattr(self._local, "last", None)
        if len(texts) == 1 and last is not None and last[0] == texts[0]:
            return last[1]
        vectors = self.encoder.encode(texts, show_progress=show_progress)
        if len(texts) == 1:
            self._local.last = (texts[0], vectors)
        return vectors


class Assistant:
    """Answers questions from one index with cited passages and figures.

    Safe to call from several threads at once (`qa serve` does): the encoder and the
    retrievers are made under a lock, and the caches are dicts filled idempotently."""

    def __init__(self, index: Index, settings: QASettings | None = None, glossary: Glossary | None = None,
                 scorer: Scorer | None = None):
        self.index = index
        self.scorer = scorer or load_scorer()
        self.settings = settings or QASettings()
        self.glossary = glossary or index.glossary
        self._retrievers: dict[str, Retriever] = {}
        self._encoder = None
        self._filters: dict[tuple[str, ...], np.ndarray] = {}
        self._lock = threading.Lock()
        self.translator = QueryTranslator(self.glossary, index.tokenizer.tokenize)
        self.figure_finder = FigureFinder(index, self.glossary, self.translator)

    @classmethod
    def load(cls, index: str | Path | None = None, settings: QASettings | None = None, progress=None) -> "Assistant":
        """The assistant over the index at `index`, or over the bundled corpus (its index
        is built into the user cache on first use)."""
        if index is None:
            from indexer.cache import open_bundled_index

            return cls(open_bundled_index(progress=progress), settings)
        return cls(Index.load(Path(index)), settings)

    def with_settings(self, settings: QASettings) -> "Assistant":
        """The same assistant (index, encoder, caches) answering with other settings: a
        per-call threshold or fusion weight without loading anything again. Retrievers are
        made anew (they hold the fusion settings); they are cheap once the encoder exists."""
        other = copy.copy(self)
        other.settings = settings
        other._retrievers = {}
        other._lock = threading.Lock()
        return other

    # -- retrieval -------------------------------------------------------------------

    @property
    def encoder(self):
        if self._encoder is None:
            from indexer.retrievers import load_query_encoder_for

            with self._lock:
                if self._encoder is None:
                    self._encoder = LastQueryEncoder(load_query_encoder_for(self.index))
        return self._encoder

    def retriever(self, mode: str) -> Retriever:
        if mode not in MODES:
            raise SettingsError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode not in self._retrievers:
            encoder = None if mode == "bm25" else self.encoder
            with self._lock:
                if mode not in self._retrievers:
                    self._retrievers[mode] = make_retriever(self.index, mode, encoder, self.settings.fusion)
        return self._retrievers[mode]

    def _relevance(self, question: str, hits: Sequence[Hit], mode: str) -> tuple[float, str]:
        """How well the best passage matches: cosine similarity when the mode has
        embeddings, else the share of the question's terms the best passage holds."""
        if not hits:
            return 0.0, "similarity"
        if mode == "bm25":
            chinese = bool(HAN.search(question))
            terms = self.figure_finder.terms(question, chinese)
            if not terms:
                return 0.0, "coverage"
            best = max(
                len(terms & self.figure_finder.terms(self.index.chunk(h.chunk_id).text, chinese)) / len(terms)
                for h in hits[:3]
            )
            return best, "coverage"
        query = self.encoder.encode([question])[0]
        rows = [self.index.row(h.chunk_id) for h in hits[:3]]
        similarities = self.index.dense.vectors[rows] @ query
        return float(np.max(similarities)), "similarity"

    def _doc_rows(self, doc: str | Sequence[str] | None) -> np.ndarray | None:
        """The row filter of a `doc` argument (cached: a batch often asks one document)."""
        if doc is None:
            return None
        patterns = (doc,) if isinstance(doc, str) else tuple(doc)
        if not patterns or not all(isinstance(p, str) and p for p in patterns):
            raise DocumentFilterError(f"doc must be a document id or glob, or a list of them; got {doc!r}")
        rows = self._filters.get(patterns)
        if rows is None:
            rows = self.index.rows_of(patterns)
            if len(self._filters) >= MAX_CACHED_FILTERS:
                self._filters.clear()
            self._filters[patterns] = rows
        return rows

    def _similarities(self, query: str, chunks: Sequence, mode: str) -> list[float]:
        """Cosine similarity of the question with each chunk (its stored vector; a table
        row's chunk is that row): the embedding side of how well a figure's surroundings
        fit. Zero in BM25 mode, which never loads the encoder (a constant changes no order)."""
        if mode == "bm25" or not chunks:
            return [0.0] * len(chunks)
        vector = self.encoder.encode([query])[0]
        rows = [self.index.row(c.chunk_id) for c in chunks]
        return [float(x) for x in self.index.dense.vectors[rows] @ vector]

    def search(self, question: str, top_k: int = 5, mode: str = "hybrid",
               doc: str | Sequence[str] | None = None) -> Retrieved:
        """Retrieval only: the top-k cited passages of a question (no figures, no verdict),
        the same as `ask` gives."""
        text = check_question(question, self.settings.max_question_chars)
        query, hits, passages = self._retrieve(text, top_k, mode, doc)
        return Retrieved(query, tuple(hits), tuple(passages[:top_k]))

    def _retrieve(self, text: str, top_k: int, mode: str, doc):
        """The query, fused hits and passages of a checked question, deep enough for
        both the top-k passages and the passages figures are drawn from."""
        rows = self._doc_rows(doc)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise SettingsError(f"top_k must be an integer from 1 to {MAX_TOP_K}; got {top_k!r}")
        depth = max(top_k, self.settings.figure_passages)
        query = self.translator.expand(text)  # a Chinese question also searches in English
        # Twice as deep, so that rows of one table pushed down leave room for other text.
        spread = self.settings.max_rows_per_table > 0
        hits = self.retriever(mode).search(query, depth * 2 if spread else depth, rows)
        hits = spread_tables(hits, self.index.chunk, self.settings.max_rows_per_table, depth)
        chinese = bool(HAN.search(text))
        terms = self.figure_finder.terms
        passages = make_passages(hits, self.index.chunk, self.index.documents, query, lambda t: terms(t, chinese))
        return query, hits, passages

    # -- the answer ------------------------------------------------------------------

    def _analyse(self, text: str) -> QuestionAnalysis:
        """The question's analysis, with the places an answer must be about: the glossary's,
        and any name the dictionary knows (qa.translation), so that "the Rhône valley's
        population" is not answered with the whole region's."""
        analysis = analyse_question(text, self.glossary, tuple(self.translator.names(text)))
        glossary_places = [m.name for m in place_mentions(text, self.glossary)]
        others = [e for e in analysis.entities if e not in glossary_places]
        named = self.translator.known_names(others) if others else []
        return replace(analysis, places=tuple(dict.fromkeys(
            [e for e in analysis.entities if e in glossary_places] + named)))

    def ask(self, question: str, top_k: int = 5, mode: str = "hybrid",
            doc: str | Sequence[str] | None = None) -> Answer:
        """Answer one question: the top-k cited passages, the figures that fit it best,
        and whether the documents answer it at all. `doc` restricts the search to the
        documents it names (a document id or a glob such as "reports/*.md", or several)."""
        return self.ask_detailed(question, top_k, mode, doc)[0]

    def ask_detailed(self, question: str, top_k: int = 5, mode: str = "hybrid",
                     doc: str | Sequence[str] | None = None) -> tuple[Answer, Scored]:
        """`ask`, plus every candidate figure with its features (what the scorer saw),
        in found order: for fitting the scorer and for explaining an answer."""
        text = check_question(question, self.settings.max_question_chars)
        query, hits, passages = self._retrieve(text, top_k, mode, doc)
        analysis = self._analyse(text)
        source_chunks = [p.chunk for p in passages[: self.settings.figure_passages]]
        candidates = self.figure_finder.find(source_chunks, text, query, self._similarities(query, source_chunks, mode))
        features = [figure_features(analysis, f, s) for f, s in zip(candidates.figures, candidates.surroundings)]
        scores = self.scorer.scores(features)
        ranked = [f for f in self.scorer.rank(candidates.figures, features, scores)
                  if not echoes_question_time(analysis, f)]
        compared = direction(text) if analysis.answer_kind == "when" else None
        # "Which city had the largest X?" puts the largest value first; "In which year was
        # X the largest?" compares the best row's periods instead (below), from the scorer's order.
        extreme = None if compared else superlative(text)
        asks_for_figure = analysis.answer_kind in FIGURE_KINDS or (analysis.answer_kind == "other" and bool(analysis.metrics))
        if extreme and analysis.metrics:
            ranked, found = extreme_first(analysis, ranked, extreme)
            asks_for_figure = asks_for_figure or found
        if compared:  # "In which year was X larger?": compare the best row's periods
            year = compare_periods(ranked, candidates.facts, self.index.documents, compared)
            ranked = [year] + ranked if year is not None else ranked
        figures = ranked[: self.settings.max_figures]
        relevance, kind = self._relevance(query, hits, mode)
        score_of = {f.place: s for f, s in zip(candidates.figures, scores)}
        top_score = score_of.get(figures[0].place) if figures else None
        verdict = judge(
            analysis, passages[: self.settings.figure_passages], self.index.documents,
            figures, relevance, kind, self.settings, self.glossary, candidates.context_of,
            top_score, self.scorer.min_score,
        )
        answer = Answer(
            question=text,
            answerable=verdict.answerable,
            figures=tuple(figures) if verdict.answerable else (),
            passages=tuple(passages[:top_k]),
            mode=mode,
            reason=verdict.reason,
            asks_for_figure=asks_for_figure,
        )
        return answer, Scored(tuple(candidates.figures), tuple(features), analysis, top_score)
