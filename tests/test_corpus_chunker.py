"""corpus.chunker: exact prose spans, nothing lost, sentence boundaries, sections, table chunks."""

import dataclasses
from pathlib import Path

import pytest

from corpus.chunker import ChunkSettings, chunk_document, chunk_documents, indexable_text, settings_dict
from corpus.errors import SettingsError
from corpus.glossary import load_glossary
from corpus.loader import load_documents
from corpus.sentences import sentence_spans, split_lines
from corpus.types import Document

TEST_CORPUS = Path(__file__).parent / "data" / "corpus"
SENTENCE_END = tuple(".!?;。！？；\"'”’」』）)]")


@pytest.fixture(scope="module")
def all_documents():
    return load_documents() + load_documents([TEST_CORPUS])


@pytest.fixture(scope="module", params=[ChunkSettings(), ChunkSettings(max_chars=200, overlap_sentences=0)],
                ids=["default", "small"])
def chunked(request, all_documents):
    return request.param, chunk_documents(all_documents, request.param)


def test_prose_chunk_text_is_the_exact_span(all_documents, chunked):
    _, chunks = chunked
    texts = {d.doc_id: d.text for d in all_documents}
    prose = [c for c in chunks if c.kind == "prose"]
    assert len(prose) > 100
    for chunk in prose:
        assert chunk.text == texts[chunk.doc_id][chunk.start : chunk.end]


def test_chunks_cover_every_non_blank_character(all_documents, chunked):
    _, chunks = chunked
    for document in all_documents:
        covered = bytearray(len(document.text))
        for chunk in chunks:
            if chunk.doc_id == document.doc_id:
                covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
        lost = [i for i, char in enumerate(document.text) if not char.isspace() and not covered[i]]
        assert lost == [], f"{document.doc_id}: {document.text[lost[0]:lost[0] + 40]!r}"


def test_prose_chunks_respect_size_and_cut_only_overlong_sentences(all_documents, chunked):
    settings, chunks = chunked
    texts = {d.doc_id: d.text for d in all_documents}
    cuts = 0
    for chunk in (c for c in chunks if c.kind == "prose"):
        assert len(chunk.text) <= settings.max_chars
        text = texts[chunk.doc_id]
        if chunk.end == len(text) or text[chunk.end] in "\r\n" or chunk.text.endswith(SENTENCE_END):
            continue
        # A cut inside a sentence is allowed only when that sentence alone is too long.
        (line,) = [line for line in split_lines(text) if line.start <= chunk.end <= line.end]
        (sentence,) = [(s, e) for s, e in sentence_spans(text, line.start, line.end) if s < chunk.end < e]
        assert sentence[1] - sentence[0] > settings.max_chars
        cuts += 1
    assert cuts == (2 if settings.max_chars == 800 else 204)


def test_chunk_ids_are_identical_across_runs(all_documents):
    first = [c.chunk_id for c in chunk_documents(all_documents)]
    second = [c.chunk_id for c in chunk_documents(load_documents() + load_documents([TEST_CORPUS]))]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(len(chunk_id) == 16 for chunk_id in first)


def test_chunks_are_in_text_order_per_document(chunked):
    _, chunks = chunked
    prose_starts = {}
    for chunk in chunks:
        if chunk.kind != "table_row":
            assert chunk.start >= prose_starts.get(chunk.doc_id, 0)
            prose_starts[chunk.doc_id] = chunk.start


def test_numbered_heading_sets_section_and_travels_in_indexable_text():
    (gba,) = [d for d in load_documents() if d.doc_id == "gba-development.txt"]
    chunks = chunk_document(gba, ChunkSettings(), load_glossary())
    section = "(3) Infrastructure construction is becoming increasingly perfect"
    in_section = [c for c in chunks if c.section == section]
    assert [c.kind for c in in_section][:4] == ["prose", "prose", "prose", "table"]
    assert in_section[0].text.startswith(section)
    assert indexable_text(in_section[0]) == in_section[0].text
    assert indexable_text(in_section[1]) == f"{section}\n{in_section[1].text}"
    assert "world's largest cluster of seaports" in in_section[0].text
    # "2. Progress ..." has no text of its own: it joins the chunk of "(1) Guangdong Province".
    guangdong = [c for c in chunks if c.section == "(1) Guangdong Province (Guangdong)"]
    assert guangdong[0].text.startswith("2. Progress in cooperation between")


