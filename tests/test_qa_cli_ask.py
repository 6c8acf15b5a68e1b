"""`qa ask`: the --json contract of docs/design.md for every question of the evaluation set (one
process, stdin batch mode), the text answer, and clear refusals of bad input (exit 2, no
traceback; in batch mode an error object for the bad line and exit 1).
"""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main
from qa.render import answer_json

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
BUNDLED = ROOT / "corpus" / "documents"
GUANGZHOU = "What was Guangzhou's GDP in 2016?"
ANSWER_KEYS = {"question", "answerable", "figures", "passages", "settings"}
SETTINGS_KEYS = {"mode", "top_k", "doc", "min_similarity", "alpha"}
FIGURE_KEYS = {"value", "unit", "text", "label", "doc", "start", "end", "page"}
PASSAGE_KEYS = {"doc", "start", "end", "text", "score", "rank", "page"}


def qa(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """`qa` in a new process; stdin is always given (empty by default) so it is never a TTY."""
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], input=stdin if stdin is not None else b"",
        capture_output=True, timeout=300,
    )


def eval_questions() -> list[str]:
    with open(QUESTIONS, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    # The fresh split is held out: nobody looks at its answers until it is reported once.
    return [row["question"] for row in rows if row.get("split") != "fresh"]


def document_text(doc: str) -> str:
    return (BUNDLED / doc).read_text(encoding="utf-8")


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_contract(answer: dict, question: str, top_k: int = 5) -> None:
    """One `qa ask --json` object against docs/design.md: exact keys, types, spans, order."""
    assert set(answer) == ANSWER_KEYS, sorted(answer)
    assert set(answer["settings"]) == SETTINGS_KEYS
    assert answer["question"] == question
    assert isinstance(answer["answerable"], bool)
    assert isinstance(answer["figures"], list) and isinstance(answer["passages"], list)
    if not answer["answerable"]:
        assert answer["figures"] == []
    for figure in answer["figures"]:
        assert set(figure) == FIGURE_KEYS, sorted(figure)
        assert isinstance(figure["value"], float) and math.isfinite(figure["value"])
        assert figure["unit"] is None or (isinstance(figure["unit"], str) and figure["unit"])
        assert isinstance(figure["label"], str)
        assert is_int(figure["start"]) and is_int(figure["end"]) and 0 <= figure["start"] < figure["end"]
        assert document_text(figure["doc"])[figure["start"]:figure["end"]] == figure["text"]
    assert [p["rank"] for p in answer["passages"]] == list(range(1, top_k + 1))
    for passage in answer["passages"]:
        assert set(passage) == PASSAGE_KEYS, sorted(passage)
        assert is_int(passage["start"]) and is_int(passage["end"]) and 0 <= passage["start"] < passage["end"]
        assert document_text(passage["doc"])[passage["start"]:passage["end"]] == passage["text"]
        assert isinstance(passage["score"], float)
    scores = [p["score"] for p in answer["passages"]]
    assert scores == sorted(scores, reverse=True), "passages are not best first"


@pytest.fixture(scope="module")
def batch(bundled_index):
    """Every evaluation question through one `qa ask --json --mode hybrid` process."""
    questions = eval_questions()
    result = qa("ask", "--json", "--mode", "hybrid", stdin=("\n".join(questions) + "\n").encode("utf-8"))
    return questions, result


def test_batch_answers_every_question_in_order_under_the_contract(batch):
    questions, result = batch
    assert len(questions) >= 150
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(questions)
    answers = [json.loads(line) for line in lines]
    for question, answer in zip(questions, answers):
        check_contract(answer, question.strip())
    answerable = sum(a["answerable"] for a in answers)
    assert 0 < answerable < len(answers)  # the set holds both kinds


def test_batch_prints_what_the_library_answers(batch, bundled_assistant):
    questions, result = batch
    lines = result.stdout.decode("utf-8").splitlines()
    for question, line in list(zip(questions, lines))[::15]:
        answer = bundled_assistant.ask(question, mode="hybrid")
        expected = answer_json(answer, bundled_assistant.index.documents)
        printed = json.loads(line)
        expected_scores = [p["score"] for p in expected["passages"]]
        assert [p["score"] for p in printed["passages"]] == pytest.approx(expected_scores, abs=1e-6)
        for item in printed["passages"] + expected["passages"]:
            item.pop("score")
        assert printed.pop("settings") == {"mode": "hybrid", "top_k": 5, "doc": None,
                                            "min_similarity": 0.25, "alpha": 0.5}
        assert printed == expected, question


# -- text mode -----------------------------------------------------------------------------


def test_text_answer_shows_the_value_first_then_numbered_passages(bundled_index, capsys):
    assert main(["ask", GUANGZHOU]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Answer: 1,954,744,000,000 CNY  (Guangzhou GDP 2016")
    assert re.fullmatch(r'  as written: "19547\.44" in gba-development\.txt \[\d+:\d+\]', lines[1])
    heading = re.compile(r"^\[(\d+)\] gba-development\.txt:\d+ \[\d+:\d+\]  score ", re.M)
    numbers = [int(m.group(1)) for m in heading.finditer(out)]
    assert numbers == [1, 2, 3, 4, 5]
    assert out.index("Answer:") < out.index("[1] ")
    assert "[[19547.44]]" in out  # the figure is marked in its passage
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


def test_text_answer_to_an_unanswerable_question_shows_evidence_only(bundled_index, capsys):
    assert main(["ask", "--mode", "bm25", "What was Guangzhou's GDP in 2022?"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Not found in the documents: the documents found say nothing about 2022."
    assert lines[1] == "The closest passages, as evidence only:"
    assert "Answer:" not in out and "[[" not in out
    assert re.findall(r"^\[(\d+)\] ", out, re.M) == ["1", "2", "3", "4", "5"]


def test_top_k_sets_the_number_of_passages(bundled_index, capsys):
    assert main(["ask", "--json", "--top-k", "2", "香港的人均GDP是多少?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    check_contract(answer, "香港的人均GDP是多少?", top_k=2)
    assert answer["figures"][0]["value"] == 276062.0 and answer["figures"][0]["unit"] == "CNY"


# -- bad input -----------------------------------------------------------------------------


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert result.stdout == b""
    assert "Traceback" not in stderr
    assert stderr.startswith("qa ask: error: ") and message in stderr, stderr


@pytest.mark.parametrize(
    "question, message",
    [
        ("", "the question is empty"),
        ("   ", "the question is empty"),
        ("x" * 100_000, "the question is 100000 characters long; the limit is 2000"),
    ],
    ids=["empty", "whitespace", "100k-chars"],
)
def test_bad_question_argument_exits_2(question, message):
    assert_refused(qa("ask", question), message)


def test_binary_junk_on_stdin_exits_2(bundled_index):
    junk = bytes(range(256)) * 40
    assert_refused(qa("ask", "--json", stdin=junk), "stdin holds binary data (NUL bytes), not questions")


def test_stdin_that_is_not_utf8_exits_2(bundled_index):
    latin1 = "Où est la gare?\nLe café coûte combien à Macao?\nWhat was Macao's GDP?\n".encode("latin-1")
    assert_refused(qa("ask", "--json", "--mode", "bm25", stdin=latin1), "stdin is not UTF-8 text")


@pytest.mark.parametrize("stdin", [None, b"What was Guangzhou's GDP in 2016?\n"], ids=["argument", "batch"])
def test_missing_index_exits_2(stdin):
    args = ["ask", "--index", "/nonexistent/index"] + ([GUANGZHOU] if stdin is None else [])
    expected = "no index at /nonexistent/index; build one with `qa index PATH ... --out /nonexistent/index`"
    assert_refused(qa(*args, stdin=stdin), expected)


def test_version():
    result = qa("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"qa \(document-qa\) \d+\.\d+\.\d+\n", result.stdout.decode())


def test_min_similarity_and_alpha_are_set_per_call_and_recorded(bundled_index, capsys):
    assert main(["ask", "--json", "--top-k", "1", "--min-similarity", "0.99", GUANGZHOU]) == 0
    strict = json.loads(capsys.readouterr().out)
    assert strict["answerable"] is False and strict["settings"]["min_similarity"] == 0.99
    assert main(["ask", "--json", "--top-k", "1", "--alpha", "0", GUANGZHOU]) == 0
    lexical = json.loads(capsys.readouterr().out)
    assert lexical["answerable"] is True and lexical["settings"]["alpha"] == 0.0
    assert lexical["figures"][0]["value"] == 1_954_744_000_000.0


@pytest.mark.parametrize("flag, value, message", [
    ("--alpha", "2", "--alpha must be a number from 0 (BM25 only) to 1 (embeddings only); got 2.0"),
    ("--alpha", "nan", "--alpha must be a number from 0"),
    ("--min-similarity", "-3", "--min-similarity must be a number from -1 to 1"),
])
def test_bad_thresholds_exit_2(flag, value, message):
    assert_refused(qa("ask", flag, value, GUANGZHOU), message)


@pytest.mark.parametrize("top_k", ["0", "101", "-3"])
def test_top_k_out_of_range_exits_2(top_k):
    assert_refused(qa("ask", "--top-k", top_k, GUANGZHOU), "--top-k must be from 1 to 100")


def test_batch_bad_lines_get_error_objects_and_the_others_are_answered(bundled_index):
    long_line = "y" * 100_000
    lines = [GUANGZHOU.encode(), b"", "香港的人均GDP是多少?".encode(), long_line.encode(),
             b"caf\xe9 au lait", b"What was the GDP of the New York Bay Area?"]
    result = qa("ask", "--json", stdin=b"\n".join(lines) + b"\n")
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.count("qa ask: line skipped: ") == 3
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(out) == 6
    check_contract(out[0], GUANGZHOU)
    check_contract(out[2], "香港的人均GDP是多少?")
    check_contract(out[5], "What was the GDP of the New York Bay Area?")
    assert out[0]["figures"][0]["value"] == 1954744000000.0
    assert out[2]["figures"][0]["value"] == 276062.0
    assert out[5]["figures"][0]["value"] == 1.5e12
    assert set(out[1]) == set(out[3]) == set(out[4]) == {"question", "error"}
    assert out[1]["question"] == "" and "the question is empty" in out[1]["error"]
    assert out[3]["question"] == long_line and "the limit is 2000" in out[3]["error"]
    assert out[4]["question"] is None and out[4]["error"] == "this line is not UTF-8 text"


def test_batch_ignores_a_byte_order_mark(bundled_index):
    stdin = f"\ufeff{GUANGZHOU}\n".encode("utf-8")
    result = qa("ask", "--json", "--mode", "bm25", stdin=stdin)
    assert result.returncode == 0
    assert json.loads(result.stdout.decode("utf-8").splitlines()[0])["question"] == GUANGZHOU


def test_batch_text_answers_name_their_question(bundled_index):
    stdin = f"{GUANGZHOU}\n香港的人均GDP是多少?\n".encode("utf-8")
    result = qa("ask", "--mode", "bm25", "--top-k", "1", stdin=stdin)
    assert result.returncode == 0
    lines = result.stdout.decode("utf-8").splitlines()
    headings = [line for line in lines if line.startswith("Q: ")]
    assert headings == [f"Q: {GUANGZHOU}", "Q: 香港的人均GDP是多少?"]
    assert lines[lines.index(headings[0]) + 1].startswith("Answer: 1,954,744,000,000 CNY")


@pytest.mark.parametrize("value, unit, shown", [
    (241878000000.0, "CNY", "241,878,000,000 CNY"),
    (12.85, "%", "12.85%"),
    (2016.0, "year", "2016"),
    (1.47e9, "t", "1,470,000,000 t"),
    (11.0, None, "11"),
])
def test_values_are_written_for_people(value, unit, shown):
    from qa.render import format_value

    assert format_value(value, unit) == shown
