"""Searching within some documents: `Assistant.ask(..., doc=...)` and `qa ask --doc`."""

import json
import subprocess
import sys

import pytest

from corpus.errors import DocumentFilterError


@pytest.fixture(scope="module")
def tiny_assistant(tiny_index):
    from qa.assistant import Assistant

    return Assistant.load(tiny_index)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_filter_keeps_only_the_documents_named(tiny_assistant, mode):
    question = "By how much did Arabica coffee futures rise after the frost in Brazil?"
    unfiltered = tiny_assistant.ask(question, top_k=5, mode=mode)
    assert unfiltered.passages[0].chunk.doc_id == "coffee-prices.md"
    filtered = tiny_assistant.ask(question, top_k=5, mode=mode, doc="solar-*")
    if mode != "bm25":  # BM25 returns nothing when no word of the question is in the document
        assert filtered.passages, "a filter to another document still returns its closest passages"
    assert {p.chunk.doc_id for p in filtered.passages} <= {"solar-farm.txt"}
    assert [p.rank for p in filtered.passages] == list(range(1, len(filtered.passages) + 1))


def test_filter_to_the_answering_document_answers(tiny_assistant):
    answer = tiny_assistant.ask("What share did Arabica coffee futures rise by in 2021?", doc=["coffee-prices.md"])
    assert answer.answerable
    assert answer.figures[0].value == pytest.approx(70)
    assert answer.figures[0].unit == "%"
    assert {p.chunk.doc_id for p in answer.passages} == {"coffee-prices.md"}


def test_several_patterns_and_exact_rows(tiny_index):
    from indexer.index import Index

    index = Index.load(tiny_index)
    both = index.matching_documents(["coffee-prices.md", "solar-*"])
    assert both == ["coffee-prices.md", "solar-farm.txt"]
    rows = index.rows_of(both)
    assert list(rows) == sorted(rows)
    assert {index.chunks[r].doc_id for r in rows} == set(both)


@pytest.mark.parametrize("doc", ["no-such-file.md", "*.pdf", ""])
def test_a_filter_that_matches_nothing_is_refused(tiny_assistant, doc):
    with pytest.raises(DocumentFilterError):
        tiny_assistant.ask("What did coffee cost?", doc=doc)


def test_cli_doc_filter(tiny_index):
    run = [sys.executable, "-m", "qa", "ask", "--index", str(tiny_index), "--json", "--mode", "bm25"]
    ok = subprocess.run(run + ["--doc", "coffee-*", "What did a bag of coffee cost in 2022?"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert {p["doc"] for p in json.loads(ok.stdout)["passages"]} == {"coffee-prices.md"}
    bad = subprocess.run(run + ["--doc", "nothing-*", "What did coffee cost?"], capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr and "nothing-*" in bad.stderr
