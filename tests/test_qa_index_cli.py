"""`qa index`: what it prints for a first build and for an incremental rebuild (no
saved-time estimate from a rate measured on two chunks), the bundled index in the cache,
and clear refusals (exit 2).

Runs `qa.cli.main` in this process (the model is loaded once for the session); one test
runs a new process to show a refusal has no traceback.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.index import Index
from qa.assistant import Assistant
from qa.cli import main
from qa.question import analyse_question

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"
GLOSSARY_EXTRA = Path(__file__).parent / "data" / "glossary-extra.tsv"
SUMMARY = re.compile(
    r"indexed (\d+) documents, (\d+) chunks in ([\d.]+) s: embedded (\d+), reused (\d+)"
    r"(?: \(saved about ([\d.]+) s\))? -> (.+)"
)


def run_index(capsys, *args) -> tuple[int, str, str]:
    code = main(["index", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def summary(out: str) -> tuple:
    lines = out.splitlines()
    assert len(lines) == 1, out
    match = SUMMARY.fullmatch(lines[0])
    assert match, lines[0]
    docs, chunks, seconds, embedded, reused, saved, path = match.groups()
    return (int(docs), int(chunks), float(seconds), int(embedded), int(reused),
            float(saved) if saved is not None else None, path)


def test_first_build_writes_the_index_and_says_what_it_did(tmp_path, capsys):
    out = tmp_path / "index"
    code, stdout, stderr = run_index(capsys, TEST_CORPUS, "--out", out)
    assert code == 0, stderr
    docs, chunks, seconds, embedded, reused, saved, path = summary(stdout)
    assert (docs, chunks, embedded, reused, saved, path) == (13, 22, 22, 0, None, str(out))
    assert seconds > 0
    progress = [line for line in stderr.splitlines() if line.startswith("qa index: ")]
    assert progress[:2] == ["qa index: chunking 13 documents", "qa index: BM25 over 22 chunks"]
    assert progress[2].startswith("qa index: embedding with all-MiniLM-L6-v2@")
    files = sorted(p.name for p in out.iterdir())
    assert files == ["bm25", "chunks.jsonl", "dense", "documents.jsonl", "glossary.tsv", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert len(Index.load(out).chunks) == 22


def test_rebuild_after_an_edit_and_a_new_document_embeds_only_those(
    tiny_index, tmp_path, capsys
):
    corpus, out = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(TEST_CORPUS, corpus)
    shutil.copytree(tiny_index, out)
    solar = corpus / "solar-farm.txt"
    solar.write_text(solar.read_text(encoding="utf-8") + "A second battery bank is planned.\n", encoding="utf-8")
    (corpus / "notes" / "ferry-timetable.txt").write_text(
        "The night ferry to Gull Island leaves at 23:40 and arrives at 00:35.\n", encoding="utf-8")

    code, stdout, stderr = run_index(capsys, corpus, "--out", out)

    assert code == 0, stderr
    docs, chunks, seconds, embedded, reused, saved, path = summary(stdout)
    assert (docs, chunks, embedded, reused, path) == (14, 23, 2, 21, str(out))
    assert saved is None, stdout  # two chunks measure the per-call overhead, not a rate
    index = Index.load(out)
    assert len(index.chunks) == 23 and "notes/ferry-timetable.txt" in index.documents
    assert index.documents["solar-farm.txt"].text.endswith("A second battery bank is planned.\n")


def test_index_without_paths_opens_the_bundled_index_in_the_cache(bundled_index, capsys):
    code, stdout, stderr = run_index(capsys)
    assert code == 0, stderr
    assert stdout == (
        f"bundled index: {len(bundled_index.documents)} documents, {len(bundled_index.chunks)} chunks "
        f"at {bundled_index.path}\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ([TEST_CORPUS], "say where to write the index: qa index PATH ... --out DIR"),
        (["--out", "somewhere"], "--out needs the PATHs to index"),
        ([Path("/nonexistent/docs"), "--out", "x"], "no such file or folder"),
        ([TEST_CORPUS, "--out", "x", "--model", "no-such-model"], "unknown model 'no-such-model'"),
        ([TEST_CORPUS, "--out", "x", "--max-chars", "-5"], "max_chars"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run_index(capsys, *args)
    assert code == 2
    assert stderr.startswith("qa index: error: ") and message in stderr
    assert stdout == ""
    assert sorted(tmp_path.iterdir()) == []


def test_out_folder_that_is_not_an_index_is_refused_and_untouched(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "q3.md").write_text("# Q3\nRevenue grew.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "qa", "index", str(TEST_CORPUS), "--out", str(folder)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert f"qa index: error: {folder} is not empty and is not a document-qa index" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["q3.md"]
    assert (folder / "q3.md").read_text(encoding="utf-8") == "# Q3\nRevenue grew.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_max_chars_zero_is_refused_not_ignored(tmp_path, capsys):
    code, stdout, stderr = run_index(capsys, TEST_CORPUS, "--out", tmp_path / "index", "--max-chars", "0")
    assert code == 2
    assert "max_chars must be an integer from" in stderr
    assert not (tmp_path / "index").exists()


def test_extra_glossary_is_kept_in_the_index_and_used_for_questions(tmp_path, capsys):
    out = tmp_path / "index"
    code, stdout, stderr = run_index(capsys, TEST_CORPUS, "--out", out, "--glossary", GLOSSARY_EXTRA)
    assert code == 0, stderr
    index = Index.load(out)
    assert index.glossary.english("厦门") == "Xiamen"  # from the extra file
    assert index.glossary.english("深圳") == "Shenzhen"  # still the bundled entries
    assert "厦门" in index.settings.tokenizer.user_terms  # jieba keeps it one word
    assistant = Assistant(index)
    assert analyse_question("厦门的港口吞吐量是多少?", assistant.glossary).entities == ("Xiamen",)


def test_glossary_without_documents_is_refused(capsys):
    code, _, stderr = run_index(capsys, "--glossary", GLOSSARY_EXTRA)
    assert code == 2
    assert "--glossary is for your documents" in stderr
