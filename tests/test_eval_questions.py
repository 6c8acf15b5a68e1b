"""The hand-written evaluation set eval/questions.jsonl: format, evidence and coverage.

The dev and test splits (ids q001...) were used while building the system; the held-out
split "fresh" (ids f001...) was written afterwards, to be scored once at the end. Counts and
balance are checked for each group separately.

Fast and model-free: reads the JSONL and the five bundled documents only.
"""

import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SET_PATH = ROOT / "eval" / "questions.jsonl"
DOC_DIR = ROOT / "corpus" / "documents"

DOCUMENTS = {
    "gba-development.txt",
    "belt-and-road-coastal-provinces-2021.txt",
    "gba-business-conference-macao.txt",
    "guangzhou-nansha-core-engine.txt",
    "belt-and-road-high-quality-15th-five-year-plan.txt",
}
UNITS = {"CNY", "USD", "km", "km2", "t", "TEU", "%", "person", "year", None}
FRESH_UNITS = UNITS | {"pp", "yr"}  # corpus/units.py: percentage points, a length of time
KEYS = {"id", "question", "evidence", "answer", "answerable", "tags", "split"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _load():
    rows = []
    with SET_PATH.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            assert line.strip(), f"blank line {n}"
            rows.append(json.loads(line))
    return rows


QUESTIONS = _load()
ORIGINAL = [q for q in QUESTIONS if q["split"] in ("dev", "test")]
FRESH = [q for q in QUESTIONS if q["split"] == "fresh"]
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOC_DIR.glob("*.txt"))}


def _doc_of(evidence: str) -> str:
    hits = [name for name, text in TEXTS.items() if evidence in text]
    assert len(hits) == 1, f"{evidence!r} found in {hits}"
    return hits[0]


def _by_question(text: str) -> dict:
    found = [q for q in QUESTIONS if q["question"] == text]
    assert len(found) == 1, text
    return found[0]


def test_documents_are_the_bundled_five():
    assert set(TEXTS) == DOCUMENTS


def test_fields_and_tag_vocabulary():
    for q in QUESTIONS:
        assert set(q) == KEYS, q["id"]
        assert re.fullmatch(r"f\d{3}" if q["split"] == "fresh" else r"q\d{3}", q["id"]), q["id"]
        assert isinstance(q["question"], str) and len(q["question"].strip()) >= 5, q["id"]
        assert isinstance(q["evidence"], list) and all(isinstance(e, str) for e in q["evidence"])
        assert isinstance(q["answerable"], bool)
        assert q["split"] in ("dev", "test", "fresh"), q["id"]
        tags = q["tags"]
        assert len(tags) == len(set(tags)), q["id"]
        assert set(tags) <= {"prose", "table", "figure", "en", "zh"}, q["id"]
        assert sum(t in tags for t in ("prose", "table")) == 1, q["id"]
        assert sum(t in tags for t in ("en", "zh")) == 1, q["id"]
        # "figure" exactly when there is a single numeric answer
        assert ("figure" in tags) == (q["answer"] is not None), q["id"]
        if q["answer"] is not None:
            assert set(q["answer"]) == {"value", "unit"}, q["id"]
            value = q["answer"]["value"]
            assert isinstance(value, (int, float)) and not isinstance(value, bool), q["id"]
            assert math.isfinite(value), q["id"]
            assert q["answer"]["unit"] in (FRESH_UNITS if q["split"] == "fresh" else UNITS), q["id"]


def test_language_tag_matches_question_text():
    for q in QUESTIONS:
        has_cjk = bool(CJK.search(q["question"]))
        assert has_cjk == ("zh" in q["tags"]), q["id"]


def test_ids_unique_and_sequential():
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert [q["id"] for q in ORIGINAL] == [f"q{i:03d}" for i in range(1, len(ORIGINAL) + 1)]
    assert [q["id"] for q in FRESH] == [f"f{i:03d}" for i in range(1, len(FRESH) + 1)]
    assert ids == [q["id"] for q in ORIGINAL + FRESH]  # the fresh split follows the others


def test_questions_unique():
    texts = [q["question"] for q in QUESTIONS]
    dup = [t for t, c in Counter(texts).items() if c > 1]
    assert not dup


def test_every_evidence_occurs_exactly_once_in_exactly_one_document():
    for q in QUESTIONS:
        for ev in q["evidence"]:
            assert 10 <= len(ev) <= 130, (q["id"], ev)
            doc = _doc_of(ev)
            assert TEXTS[doc].count(ev) == 1, (q["id"], ev)


def test_answerability_consistent_with_evidence_and_answer():
    for q in QUESTIONS:
        if q["answerable"]:
            assert 1 <= len(q["evidence"]) <= 2, q["id"]
        else:
            assert q["evidence"] == [], q["id"]
            assert q["answer"] is None, q["id"]


WORD_NUMBERS = {"four": 4, "eight": 8}
SCALES = (1, 1e4, 1e6, 1e8, 1e9, 1e12)


def _numbers(text: str):
    for m in re.finditer(r"\d[\d,]*(?:\.\d+)?", text):
        yield float(m.group().replace(",", ""))
    for word, n in WORD_NUMBERS.items():
        if re.search(rf"\b{word}\b", text, re.IGNORECASE):
            yield float(n)


