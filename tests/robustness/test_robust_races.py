"""Concurrent builds and asks, files a build did not write, and the cache (issue 13, item 6).

One writer at a time (a second build is refused with the first one's pid); a reader keeps
the index it opened, whole, while a rebuild swaps a new one in; a rebuild refuses, rather
than deletes, files it did not write; the bundled cache rebuilds a damaged entry by itself.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.errors import IndexStoreError
from corpus.loader import load_documents
from indexer.build import build_index
from indexer.cache import open_cached_index
from indexer.index import Index
from indexer.lock import WriterLock
from qa.assistant import Assistant
from qa.cli import main
from robust_helpers import ROOT, QUESTION, TEST_CORPUS, answer_key, build_script, copy_index

DROPPED = "solar-farm.txt"


def documents(drop: str | None = None):
    return [d for d in load_documents([TEST_CORPUS]) if d.doc_id != drop]


@pytest.fixture(scope="module")
def answers(tiny_index, tmp_path_factory):
    """The answer of the full index and of the index without DROPPED: the only two a reader
    may see while the two are swapped back and forth."""
    smaller = tmp_path_factory.mktemp("smaller") / "index"
    build_index(documents(DROPPED), smaller, reuse_from=tiny_index)
    return {answer_key(Assistant.load(p).ask(QUESTION, mode="bm25")) for p in (tiny_index, smaller)}


# -- one writer at a time ------------------------------------------------------------------------


def test_a_second_build_is_refused_with_the_first_ones_pid(tiny_index, tmp_path):
    import os

    index = copy_index(tiny_index, tmp_path / "index")
    with WriterLock(index):
        with pytest.raises(IndexStoreError, match=rf"another build is running \(pid {os.getpid()}\)"):
            build_index(documents(DROPPED), index)
    assert DROPPED in Index.load(index).documents  # untouched
    build_index(documents(DROPPED), index)  # the lock is free again
    assert DROPPED not in Index.load(index).documents


def test_qa_index_while_another_build_runs_exits_2_naming_its_pid(tiny_index, tmp_path, capsys):
    import os

    index = copy_index(tiny_index, tmp_path / "index")
    with WriterLock(index):
        code = main(["index", str(TEST_CORPUS), "--out", str(index)])
    err = capsys.readouterr().err
    assert code == 2 and f"another build is running (pid {os.getpid()})" in err and "Traceback" not in err


def test_two_builds_started_together_end_with_one_whole_index(tiny_index, tmp_path):
    index = copy_index(tiny_index, tmp_path / "index")
    script = build_script(TEST_CORPUS, index, drop=DROPPED)
    runs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]
    for code, out, err in results:
        assert code == 0 and out.strip() == "built" or "another build is running (pid " in err, err[-1500:]
        assert "OSError" not in err
    assert any(code == 0 for code, _, _ in results)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert DROPPED not in Index.load(index).verify().documents


# -- readers during a rebuild ---------------------------------------------------------------------


def test_a_reader_keeps_the_index_it_opened_across_a_rebuild(tiny_index, tmp_path, answers):
    index = copy_index(tiny_index, tmp_path / "index")
    reader = Index.load(index)  # records read; BM25 and dense not yet
    build_index(documents(DROPPED), index)
    assert DROPPED not in Index.load(index).documents  # the new one is in place
    assert DROPPED in reader.documents and len(reader.bm25) == 22 and len(reader.dense) == 22
    before = answer_key(Assistant.load(tiny_index).ask(QUESTION, mode="bm25"))
    assert answer_key(Assistant(reader).ask(QUESTION, mode="bm25")) == before
    assert any(p.name.startswith(".index.") for p in tmp_path.iterdir())  # kept for its reader
    del reader
    gc.collect()
    build_index(documents(), index)  # the next build deletes what no reader holds any more
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def _asks_while(process: subprocess.Popen, index: Path, seen: list) -> None:
    while process.poll() is None:
        seen.append(answer_key(Assistant.load(index).ask(QUESTION, mode="bm25")))


def _rebuild_loop(index: Path, times: int) -> subprocess.Popen:
    script = (
        "import sys\nfrom pathlib import Path\nfrom corpus.loader import load_documents\n"
        "from indexer.build import build_index\n"
        f"docs = load_documents([Path({str(TEST_CORPUS)!r})])\n"
        f"for i in range({times}):\n"
        f"    build_index([d for d in docs if i % 2 == 1 or d.doc_id != {DROPPED!r}], Path({str(index)!r}))\n"
        "print('rebuilt')\n"
    )
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("times", [pytest.param(2, id="2-rebuilds"),
                                   pytest.param(30, id="30-rebuilds", marks=pytest.mark.bench)])
def test_asks_during_rebuilds_see_the_old_or_the_new_index_never_a_mix(tiny_index, tmp_path, answers, times):
    index = copy_index(tiny_index, tmp_path / "index")
    process = _rebuild_loop(index, times)
    seen: list = []
    _asks_while(process, index, seen)
    assert process.returncode == 0, process.stderr.read()[-2000:]
    assert seen and set(seen) <= answers  # every ask answered, each from a whole index
    gc.collect()


# -- files a build did not write -------------------------------------------------------------------


FOREIGN = [
    ("dense/notes.txt", "dense/notes.txt"),
    ("bm25/extra.npy", "bm25/extra.npy"),
    ("my-thesis.txt", "my-thesis.txt"),
    ("dense/sub/deep.txt", "dense/sub"),
    ("bm25/backup/data.csc.index.npy", "bm25/backup"),
]


@pytest.mark.parametrize("placed, named", FOREIGN, ids=[f[0] for f in FOREIGN])
def test_a_rebuild_refuses_rather_than_deletes_files_it_did_not_write(tiny_index, tmp_path, capsys, placed, named):
    index = copy_index(tiny_index, tmp_path / "index")
    (index / placed).parent.mkdir(parents=True, exist_ok=True)
    (index / placed).write_text("mine, not the index's\n", encoding="utf-8")
    code = main(["index", str(TEST_CORPUS), "--out", str(index)])
    err = capsys.readouterr().err
    assert code == 2 and f"holds files a build did not write ({named})" in err and "move them out" in err
    assert (index / placed).read_text(encoding="utf-8") == "mine, not the index's\n"
    assert len(Index.load(index).verify().chunks) == 22  # the index still works (extra files are ignored)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_a_damaged_index_can_be_rebuilt_in_place(tiny_index, tmp_path):
    """The refusal says 'rebuild it with qa index ... --out X': that must work on X, even
    with its manifest destroyed."""
    index = copy_index(tiny_index, tmp_path / "index")
    (index / "manifest.json").write_bytes(b"\x00garbage")
    (index / "chunks.jsonl").unlink()
    build_index(documents(), index, reuse_from=tiny_index)
    assert len(Index.load(index).verify().chunks) == 22


# -- the cache heals itself -----------------------------------------------------------------------


CACHE_DAMAGE = [
    ("bm25-data-garbage", lambda p: (p / "bm25" / "data.csc.index.npy").write_bytes(b"\x00" * 64)),
    ("bm25-vocab-emptied", lambda p: (p / "bm25" / "vocab.index.json").write_text("{}", encoding="utf-8")),
    ("manifest-no-model", lambda p: (p / "manifest.json").write_text(
        (p / "manifest.json").read_text(encoding="utf-8").replace('"model"', '"modle"'), encoding="utf-8")),
]
CACHE_DAMAGE += [pytest.param(*case, marks=pytest.mark.bench) for case in [
    ("foreign-file-in-dense", lambda p: (p / "dense" / "notes.txt").write_text("x", encoding="utf-8")),
    ("glossary-emptied", lambda p: (p / "glossary.tsv").write_text("", encoding="utf-8")),
    ("manifest-garbage", lambda p: (p / "manifest.json").write_bytes(b"\xff" * 10)),
]]


@pytest.mark.parametrize("case, damage", CACHE_DAMAGE,
                         ids=[c.values[0] if hasattr(c, "marks") else c[0] for c in CACHE_DAMAGE])
def test_a_damaged_cache_entry_is_rebuilt_and_answers_as_before(tiny_index, case, damage):
    """Seeded from the tiny index (so no model is loaded), damaged, then opened: rebuilt."""
    from indexer.cache import cached_index_path

    docs = documents()
    path = cached_index_path(docs, Index.load(tiny_index).settings, f"robust-{case}")
    if not path.exists():
        build_index(docs, path, reuse_from=tiny_index)
    before = answer_key(Assistant.load(tiny_index).ask(QUESTION, mode="bm25"))
    damage(path)
    index = open_cached_index(docs, name=f"robust-{case}")
    assert index.path == path and len(index.chunks) == 22
    assert answer_key(Assistant(index).ask(QUESTION, mode="bm25")) == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}")]


@pytest.mark.bench
def test_a_cache_entry_with_damaged_vectors_is_re_embedded(tiny_index):
    from indexer.cache import cached_index_path

    docs = documents()
    path = cached_index_path(docs, Index.load(tiny_index).settings, "robust-dense")
    build_index(docs, path, reuse_from=tiny_index)
    (path / "dense" / "embeddings.npy").write_bytes(b"\x93NUMPY" + b"\x00" * 100)
    index = open_cached_index(docs, name="robust-dense")
    assert len(index.dense) == 22


def test_two_processes_opening_a_missing_cache_entry_build_it_once(tiny_index, tmp_path):
    """Both wait on the entry's lock; the second opens what the first built."""
    cache = tmp_path / "cache"
    seed = cache / "indexes"
    script = (
        "import sys\nfrom pathlib import Path\nfrom corpus.loader import load_documents\n"
        "from indexer.cache import open_cached_index, cached_index_path\n"
        "from indexer.build import build_index\n"
        f"docs = load_documents([Path({str(TEST_CORPUS)!r})])\n"
        "import indexer.cache as c\n"
        f"c._previous_indexes = lambda name, keep: [Path({str(tiny_index)!r})]\n"
        "index = open_cached_index(docs, name='race')\n"
        "print(len(index.chunks), index.path.stat().st_ino)\n"
    )
    env = {**__import__("os").environ, "DOCUMENT_QA_CACHE": str(cache)}
    runs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]
    assert all(code == 0 for code, _, _ in outputs), [err[-1500:] for _, _, err in outputs]
    assert len({out for _, out, _ in outputs}) == 1  # the same directory (inode): built once
    assert [p.name.split("-")[0] for p in seed.iterdir()] == ["race"]  # one entry, no leftovers
