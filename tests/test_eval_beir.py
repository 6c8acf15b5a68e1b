"""The BEIR loader on a tiny hand-made folder (CRLF qrels, string ids, grades 0/1/2) and on
broken copies of it; the runner with the real engines; the report files; the CLI."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import QAError, SettingsError
from eval.beir import (
    BeirDataError,
    BeirRun,
    ModeResult,
    beir_markdown,
    embedding_cache_path,
    load_beir,
    report_stem,
    run_beir,
    target_line,
    write_beir_report,
)
from eval.report import ReportError, machine_info, markdown_table

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


# --- The runner, with the real BM25, encoder and faiss engines on the tiny folder ----------



@pytest.fixture(scope="module")
def tiny_run():
    return run_beir(TINY, alpha_sweep=(0.0, 1.0))


def test_run_scores_every_mode_in_order(tiny_run):
    assert [r.mode for r in tiny_run.results] == ["bm25", "dense", "hybrid-rrf", "hybrid-convex"]
    assert (tiny_run.documents, tiny_run.queries, tiny_run.qrels_pairs) == (20, 4, 6)
    for result in tiny_run.results:
        assert 0.0 <= result.ndcg_at_10 <= 1.0
        assert result.recall_at_100 == 1.0  # 20 docs: every relevant doc is in the top 100
        assert result.queries_per_second > 0
        assert result.latency_p50_ms <= result.latency_p95_ms


def test_bm25_ranks_the_doc_sharing_the_query_words_first(tiny_run):
    bm25 = tiny_run.top10["bm25"]
    assert bm25["2"][0] == "liver-01"  # "coffee consumption liver cirrhosis"
    assert bm25["1"][:2] == ["007", "12"]  # grade 2 before grade 1
    assert bm25["PLAIN-3"][:2] == ["statin-1", "statin-2"]
    by_mode = {r.mode: r for r in tiny_run.results}
    assert by_mode["bm25"].ndcg_at_10 == pytest.approx(1.0)


def test_dense_finds_the_paraphrase(tiny_run):
    # "drink made from leaves lowers blood pressure" vs "beverage brewed from ... leaves
    # reduced systolic blood pressure"
    assert tiny_run.top10["dense"]["4"][0] == "tea-bp"
    for mode in ("hybrid-rrf", "hybrid-convex"):
        assert tiny_run.top10[mode]["4"][0] == "tea-bp"
        assert tiny_run.top10[mode]["2"][0] == "liver-01"


def test_alpha_sweep_ends_match_the_single_modes(tiny_run):
    # alpha is the dense weight: 0 orders as BM25 within its hits, 1 as dense.
    by_mode = {r.mode: r.ndcg_at_10 for r in tiny_run.results}
    assert tiny_run.alpha_sweep[1.0] == pytest.approx(by_mode["dense"])
    assert tiny_run.alpha_sweep[0.0] == pytest.approx(by_mode["bm25"])


def test_second_run_reads_the_embedding_cache(tiny_run):
    again = run_beir(TINY, modes=("dense",))
    # The first run's encoding time is kept beside the vectors and still reported.
    assert re.fullmatch(r"embeddings cached \(encoded in \d+ s\); faiss build only",
                        again.results[0].index_note)
    assert again.top10["dense"] == tiny_run.top10["dense"]


def test_damaged_embedding_cache_is_re_encoded(tiny_run):
    from indexer.encoder import DenseSettings, load_query_encoder

    model_id = load_query_encoder(DenseSettings()).model_id
    path = embedding_cache_path(load_beir(TINY), model_id)
    assert np.load(path).shape == (20, 384)
    np.save(path, np.zeros((3, 384), dtype=np.float32))  # wrong row count
    again = run_beir(TINY, modes=("dense",))
    assert again.results[0].index_note == "encode + faiss build"
    assert np.load(path).shape == (20, 384)


def test_limited_run_is_partial_and_named_so():
    run = run_beir(TINY, modes=("bm25",), limit_queries=2)
    assert (run.queries, run.judged_queries) == (2, 4)
    assert list(run.top10["bm25"]) == ["1", "2"]
    assert report_stem(run) == "beir-beir_tiny-first2"


@pytest.mark.parametrize(
    "kwargs, message",
    [({"modes": ("bm25", "splade")}, "modes must be"), ({"modes": ()}, "modes must be"),
     ({"depth": 50}, "depth must be"), ({"limit_queries": 0}, "limit_queries")],
)
def test_bad_run_arguments_are_refused(kwargs, message):
    with pytest.raises(SettingsError, match=message):
        run_beir(TINY, **kwargs)


def test_report_files(tiny_run, tmp_path):
    paths = write_beir_report(tiny_run, tmp_path, machine_info())
    assert [p.name for p in paths] == ["beir-beir_tiny.md", "beir-beir_tiny.json",
                                       "beir-beir_tiny.png"]
    markdown = paths[0].read_text(encoding="utf-8")
    assert "| mode | nDCG@10 | published nDCG@10 | Recall@100 |" in markdown
    assert "| hybrid-convex | 1.000 | — | 1.000 |" in markdown  # no published figure here
    assert "alpha sweep (for information only)" in markdown
    data = json.loads(paths[1].read_text(encoding="utf-8"))
    assert data["machine"]["nproc"] >= 1 and data["dataset"] == "beir_tiny"
    assert [r["mode"] for r in data["results"]] == ["bm25", "dense", "hybrid-rrf", "hybrid-convex"]
    assert "top10" not in data
    assert paths[2].read_bytes().startswith(b"\x89PNG")


def _fake_run(dataset: str, hybrid_ndcg: float) -> BeirRun:
    result = ModeResult("hybrid-rrf", hybrid_ndcg, 0.9, 1.0, "bm25 + dense", 10.0, 1.0, 2.0)
    settings = {"bm25": {}, "tokenizer": {"stemmer": None, "stopwords": None},
                "dense": {"model": "m"}, "faiss": {"kind": "flat"}, "fusion": {"rrf_k": 60, "alpha": 0.5},
                "depth": 100}
    return BeirRun(dataset, 10, 3, 3, 3, 0, settings, (result,), {}, {})


@pytest.mark.parametrize(
    "dataset, ndcg, verdict",
    [("scifact", 0.71, "met"), ("scifact", 0.69, "NOT met"), ("nfcorpus", 0.341, "met"),
     ("nfcorpus", 0.33, "NOT met")],
)
def test_target_line_against_the_issue_targets(dataset, ndcg, verdict):
    line = target_line(_fake_run(dataset, ndcg))
    assert line.endswith(f"-> {verdict}.")
    assert "published nDCG@10" in beir_markdown(_fake_run(dataset, ndcg), machine_info())
    assert target_line(_fake_run("beir_tiny", ndcg)) is None


def test_markdown_table_refuses_ragged_rows():
    assert markdown_table(["a", "b"], [[0.12345, None]]) == "| a | b |\n|---|---|\n| 0.123 | — |\n"
    with pytest.raises(ReportError):
        markdown_table(["a", "b"], [[1]])


def _qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True)


def test_cli_bench_beir_bm25(tmp_path):
    result = _qa("bench", "beir", str(TINY), "--modes", "bm25", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "| bm25 | 1.000 | — | 1.000 |" in result.stdout
    assert (tmp_path / "beir-beir_tiny.md").is_file()


def test_cli_bench_beir_bad_dir_exits_2(tmp_path):
    result = _qa("bench", "beir", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "qa bench: error: no BEIR folder at" in result.stderr


def test_alpha_sweep_runs_both_retrievers_even_for_one_mode(tiny_run):
    run = run_beir(TINY, modes=("bm25",), alpha_sweep=(1.0,))
    assert [r.mode for r in run.results] == ["bm25"]
    assert run.alpha_sweep[1.0] == pytest.approx(tiny_run.alpha_sweep[1.0])
