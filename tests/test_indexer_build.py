"""Building indexes (issue 3, points 5-6): an incremental rebuild embeds only the changed
chunks and reuses the others' vectors bit for bit; an interrupted build leaves the previous
index intact; `--out` never replaces a folder that is not an index; the bundled index is
built once into the cache and reopened without a rebuild; BM25 work never imports torch.
"""

import gc
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus.chunker import indexable_text
from corpus.errors import IndexStoreError
from corpus.loader import load_documents
from corpus.types import Document
from indexer.build import build_index
from indexer.cache import open_bundled_index, open_cached_index
from indexer.index import Index
from indexer.retrievers import make_retriever

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"
APPENDED = " A second battery bank of 40 MWh is planned for 2025."


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` (relative path -> sha256), to show nothing changed."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def vectors_by_text(index_dir: Path) -> dict[str, np.ndarray]:
    index = Index.load(index_dir)
    vectors = np.load(index_dir / "dense" / "embeddings.npy", allow_pickle=False)
    return {indexable_text(c): vectors[i] for i, c in enumerate(index.chunks)}


def edited(documents: list[Document], doc_id: str, extra: str) -> list[Document]:
    return [Document(d.doc_id, d.title, d.text + extra) if d.doc_id == doc_id else d for d in documents]


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target


@pytest.fixture
def index_copy(tiny_index, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(tiny_index, target)
    return target


# -- incremental rebuild ---------------------------------------------------------------------


def test_editing_one_document_re_embeds_only_its_chunk(corpus_copy, index_copy):
    before = vectors_by_text(index_copy)
    solar = corpus_copy / "solar-farm.txt"
    solar.write_text(solar.read_text(encoding="utf-8").rstrip("\n") + APPENDED + "\n", encoding="utf-8")

    report = build_index(load_documents([corpus_copy]), index_copy)

    after = Index.load(index_copy)
    new_texts = [indexable_text(c) for c in after.chunks]
    changed = [t for t in new_texts if t not in before]
    assert len(changed) == 1 and APPENDED.strip() in changed[0]
    assert (report.documents, report.chunks, report.embedded, report.reused) == (13, 22, 1, 21)
    assert report.saved_seconds is None  # one chunk measures the per-call overhead, not a rate

    vectors = after.dense.vectors
    for row, text in enumerate(new_texts):
        if text in before:  # reused: the very same bits, not a re-encoding
            assert vectors[row].tobytes() == before[text].tobytes(), text[:40]
    old_solar = next(v for t, v in before.items() if t.startswith("The Sunridge solar farm"))
    new_row = new_texts.index(changed[0])
    assert not np.array_equal(vectors[new_row], old_solar)

    from indexer.encoder import DenseSettings, load_passage_encoder

    fresh = load_passage_encoder(DenseSettings()).encode([changed[0]])[0]
    np.testing.assert_allclose(vectors[new_row], fresh, atol=1e-5)

    hits = make_retriever(after, "bm25").search("second battery bank", 3)
    assert after.chunk(hits[0].chunk_id).doc_id == "solar-farm.txt"


def test_rebuild_with_nothing_changed_embeds_nothing(index_copy):
    before = tree_digest(index_copy / "dense")
    report = build_index(load_documents([TEST_CORPUS]), index_copy)
    assert (report.embedded, report.reused) == (0, 22)
    assert tree_digest(index_copy / "dense") == before


def test_rebuild_that_embeds_nothing_claims_no_time_saved(index_copy):
    """Issue 11: "saved about 4269.7 s" after a build of 377 s. A rate is only taken from a
    build that embedded at least MIN_RATE_CHUNKS chunks itself, never from an earlier one."""
    report = build_index(load_documents([TEST_CORPUS]), index_copy)
    assert (report.reused, report.seconds_per_chunk, report.saved_seconds) == (22, None, None)


def test_time_saved_is_priced_at_the_rate_this_build_measured(index_copy):
    from indexer.build import MIN_RATE_CHUNKS, BuildReport, measured_rate

    assert measured_rate(MIN_RATE_CHUNKS - 1, 10.0) is None
    rate = measured_rate(40, 8.0)
    assert rate == pytest.approx(0.2)
    report = BuildReport(index_copy, 3, 100, 40, 60, 12.0, 8.0, rate)
    assert report.saved_seconds == pytest.approx(12.0)
    assert BuildReport(index_copy, 3, 40, 40, 0, 12.0, 8.0, rate).saved_seconds is None


def test_vectors_of_an_index_built_with_another_model_are_not_reused(index_copy):
    import json

    manifest_path = index_copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["model"]["model_id"] = "other-model@0123456789ab"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    report = build_index(load_documents([TEST_CORPUS]), index_copy)
    assert (report.embedded, report.reused) == (22, 0)
    assert Index.load(index_copy).model_id.startswith("all-MiniLM-L6-v2@")


# -- interrupted builds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "stop_at, error",
    [
        ("chunking", KeyboardInterrupt),
        ("embedding with", KeyboardInterrupt),
        ("embedding with", RuntimeError),
    ],
)
def test_interrupted_build_leaves_the_previous_index_intact(index_copy, stop_at, error):
    before = tree_digest(index_copy)
    inode = index_copy.stat().st_ino
    seen = []

    def progress(message: str) -> None:
        seen.append(message)
        if message.startswith(stop_at):
            raise error("stopped by the test")

    documents = edited(load_documents([TEST_CORPUS]), "solar-farm.txt", APPENDED)
    with pytest.raises(error):
        build_index(documents, index_copy, progress=progress)

    assert seen[-1].startswith(stop_at)
    assert tree_digest(index_copy) == before
    assert index_copy.stat().st_ino == inode
    leftovers = sorted(p.name for p in index_copy.parent.iterdir())
    assert leftovers == ["index"], "temporary directory left behind"
    index = Index.load(index_copy)
    assert len(index.chunks) == 22
    assert APPENDED.strip() not in index.documents["solar-farm.txt"].text


# -- --out safety ------------------------------------------------------------------------------


def test_out_folder_that_is_not_an_index_is_refused_and_untouched(tmp_path):
    folder = tmp_path / "my-documents"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("Years of work.\n", encoding="utf-8")
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    before = tree_digest(folder)
    with pytest.raises(IndexStoreError, match="is not empty and is not a document-qa index; refusing to replace it"):
        build_index(load_documents([TEST_CORPUS]), folder)
    assert tree_digest(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-documents"]


def test_out_folder_with_a_foreign_manifest_is_refused_and_untouched(tmp_path):
    folder = tmp_path / "web-app"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"name": "My PWA", "start_url": "/"}', encoding="utf-8")
    (folder / "index.html").write_text("<h1>hello</h1>\n", encoding="utf-8")
    before = tree_digest(folder)
    try:
        with pytest.raises(IndexStoreError, match="not a document-qa index"):
            build_index(load_documents([TEST_CORPUS]), folder)
    finally:
        assert tree_digest(folder) == before


def test_out_that_is_a_file_is_refused_and_untouched(tmp_path):
    target = tmp_path / "index"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(IndexStoreError, match="exists and is not a directory; choose another --out"):
        build_index(load_documents([TEST_CORPUS]), target)
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_no_documents_is_refused(tmp_path):
    with pytest.raises(IndexStoreError, match="no documents to index"):
        build_index([], tmp_path / "index")
    assert not (tmp_path / "index").exists()


# -- the cache -------------------------------------------------------------------------------


def test_bundled_index_is_reopened_from_the_cache_without_a_rebuild(bundled_index):
    directory, manifest = bundled_index.path, bundled_index.path / "manifest.json"

    def stamps():
        return tuple((p.stat().st_ino, p.stat().st_mtime_ns) for p in (directory, manifest))

    before = stamps()
    again = open_bundled_index()
    assert again.path == directory
    assert stamps() == before  # same directory, same manifest: nothing was rebuilt
    assert len(again.chunks) == len(bundled_index.chunks) and again.manifest == bundled_index.manifest
    assert [p.name for p in directory.parent.glob("bundled-*")] == [directory.name]


def test_cached_index_is_rebuilt_when_a_document_changes_reusing_vectors():
    documents = load_documents([TEST_CORPUS])
    first = open_cached_index(documents, name="tinycachetest")
    first_vectors = vectors_by_text(first.path)
    assert open_cached_index(documents, name="tinycachetest").path == first.path

    first_path = first.path
    del first  # an index in use is never deleted under its reader (tests/robustness cover that)
    gc.collect()
    second = open_cached_index(edited(documents, "solar-farm.txt", APPENDED), name="tinycachetest")
    assert second.path != first_path and second.path.parent == first_path.parent
    assert not first_path.exists(), "the stale cache entry was kept"
    second_vectors = second.dense.vectors
    reused = [(row, c) for row, c in enumerate(second.chunks) if indexable_text(c) in first_vectors]
    assert len(reused) == 21
    for row, chunk in reused:
        assert second_vectors[row].tobytes() == first_vectors[indexable_text(chunk)].tobytes()


def test_cached_index_with_corrupted_embeddings_is_rebuilt():
    documents = load_documents([TEST_CORPUS])
    path = open_cached_index(documents, name="tinycorrupttest").path
    (path / "dense" / "embeddings.npy").write_bytes(b"garbage" * 100)
    reopened = open_cached_index(documents, name="tinycorrupttest")
    assert len(reopened.dense) == 22


# -- start-up: BM25 never imports torch ---------------------------------------------------------


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_bm25_question_on_the_bundled_index_never_imports_torch(bundled_index):
    result = python(
        "import sys\n"
        "from qa.assistant import Assistant\n"
        "a = Assistant.load()\n"
        "answer = a.ask('What was Guangzhou GDP in 2016?', mode='bm25')\n"
        "print(answer.figures[0].value)\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1954744000000.0", "False False"]


def test_qa_ask_bm25_from_the_command_line_never_imports_torch(bundled_index):
    result = python(
        "import sys\n"
        "from qa.cli import main\n"
        "code = main(['ask', '--json', '--mode', 'bm25', 'What was Guangzhou GDP in 2016?'])\n"
        "print(code, 'torch' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 False"
    assert '"value": 1954744000000.0' in result.stdout.splitlines()[0]


def test_qa_help_never_imports_torch():
    result = python(
        "import sys\n"
        "from qa.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as stop:\n"
        "    print('exit', stop.code)\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "usage: qa" in result.stdout and "ask" in result.stdout
    assert lines[-2:] == ["exit 0", "False False"]
