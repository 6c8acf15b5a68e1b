"""The BEIR loader on a tiny hand-made folder (CRLF qrels, string ids, grades 0/1/2),
and on broken copies of it."""

import shutil
from pathlib import Path

import pytest

from corpus.errors import QAError
from eval.beir import BeirDataError, load_beir

TINY = Path(__file__).parent / "data" / "beir_tiny"


def test_tiny_qrels_file_really_has_crlf_endings():
    raw = (TINY / "qrels" / "test.tsv").read_bytes()
    assert raw.startswith(b"query-id\tcorpus-id\tscore\r\n")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 8


def test_loader_reads_ids_as_strings_grades_and_keeps_only_judged_queries():
    data = load_beir(TINY)
    assert data.name == "beir_tiny"
    assert len(data.corpus) == 20
    assert list(data.corpus)[:3] == ["007", "12", "liver-01"]  # "007" not 7, file order
    # "5" has no qrels and "6" only grade 0: both dropped, file order kept.
    assert list(data.queries) == ["1", "2", "PLAIN-3", "4"]
    assert data.qrels["1"] == {"007": 2, "12": 1}
    assert data.qrels["PLAIN-3"] == {"statin-1": 2, "statin-2": 1}
    assert all(isinstance(g, int) for docs in data.qrels.values() for g in docs.values())
    assert data.unresolved_qrels() == 0
    assert len(data.corpus_sha256) == 64


def test_passages_are_title_space_text_with_unicode_escapes_decoded():
    data = load_beir(TINY)
    passages = data.passages()
    assert passages[0] == ("Vitamin D and bone density Vitamin D deficiency lowers bone mineral "
                           "density and raises the risk of osteoporotic fractures in older adults.")
    assert passages[11].startswith("\u03b2-carotene and lung cancer")
    assert "m\u00fcller" in data.corpus


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


@pytest.mark.parametrize("missing", ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
def test_missing_file_is_named(tmp_path, missing):
    folder = _copy(tmp_path)
    (folder / missing).unlink()
    with pytest.raises(BeirDataError, match=missing.split("/")[-1]):
        load_beir(folder)


def test_missing_folder_is_a_qa_error(tmp_path):
    with pytest.raises(QAError, match="no BEIR folder"):
        load_beir(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("corpus.jsonl", '{"_id": "a", "text": "x"}\n{oops\n', r"corpus.jsonl:2: not valid JSON"),
        ("corpus.jsonl", '{"_id": 7, "text": "x"}\n', r"corpus.jsonl:1: '_id' must be a string"),
        ("corpus.jsonl", '{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}\n', "appears twice"),
        ("queries.jsonl", '{"_id": "1"}\n', r"queries.jsonl:1: 'text' must be a string"),
        ("qrels/test.tsv", "qid\tdoc\tscore\r\n1\t007\t1\r\n", "first line must be the header"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\r\n1\t007\r\n", r"test.tsv:2: expected 3"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\r\n1\t007\thigh\r\n", "not an integer"),
        ("qrels/test.tsv", "query-id\tcorpus-id\tscore\r\n99\t007\t1\r\n", "not in queries.jsonl"),
    ],
)
def test_malformed_files_name_the_place(tmp_path, name, content, message):
    folder = _copy(tmp_path)
    (folder / name).write_bytes(content.encode("utf-8"))
    with pytest.raises(BeirDataError, match=message):
        load_beir(folder)


def test_lf_only_qrels_read_the_same(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "qrels" / "test.tsv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    assert load_beir(folder).qrels == load_beir(TINY).qrels
