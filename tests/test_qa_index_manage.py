"""Index management (issue 11, item 1): `qa add` and `qa remove` change an index in place
(atomically, embedding only new chunks, with the index's own settings and glossary), and
`qa index --out` refuses to drop the documents of an index built from other sources unless
--replace.

Real model, faiss and BM25 over tests/data/corpus (the session's `tiny_index`, copied);
the CLI runs in this process (`qa.cli.main`), except where a test needs a new process (no
traceback; a SIGKILL at a named step through `indexer.faults`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus.chunker import indexable_text
from corpus.glossary import load_glossary
from corpus.loader import load_documents
from indexer.build import build_index
from indexer.faults import FAULT_ENV
from indexer.index import Index
from indexer.settings import IndexSettings
from qa.assistant import Assistant
from qa.cli import main

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"
GLOSSARY_EXTRA = Path(__file__).parent / "data" / "glossary-extra.tsv"
QUESTIONS = ("How long is the undersea tunnel?", "What is the peak capacity of the solar farm?",
             "When does the night ferry leave?")
# A document that competes with the corpus for those questions, so adding it changes answers.
FERRY = ("The Gull Island ferry uses a new undersea tunnel approach: the tunnel is 4.2 km long.\n"
         "The night ferry leaves at 23:40 and carries up to 120 passengers. A small solar farm on the "
         "pier has a peak capacity of 3 MW.\n")
PORTS_ZH = "## 港口\n\n| 城市 | 港口吞吐量(万吨) |\n|---|---|\n| 厦门 | 21344 |\n| 宁波 | 90000 |\n"
ADDED = re.compile(r"added (\d+), replaced (\d+), unchanged (\d+) documents in [\d.]+ s: embedded (\d+), "
                   r"reused (\d+); now (\d+) documents, (\d+) chunks -> (.+)")


def qa(capsys, *args) -> tuple[int, str, str]:
    gc.collect()  # drop the test's own readers, so the update can delete the folder it replaces
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def answers(path: Path) -> list[tuple]:
    """What a user sees, to the last digit: the top figure and the top-5 passages with their
    scores, in hybrid and BM25 mode."""
    assistant = Assistant(Index.load(path))
    seen = []
    for question in QUESTIONS:
        for mode in ("hybrid", "bm25"):
            answer = assistant.ask(question, top_k=5, mode=mode)
            top = answer.figures[0] if answer.figures else None
            seen.append((question, mode, answer.answerable,
                         (top.value, top.unit, top.doc_id, top.start, top.end) if top else None,
                         [(p.chunk.doc_id, p.chunk.start, p.chunk.end, round(p.score, 6)) for p in answer.passages]))
    return seen


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


@pytest.fixture
def index(tiny_index, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(tiny_index, target)
    return target


@pytest.fixture
def extra(tmp_path) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "ferry.md").write_text(FERRY, encoding="utf-8")
    return folder


# -- qa add / qa remove -------------------------------------------------------------------------


def test_add_then_remove_gives_back_the_same_index_and_answers(index, extra, capsys):
    before_answers = answers(index)
    before_files = tree_digest(index)
    old = Index.load(index)
    old_vectors = {c.chunk_id: v.copy() for c, v in zip(old.chunks, old.dense.vectors)}
    del old

    code, out, err = qa(capsys, "add", index, extra / "ferry.md")

    assert code == 0, err
    added, replaced, unchanged, embedded, reused, docs, chunks, path = ADDED.fullmatch(out.strip()).groups()
    grown = Index.load(index)
    new_chunks = [c for c in grown.chunks if c.doc_id == "ferry.md"]
    assert (added, replaced, unchanged, docs, path) == ("1", "0", "0", "14", str(index))
    assert int(embedded) == len(new_chunks) >= 1 and int(reused) == 22  # only the new chunks embedded
    assert int(chunks) == 22 + len(new_chunks) == len(grown.chunks)
    assert "qa add: adding 1 and replacing 0 of 13 documents" in err
    for chunk, vector in zip(grown.chunks, grown.dense.vectors):  # kept bit for bit
        if chunk.doc_id != "ferry.md":
            assert vector.tobytes() == old_vectors[chunk.chunk_id].tobytes()
    assert grown.manifest["corpus"]["documents"][3] == {
        "doc_id": "ferry.md", "sha256": hashlib.sha256(FERRY.encode()).hexdigest(),
        "source": str((extra / "ferry.md").resolve())}
    info = subprocess.run([sys.executable, "-m", "qa", "info", "--json", str(index)], capture_output=True,
                          text=True, timeout=120)
    read_from = {s["doc"]: s["read_from"] for s in json.loads(info.stdout)["sources"]}
    assert read_from["ferry.md"] == str((extra / "ferry.md").resolve())
    assert read_from["solar-farm.txt"] is None  # the tiny index was built by Python without sources
    with_ferry = answers(index)
    assert with_ferry != before_answers
    assert any(p[0] == "ferry.md" for row in with_ferry for p in row[4])
    del grown

    code, out, err = qa(capsys, "remove", index, "ferry.md")

    assert code == 0, err
    assert re.fullmatch(r"removed 1 document \(ferry\.md\) in [\d.]+ s: now 13 documents, 22 chunks -> .+",
                        out.strip()), out
    assert "nothing new, the vectors of all 22 chunks are reused" in err
    assert answers(index) == before_answers
    after_files = tree_digest(index)
    for name in ("documents.jsonl", "chunks.jsonl", "glossary.tsv", "dense/embeddings.npy"):
        assert after_files[name] == before_files[name], name
    gc.collect()
    assert siblings(index) == ["extra", "index"]  # no staging folder or lock left


def test_a_changed_document_is_replaced_and_an_unchanged_one_left_alone(index, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, corpus)
    solar = corpus / "solar-farm.txt"
    solar.write_text(solar.read_text(encoding="utf-8") + "A second battery bank is planned.\n", encoding="utf-8")

    code, out, err = qa(capsys, "add", index, solar, corpus / "tea-history.md")

    assert code == 0, err
    assert ADDED.fullmatch(out.strip()).groups()[:7] == ("0", "1", "1", "1", "21", "13", "22")
    assert "qa add: solar-farm.txt was already in the index with other text: replaced" in err
    assert "qa add: tea-history.md is already in the index with the same text: left as it is" in err
    assert Index.load(index).documents["solar-farm.txt"].text.endswith("battery bank is planned.\n")

    written = tree_digest(index)
    code, out, err = qa(capsys, "add", index, solar)
    assert code == 0, err
    assert out.startswith("nothing to add: the index already holds the 1 given with the same text")
    assert tree_digest(index) == written


def test_add_keeps_the_index_settings_and_glossary_not_the_defaults(tiny_index, tmp_path, capsys):
    settings = IndexSettings()
    settings = IndexSettings(settings.chunking, settings.tokenizer, settings.bm25, settings.dense,
                             type(settings.faiss)(kind="hnsw"))
    index = tmp_path / "index"
    build_index(load_documents([TEST_CORPUS]), index, settings, reuse_from=tiny_index,
                glossary=load_glossary([GLOSSARY_EXTRA]))
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    glossary = (index / "glossary.tsv").read_bytes()
    (tmp_path / "ports-zh.md").write_text(PORTS_ZH, encoding="utf-8")

    code, out, err = qa(capsys, "add", index, tmp_path / "ports-zh.md")

    assert code == 0, err
    after = Index.load(index)
    assert after.manifest["settings"] == manifest["settings"]
    assert after.manifest["build_inputs"] == manifest["build_inputs"]
    assert after.settings.faiss.kind == "hnsw" and (index / "dense" / "dense.hnsw.faiss").is_file()
    assert (index / "glossary.tsv").read_bytes() == glossary
    rows = [indexable_text(c) for c in after.chunks if c.doc_id == "ports-zh.md" and c.kind == "table_row"]
    assert rows and all("port throughput" in row for row in rows)  # rendered with the index's glossary
    assert any("Xiamen" in row for row in rows)
    hits = Assistant(after).ask("厦门的港口吞吐量是多少?", mode="bm25").passages
    assert hits[0].chunk.doc_id == "ports-zh.md"


# -- qa index --out onto an index of other sources ----------------------------------------------


def test_index_onto_an_index_of_other_sources_is_refused_unless_replace(index, extra, capsys):
    before = tree_digest(index)

    code, out, err = qa(capsys, "index", extra, "--out", index)

    assert code == 2 and out == ""
    assert err.startswith("qa index: error: ") and err.count("\n") == 1
    assert "would drop 13 of its 13 documents" in err
    assert "'bridge-engineering.txt', 'city-statistics.txt'" in err and "and 8 more" in err
    assert f"qa add {index} PATH..." in err and "--replace" in err
    assert tree_digest(index) == before
    assert siblings(index) == ["extra", "index"]

    code, out, err = qa(capsys, "index", extra, "--out", index, "--replace")

    assert code == 0, err
    assert sorted(Index.load(index).documents) == ["ferry.md"]


def test_rebuilding_the_same_sources_is_allowed_and_a_document_added_from_elsewhere_is_kept(
        index, extra, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, corpus)
    code, out, err = qa(capsys, "index", corpus, "--out", index)  # over the index of the same texts
    assert code == 0, err
    (corpus / "notes" / "bird-survey.txt").unlink()  # deleted from its folder: the rebuild drops it
    code, out, err = qa(capsys, "index", corpus, "--out", index)
    assert code == 0, err
    assert len(Index.load(index).documents) == 12

    assert qa(capsys, "add", index, extra / "ferry.md")[0] == 0
    code, out, err = qa(capsys, "index", corpus, "--out", index)
    assert code == 2
    assert "would drop 1 of its 13 documents" in err and "'ferry.md'" in err
    assert repr(str((extra / "ferry.md").resolve())) in err  # where it came from

    code, out, err = qa(capsys, "index", corpus, extra / "ferry.md", "--out", index)
    assert code == 0, err
    assert "embedded 0, reused" in out


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["remove", "{index}", "nope.md", "drafts/*"],
     "no document of the index at {index} matches 'nope.md', 'drafts/*'; it holds 13 documents: "
     "'bridge-engineering.txt', 'city-statistics.txt', 'coffee-prices.md'"),
    (["remove", "{index}", "*"], "refusing to remove all 13 documents of {index}"),
    (["remove", "{index}", "*.txt", "*.md"], "refusing to remove all 13 documents"),
    (["add", "{missing}", "{extra}"], "no index at {missing}; build one with `qa index PATH ... --out"),
    (["remove", "{missing}", "a.md"], "no index at {missing}"),
    (["add", "{index}", "{binary}"], "cannot load the corpus"),
    (["add", "{extra}", "{extra}"], "is not a document-qa index"),
])
def test_bad_updates_exit_2_with_a_message_and_change_nothing(index, extra, tmp_path, capsys, args, message):
    names = {"index": index, "extra": extra, "missing": tmp_path / "missing",
             "binary": tmp_path / "blob.txt"}
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 4)
    before = tree_digest(index)
    code, out, err = qa(capsys, *[a.format(**names) for a in args])
    assert code == 2 and out == ""
    assert err.startswith(f"qa {args[0]}: error: ")
    assert message.format(**names) in err, err
    assert tree_digest(index) == before
    assert siblings(index) == ["blob.txt", "extra", "index"]


def test_removing_an_unknown_document_in_a_new_process_has_no_traceback(index):
    result = subprocess.run([sys.executable, "-m", "qa", "remove", str(index), "nope.md"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("qa remove: error: no document of the index") and "Traceback" not in result.stderr


def test_an_interrupted_add_leaves_the_index_byte_identical_and_loadable(index, tmp_path):
    """SIGKILL after the new index is complete in its staging folder, before the swap. The
    document added is a copy of one the index holds, under another name, so its vectors
    are reused and the killed process never loads torch (fast); the robustness suite kills
    an add that embeds at every step (tests/robustness/test_robust_faults.py, `make bench`)."""
    copy = tmp_path / "copy" / "solar-farm-copy.txt"
    copy.parent.mkdir()
    shutil.copyfile(TEST_CORPUS / "solar-farm.txt", copy)
    before_files, before_answers = tree_digest(index), answers(index)
    result = subprocess.run([sys.executable, "-m", "qa", "add", str(index), str(copy)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, FAULT_ENV: "manifest-written"})
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert "nothing new, the vectors of all 23 chunks are reused" in result.stderr
    assert tree_digest(index) == before_files
    assert answers(index) == before_answers
    assert len(Index.load(index).verify().documents) == 13
    # the next update cleans what the killed one left beside the index
    assert any(name.startswith(".index.tmp-") for name in siblings(index))
    gc.collect()
    assert main(["add", str(index), str(copy)]) == 0
    assert siblings(index) == ["copy", "index"]
    assert len(Index.load(index).documents) == 14


def test_python_add_and_remove(index, extra):
    from indexer.update import add_documents, remove_documents

    report = add_documents(index, load_documents([extra]))
    assert (report.added, report.documents, report.reused) == (("ferry.md",), 14, 22)
    report = remove_documents(index, ["ferry*"])
    assert (report.removed, report.documents, report.chunks, report.embedded) == (("ferry.md",), 13, 22, 0)
    vectors = np.load(index / "dense" / "embeddings.npy")
    assert vectors.shape[0] == 22
