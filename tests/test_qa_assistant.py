"""The Python API on the real bundled index (issue 4, "Done when"): the figure each reference
question must get, refusing what the corpus cannot answer while still showing the closest
passages, and the citations of every passage and figure.
"""

import math

import pytest

from corpus.errors import QuestionError, SettingsError
from qa.assistant import MAX_TOP_K

DOC = "gba-development.txt"
GUANGZHOU = "What was Guangzhou's GDP in 2016?"
HK_PER_CAPITA = "香港的人均GDP是多少?"
NEW_YORK = "What was the GDP of the New York Bay Area?"
CARGO = "What was the total cargo throughput of the 11 ports in 2016?"
NOT_IN_CORPUS = "What was Guangzhou's GDP in 2022?"
MODES = ["hybrid", "bm25", "dense"]


def cited(assistant, doc_id: str, start: int, end: int) -> str:
    return assistant.index.documents[doc_id].text[start:end]


def top_figure(assistant, question: str, mode: str = "hybrid"):
    answer = assistant.ask(question, mode=mode)
    assert answer.answerable, answer.reason
    assert answer.figures, "an answerable figure question came back without figures"
    return answer.figures[0]


@pytest.mark.parametrize("mode", MODES)
def test_guangzhou_gdp_is_the_table_cell(bundled_assistant, mode):
    figure = top_figure(bundled_assistant, GUANGZHOU, mode)
    assert math.isclose(figure.value, 1.954744e12, rel_tol=1e-6)
    assert figure.unit == "CNY"
    assert (figure.doc_id, figure.text) == (DOC, "19547.44")
    assert cited(bundled_assistant, DOC, figure.start, figure.end) == "19547.44"
    cells = [f for c in bundled_assistant.index.chunks for f in c.facts if f.raw == "19547.44"]
    assert cells and all((c.start, c.end) == (figure.start, figure.end) for c in cells)
    assert cells[0].row_label.startswith("GDP") and "广州" in cells[0].column_labels


@pytest.mark.parametrize("mode", MODES)
def test_hong_kong_per_capita_gdp_in_chinese(bundled_assistant, mode):
    figure = top_figure(bundled_assistant, HK_PER_CAPITA, mode)
    assert math.isclose(figure.value, 276062, rel_tol=1e-6)
    assert figure.unit == "CNY"
    assert cited(bundled_assistant, figure.doc_id, figure.start, figure.end) == "276062"
    assert figure.entity == "Hong Kong"


@pytest.mark.parametrize("mode", MODES)
def test_new_york_bay_area_gdp_cites_the_sentence(bundled_assistant, mode):
    figure = top_figure(bundled_assistant, NEW_YORK, mode)
    assert math.isclose(figure.value, 1.5e12, rel_tol=1e-6)
    assert figure.unit == "USD"
    assert cited(bundled_assistant, DOC, figure.start, figure.end) == "$1.5 trillion"
    text = bundled_assistant.index.documents[DOC].text
    assert text[figure.end:figure.end + len(" in the New York Bay Area")] == " in the New York Bay Area"
    containing = [c for c in bundled_assistant.index.chunks
                  if c.doc_id == DOC and c.start <= figure.start and figure.end <= c.end]
    assert any(c.kind == "prose" for c in containing)


@pytest.mark.parametrize("mode", MODES)
def test_cargo_throughput_of_the_eleven_ports(bundled_assistant, mode):
    figure = top_figure(bundled_assistant, CARGO, mode)
    assert math.isclose(figure.value, 1.47e9, rel_tol=1e-6)
    assert figure.unit == "t"
    assert figure.text == "1.47 billion tons"
    assert cited(bundled_assistant, figure.doc_id, figure.start, figure.end) == figure.text


@pytest.mark.parametrize("mode", MODES)
def test_question_about_a_year_the_corpus_lacks_is_not_answered(bundled_assistant, mode):
    answer = bundled_assistant.ask(NOT_IN_CORPUS, mode=mode)
    assert answer.answerable is False
    assert "2022" in answer.reason
    assert answer.figures == ()
    assert len(answer.passages) == 5  # still shown, as the closest evidence
    assert answer.passages[0].chunk.doc_id == DOC


