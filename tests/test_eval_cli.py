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


def test_eval_fresh_split_runs_only_when_named(tmp_path):
    path = tmp_path / "smallset.jsonl"
    rows = [*ROWS, {**ROWS[0], "id": "f1", "split": "fresh"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = run_qa("eval", str(path), "--modes", "bm25", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "smallset.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["records"]] == ["a1", "a2"]
    result = run_qa("eval", str(path), "--modes", "bm25", "--split", "fresh", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "smallset-fresh.json").read_text(encoding="utf-8"))
    assert data["split"] == "fresh" and [r["id"] for r in data["records"]] == ["f1"]


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


# --- make bench (python -m eval.bench): the parts that need no model ----------------------

def test_bench_help_and_bad_stage():
    result = subprocess.run([sys.executable, "-m", "eval.bench", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "--only {index,eval,tatqa,beir,readers,chunking,encoder,serve}" in result.stdout
    result = subprocess.run([sys.executable, "-m", "eval.bench", "--only", "nope"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "invalid choice: 'nope'" in result.stderr


def test_bench_beir_reports_a_missing_folder(tmp_path):
    from eval.bench import beir_benchmarks

    said = []
    paths = beir_benchmarks(tmp_path, quick=False, say=said.append, root=tmp_path / "no-beir")
    assert [p.name for p in paths] == ["beir.md"]
    text = paths[0].read_text(encoding="utf-8")
    assert f"Skipped: the folder `{tmp_path / 'no-beir' / 'scifact'}` was not found." in text
    assert "## nfcorpus" in text and len(said) == 2


def test_bench_index_report_checks_the_targets():
    from eval.bench import index_markdown

    data = {
        "machine": {"date": "d", "nproc": 2, "cpu": "c", "ram_gb": 1, "python": "3", "load_average_at_start": [1.0]},
        "quick": True, "sizes": [20000], "edited_document": "a.txt",
        "builds": [{"build": "from scratch", "documents": 5, "chunks": 201, "embedded": 201, "reused": 0,
                    "seconds": 30.0, "embed_seconds": 20.0, "saved_seconds": 0.0}],
        "warm_latency": {"bm25": {"queries": 3, "p50_ms": 1.0, "p95_ms": 2.0},
                         "hybrid": {"queries": 3, "p50_ms": 16.0, "p95_ms": 20.0}},
        "cold_ask": {"hybrid": {"runs_s": [1.5, 1.9, 1.8], "median_s": 1.8, "problem": None}},
    }
    text = index_markdown(data, "## BM25\n\n- target BM25 p50 <= 20 ms at 1M chunks: met (3.0 ms)\n", "## faiss\n")
    assert "| hybrid warm search p50 on the bundled corpus | <= 15 ms | 16.0 ms | NOT met |" in text
    assert "| cold `qa ask --mode hybrid` | <= 2 s | 1.80 s | met |" in text
    assert "- target BM25 p50 <= 20 ms at 1M chunks: met (3.0 ms)" in text
    assert "**Quick run (--quick)" in text