def test_overlap_repeats_the_last_sentence():
    text = "One is here. Two is here. Three is here. Four is here. Five is here."
    document = Document("o.txt", "o", text)
    chunks = chunk_document(document, ChunkSettings(max_chars=100, overlap_sentences=1), load_glossary())
    assert [c.text for c in chunks] == [text]
    small = chunk_document(document, ChunkSettings(max_chars=100, overlap_sentences=0), load_glossary())
    assert small == chunks
    long_text = " ".join(f"Sentence number {i} is right here." for i in range(8))
    document = Document("l.txt", "l", long_text)
    overlapping = chunk_document(document, ChunkSettings(max_chars=100, overlap_sentences=1), load_glossary())
    assert [c.text for c in overlapping][:2] == [
        "Sentence number 0 is right here. Sentence number 1 is right here. Sentence number 2 is right here.",
        "Sentence number 2 is right here. Sentence number 3 is right here. Sentence number 4 is right here.",
    ]


def test_chinese_sentences_are_windowed_and_an_overlong_one_is_cut(tmp_path):
    text = "第一句话。第二句话！第三句话？" + "很" * 250 + "长。"
    chunks = chunk_document(Document("z.txt", "z", text), ChunkSettings(max_chars=100), load_glossary())
    assert [c.text for c in chunks][0] == "第一句话。第二句话！第三句话？"
    assert [len(c.text) for c in chunks][1:] == [100, 100, 52]


def test_table_row_chunk_for_jiangmen_is_bilingual_and_cites_its_cells(all_documents):
    chunks = chunk_documents(all_documents)
    text = {d.doc_id: d.text for d in all_documents}["gba-development.txt"]
    (jiangmen,) = [c for c in chunks if c.kind == "table_row" and "Jiangmen 江门:" in c.text
                   and c.table_caption.startswith("Table 1 ")]
    assert jiangmen.text.startswith("Table 1 Horizontal comparison of 11 cities")
    assert "city 城市 Jiangmen 江门: GDP (100 million yuan RMB) GDP(亿元人民币) 2418.78; " \
        "permanent population (10,000 persons) 常住人口(万人) 454.40;" in jiangmen.text
    assert jiangmen.table_caption.startswith("Table 1 ")
    assert [f.raw for f in jiangmen.facts] == ["2418.78", "454.40", "9505.42", "53374", "24427"]
    span = text[jiangmen.start : jiangmen.end]
    assert span.startswith("江门 |") and span.endswith("24427")
    assert all(jiangmen.start <= f.start and f.end <= jiangmen.end for f in jiangmen.facts)


def test_whole_table_chunk_spans_caption_to_caption(all_documents):
    chunks = chunk_documents(all_documents)
    tables = [c for c in chunks if c.kind == "table" and c.doc_id == "gba-development.txt"]
    assert len(tables) == 5
    table4 = tables[3]
    assert table4.text.startswith("表4 ") and table4.text.splitlines()[-1].startswith("Table 4 ")
    assert len(table4.facts) == 28 and table4.section == "(5) Foreign trade"
    (row,) = [c for c in chunks if c.kind == "table_row" and "Northeast Asia 东北亚:" in c.text]
    assert "unit 单位: 10,000 US dollars 万美元" in row.text
    assert "Shenzhen 深圳 import 进口 336913" in row.text


def test_user_glossary_translates_a_user_table():
    (document,) = load_documents([TEST_CORPUS / "city-statistics.txt"])
    plain = chunk_document(document, ChunkSettings(), load_glossary())
    extra = chunk_document(document, ChunkSettings(), load_glossary([TEST_CORPUS.parent / "glossary-extra.tsv"]))
    rows = [c.text.split(" | ")[-1] for c in plain if c.kind == "table_row"]
    assert rows[1] == "city 城市 宁波: permanent population (10,000 persons) 常住人口(万人) 940.43; " \
        "GDP (100 million yuan RMB) GDP(亿元人民币) 12408.66"
    translated = [c.text.split(" | ")[-1] for c in extra if c.kind == "table_row"]
    assert translated[2].startswith("city 城市 Qingdao 青岛:")
    assert translated[2].endswith("port throughput (10,000 tonnes) 港口吞吐量(万吨) 60459")


@pytest.mark.parametrize(
    "field, value",
    [("max_chars", 99), ("max_chars", 20001), ("max_chars", "800"), ("max_chars", 800.0),
     ("overlap_sentences", -1), ("overlap_sentences", 6), ("overlap_sentences", True)],
)
def test_bad_settings_fail_with_allowed_values(field, value):
    with pytest.raises(SettingsError, match=f"{field} must be an integer from"):
        ChunkSettings(**{field: value})


def test_settings_are_frozen_and_written_with_a_version():
    settings = ChunkSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_chars = 10
    assert settings_dict(settings) == {"chunker_version": 5, "max_chars": 800, "overlap_sentences": 2}
