"""corpus.loader: the bundled corpus, a user's folder and files, and the refuse-all policy."""

from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.loader import BUNDLED_CORPUS_DIR, load_corpus, load_documents

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"
BUNDLED_IDS = [
    "belt-and-road-coastal-provinces-2021.txt",
    "belt-and-road-high-quality-15th-five-year-plan.txt",
    "gba-business-conference-macao.txt",
    "gba-development.txt",
    "guangzhou-nansha-core-engine.txt",
]


def test_bundled_corpus_is_loaded_sorted_with_text_unchanged():
    documents = load_documents()
    assert [d.doc_id for d in documents] == BUNDLED_IDS
    for document in documents:
        assert document.text == (BUNDLED_CORPUS_DIR / document.doc_id).read_bytes().decode("utf-8")
    assert documents[3].title == "Development Status of the Guangdong Hong Kong Macao Greater Bay Area"


def test_folder_is_searched_recursively_and_doc_ids_are_relative():
    documents = load_documents([TEST_CORPUS])
    ids = [d.doc_id for d in documents]
    assert ids == sorted(ids)
    assert len(ids) == 13
    assert "notes/bird-survey.txt" in ids and "notes/meeting-notes.md" in ids
    titles = {d.doc_id: d.title for d in documents}
    assert titles["tea-history.md"] == "A short history of tea"  # '# ' stripped for .md
    assert titles["harbor-city.txt"] == "Harbor City Annual Review"
    assert titles["pearl-river-delta-zh.txt"] == "珠江三角洲概况"


def test_file_argument_gets_its_file_name_as_doc_id():
    documents = load_documents([TEST_CORPUS / "notes" / "bird-survey.txt", TEST_CORPUS / "solar-farm.txt"])
    assert [d.doc_id for d in documents] == ["bird-survey.txt", "solar-farm.txt"]


def test_other_extensions_and_hidden_files_are_ignored_and_counted(tmp_path):
    (tmp_path / "a.txt").write_text("Alpha.\n", encoding="utf-8")
    (tmp_path / "b.MD").write_text("# Beta\n\nText.\n", encoding="utf-8")
    (tmp_path / "data.pptx").write_bytes(b"PK")
    (tmp_path / ".hidden.txt").write_text("secret\n", encoding="utf-8")
    corpus = load_corpus([tmp_path])
    assert [d.doc_id for d in corpus.documents] == ["a.txt", "b.MD"]
    assert [p.name for p in corpus.ignored] == [".hidden.txt", "data.pptx"]


def test_crlf_and_bom_are_kept_in_text_but_not_in_title(tmp_path):
    raw = "\ufeffTitle line\r\nSecond line.\r\n"
    (tmp_path / "win.txt").write_bytes(raw.encode("utf-8"))
    (document,) = load_documents([tmp_path / "win.txt"])
    assert document.text == raw
    assert document.title == "Title line"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name, data, expected",
    [
        ("empty.txt", b"", "is empty"),
        ("blank.md", b"  \n\n\t\n", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        ("nul.txt", b"text\x00more", "looks binary"),
        ("report.pdf", b"%PDF-1.4", "is truncated"),
        ("slides.pptx", b"PK", "not a format that can be read"),
    ],
)
def test_bad_file_is_refused_with_its_name_and_a_fix(tmp_path, name, data, expected):
    path = _write(tmp_path / name, data)
    with pytest.raises(CorpusError) as caught:
        load_documents([path])
    message = str(caught.value)
    assert str(path) in message and expected in message


def test_empty_folder_and_missing_path_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "other" / "notes.pptx", b"PK")
    with pytest.raises(CorpusError) as caught:
        load_documents([tmp_path / "empty", tmp_path / "other", tmp_path / "missing.txt"])
    message = str(caught.value)
    assert f"{tmp_path / 'empty'}: folder has no documents (" in message
    assert "(0 other file(s))" in message and "(1 other file(s))" in message
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in message


def test_every_bad_file_is_listed_and_nothing_is_loaded(tmp_path):
    _write(tmp_path / "good.txt", b"Fine text.\n")
    _write(tmp_path / "a-empty.txt", b"")
    _write(tmp_path / "sub" / "b-binary.md", b"\x00\x01")
    with pytest.raises(CorpusError) as caught:
        load_documents([tmp_path])
    lines = str(caught.value).splitlines()
    assert lines[0] == "cannot load the corpus (2 problem(s); nothing was loaded):"
    assert lines[1].strip().startswith(str(tmp_path / "a-empty.txt"))
    assert lines[2].strip().startswith(str(tmp_path / "sub" / "b-binary.md"))


def test_duplicate_doc_ids_are_refused(tmp_path):
    first = _write(tmp_path / "one" / "same.txt", b"One.\n")
    second = _write(tmp_path / "two" / "same.txt", b"Two.\n")
    with pytest.raises(CorpusError, match="doc_id 'same.txt' is given by 2 files"):
        load_documents([first, second])


def test_no_paths_is_an_error_not_the_bundled_corpus():
    with pytest.raises(CorpusError, match="no corpus given"):
        load_documents([])