def test_numeric_answers_appear_in_their_evidence():
    """Each value is a number of its evidence times a scale (万, million, 亿, billion, trillion)."""
    for q in QUESTIONS:
        if q["answer"] is None:
            continue
        value = q["answer"]["value"]
        candidates = [n * s for ev in q["evidence"] for n in _numbers(ev) for s in SCALES]
        assert any(math.isclose(c, value, rel_tol=1e-9) for c in candidates), q["id"]


def test_coverage_counts():
    total = len(ORIGINAL)
    tags = Counter(t for q in ORIGINAL for t in q["tags"])
    unanswerable = sum(not q["answerable"] for q in ORIGINAL)
    assert total >= 120
    assert tags["figure"] >= 60
    assert tags["table"] >= 30
    assert tags["zh"] >= 20
    assert unanswerable >= 15
    docs = Counter(_doc_of(q["evidence"][0]) for q in ORIGINAL if q["answerable"])
    assert set(docs) == DOCUMENTS
    assert min(docs.values()) >= 8


def test_fresh_split_mix():
    """At least 80 held-out questions: 25 numeric from prose, 20 from a table cell, 15 in
    Chinese, 15 near misses the documents do not answer, some non-numeric; every document."""
    tags = [set(q["tags"]) for q in FRESH]
    assert len(FRESH) >= 80
    assert sum({"prose", "figure"} <= t for t in tags) >= 25
    assert sum({"table", "figure"} <= t for t in tags) >= 20
    assert sum("zh" in t for t in tags) >= 15
    assert sum(not q["answerable"] for q in FRESH) >= 15
    assert sum(q["answerable"] and q["answer"] is None for q in FRESH) >= 5
    assert {_doc_of(q["evidence"][0]) for q in FRESH if q["answerable"]} == DOCUMENTS


def test_tables_each_covered():
    """Every table 表1-表5 of gba-development.txt has questions, including 表1's second block."""
    text = TEXTS["gba-development.txt"]
    bounds = {}
    for n in range(1, 6):
        start = text.index(f"表{n} ")
        end = text.index("资料来源", start)
        bounds[n] = (start, end)
    block2 = text.index("城市 | 中山")
    hits = Counter()
    for q in QUESTIONS:
        if "table" not in q["tags"] or not q["answerable"]:
            continue
        for ev in q["evidence"]:
            if ev not in text:
                continue
            pos = text.index(ev)
            for n, (s, e) in bounds.items():
                if s <= pos < e:
                    hits[n] += 1
                    if n == 1 and pos > block2:
                        hits["1b"] += 1
    for n in (1, 2, 3, 4, 5, "1b"):
        assert hits[n] >= 3, (n, hits)


def test_splits_balanced():
    """dev against test; the fresh split is held out and not part of the balance."""
    total = len(ORIGINAL)
    dev = sum(q["split"] == "dev" for q in ORIGINAL)
    assert 0.4 <= dev / total <= 0.6
    groups = {}
    for q in ORIGINAL:
        for t in q["tags"]:
            groups.setdefault(t, []).append(q["split"])
        groups.setdefault("answerable" if q["answerable"] else "unanswerable", []).append(q["split"])
        if q["answerable"]:
            groups.setdefault(_doc_of(q["evidence"][0]), []).append(q["split"])
    for name, splits in groups.items():
        share = splits.count("dev") / len(splits)
        assert 0.35 <= share <= 0.65, (name, share)


@pytest.mark.parametrize(
    "question, value, unit",
    [
        ("What was Guangzhou's GDP in 2016?", 1.954744e12, "CNY"),
        ("香港的人均GDP是多少?", 276062, "CNY"),
        ("What was the GDP of the New York Bay Area?", 1.5e12, "USD"),
        ("What was the total cargo throughput of the 11 ports in 2016?", 1.47e9, "t"),
        ("深圳从东北亚的进口额是多少?", 3.36913e9, "USD"),
        ("深圳2016年的常住人口是多少?", 11908400, "person"),
        ("江门港的集装箱吞吐量是多少?", 1130300, "TEU"),
        ("What was the Bay Area's total economic output in 2016, in yuan?", 9.095478e12, "CNY"),
        ("How many permanent residents does the Greater Bay Area have?", 67943800, "person"),
        ("How many international container shipping routes has Guangdong opened?", 291, None),
        ("What proportion of China's GDP did the Greater Bay Area produce in 2016?", 12.85, "%"),
    ],
)
def test_known_answers(question, value, unit):
    q = _by_question(question)
    assert q["answerable"]
    assert math.isclose(q["answer"]["value"], value, rel_tol=1e-9)
    assert q["answer"]["unit"] == unit


@pytest.mark.parametrize(
    "question",
    ["What was Guangzhou's GDP in 2022?", "肇庆的主要产业有哪些?", "香港的人均可支配收入是多少?"],
)
def test_known_near_misses(question):
    q = _by_question(question)
    assert q["answerable"] is False
    assert q["answer"] is None and q["evidence"] == []
