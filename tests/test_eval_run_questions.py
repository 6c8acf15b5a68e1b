"""Question-set evaluation: the relevance rule, question-set validation, and `evaluate`
on a small hand-made set with the real Assistant (bm25 mode) over the bundled corpus."""

import json
import math

import pytest

from eval.questions import QuestionSetError, load_questions, select_split
from eval.run_questions import (
    Span,
    covers,
    evaluate,
    groups,
    judged_ids,
    misses,
    overlap,
    render_markdown,
    summarise,
    write_report,
)

GUANGZHOU = "What was Guangzhou's GDP in 2016?"
NEW_YORK = "$1.5 trillion in the New York Bay Area"
ROWS = [
    {"id": "g1", "question": GUANGZHOU, "evidence": ["GDP(亿元人民币) | 19547.44 | 6827.67"],
     "answer": {"value": 1954744000000.0, "unit": "CNY"}, "answerable": True,
     "tags": ["table", "figure", "en"], "split": "test"},
    {"id": "g2", "question": "What was Guangzhou's GDP in 2022?", "evidence": [], "answer": None,
     "answerable": False, "tags": ["table", "en"], "split": "dev"},
    {"id": "g3", "question": "香港的人均GDP是多少?", "evidence": ["| 51178 | 276062 | 462534"],
     "answer": {"value": 276062.0, "unit": "CNY"}, "answerable": True,
     "tags": ["table", "figure", "zh"], "split": "test"},
    {"id": "g4", "question": "What was the GDP of the New York Bay Area?", "evidence": [NEW_YORK],
     "answer": {"value": 1.5e12, "unit": "USD"}, "answerable": True,
     "tags": ["prose", "figure", "en"], "split": "dev"},
    # Deliberately wrong expectations, so each kind of failure shows up in the report:
    # the Guangzhou question judged against the New York sentence and figure...
    {"id": "w1", "question": GUANGZHOU, "evidence": [NEW_YORK],
     "answer": {"value": 1.5e12, "unit": "USD"}, "answerable": True,
     "tags": ["prose", "figure", "en"], "split": "dev"},
    # ...and an answerable question marked unanswerable.
    {"id": "w2", "question": GUANGZHOU, "evidence": [], "answer": None, "answerable": False,
     "tags": ["table", "en"], "split": "test"},
]


def write_set(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# --- relevance rule --------------------------------------------------------------------

@pytest.mark.parametrize(
    "passage, evidence, relevant",
    [
        (Span("a.txt", 0, 140), Span("a.txt", 100, 200), True),    # 40 shared: exactly the cap
        (Span("a.txt", 0, 139), Span("a.txt", 100, 200), False),   # 39 < 40
        (Span("a.txt", 15, 300), Span("a.txt", 10, 20), True),     # 5 of 10: exactly half
        (Span("a.txt", 16, 300), Span("a.txt", 10, 20), False),    # 4 of 10
        (Span("a.txt", 0, 15), Span("a.txt", 10, 21), False),      # 5 of 11 < 5.5
        (Span("a.txt", 0, 16), Span("a.txt", 10, 21), True),       # 6 of 11
        (Span("b.txt", 0, 500), Span("a.txt", 10, 20), False),     # other document
        (Span("a.txt", 20, 40), Span("a.txt", 10, 20), False),     # touching, no overlap
    ],
)
def test_relevance_rule(passage, evidence, relevant):
    assert covers(passage, evidence) is relevant


def test_overlap_counts_shared_characters():
    assert overlap(Span("a", 0, 10), Span("a", 5, 30)) == 5
    assert overlap(Span("a", 0, 10), Span("a", 20, 30)) == 0
    assert overlap(Span("a", 0, 10), Span("b", 0, 10)) == 0


def test_each_evidence_span_is_credited_once():
    evidence = [Span("a", 100, 120), Span("a", 500, 520)]
    passages = [Span("a", 0, 50), Span("a", 90, 130), Span("a", 95, 125), Span("a", 490, 600)]
    assert judged_ids(passages, evidence) == ["p1", "e0", "p3", "e1"]


# --- question-set validation -----------------------------------------------------------

GOOD = ROWS[0]


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "x"', "x.jsonl:2: not valid JSON"),
        ("[1, 2]", "x.jsonl:2: expected a JSON object, got list"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "evidence"}), "x.jsonl:2: missing 'evidence'"),
        (json.dumps({**GOOD, "evidance": []}), "unknown key(s) 'evidance'"),
        (json.dumps({**GOOD, "id": "g1"}), "x.jsonl:2: id 'g1' is already used on line 1"),
        (json.dumps({**GOOD, "id": "n", "evidence": []}), "needs at least one 'evidence'"),
        (json.dumps({**GOOD, "id": "n", "answerable": False}), "unanswerable question has empty 'evidence'"),
        (json.dumps({**GOOD, "id": "n", "answer": {"value": "12"}}), "'answer' must be null or"),
        (json.dumps({**GOOD, "id": "n", "answer": {"value": float("nan"), "unit": None}}), "finite number"),
        (json.dumps({**GOOD, "id": "n", "split": "train"}), "'split' must be one of dev, test"),
        (json.dumps({**GOOD, "id": "n", "answerable": "yes"}), "'answerable' must be true or false"),
        (json.dumps({**GOOD, "id": "n", "tags": "en"}), "'tags' must be a list of strings"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(QuestionSetError) as caught:
        load_questions(path)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "data, message",
    [(b"", "the question set is empty"), (b"\n  \n", "the question set is empty"),
     (b'{"id": "\xff"}\n', "x.jsonl:1: not UTF-8")],
)
def test_empty_or_undecodable_files(tmp_path, data, message):
    path = tmp_path / "x.jsonl"
    path.write_bytes(data)
    with pytest.raises(QuestionSetError, match=message):
        load_questions(path)