def test_off_topic_question_is_not_answered(bundled_assistant):
    answer = bundled_assistant.ask("How do I bake sourdough bread at home?")
    assert answer.answerable is False and answer.figures == ()
    assert answer.reason
    assert len(answer.passages) == 5


QUESTIONS = [GUANGZHOU, HK_PER_CAPITA, NEW_YORK, CARGO, NOT_IN_CORPUS, "粤港澳大湾区的面积有多大?"]


def line_of(text: str, offset: int) -> int:
    """1-based line holding `offset`, counted from the document's own lines."""
    position = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if position <= offset < position + len(line):
            return number
        position += len(line)
    return number


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("top_k", [1, 5, 8])
def test_passages_are_ranked_and_cite_the_document(bundled_assistant, question, top_k):
    answer = bundled_assistant.ask(question, top_k=top_k)
    assert answer.question == question
    assert [p.rank for p in answer.passages] == list(range(1, top_k + 1))
    assert all(a.score >= b.score for a, b in zip(answer.passages, answer.passages[1:]))
    for passage in answer.passages:
        chunk = passage.chunk
        text = bundled_assistant.index.documents[chunk.doc_id].text
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start:chunk.end].strip()
        if chunk.kind == "prose":
            assert text[chunk.start:chunk.end] == chunk.text
        assert passage.line == line_of(text, chunk.start)
        for start, end in passage.highlights:
            assert chunk.start <= start < end <= chunk.end
            assert text[start:end].strip()
    for figure in answer.figures:
        assert cited(bundled_assistant, figure.doc_id, figure.start, figure.end) == figure.text


def test_more_passages_extend_the_list_without_reordering_it(bundled_assistant):
    few = bundled_assistant.ask(GUANGZHOU, top_k=3).passages
    many = bundled_assistant.ask(GUANGZHOU, top_k=10).passages
    assert [p.chunk.chunk_id for p in many[:3]] == [p.chunk.chunk_id for p in few]


def test_highlights_mark_the_sentence_holding_the_question_terms(bundled_assistant):
    answer = bundled_assistant.ask(NEW_YORK)
    top = answer.passages[0]
    text = bundled_assistant.index.documents[top.chunk.doc_id].text
    figure = answer.figures[0]
    assert top.highlights
    assert any(start <= figure.start and figure.end <= end for start, end in top.highlights)
    assert any("New York" in text[start:end] for start, end in top.highlights)


def test_same_question_same_answer(bundled_assistant):
    first, second = bundled_assistant.ask(HK_PER_CAPITA), bundled_assistant.ask(HK_PER_CAPITA)
    assert first == second


def test_an_answer_does_not_depend_on_the_questions_asked_before(bundled_index):
    from qa.assistant import Assistant

    questions = QUESTIONS + ["How many young people from Macao work in Guangzhou?",
                             "What share of the national population lives in the Bay Area?"]
    forward, backward = Assistant(bundled_index), Assistant(bundled_index)
    answers = {q: forward.ask(q, top_k=10) for q in questions}
    for question in reversed(questions):
        assert backward.ask(question, top_k=10) == answers[question], question


@pytest.mark.parametrize(
    "question, message",
    [
        ("", "the question is empty"),
        ("   \n\t", "the question is empty"),
        ("x" * 100_000, "the question is 100000 characters long; the limit is 2000"),
        ("GDP\x00of Guangzhou", "not readable text"),
        ("\x01\x02\x03\x04\x05\x06\x07\x08 GDP", "not readable text"),
        (b"What was Guangzhou's GDP?", "a question must be text, got bytes"),
        (None, "a question must be text, got NoneType"),
    ],
)
def test_bad_questions_raise_question_error(bundled_assistant, question, message):
    with pytest.raises(QuestionError, match=message):
        bundled_assistant.ask(question)


