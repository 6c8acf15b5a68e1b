"""corpus.sentences: offsets into the original text, sentence ends in English and Chinese, headings."""

import pytest

from corpus.sentences import heading_text, is_heading, sentence_spans, split_lines, split_long_span


def _sentences(text):
    return [text[s:e] for s, e in sentence_spans(text, 0, len(text))]


def test_lines_keep_offsets_with_crlf():
    text = "one\r\ntwo\n\nthree"
    lines = split_lines(text)
    assert [(line.start, line.end, line.text) for line in lines] == [
        (0, 3, "one"), (5, 8, "two"), (9, 9, ""), (10, 15, "three"),
    ]
    assert [text[line.start : line.end] for line in lines] == ["one", "two", "", "three"]


def test_english_sentences_with_abbreviations_decimals_and_semicolons():
    text = "Dr. Sun met Mr. Li in the U.S. on Monday. GDP grew 6.5%; exports fell! Why? \"Yes.\" Done"
    assert _sentences(text) == [
        "Dr. Sun met Mr. Li in the U.S. on Monday.", "GDP grew 6.5%;", "exports fell!", "Why?",
        "\"Yes.\"", "Done",
    ]


def test_chinese_sentences_keep_closing_quotes():
    text = "他说：“大湾区很大。”人口8600万！真的吗？是的；好。"
    assert _sentences(text) == ["他说：“大湾区很大。”", "人口8600万！", "真的吗？", "是的；", "好。"]


def test_spans_are_offsets_of_a_slice_of_the_text():
    text = "Intro.\n  First one. Second one.  \n"
    line = split_lines(text)[1]
    spans = sentence_spans(text, line.start, line.end)
    assert spans == [(9, 19), (20, 31)]
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one."]


def test_long_sentence_is_cut_at_commas_or_spaces_then_hard():
    text = "alpha beta, gamma delta, epsilon zeta"
    assert [text[s:e] for s, e in split_long_span(text, 0, len(text), 15)] == [
        "alpha beta,", "gamma delta,", "epsilon zeta",
    ]
    chinese = "很" * 25
    assert [e - s for s, e in split_long_span(chinese, 0, 25, 10)] == [10, 10, 5]


@pytest.mark.parametrize(
    "line, next_line, expected",
    [
        ("(3) Infrastructure construction is becoming increasingly perfect", "Body.", True),
        ("2. Progress in cooperation", "(1) Guangdong", True),
        ("（二）总体要求", "正文。", True),
        ("一、发展现状", "正文。", True),
        ("## Results", None, True),
        ("Four key areas of focus to promote high-quality joint construction", "Body text.", True),
        ("Four key areas of focus to promote high-quality joint construction", None, False),
        ("Entering 2024, Nansha is still making big moves——", "Body.", False),
        ("Figure 1 GDP and Industrial Structure of Cities", "Body.", False),
        ("Table 4 shows the trade of some cities.", "Body.", False),
        ("A short sentence that ends like one.", "Body.", False),
        ("(1) " + "x" * 200, "Body.", False),
    ],
)
def test_is_heading(line, next_line, expected):
    assert is_heading(line, next_line) is expected


def test_heading_text_strips_markdown_marks():
    assert heading_text("## Trade ") == "Trade"
    assert heading_text(" (1) Shipping ") == "(1) Shipping"


def _abbreviation_by_search(before: str) -> bool:
    """The old definition (a regex over everything before the period), kept as the
    reference: the backwards step must agree with it on any text."""
    import re

    from corpus.sentences import _ABBREVIATIONS

    word = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    return bool(word) and (word.group(1).lower() in _ABBREVIATIONS or (
        len(word.group(1)) == 1 and word.group(1).isupper()))


def test_abbreviation_check_agrees_with_the_search_it_replaced() -> None:
    from hypothesis import given, settings, strategies as st

    from corpus.sentences import _ends_with_abbreviation

    alphabet = st.sampled_from(list("aeMrsgJ.. 3é,") + ["Mr", "e.g", "U.S", "No", "Fig"])

    @settings(max_examples=2000, deadline=None)
    @given(st.lists(alphabet, max_size=12).map("".join))
    def agree(text: str) -> None:
        for end in range(len(text) + 1):
            assert _ends_with_abbreviation(text, end) == _abbreviation_by_search(text[:end]), (text, end)

    agree()


def test_a_long_paragraph_splits_at_every_sentence_end() -> None:
    """100,000 sentences in one paragraph (the old check re-scanned the paragraph before
    every period): every sentence found, abbreviations kept inside their sentence."""
    paragraph = "See Fig. 3 and Mr. Li on p. 5 of the report. " * 50_000
    spans = sentence_spans(paragraph, 0, len(paragraph))
    assert len(spans) == 100_000
    assert [paragraph[a:b] for a, b in spans[:2]] == ["See Fig. 3 and Mr. Li on p.", "5 of the report."]
