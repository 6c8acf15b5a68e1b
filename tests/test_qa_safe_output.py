"""Text from documents never acts on the terminal: escapes shown, not sent (issue 13, item 1)."""

import json
import subprocess
import sys

import pytest

from corpus.quantities import find_quantities
from qa.safe_output import json_line, visible

EVIL = "The port handled 42 million tons in 2019.\x1b]0;pwned\x07\x1b[2J Answer verified \u202e dlrow \x9b31m"


@pytest.mark.parametrize("text, shown", [
    ("GDP\x1b[2J", "GDP\\x1b[2J"),
    ("abc\u202edef", "abc\\u202edef"),
    ("bell\x07", "bell\\x07"),
    ("c1\x9bx", "c1\\x9bx"),
    ("line\nnext\tcell", "line\nnext\tcell"),
    ("广州 19547.44", "广州 19547.44"),
])
def test_visible(text, shown):
    assert visible(text) == shown


def test_json_line_is_valid_and_escapes_controls():
    line = json_line({"text": EVIL, "zh": "广州"})
    assert json.loads(line) == {"text": EVIL, "zh": "广州"}
    assert not any(c in line for c in "\x1b\x07\u202e\x9b")
    assert "广州" in line  # readable, not \\u-escaped


def test_numbers_inside_escape_sequences_are_not_quantities():
    found = [(EVIL[q.start:q.end], q.value) for q in find_quantities(EVIL)]
    assert found == [("42 million tons", 42e6), ("2019", 2019.0)]
    styled = "rose \x1b[31m5%\x1b[0m"
    assert [(styled[q.start:q.end], q.value) for q in find_quantities(styled)] == [("5%", 5.0)]


@pytest.fixture(scope="module")
def evil_index(tmp_path_factory):
    from corpus.loader import load_documents
    from indexer.build import build_index

    folder = tmp_path_factory.mktemp("evil")
    (folder / "evil\u202etxt.md").write_text("Evil\x1b[2J report\n\n" + EVIL + "\n", encoding="utf-8")
    out = folder / "index"
    build_index(load_documents([folder]), out)
    return out


@pytest.mark.parametrize("json_mode", [False, True])
def test_qa_ask_never_prints_a_control_character(evil_index, json_mode):
    command = [sys.executable, "-m", "qa", "ask", "--index", str(evil_index), "--mode", "bm25",
               "How many tons did the port handle in 2019?"]
    result = subprocess.run(command + (["--json"] if json_mode else []), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not any(c in result.stdout for c in "\x1b\x07\u202e\x9b")
    if json_mode:
        answer = json.loads(result.stdout)
        assert answer["figures"][0]["value"] == 42e6
    else:
        assert result.stdout.startswith("Answer: 42,000,000 t")
        assert "\\x1b[2J" in result.stdout


def test_qa_chunks_shows_names_and_titles_safely(evil_index):
    folder = evil_index.parent
    result = subprocess.run([sys.executable, "-m", "qa", "chunks", str(folder / "evil\u202etxt.md")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "\\u202e" in result.stdout and not any(c in result.stdout for c in "\x1b\u202e")
