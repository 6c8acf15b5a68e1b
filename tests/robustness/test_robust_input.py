"""Hostile input at the command line (issue 13, items 1, 3, 5 and the promise around them):
questions that are not text, are huge or hold escapes; stdin streams of binary or broken
lines; bad option values; index paths that are not indexes; question sets and document
folders that cannot be read. Each gets a message and exit 2 (1 for a batch with bad
lines), never a traceback, and nothing that looks like an answer to a question not asked.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from qa.cli import main
from robust_helpers import QUESTION, TEST_CORPUS, assert_refused


def ask(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["ask", *args])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


BAD_QUESTIONS = [
    ("empty", "", "the question is empty"),
    ("blank", "   \t  ", "the question is empty"),
    ("nul", "GDP\x00 2016", "not readable text"),
    ("invalid-utf8-from-argv", "GDP \udcff\udcfe in 2016?", "not readable text"),
    ("only-escapes", "\x1b[2J\x1b]0;pwned\x07" * 3, "not readable text"),
    ("controls", "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) * 2, "not readable text"),
    ("too-long", "What was the GDP? " * 20000, "characters long; the limit is"),
    ("c1-controls", "\x9b\x9c\x9d\x9e" * 10, "not readable text"),
]


@pytest.mark.parametrize("case, question, words", BAD_QUESTIONS, ids=[c[0] for c in BAD_QUESTIONS])
def test_a_bad_question_is_refused_before_loading_anything(tiny_index, capsys, case, question, words):
    code, err, out = ask(capsys, "--index", str(tiny_index), "--mode", "bm25", question)
    assert_refused(code, err, out, "ask", (words,))
    assert out == ""


ODD_QUESTIONS = [
    ("bidi-override", "What was GDP \u202e6102 ni?"),
    ("ansi-in-question", "\x1b[32mAnswer verified\x1b[0m How long is the tunnel?"),
    ("emoji", "How long is the tunnel? 🚇🚇"),
    ("lone-surrogate-char", "tunnel \ud800 length?"),
    ("zero-width", "How\u200b long\u200b is the tunnel?"),
    ("mixed-scripts", "隧道 how long 多长 tunnel?"),
    ("only-punctuation", "???!!!..."),
    ("numbers-only", "2016 2017 19547.44"),
]


@pytest.mark.parametrize("case, question", ODD_QUESTIONS, ids=[c[0] for c in ODD_QUESTIONS])
def test_an_odd_but_readable_question_is_answered_with_escaped_output(tiny_index, capsys, case, question):
    for extra in ([], ["--json"]):
        code, err, out = ask(capsys, "--index", str(tiny_index), "--mode", "bm25", *extra, question)
        assert code == 0, err
        assert "Traceback" not in err
        assert not any(ch in out for ch in "\x1b\x07\u202e\x9b"), "a control character reached the terminal"
        if extra:
            record = json.loads(out)
            assert set(record) >= {"question", "answerable", "figures", "passages"}


BAD_OPTIONS = [
    ("top-k-zero", ["--top-k", "0"], "--top-k must be from 1 to"),
    ("top-k-huge", ["--top-k", "1000000000"], "--top-k must be from 1 to"),
    ("top-k-negative", ["--top-k", "-3"], "--top-k must be from 1 to"),
    ("doc-matches-nothing", ["--doc", "no-such-*.txt"], "matches 'no-such-*.txt'"),
]


@pytest.mark.parametrize("case, options, words", BAD_OPTIONS, ids=[c[0] for c in BAD_OPTIONS])
def test_a_bad_option_value_is_a_message(tiny_index, capsys, case, options, words):
    code, err, out = ask(capsys, "--index", str(tiny_index), "--mode", "bm25", *options, QUESTION)
    assert_refused(code, err, out, "ask", (words,))


def test_an_unknown_mode_is_an_argparse_error_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["ask", "--mode", "telepathy", QUESTION])
    assert stop.value.code == 2 and "invalid choice: 'telepathy'" in capsys.readouterr().err


def _not_an_index(kind: str, tmp_path: Path) -> Path:
    if kind == "file":
        (tmp_path / "index").write_text("hello", encoding="utf-8")
    elif kind == "empty-folder":
        (tmp_path / "index").mkdir()
    elif kind == "user-folder":
        (tmp_path / "index").mkdir()
        (tmp_path / "index" / "thesis.txt").write_text("x", encoding="utf-8")
    elif kind == "dev-null":
        return Path("/dev/null")
    elif kind == "fifo":
        os.mkfifo(tmp_path / "index")
    return tmp_path / "index"


@pytest.mark.parametrize("kind, words", [
    ("missing", "no index at"), ("file", "is a file, not an index directory"),
    ("empty-folder", "is not a document-qa index (no manifest.json)"),
    ("user-folder", "is not a document-qa index (no manifest.json)"),
    ("dev-null", "is a file, not an index directory"), ("fifo", "is a file, not an index directory"),
])
def test_an_index_path_that_is_not_an_index_is_a_message(tmp_path, capsys, kind, words):
    path = _not_an_index(kind, tmp_path)
    code, err, out = ask(capsys, "--index", str(path), "--mode", "bm25", QUESTION)
    assert_refused(code, err, out, "ask", (words, str(path)))


# -- stdin ------------------------------------------------------------------------------------------


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def batch(tiny_index, monkeypatch, capsys, data: bytes, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BytesIO(data), encoding="utf-8"))
    code = main(["ask", "--index", str(tiny_index), "--mode", "bm25", "--json", *extra])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


STDIN_CASES = [
    ("binary", b"\x00\x01\x02\xff" * 100, 2, "stdin holds binary data"),
    ("not-utf8", b"\xff\xfe\xfd GDP\n", 2, "stdin is not UTF-8 text"),
    ("utf16", "How long is the tunnel?\n".encode("utf-16"), 2, "stdin"),
    ("bad-later-line", f"{QUESTION}\nGDP \xff?\n".encode("latin-1"), 1, "this line is not UTF-8 text"),
    ("nul-later-line", f"{QUESTION}\nGDP\x00\n".encode(), 1, "binary data (NUL bytes)"),
    ("line-over-1-MiB", QUESTION.encode() + b"\n" + b"x" * (1 << 20 | 5) + b"\n", 1, "longer than 1048576 bytes"),
    ("empty-line", f"{QUESTION}\n\n".encode(), 1, "the question is empty"),
]


@pytest.mark.parametrize("case, data, exit_code, words", STDIN_CASES, ids=[c[0] for c in STDIN_CASES])
def test_bad_stdin_is_a_message_and_good_lines_are_still_answered(tiny_index, monkeypatch, capsys,
                                                                   case, data, exit_code, words):
    code, err, out = batch(tiny_index, monkeypatch, capsys, data)
    assert code == exit_code and "Traceback" not in err and words in err + out
    records = [json.loads(line) for line in out.splitlines()]  # valid JSON lines only
    if exit_code == 1:
        assert records[0]["question"] == QUESTION and records[0]["passages"]
        assert any("error" in r for r in records)


def test_a_bom_and_crlf_on_stdin_are_not_part_of_the_question(tiny_index, monkeypatch, capsys):
    code, err, out = batch(tiny_index, monkeypatch, capsys, b"\xef\xbb\xbf" + QUESTION.encode() + b"\r\n")
    assert code == 0, err
    assert json.loads(out)["question"] == QUESTION


# -- question sets and document folders ----------------------------------------------------------------


EVAL_SETS = [
    ("invalid-utf8", b'{"id": "q1", "question": "GDP \xff?"}\n'),
    ("binary", b"\x00\x01\x02" * 50),
    ("nested", b"[" * 100000 + b"]" * 100000 + b"\n"),
    ("huge-int", b'{"id": ' + b"9" * 5000 + b"}\n"),
    ("not-objects", b"[1, 2]\n"),
    ("empty", b""),
]


@pytest.mark.parametrize("case, data", EVAL_SETS, ids=[c[0] for c in EVAL_SETS])
def test_a_bad_question_set_is_a_message(tiny_index, tmp_path, capsys, case, data):
    path = tmp_path / "questions.jsonl"
    path.write_bytes(data)
    code = main(["eval", str(path), "--index", str(tiny_index)])
    captured = capsys.readouterr()
    assert code == 2 and "Traceback" not in captured.err
    assert captured.err.strip().splitlines()[-1].startswith("qa eval: error: ")


def test_a_file_name_with_invalid_bytes_is_shown_escaped_not_a_traceback(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    name = os.fsdecode(b"report-\xff\xfe.txt")
    (folder / name).write_text("The tunnel is 6.7 km long.\n", encoding="utf-8")
    code = main(["chunks", str(folder)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code in (0, 2)
    assert "\udcff" not in captured.out  # never a lone surrogate written out
    assert code == 2 and "report-\\xff\\xfe.txt: its name is not valid UTF-8" in captured.err


def test_a_deeply_nested_folder_is_not_a_traceback(tmp_path, capsys):
    deep = tmp_path / "docs"
    for _ in range(200):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "note.txt").write_text("The tunnel is 6.7 km long.\n", encoding="utf-8")
    code = main(["chunks", str(tmp_path / "docs")])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and code in (0, 2)


def test_indexing_a_document_folder_that_does_not_exist_is_a_message(tmp_path, capsys):
    code = main(["index", str(tmp_path / "nowhere"), "--out", str(tmp_path / "index")])
    captured = capsys.readouterr()
    assert code == 2 and "Traceback" not in captured.err and str(tmp_path / "nowhere") in captured.err
    assert not (tmp_path / "index").exists()


def test_the_bundled_corpus_question_still_answers(bundled_index, capsys):
    """Sanity: after all of the above in one process, a normal question answers normally."""
    code = main(["ask", "--mode", "bm25", "--json", "What was Guangzhou's GDP in 2016?"])
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["figures"][0]["value"] == 1954744000000.0
    assert TEST_CORPUS.is_dir()
