"""The index directory on disk (issue 3, points 5-6): what `build_index` writes, that row i
is the same chunk in every file, that loading finds the right document, and that every
missing, partial, corrupted or mismatched directory is refused with the reason and the fix,
by the library (IndexStoreError) and by `qa ask --index DIR` (exit 2, no traceback).

Runs on the session's index of tests/data/corpus (conftest `tiny_index`); anything that
damages an index works on a copy.
"""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from corpus.chunker import indexable_text
from corpus.errors import IndexStoreError
from corpus.loader import load_documents
from indexer.bm25 import BM25Index
from indexer.index import Index
from indexer.retrievers import make_retriever
from indexer.settings import IndexSettings
from indexer.store import FORMAT_VERSION, corpus_sha256
from qa.assistant import Assistant
from qa.cli import main

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"
TUNNEL_QUESTION = "How long is the undersea tunnel?"


def copy_index(tiny_index: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(tiny_index, target)
    return target


def read_manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(path: Path, manifest: dict) -> None:
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


# -- what a build writes -------------------------------------------------------------------


def test_directory_holds_exactly_the_documented_files(tiny_index):
    assert sorted(p.name for p in tiny_index.iterdir()) == [
        "bm25", "chunks.jsonl", "dense", "documents.jsonl", "glossary.tsv", "manifest.json"]
    assert (tiny_index / "dense" / "embeddings.npy").is_file()
    assert {p.suffix for p in (tiny_index / "bm25").iterdir()} == {".npy", ".json"}  # no pickle
    assert not list(tiny_index.parent.glob(".index.*")), "a temporary directory was left behind"


def test_row_counts_agree_in_every_file(tiny_index):
    manifest = read_manifest(tiny_index)
    chunk_rows = (tiny_index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    document_rows = (tiny_index / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    vectors = np.load(tiny_index / "dense" / "embeddings.npy", allow_pickle=False)
    bm25 = BM25Index.load(tiny_index / "bm25")
    assert manifest["chunk_count"] == len(chunk_rows) == vectors.shape[0] == len(bm25) == 22
    assert manifest["document_count"] == len(document_rows) == 13
    assert vectors.shape == (22, 384) and vectors.dtype == np.float32


def test_embedding_row_i_is_the_vector_of_chunk_i(tiny_index):
    """Re-encode every chunk's indexed text with the build's encoder: row i matches chunk i
    (and only chunk i), so a shuffled or shifted file would fail here."""
    from indexer.encoder import DenseSettings, load_passage_encoder

    index = Index.load(tiny_index)
    fresh = load_passage_encoder(DenseSettings()).encode([indexable_text(c) for c in index.chunks])
    stored = index.dense.vectors
    np.testing.assert_allclose(stored, fresh, atol=1e-5)
    assert list(np.argmax(stored @ fresh.T, axis=1)) == list(range(len(index.chunks)))


def test_bm25_row_i_holds_the_terms_of_chunk_i(tiny_index):
    """For every term of the vocabulary, the rows BM25 scores above zero are exactly the
    chunks whose indexed text contains that term."""
    index = Index.load(tiny_index)
    token_sets = [set(index.tokenizer.tokenize(indexable_text(c))) for c in index.chunks]
    vocabulary = sorted(set().union(*token_sets))
    assert len(vocabulary) > 100
    for term in vocabulary:
        scored = set(np.flatnonzero(index.bm25.scores([term]) > 0))
        assert scored == {i for i, tokens in enumerate(token_sets) if term in tokens}, term


def test_chunks_and_documents_round_trip(tiny_index):
    index = Index.load(tiny_index)
    documents = {d.doc_id: d for d in load_documents([TEST_CORPUS])}
    assert index.documents == documents
    ids = [c.chunk_id for c in index.chunks]
    assert len(set(ids)) == len(ids)
    for chunk in index.chunks:
        text = documents[chunk.doc_id].text
        assert 0 <= chunk.start < chunk.end <= len(text)
        if chunk.kind == "prose":
            assert chunk.text == text[chunk.start:chunk.end]
    table_facts = [f for c in index.chunks for f in c.facts]
    assert table_facts and all(documents[f.doc_id].text[f.start:f.end] == f.raw for f in table_facts)


def test_manifest_records_what_the_index_was_built_with(tiny_index):
    manifest = read_manifest(tiny_index)
    documents = load_documents([TEST_CORPUS])
    assert manifest["format_version"] == FORMAT_VERSION == 1
    assert manifest["package_version"] == metadata.version("document-qa")
    assert manifest["settings"] == IndexSettings().to_dict()
    assert IndexSettings.from_dict(manifest["settings"]) == IndexSettings()
    assert manifest["model"]["name"] == "all-MiniLM-L6-v2"
    assert re.fullmatch(r"all-MiniLM-L6-v2@[0-9a-f]{12}", manifest["model"]["model_id"])
    assert manifest["model"]["dim"] == 384
    assert manifest["corpus"]["sha256"] == corpus_sha256(documents)
    per_document = {row["doc_id"]: row["sha256"] for row in manifest["corpus"]["documents"]}
    assert per_document == {
        d.doc_id: hashlib.sha256((TEST_CORPUS / d.doc_id).read_bytes()).hexdigest() for d in documents}
    assert manifest["chunk_count"] == 22 and manifest["document_count"] == 13


def test_corpus_hash_changes_with_any_document_text_and_not_with_order():
    documents = load_documents([TEST_CORPUS])
    edited = [type(d)(d.doc_id, d.title, d.text + " ") if d.doc_id == "solar-farm.txt" else d
              for d in documents]
    assert corpus_sha256(documents) == corpus_sha256(list(reversed(documents)))
    assert corpus_sha256(edited) != corpus_sha256(documents)


# -- loading and searching -------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_tiny(tiny_index):
    """The tiny index opened once, with its model's query encoder (loaded once)."""
    from indexer.retrievers import load_query_encoder_for

    index = Index.load(tiny_index)
    return index, load_query_encoder_for(index)



@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid", "hybrid-rrf", "hybrid-convex"])
@pytest.mark.parametrize(
    "query, doc_id",
    [
        (TUNNEL_QUESTION, "bridge-engineering.txt"),
        ("How many passengers did the ferries carry?", "harbor-city.txt"),
        ("南沙渔港的交易量是多少?", "fish-market-zh.txt"),
    ],
)
def test_loaded_index_finds_the_expected_document_first(loaded_tiny, mode, query, doc_id):
    index, encoder = loaded_tiny
    hits = make_retriever(index, mode, None if mode == "bm25" else encoder).search(query, 5)
    assert index.chunk(hits[0].chunk_id).doc_id == doc_id
    # BM25 returns only chunks sharing a term with the query; the others fill all k.
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len(hits) == 5 if mode != "bm25" else 1 <= len(hits) <= 5
    assert all(h.score > 0 for h in hits) if mode == "bm25" else True
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_chinese_query_scores_chinese_text_above_zero_through_the_assistant(tiny_index):
    """The classic failure of regex tokenizers: a Chinese query matching nothing. Here it
    goes question -> tokenizer -> BM25 -> passage and must score the Chinese document."""
    answer = Assistant.load(tiny_index).ask("珠江三角洲的面积是多少?", top_k=3, mode="bm25")
    top = answer.passages[0]
    assert top.chunk.doc_id == "pearl-river-delta-zh.txt"
    assert top.score > 0
    assert all(p.score > 0 for p in answer.passages)  # no zero-score filler passages


# -- bad index directories -----------------------------------------------------------------


def _no_manifest(path):
    (path / "manifest.json").unlink()


def _no_chunks(path):
    (path / "chunks.jsonl").unlink()


def _no_documents(path):
    (path / "documents.jsonl").unlink()


def _no_embeddings(path):
    (path / "dense" / "embeddings.npy").unlink()


def _no_bm25_matrix(path):
    (path / "bm25" / "data.csc.index.npy").unlink()


def _chunks_cut_mid_line(path):
    data = (path / "chunks.jsonl").read_bytes()
    (path / "chunks.jsonl").write_bytes(data[: len(data) // 2])


def _chunks_cut_at_a_line(path):
    lines = (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (path / "chunks.jsonl").write_text("".join(lines[:-3]), encoding="utf-8")


def _embeddings_garbage(path):
    (path / "dense" / "embeddings.npy").write_bytes(b"garbage\x00\x01\x02" * 50)


def _embeddings_truncated(path):
    data = (path / "dense" / "embeddings.npy").read_bytes()
    (path / "dense" / "embeddings.npy").write_bytes(data[: len(data) // 2])


def _embeddings_short(path):
    vectors = np.load(path / "dense" / "embeddings.npy")
    np.save(path / "dense" / "embeddings.npy", vectors[:-1])


def _bm25_vocab_garbage(path):
    (path / "bm25" / "vocab.index.json").write_text("{not json", encoding="utf-8")


def _format_version(value):
    def damage(path):
        manifest = read_manifest(path)
        if value is None:
            del manifest["format_version"]
        else:
            manifest["format_version"] = value
        write_manifest(path, manifest)
    return damage


def _other_model(path):
    manifest = read_manifest(path)
    manifest["model"]["model_id"] = "other-model@0123456789ab"
    write_manifest(path, manifest)


def _manifest_not_json(path):
    (path / "manifest.json").write_text('{"format_version": 1,', encoding="utf-8")


# (id, damage, the words that say what is wrong, refused already by Index.load?). Every file
# is checked against the size and sha256 the manifest recorded before it is parsed, so most
# damage is named as a changed file; tests/robustness/ holds the cases that pass that check.
BAD_INDEXES = [
    ("no-manifest", _no_manifest, "is not a document-qa index (no manifest.json)", True),
    ("manifest-not-json", _manifest_not_json, "manifest.json is unreadable", True),
    ("no-chunks", _no_chunks, "is partial: chunks.jsonl missing", True),
    ("no-documents", _no_documents, "is partial: documents.jsonl missing", True),
    ("chunks-cut-mid-line", _chunks_cut_mid_line, "chunks.jsonl has 6321 bytes, the manifest recorded 12643", True),
    ("chunks-cut-at-a-line", _chunks_cut_at_a_line, "chunks.jsonl has 11698 bytes, the manifest recorded 12643", True),
    ("format-version-2", _format_version(2), "index format version 2, this qa reads version 1", True),
    ("format-version-str", _format_version("1"), "index format version '1'", True),
    ("format-version-missing", _format_version(None), "index format version None", True),
    ("no-embeddings", _no_embeddings, "embeddings.npy is missing: the index is partial", False),
    ("embeddings-garbage", _embeddings_garbage, "embeddings.npy has 500 bytes, the manifest recorded", False),
    ("embeddings-truncated", _embeddings_truncated, "embeddings.npy has 16960 bytes", False),
    ("embeddings-one-row-short", _embeddings_short, "embeddings.npy has 32384 bytes, the manifest recorded 33920", False),
    ("no-bm25-matrix", _no_bm25_matrix, "bm25/data.csc.index.npy is missing: the index is partial", False),
    ("bm25-vocab-garbage", _bm25_vocab_garbage, "vocab.index.json has 9 bytes, the manifest recorded 6033", False),
    ("other-model", _other_model, "was built with other-model@0123456789ab, but the query encoder is", False),
]


def damaged(tiny_index, tmp_path, damage) -> Path:
    path = copy_index(tiny_index, tmp_path)
    damage(path)
    return path


@pytest.mark.parametrize("case, damage, what, at_load", BAD_INDEXES, ids=[c[0] for c in BAD_INDEXES])
def test_bad_index_is_refused_with_the_reason(tiny_index, tmp_path, case, damage, what, at_load):
    path = damaged(tiny_index, tmp_path, damage)
    with pytest.raises(IndexStoreError) as refused:
        Assistant.load(path).ask(TUNNEL_QUESTION, mode="hybrid")
    message = str(refused.value)
    assert what in message
    assert str(path) in message
    assert "rebuild" in message
    if at_load:
        with pytest.raises(IndexStoreError):
            Index.load(path)


def test_missing_directory_is_refused_with_the_command_to_build_it(tmp_path):
    path = tmp_path / "no-such-index"
    expected = f"no index at {path}; build one with `qa index PATH ... --out {path}`"
    with pytest.raises(IndexStoreError, match=re.escape(expected)):
        Index.load(path)


def test_a_file_is_not_an_index(tmp_path):
    path = tmp_path / "index"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(IndexStoreError, match="is a file, not an index directory"):
        Index.load(path)


@pytest.mark.parametrize("mode", ["dense", "hybrid", "hybrid-rrf"])
def test_other_model_is_refused_in_every_mode_that_embeds(tiny_index, tmp_path, mode):
    path = damaged(tiny_index, tmp_path, _other_model)
    assistant = Assistant.load(path)
    with pytest.raises(IndexStoreError, match="built with other-model@0123456789ab"):
        assistant.ask(TUNNEL_QUESTION, mode=mode)
    # BM25 needs no model: the same index still answers lexically.
    assert assistant.ask(TUNNEL_QUESTION, mode="bm25").passages[0].chunk.doc_id == "bridge-engineering.txt"


@pytest.mark.parametrize(
    "case, damage", [pytest.param(case, damage, id=case) for case, damage, _, _ in BAD_INDEXES]
)
def test_every_refusal_says_how_to_rebuild(tiny_index, tmp_path, case, damage):
    path = damaged(tiny_index, tmp_path, damage)
    with pytest.raises(IndexStoreError) as refused:
        Assistant.load(path).ask(TUNNEL_QUESTION, mode="hybrid")
    assert f"qa index PATH ... --out {path}" in str(refused.value)


def test_garbage_embeddings_message_does_not_suggest_unpickling(tiny_index, tmp_path):
    path = damaged(tiny_index, tmp_path, _embeddings_garbage)
    with pytest.raises(IndexStoreError) as refused:
        Assistant.load(path).ask(TUNNEL_QUESTION, mode="dense")
    assert "pickle" not in str(refused.value)


# -- the same refusals through `qa ask --index DIR` ---------------------------------------------


@pytest.mark.parametrize("case, damage, what, at_load", BAD_INDEXES, ids=[c[0] for c in BAD_INDEXES])
def test_qa_ask_on_a_bad_index_exits_2_with_the_message(
    tiny_index, tmp_path, capsys, case, damage, what, at_load
):
    path = damaged(tiny_index, tmp_path, damage)
    code = main(["ask", "--index", str(path), TUNNEL_QUESTION])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("qa ask: error: ")
    assert what in captured.err and "rebuild" in captured.err
    assert "Traceback" not in captured.err
    assert "Answer:" not in captured.out


@pytest.mark.parametrize("case", ["missing", "embeddings-garbage"])
def test_qa_ask_on_a_bad_index_in_a_new_process_prints_no_traceback(tiny_index, tmp_path, case):
    if case == "missing":
        path = tmp_path / "nowhere"
    else:
        path = damaged(tiny_index, tmp_path, _embeddings_garbage)
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "--index", str(path), TUNNEL_QUESTION],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("qa ask: error: ")]
    assert len(error_lines) == 1 and str(path) in error_lines[0]
