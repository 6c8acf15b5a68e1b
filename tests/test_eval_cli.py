"""`qa eval`: the reports a run writes, and clear refusals of bad sets (exit 2, no traceback)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = [
    {"id": "a1", "question": "What was Guangzhou's GDP in 2016?", "evidence": ["GDP(亿元人民币) | 19547.44 | 6827.67"],
     "answer": {"value": 1954744000000.0, "unit": "CNY"}, "answerable": True,
     "tags": ["table", "figure", "en"], "split": "test"},
    {"id": "a2", "question": "What was Guangzhou's GDP in 2022?", "evidence": [], "answer": None,
     "answerable": False, "tags": ["table", "en"], "split": "dev"},
]


def run_qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, cwd=ROOT)


def test_eval_writes_the_reports(tmp_path):
    path = tmp_path / "smallset.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    result = run_qa("eval", str(path), "--modes", "bm25", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for suffix in (".md", ".json", ".png"):
        assert (tmp_path / "out" / f"smallset{suffix}").stat().st_size > 0
    assert f"wrote {tmp_path / 'out' / 'smallset.md'}" in result.stdout
    # the summary printed: overall bm25 row with 2 questions, R@1 1.000
    assert "| all | bm25 | 2 | 1.000 |" in result.stdout
    data = json.loads((tmp_path / "out" / "smallset.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["records"]] == ["a1", "a2"]
    assert data["summary"]["all"]["bm25"]["figure_acc@1"] == 1.0
    assert (tmp_path / "out" / "smallset.png").read_bytes()[:4] == b"\x89PNG"


def test_eval_one_split_gets_its_own_report(tmp_path):
    path = tmp_path / "smallset.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    result = run_qa("eval", str(path), "--modes", "bm25", "--split", "dev", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "smallset-dev.json").read_text(encoding="utf-8"))
    assert data["split"] == "dev" and [r["id"] for r in data["records"]] == ["a2"]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": "a1", "question": "x?"\n', "bad.jsonl:1: not valid JSON"),
        (json.dumps(ROWS[0]) + "\n" + json.dumps({**ROWS[1], "answerable": "no"}) + "\n",
         "bad.jsonl:2: question a2: 'answerable' must be true or false"),
        ("", "the question set is empty"),
    ],
)
def test_malformed_set_exits_2_without_traceback(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = run_qa("eval", str(path), "--modes", "bm25", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.startswith("qa eval: error: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_missing_set_and_bad_split(tmp_path):
    result = run_qa("eval", str(tmp_path / "nope.jsonl"), "--modes", "bm25")
    assert result.returncode == 2 and "no such question set file" in result.stderr
    assert "Traceback" not in result.stderr
    path = tmp_path / "nosplit.jsonl"
    path.write_text(json.dumps({k: v for k, v in ROWS[0].items() if k != "split"}) + "\n", encoding="utf-8")
    result = run_qa("eval", str(path), "--modes", "bm25", "--split", "test")
    assert result.returncode == 2 and "no question has split 'test'" in result.stderr
