"""Batch questions on stdin are answered as they arrive, in bounded memory (issue 13, item 5)."""

import io
import json
import subprocess
import sys

from qa.commands.ask import MAX_LINE_BYTES, stdin_questions


def test_each_answer_comes_before_the_next_question_is_written(tiny_index):
    process = subprocess.Popen(
        [sys.executable, "-m", "qa", "ask", "--index", str(tiny_index), "--json", "--mode", "bm25"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        answers = []
        for question in ["What did Arabica futures do in 2021?", "When does the library open?"]:
            process.stdin.write((question + "\n").encode())
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))  # arrives while stdin is still open
        assert [a["question"] for a in answers] == ["What did Arabica futures do in 2021?", "When does the library open?"]
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_a_bad_line_after_the_first_lines_is_that_lines_error():
    lines = [b"question %d" % i for i in range(10)] + [b"bin\x00ary", b"x" * (MAX_LINE_BYTES + 10), b"caf\xe9", b"last"]
    got = list(stdin_questions(io.BytesIO(b"\n".join(lines) + b"\n")))
    assert [q for q, _ in got[:10]] == [f"question {i}" for i in range(10)]
    assert [e for _, e in got[10:13]] == [
        "this line holds binary data (NUL bytes)", f"this line is longer than {MAX_LINE_BYTES} bytes",
        "this line is not UTF-8 text"]
    assert got[13] == ("last", None)


def test_windows_line_ends_and_a_byte_order_mark():
    got = list(stdin_questions(io.BytesIO(b"\xef\xbb\xbfWhat?\r\nWhy?\r\n")))
    assert got == [("What?", None), ("Why?", None)]
