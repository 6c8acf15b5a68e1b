"""The server's one loaded assistant and the thread pool its CPU work runs in.

The model and the index are loaded once, before the server listens; every request then
runs `Assistant.ask` / `search` in a pool of as many threads as the process has CPUs, so
the event loop only parses requests and writes responses and is never blocked by a
question. (The GIL lets numpy, faiss and the tokenizers overlap; pure-Python steps take
turns.) BLAS is held to one thread per call for the life of the service: the requests
are what run in parallel, and two BLAS threads per request on two cores only contend.

Nothing here knows about HTTP: `qa.serve.app` maps these plain dicts to responses.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable, TypeVar

from qa.assistant import Assistant
from qa.render import answer_json, format_value, passage_json
from qa.types import Answer, Figure, Passage

T = TypeVar("T")

# Questions asked once at start, so the first real request does not pay for loading the
# BM25 and dense parts, the query encoder and jieba's dictionary (CC-CEDICT is read too).
WARM_UP_QUESTIONS = ("How many are there?", "有多少?")
MAX_VARIANTS = 64  # assistants kept for per-call (min_similarity, alpha) pairs


def cpu_count() -> int:
    """CPUs this process may run on (affinity and container limits where visible)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("document-qa")
    except PackageNotFoundError:
        return "unknown"


def figure_display(figure: Figure) -> str:
    """The figure as `qa ask` shows it: value and unit, a date as written."""
    return figure.text if figure.unit == "date" else format_value(figure.value, figure.unit)


def passage_payload(passage: Passage, documents) -> dict[str, Any]:
    """`qa ask --json`'s passage plus its line, section and highlighted sentence spans."""
    data = passage_json(passage, documents)
    chunk = passage.chunk
    data["line"] = passage.line
    data["section"] = chunk.table_caption or chunk.section
    data["highlights"] = [list(span) for span in passage.highlights]
    return data


def answer_payload(answer: Answer, documents, settings: dict[str, Any]) -> dict[str, Any]:
    """`qa ask --json`'s object (with its `settings`), plus what a page needs to show it:
    each figure's display form, the passages' lines and highlights, the reason of a
    'not in the documents' answer, and whether a figure was asked for."""
    data = answer_json(answer, documents)
    for shown, figure in zip(data["figures"], answer.figures):
        shown["display"] = figure_display(figure)
    data["passages"] = [passage_payload(p, documents) for p in answer.passages]
    data["settings"] = settings
    data["reason"] = answer.reason
    data["asks_for_figure"] = answer.asks_for_figure
    return data


class Service:
    """One assistant over one index, its per-call variants, and the thread pool."""

    def __init__(self, assistant: Assistant, threads: int | None = None):
        self.assistant = assistant
        self.threads = threads or cpu_count()
        self.executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="qa-serve")
        self._variants: dict[tuple[float, float], Assistant] = {}
        self._variants_lock = threading.Lock()
        self._blas_limit = None
        index = assistant.index
        chunks: dict[str, int] = {}
        for chunk in index.chunks:
            chunks[chunk.doc_id] = chunks.get(chunk.doc_id, 0) + 1
        self._summaries = {
            doc_id: {"doc": doc_id, "title": document.title, "format": document.source_format,
                     "characters": len(document.text), "pages": len(document.pages),
                     "chunks": chunks.get(doc_id, 0)}
            for doc_id, document in sorted(index.documents.items())
        }

    @classmethod
    def load(cls, index=None, progress: Callable[[str], None] | None = None,
             threads: int | None = None) -> "Service":
        """Load the index (None: the bundled corpus's, built on first use) and warm it up."""
        service = cls(Assistant.load(index, progress=progress), threads)
        service.warm_up()
        return service

    def warm_up(self) -> None:
        """Load everything a question needs now (BM25, dense vectors, encoder, jieba, every
        mode's retriever), and hold BLAS to one thread per call."""
        from threadpoolctl import threadpool_limits

        self._blas_limit = threadpool_limits(limits=1, user_api="blas")
        for question in WARM_UP_QUESTIONS:
            self.assistant.ask(question)
        self.assistant.translator.cedict  # the dictionary a Chinese word is glossed with (seconds to read)
        for mode in ("bm25", "dense", "hybrid", "hybrid-rrf", "hybrid-convex"):
            self.assistant.retriever(mode)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        if self._blas_limit is not None:
            self._blas_limit.restore_original_limits()
            self._blas_limit = None

    async def run(self, function: Callable[..., T], *args) -> T:
        """`function(*args)` in the pool, awaited without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    # -- the work (called in the pool) --------------------------------------------------

    def _variant(self, min_similarity: float | None, alpha: float | None) -> Assistant:
        """The assistant answering with this call's threshold and fusion weight."""
        if min_similarity is None and alpha is None:
            return self.assistant
        base = self.assistant.settings
        key = (base.min_similarity if min_similarity is None else float(min_similarity),
               base.fusion.alpha if alpha is None else float(alpha))
        with self._variants_lock:
            variant = self._variants.get(key)
            if variant is None:
                settings = replace(base, min_similarity=key[0], fusion=replace(base.fusion, alpha=key[1]))
                if len(self._variants) >= MAX_VARIANTS:
                    self._variants.clear()
                variant = self._variants[key] = self.assistant.with_settings(settings)
        return variant

    @staticmethod
    def _settings(assistant: Assistant, request) -> dict[str, Any]:
        return {"mode": request.mode, "top_k": request.top_k, "doc": request.doc,
                "min_similarity": assistant.settings.min_similarity, "alpha": assistant.settings.fusion.alpha}

    def ask(self, request) -> dict[str, Any]:
        """POST /ask: an `AskRequest` answered as `answer_payload`."""
        assistant = self._variant(request.min_similarity, request.alpha)
        answer = assistant.ask(request.question, top_k=request.top_k, mode=request.mode, doc=request.doc)
        return answer_payload(answer, assistant.index.documents, self._settings(assistant, request))

    def search(self, request) -> dict[str, Any]:
        """POST /search: the passages of a `SearchRequest`, as /ask gives them."""
        found = self.assistant.search(request.question, top_k=request.top_k, mode=request.mode, doc=request.doc)
        documents = self.assistant.index.documents
        return {"question": request.question.strip(),
                "passages": [passage_payload(p, documents) for p in found.passages],
                "settings": self._settings(self.assistant, request)}

    def documents(self) -> dict[str, Any]:
        return {"documents": list(self._summaries.values())}

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document's text and pages, or None when the index has no such document."""
        document = self.assistant.index.documents.get(doc_id)
        if document is None:
            return None
        return {**self._summaries[doc_id], "text": document.text, "page_starts": list(document.pages),
                "encoding": document.encoding}

    def health(self) -> dict[str, Any]:
        index = self.assistant.index
        return {"status": "ok", "documents": len(index.documents), "chunks": len(index.chunks),
                "model": index.model_id, "index": str(index.path), "version": package_version(), "threads": self.threads}