def test_missing_file(tmp_path):
    with pytest.raises(QuestionSetError, match="no such question set file"):
        load_questions(tmp_path / "nope.jsonl")


def test_load_and_select_split(tmp_path):
    questions = load_questions(write_set(tmp_path / "s.jsonl", ROWS))
    assert [q.id for q in questions] == ["g1", "g2", "g3", "g4", "w1", "w2"]
    assert questions[2].line == 3 and questions[2].answer.value == 276062.0
    assert [q.id for q in select_split(questions, "dev")] == ["g2", "g4", "w1"]
    assert len(select_split(questions, "all")) == 6


def test_the_bundled_set_loads():
    questions = load_questions("eval/questions.jsonl")
    assert len(questions) == 182 and {q.split for q in questions} == {"dev", "test"}
    # the held-out fresh split is loaded and validated, but only returned when named
    assert len(questions.held_out) >= 80 and {q.split for q in questions.held_out} == {"fresh"}
    assert select_split(questions, "fresh") == list(questions.held_out)
    assert len(select_split(questions, "all")) == 182


def test_held_out_split_only_when_named(tmp_path):
    rows = [ROWS[0], {**ROWS[3], "id": "f1", "split": "fresh"}, ROWS[1]]
    questions = load_questions(write_set(tmp_path / "s.jsonl", rows))
    assert [q.id for q in questions] == ["g1", "g2"]
    assert [q.id for q in select_split(questions, "all")] == ["g1", "g2"]
    assert [q.id for q in select_split(questions, "fresh")] == ["f1"]
    assert questions.held_out[0].line == 2
    only_fresh = load_questions(write_set(tmp_path / "f.jsonl", rows[1:2]))
    with pytest.raises(QuestionSetError, match="every question is held out"):
        select_split(only_fresh, "all")
    with pytest.raises(QuestionSetError, match="no question has split 'fresh'"):
        select_split(load_questions(write_set(tmp_path / "d.jsonl", ROWS)), "fresh")
    with pytest.raises(QuestionSetError, match="'split' must be one of dev, test, fresh"):
        load_questions(write_set(tmp_path / "b.jsonl", [{**ROWS[0], "split": "final"}]))


# --- evaluate with the real Assistant ---------------------------------------------------

@pytest.fixture(scope="module")
def assistant():
    from qa.assistant import Assistant

    return Assistant.load()


