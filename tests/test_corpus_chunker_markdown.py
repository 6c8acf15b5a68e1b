"""Markdown structure in chunking: a fenced code block is one unit (never cut, its '#'
lines never headings), and Markdown headings are the sections around it."""

from corpus.chunker import ChunkSettings, chunk_document
from corpus.glossary import load_glossary
from corpus.types import Document

CODE = "\n".join(["```python", "# configure the pump. It runs daily.", *[f"step_{n} = run({n})  # stage {n}. Done." for n in range(12)], "```"])
TEXT = f"# Pumps\n\nThe pump station has three pumps. Each one is checked weekly.\n\n{CODE}\n\n## Costs\n\nPower cost 41 pounds a day.\n"


def chunks(doc_id: str, source_format: str):
    document = Document(doc_id, "Pumps", TEXT, source_format=source_format)
    return document, chunk_document(document, ChunkSettings(max_chars=200, overlap_sentences=0), load_glossary())


def test_a_fenced_block_is_one_whole_chunk_in_its_section():
    document, result = chunks("pumps.md", "markdown")
    start = TEXT.index("```python")
    end = TEXT.index("```\n\n## Costs") + 3
    holding = [c for c in result if c.start <= start < c.end or c.start < end <= c.end]
    assert len(holding) == 1
    (code,) = holding
    assert (code.start, code.end) == (start, end) and len(code.text) > 200
    assert code.section == "Pumps"
    assert [c.section for c in result] == ["Pumps", "Pumps", "Costs"]
    assert all(c.text == document.text[c.start:c.end] for c in result)


def test_without_markdown_the_same_lines_are_cut_as_prose():
    _, result = chunks("pumps.txt", "text")
    start, end = TEXT.index("```python"), TEXT.index("```\n\n## Costs") + 3
    assert max(len(c.text) for c in result) <= 200
    assert len([c for c in result if start <= c.start < end]) > 1
