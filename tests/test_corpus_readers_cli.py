"""`qa index` over a folder of mixed formats: bad files stop it naming each (exit 2, no
traceback) unless --skip-bad, which indexes the rest and lists the skipped; `qa ask`
then cites a PDF's page, in text and in the JSON contract."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCUMENTS = Path(__file__).parent / "data" / "documents"
GOOD = ("big5-traditional.md", "gbk.txt", "harbour.xlsx", "multipage.pdf", "page.html", "prices.csv", "report.docx")
BAD = {"binary.html": "looks binary", "encrypted.pdf": "is encrypted (password-protected)"}


def run_qa(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    for name in [*GOOD, *BAD]:
        shutil.copy(DOCUMENTS / name, folder / name)
    (folder / "slides.pptx").write_bytes(b"PK")
    return folder


@pytest.fixture(scope="module")
def index(mixed, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("index") / "idx"
    result = run_qa("index", str(mixed), "--out", str(out), "--skip-bad", "-v")
    assert result.returncode == 0, result.stderr
    assert "indexed 7 documents" in result.stdout  # PDF, Word, HTML, CSV, Excel, GBK and Big5 in one command
    lines = result.stderr.splitlines()
    skipped = lines.index("qa index: skipped 2 bad file(s):")
    assert [line.split(": ")[0].strip() for line in lines[skipped + 1:skipped + 3]] == [
        str(mixed / name) for name in sorted(BAD)]
    for line, name in zip(lines[skipped + 1:skipped + 3], sorted(BAD)):
        assert BAD[name] in line
    assert f"  {mixed / 'slides.pptx'}" in lines  # -v names the ignored file
    return out


def test_bad_files_stop_the_build_naming_each(mixed, tmp_path):
    result = run_qa("index", str(mixed), "--out", str(tmp_path / "idx"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for name, reason in BAD.items():
        assert f"{mixed / name}: {reason}" in result.stderr
    assert "--skip-bad" in result.stderr
    assert not (tmp_path / "idx").exists()


def test_skip_bad_indexes_the_rest_and_json_gains_page(index):
    result = run_qa("ask", "--index", str(index), "--json", "--top-k", "2",
                    "How many passengers did the Lindale ferry carry in 2021?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    best = answer["figures"][0]
    assert (best["value"], best["doc"], best["text"]) == (48250.0, "multipage.pdf", "48,250 passengers")
    assert all("page" in figure for figure in answer["figures"])
    assert [passage["doc"] for passage in answer["passages"]][0] == "multipage.pdf"
    assert all("page" in passage for passage in answer["passages"])


@pytest.mark.parametrize("question", ["货柜吞吐量是多少?", "貨櫃吞吐量是多少?"])
def test_either_script_answers_from_the_big5_text_cited_as_written(index, question):
    result = run_qa("ask", "--index", str(index), "--json", "--mode", "bm25", "--top-k", "1", question)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    (passage,) = answer["passages"]
    assert passage["doc"] == "big5-traditional.md" and passage["page"] is None
    assert "臺北港的貨櫃吞吐量為168萬標準箱" in passage["text"]  # the source's own characters
    best = answer["figures"][0]
    assert (best["value"], best["unit"], best["text"]) == (1680000.0, "TEU", "168萬標準箱")


def test_taipei_in_either_script_finds_the_same_passage(index):
    found = []
    for question in ("台北港的吞吐量", "臺北港的吞吐量"):
        result = run_qa("ask", "--index", str(index), "--json", "--top-k", "1", question)
        assert result.returncode == 0, result.stderr
        (passage,) = json.loads(result.stdout)["passages"]
        found.append((passage["doc"], passage["start"], passage["end"]))
    assert found[0] == found[1] and found[0][0] == "big5-traditional.md"


def test_chunks_shows_format_encoding_and_pages_and_skips_bad_files_when_asked(tmp_path):
    for name in ("multipage.pdf", "gbk.txt", "binary.html"):
        shutil.copy(DOCUMENTS / name, tmp_path / name)
    refused = run_qa("chunks", str(tmp_path))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"{tmp_path / 'binary.html'}: looks binary" in refused.stderr
    result = run_qa("chunks", "--skip-bad", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"qa chunks: skipped {tmp_path / 'binary.html'}: looks binary")
    lines = result.stdout.splitlines()
    assert lines[0] == "documents: 2"
    assert lines[-2].startswith("  gbk.txt: 1 chunks, 35 chars (text, gb")  # gbk or its superset gb18030
    assert lines[-1].startswith("  multipage.pdf: ") and "(pdf, 3 pages)" in lines[-1]


def test_a_gbk_text_answers_in_its_own_words(index):
    result = run_qa("ask", "--index", str(index), "--json", "--top-k", "1", "--mode", "bm25", "2021年的全年生产总值是多少?")
    assert result.returncode == 0, result.stderr
    best = json.loads(result.stdout)["figures"][0]
    assert (best["doc"], best["text"], best["value"], best["unit"]) == ("gbk.txt", "418.6亿元", 41860000000.0, "CNY")