def test_evidence_must_occur_exactly_once(tmp_path, assistant):
    rows = [{**GOOD, "evidence": ["not a sentence of any bundled document"]}]
    questions = load_questions(write_set(tmp_path / "s.jsonl", rows))
    with pytest.raises(QuestionSetError, match=r"s\.jsonl:1: question g1: evidence .* is not in any document"):
        evaluate(questions, assistant, ("bm25",))
    rows = [{**GOOD, "evidence": ["GDP"]}]
    questions = load_questions(write_set(tmp_path / "s.jsonl", rows))
    with pytest.raises(QuestionSetError, match="occurs .* times"):
        evaluate(questions, assistant, ("bm25",))


def test_evaluate_bm25_on_a_small_set(tmp_path, assistant):
    questions = load_questions(write_set(tmp_path / "small.jsonl", ROWS))
    result = evaluate(questions, assistant, ("bm25",))
    records = {r.id: r for r in result.records}
    guangzhou = records["g1"]
    assert guangzhou.first_relevant_rank is not None and guangzhou.first_relevant_rank <= 5
    assert guangzhou.figure_value == pytest.approx(1.954744e12) and guangzhou.figure_unit == "CNY"
    assert guangzhou.figure_correct is True and guangzhou.answerable is True
    assert records["g3"].figure_value == pytest.approx(276062.0) and records["g3"].figure_correct
    assert records["g4"].figure_value == pytest.approx(1.5e12) and records["g4"].figure_unit == "USD"
    assert records["g2"].answerable is False and records["g2"].recall is None and records["g2"].figure_correct is None
    # The deliberately wrong expectations fail, each in its own way.
    assert records["w1"].figure_correct is False and records["w1"].unit_correct is False
    assert records["w2"].answerable is True
    failed = misses(result.of("bm25"))
    assert [r.id for r in failed["figure"]] == ["w1"]
    assert [r.id for r in failed["answerable"]] == ["w2"]
    assert [r.id for r in failed["retrieval"]] == ["w1"]
    assert (records["w1"].first_relevant_rank or 99) > 5 and records["w1"].recall["recall@5"] == 0.0
    assert all(r.latency_ms > 0 for r in result.records)

    summary = summarise(result.of("bm25"))
    assert (summary["questions"], summary["answerable"], summary["with_figure"]) == (6, 4, 4)
    # g1, g3, g4 find their evidence first; w1's (another sentence) is below the top 5, if found.
    w1_rank = records["w1"].first_relevant_rank
    w1_found = w1_rank is not None and w1_rank <= 10
    assert summary["recall@5"] == pytest.approx(3 / 4)
    assert summary["mrr@10"] == pytest.approx((3 + (1 / w1_rank if w1_found else 0)) / 4)
    assert summary["ndcg@10"] == pytest.approx((3 + (1 / math.log2(w1_rank + 1) if w1_found else 0)) / 4)
    assert summary["figure_acc@1"] == pytest.approx(3 / 4)
    assert summary["answerable_acc"] == pytest.approx(5 / 6)
    by_group = groups(result)
    assert by_group["split:dev"]["bm25"]["questions"] == 3
    assert by_group["tag:zh"]["bm25"]["figure_acc@1"] == 1.0
    assert by_group["tag:zh"]["bm25"]["mrr@10"] == 1.0
    markdown = render_markdown(result, {"date": "d", "nproc": 2, "cpu": "c", "ram_gb": 1, "python": "3"})
    assert "| w1 | dev | What was Guangzhou's GDP in 2016? | 1.5e+12 USD | 1.95474e+12 CNY" in markdown
    assert "Wrong answerable verdict: 1" in markdown

    paths = write_report(result, tmp_path / "out")
    assert [p.name for p in paths] == ["small.md", "small.json", "small.png"]
    data = json.loads(paths[1].read_text(encoding="utf-8"))
    first = data["records"][0]
    assert first["id"] == "g1" and first["mode"] == "bm25" and first["figure_value"] == pytest.approx(1.954744e12)
    assert {"split", "tags", "first_relevant_rank", "figure_unit", "figure_label", "answerable", "latency_ms"} <= set(first)
    assert data["summary"]["all"]["bm25"]["answerable_acc"] == pytest.approx(5 / 6)