@pytest.mark.parametrize("top_k", [0, -1, MAX_TOP_K + 1, True, 2.0, "5"])
def test_bad_top_k_is_refused(bundled_assistant, top_k):
    with pytest.raises(SettingsError, match=f"top_k must be an integer from 1 to {MAX_TOP_K}"):
        bundled_assistant.ask(GUANGZHOU, top_k=top_k)


def test_unknown_mode_lists_the_modes(bundled_assistant):
    modes = "bm25, dense, hybrid, hybrid-rrf, hybrid-convex"
    with pytest.raises(SettingsError, match=f"mode must be one of {modes}"):
        bundled_assistant.ask(GUANGZHOU, mode="semantic")


def test_question_is_stripped_and_answered_as_the_same_question(bundled_assistant):
    padded = bundled_assistant.ask(f"  {GUANGZHOU}\n")
    assert padded.question == GUANGZHOU
    assert padded.figures[0] == bundled_assistant.ask(GUANGZHOU).figures[0]


@pytest.mark.parametrize("question, value, text", [
    ("Which city had the highest per capita GDP?", 462534.0, "462534"),  # Macao, table 1 block 2
    ("Which city has the smallest area?", 32.80, "32.80"),
])
def test_superlative_questions_put_the_extreme_table_value_first(bundled_assistant, bundled_index, question, value, text):
    answer = bundled_assistant.ask(question)
    best = answer.figures[0]
    assert answer.asks_for_figure
    assert best.value == pytest.approx(value)
    assert bundled_index.documents[best.doc_id].text[best.start:best.end] == text


def test_a_question_that_asks_for_no_number_does_not_lead_with_one(bundled_assistant):
    answer = bundled_assistant.ask("What did the CCPIT spokesperson say about the conference?")
    assert answer.answerable
    assert not answer.asks_for_figure


def test_a_count_written_as_a_word_answers_how_many(bundled_assistant):
    # "... launched the first "eight measures to stabilize the economy" ..." (Nansha article)
    answer = bundled_assistant.ask("How many measures to stabilise the economy did Nansha launch?", top_k=5)
    assert answer.answerable
    assert (answer.figures[0].text, answer.figures[0].value) == ("eight", 8.0)


def test_rows_of_one_table_leave_room_for_prose(bundled_assistant, bundled_index):
    # Every row of Table 1 says 常住人口; the prose sentence with the Bay Area's share of
    # the national population must still be among the passages figures are drawn from.
    answer = bundled_assistant.ask("大湾区的常住人口占全国的比例是多少?", top_k=10)
    tables = [p.chunk.facts[0].table_id for p in answer.passages if p.chunk.kind == "table_row"]
    assert max(tables.count(t) for t in set(tables)) <= 3
    assert any(p.chunk.kind == "prose" and "4.9%" in p.chunk.text for p in answer.passages)


def test_a_count_word_must_be_followed_by_the_thing_counted(bundled_assistant, bundled_index):
    # "Four key areas of focus ..." counts areas: it answers "how many key areas", not
    # "how many key tasks" (only "key" is shared).
    chunk = next(c for c in bundled_index.chunks if "Four key areas of focus" in c.text and c.kind == "prose")
    finder = bundled_assistant.figure_finder
    areas = finder.find([chunk], "How many key areas of focus are there?", "key areas focus").figures
    tasks = finder.find([chunk], "How many key tasks are there?", "key tasks").figures
    assert "Four" in [f.text for f in areas]
    assert "Four" not in [f.text for f in tasks]


@pytest.mark.parametrize("question, text", [
    ("How long was the intercity rail network of the Bay Area at the end of 2016?", "1430 kilometers"),
    ("What was the total railway operating length in the Bay Area in 2016?", "5500 kilometers"),
    ("How long were the Bay Area's highways at the end of 2016?", "7673 kilometers"),
])
def test_numbers_of_one_sentence_are_told_apart_by_their_clause(bundled_assistant, question, text):
    # "..., the total length of highways ... reached 7673 kilometers, the total length of
    # railway operations reached 5500 kilometers, and the total length of intercity rail
    # reached 1430 kilometers.": all three fit the sentence equally; the clause decides.
    assert bundled_assistant.ask(question).figures[0].text == text
