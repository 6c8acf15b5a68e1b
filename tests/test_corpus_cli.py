"""`qa chunks`: the summary, the JSON rows, and clear refusals of bad inputs (exit 2, no traceback)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"


def run_qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True)


def test_summary_of_the_bundled_corpus():
    result = run_qa("chunks")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "documents: 5"
    assert lines[1].startswith("chunks: ") and "table_row 42, table 5" in lines[1]
    assert lines[2:4] == ["tables: 5", "facts: 133"]
    assert lines[4].startswith("  belt-and-road-coastal-provinces-2021.txt: ")


def test_json_rows_cite_exact_spans_of_the_user_corpus():
    result = run_qa("chunks", str(TEST_CORPUS), "--json", "--max-chars", "200", "--overlap", "0")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"doc", "start", "end", "text", "kind", "section"} <= set(rows[0])
    assert rows[0]["doc"] == "bridge-engineering.txt" and rows[0]["start"] == 0
    for row in rows:
        if row["kind"] == "prose":
            text = (TEST_CORPUS / row["doc"]).read_text(encoding="utf-8")
            assert text[row["start"] : row["end"]] == row["text"]
    kinds = [row["kind"] for row in rows if row["doc"] == "city-statistics.txt"]
    assert kinds == ["prose", "table", "table_row", "table_row", "table_row", "prose"]


def test_summary_counts_ignored_files(tmp_path):
    (tmp_path / "a.txt").write_text("Alpha beta.\n", encoding="utf-8")
    (tmp_path / "b.pptx").write_bytes(b"PK")
    result = run_qa("chunks", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "documents: 1 (ignored files of other formats: 1)",
        "chunks: 1 (prose 1, table_row 0, table 0)",
    ]


@pytest.mark.parametrize(
    "name, data, expected",
    [
        ("empty.txt", b"", "is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "looks binary"),
        ("renamed.html", b"\x89PNG\r\n\x1a\n\x00\x00", "looks binary"),
        ("empty-folder", None, "folder has no documents"),
        ("missing.txt", "missing", "no such file or folder"),
    ],
)
def test_bad_input_gives_a_clear_message_and_exit_2(tmp_path, name, data, expected):
    path = tmp_path / name
    if data is None:
        path.mkdir()
    elif isinstance(data, bytes):
        path.write_bytes(data)
    result = run_qa("chunks", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("qa chunks: error: cannot load the corpus")
    assert f"{path}: {expected}" in result.stderr
    assert result.stdout == ""


def test_bad_setting_is_refused_with_allowed_values():
    result = run_qa("chunks", "--overlap", "9")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "overlap_sentences must be an integer from 0 to 5; got 9" in result.stderr
