"""corpus.readers: PDF, Word, HTML, CSV/TSV and text in any encoding -> Documents whose
tables parse into the same facts as text tables, with pages for PDFs and a clear refusal
for every kind of bad file (tests/data/documents, made by scripts/make_test_documents.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.loader import BUNDLED_CORPUS_DIR, load_corpus, load_documents
from corpus.readers import ReadError, read_document
from corpus.readers.layout import TextBuilder, pipe_rows
from corpus.tables import parse_tables
from corpus.types import Document

DOCUMENTS = Path(__file__).parent / "data" / "documents"
ROOT = Path(__file__).resolve().parents[1]
BAD = {
    "encrypted.pdf": "is encrypted (password-protected)",
    "truncated.pdf": "is truncated",
    "image-only.pdf": "has no text layer on any of its 1 page(s)",
    "damaged.docx": "is not a Word .docx file",
    "binary.html": "looks binary",
}


def read(name: str) -> Document:
    return read_document(DOCUMENTS / name, name)


def facts(document: Document) -> list[tuple]:
    return [(f.key, f.raw, f.value, f.unit, f.year) for t in parse_tables(document) for f in t.facts]


# --- PDF ---------------------------------------------------------------------------------

def test_pdf_figures_are_on_the_pages_the_writer_put_them():
    document = read("multipage.pdf")
    expected = json.loads((DOCUMENTS / "multipage.pages.json").read_text(encoding="utf-8"))
    assert len(document.pages) == 3 and document.pages[0] == 0
    assert document.source_format == "pdf"
    found = {text: document.page_of(document.text.index(text)) for text in expected}
    assert found == expected


def test_pdf_table_crossing_a_page_break_is_one_table_in_row_order():
    document = read("multipage.pdf")
    (table,) = parse_tables(document)
    labels = list(dict.fromkeys(fact.row_label for fact in table.facts))
    assert labels == [f"Town {n:02d}" for n in range(1, 41)]
    assert len(table.facts) == 80
    first, last = table.facts[0], table.facts[-1]
    assert (first.row_label, first.value, first.unit) == ("Town 01", 1037.0, "人")
    assert (last.row_label, last.value) == ("Town 40", 100.5)
    assert document.page_of(first.start) == 1 and document.page_of(last.start) == 2
    assert table.caption == "Table 1 Population and output of the towns of Linjiang"


def test_pdf_page_numbers_are_dropped_and_headings_found():
    text = read("multipage.pdf").text
    assert [line for line in text.splitlines() if line.strip().isdigit()] == []
    assert text.startswith("## Lindale and Harwick annual survey\n\n")


# --- Word, HTML, CSV/TSV -----------------------------------------------------------------

def test_docx_headings_paragraphs_and_a_merged_header_in_order():
    document = read("report.docx")
    lines = [line for line in document.text.splitlines() if line]
    assert lines[:3] == ["# Harwick water report",
                         "The reservoir held 1.8 million cubic metres at the end of March.",
                         "## Supply by district"]
    assert lines[-1] == "Demand is expected to grow by 4% a year."
    assert document.title == "Harwick water report"
    got = [(key, value, year) for key, _, value, _, year in facts(document)]
    assert got[:4] == [(("2020年", "供水", "北区"), 120.0, 2020), (("2020年", "用水", "北区"), 95.0, 2020),
                       (("2021年", "供水", "北区"), 131.0, 2021), (("2021年", "用水", "北区"), 99.0, 2021)]
    assert len(got) == 8


def test_html_drops_scripts_and_navigation_and_reads_colspan_tables():
    document = read("page.html")
    assert document.title == "Lindale market prices"
    for dropped in ("tracking", "Home", "Copyright", "Council website", "menu"):
        assert dropped not in document.text
    assert "The fish market sold 2,450 tonnes of cod in 2022, up from 2,100 tonnes." in document.text
    assert facts(document) == [
        (("Price (GBP)", "2021", "Cod"), "3.10", 3.1, "GBP", 2021),
        (("Price (GBP)", "2022", "Cod"), "3.45", 3.45, "GBP", 2022),
        (("Price (GBP)", "2021", "Herring"), "1.20", 1.2, "GBP", 2021),
        (("Price (GBP)", "2022", "Herring"), "1.35", 1.35, "GBP", 2022),
    ]
    fact = parse_tables(document)[0].facts[0]
    assert document.text[fact.start:fact.end] == "3.10"


def test_html_table_caption_is_the_tables_caption(tmp_path):
    path = tmp_path / "fares.html"
    path.write_text("<html><body><p>Intro.</p><table><caption>Table 3 Ferry fares (GBP)</caption>"
                    "<thead><tr><th>Route</th><th>2021</th><th>2022</th></tr></thead>"
                    "<tbody><tr><td>North</td><td>4.20</td><td>4.50</td></tr></tbody></table></body></html>",
                    encoding="utf-8")
    document = read_document(path, path.name)
    assert document.text == "Intro.\n\nTable 3 Ferry fares (GBP)\n\nRoute | 2021 | 2022\nNorth | 4.20 | 4.50\n"
    (table,) = parse_tables(document)
    assert table.caption == "Table 3 Ferry fares (GBP)"
    assert [(f.key, f.value, f.unit) for f in table.facts] == [(("2021", "North"), 4.2, "GBP"), (("2022", "North"), 4.5, "GBP")]


def test_a_pdf_page_with_no_text_layer_is_named_and_the_rest_is_read(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawString(72, 700, "The survey counted 412 boats.")
    pdf.showPage()
    pdf.rect(100, 300, 200, 200, fill=1)  # a scanned page: pixels, no text
    pdf.showPage()
    pdf.drawString(72, 700, "The harbour has 3 cranes.")
    pdf.showPage()
    pdf.save()
    corpus = load_corpus([tmp_path])
    (document,) = corpus.documents
    assert document.text == "The survey counted 412 boats.\n\nThe harbour has 3 cranes.\n"
    assert document.pages == (0, 31, 31)
    assert document.page_of(document.text.index("3 cranes")) == 3
    assert corpus.warnings == (f"{path}: page(s) 2 have no text layer (scanned?) and were not read; "
                               "run OCR on them to include them",)


def test_csv_with_semicolons_in_a_windows_encoding_is_one_table():
    document = read("prices.csv")
    assert document.encoding in ("cp1252", "cp1250", "windows-1252", "windows-1250")
    assert "| Price (€) |" in document.text and "Café au lait" in document.text
    assert [(key, value) for key, _, value, _, _ in facts(document)] == [
        (("Price (€)", "Bread"), 2.1), (("Stock", "Bread"), 140.0),
        (("Price (€)", "Café au lait"), 3.4), (("Stock", "Café au lait"), 75.0),
    ]


def test_tsv_rows_of_years_are_periods():
    document = read("rates.tsv")
    assert document.text.startswith("# rates\n\nYear | Rate (%)\n2020 | 1.5\n")
    assert [(value, unit) for _, _, value, unit, _ in facts(document)] == [(1.5, "%"), (1.75, "%"), (2.25, "%")]


def test_xlsx_sheets_are_tables_with_merged_headers_percentages_and_dates():
    document = read("harbour.xlsx")
    assert document.source_format == "xlsx"
    assert document.text.startswith("## Ferries\n\n| Route | Passengers | Passengers | Share of total |\n")
    assert "Empty" not in document.text  # an empty sheet is left out
    assert "| Counted on | 2022-12-31 |" in document.text
    got = [(key[-1], value, unit, year) for key, _, value, unit, year in facts(document)]
    assert got == [
        ("Lindale - Harwick", 48250.0, "Passengers", 2021), ("Lindale - Harwick", 51000.0, "Passengers", 2022),
        ("Lindale - Harwick", 62.5, "%", 2022), ("Harwick - Stour", 30100.0, "Passengers", 2021),
        ("Harwick - Stour", 30600.0, "Passengers", 2022), ("Harwick - Stour", 37.5, "%", 2022),
    ]


# --- encodings -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, encodings, expected", [
    ("gbk.txt", ("gb18030", "gbk", "gb2312"), "临江市2021年的人口为52.3万人"),
    ("big5-traditional.md", ("big5", "big5hkscs", "cp950"), "臺北港的貨櫃吞吐量為168萬標準箱"),
])
def test_chinese_encodings_are_detected_and_named(name, encodings, expected):
    document = read(name)
    assert document.encoding in encodings
    assert expected in document.text


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("年报 Annual report\n".encode("utf-16"))
    document = read_document(path, "notes.txt")
    assert (document.text, document.encoding, document.title) == ("年报 Annual report\n", "utf-16", "年报 Annual report")


def test_markdown_front_matter_gives_the_title_and_the_text_is_unchanged(tmp_path):
    text = '---\ntitle: "Harbour accounts 2022"\ndate: 2023-01-05\n---\n\n# Summary\n\nThe harbour made 12 pounds.\n'
    (tmp_path / "accounts.md").write_text(text, encoding="utf-8")
    (tmp_path / "plain.md").write_text("# Summary\n\nNo front matter.\n", encoding="utf-8")
    documents = load_documents([tmp_path])
    assert [(d.doc_id, d.title, d.source_format) for d in documents] == [
        ("accounts.md", "Harbour accounts 2022", "markdown"), ("plain.md", "Summary", "markdown")]
    assert documents[0].text == text


def test_utf8_text_is_unchanged_and_says_so():
    (document,) = [d for d in load_documents() if d.doc_id.endswith(".txt")][:1]
    original = (BUNDLED_CORPUS_DIR / document.doc_id).read_text(encoding="utf-8")
    assert (document.text, document.encoding, document.source_format, document.pages) == (original, "utf-8", "text", ())


# --- bad files and --skip-bad ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_kind_is_refused_with_its_reason(name):
    with pytest.raises(ReadError) as refused:
        read(name)
    assert BAD[name] in str(refused.value)


def test_a_folder_with_bad_files_is_refused_naming_each_unless_skipped(tmp_path):
    for name in [*BAD, "page.html", "rates.tsv"]:
        shutil.copy(DOCUMENTS / name, tmp_path / name)
    with pytest.raises(CorpusError) as refused:
        load_corpus([tmp_path])
    message = str(refused.value)
    assert f"({len(BAD)} problem(s); nothing was loaded)" in message
    for name, reason in BAD.items():
        assert f"{tmp_path / name}: {reason}" in message
    corpus = load_corpus([tmp_path], skip_bad=True)
    assert [d.doc_id for d in corpus.documents] == ["page.html", "rates.tsv"]
    assert [problem.split(": ")[0] for problem in corpus.skipped] == [str(tmp_path / n) for n in sorted(BAD)]


def test_skip_bad_with_nothing_readable_still_refuses(tmp_path):
    shutil.copy(DOCUMENTS / "binary.html", tmp_path / "binary.html")
    with pytest.raises(CorpusError, match="binary.html: looks binary"):
        load_corpus([tmp_path], skip_bad=True)


# --- the layout every reader writes -----------------------------------------------------------

def test_pipe_rows_keep_columns_as_the_table_parser_reads_them():
    assert pipe_rows([["a", "1", ""], ["source", "", ""], ["", "", ""]]) == ["a | 1", "source |"]
    assert pipe_rows([["", "2019"], ["Sales", "5|6"]]) == ["|  | 2019 |", "| Sales | 5\u00a66 |"]


def test_text_builder_records_page_starts_including_empty_pages():
    builder = TextBuilder()
    builder.new_page()
    builder.paragraph("first page")
    builder.new_page()  # a page with no text
    builder.new_page()
    builder.table([["x", "1"]])
    builder.new_page()
    builder.table([["y", "2"]], continues=True)
    text = builder.text()
    assert text == "first page\n\nx | 1\ny | 2\n"
    assert builder.page_starts() == (0, 12, 12, 18)
    document = Document("d.pdf", "d", text, pages=builder.page_starts())
    assert [document.page_of(offset) for offset in (0, 11, 12, 18)] == [1, 1, 3, 4]


def test_document_round_trips_and_old_rows_load():
    document = Document("r.pdf", "R", "text", pages=(0, 3), encoding=None, source_format="pdf")
    assert Document.from_dict(json.loads(json.dumps(document.to_dict()))) == document
    old = Document.from_dict({"doc_id": "a.txt", "title": "A", "text": "x"})
    assert (old.pages, old.source_format, old.page_of(0)) == ((), "text", None)


# --- the bundled corpus rendered as PDF, Word and HTML ----------------------------------------

@pytest.fixture(scope="module")
def renderings(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("renderings")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "render_corpus.py"), str(out)],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("kind", ["pdf", "docx", "html"])
def test_every_table_of_the_bundled_corpus_reads_the_same_from_each_rendering(renderings, kind):
    originals = {Path(d.doc_id).stem: d for d in load_documents()}
    rendered = load_documents([renderings / kind])
    assert sorted(Path(d.doc_id).stem for d in rendered) == sorted(originals)
    for document in rendered:
        original = originals[Path(document.doc_id).stem]
        assert facts(document) == facts(original), document.doc_id
        assert document.source_format == kind
    assert sum(len(facts(d)) for d in rendered) > 100


def test_every_paragraph_and_table_row_of_the_pdf_rendering_is_on_the_page_it_was_drawn(renderings):
    """render_corpus.py records the page ReportLab drew each paragraph, part of a
    paragraph cut by a page break, and table row on; the reader must say the same."""
    checked = 0
    for path in sorted((renderings / "pdf").glob("*.pdf")):
        document = read_document(path, path.name)
        drawn = json.loads(path.with_suffix(".pages.json").read_text(encoding="utf-8"))
        cursor = 0
        for item in drawn:
            found = document.text.find(item["starts"], cursor)
            assert found >= 0, (path.name, item)
            assert document.page_of(found) == item["page"], (path.name, item)
            cursor = found + 1
            checked += 1
    assert checked > 150


def test_pdf_cell_lines_join_as_the_cell_was_wrapped():
    from corpus.readers.pdf import _cell_lines_joined

    assert _cell_lines_joined("171173.\n6") == "171173.6"  # a number wrapped in a narrow cell
    assert _cell_lines_joined("资料来源:201\n7年统计年鉴") == "资料来源:2017年统计年鉴"
    assert _cell_lines_joined("Population and\noutput") == "Population and output"


def test_pdf_text_narrower_than_its_title_keeps_its_paragraphs(tmp_path):
    """The room left on a line is measured against the edge of text of its own size: a
    wide title above a narrow column must not make every body line end a paragraph."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    def title(canvas, doc):
        canvas.setFont("Helvetica-Bold", 16)
        canvas.drawString(20 * mm, A4[1] - 30 * mm, "Harbour report of the Lindale and Harwick ferry board")

    path = tmp_path / "narrow.pdf"
    frame = Frame(20 * mm, 20 * mm, 80 * mm, A4[1] - 60 * mm)
    doc = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=[PageTemplate(frames=[frame], onPage=title)])
    style = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=8)
    paragraphs = ["The ferry ran 900 crossings and carried goods of many kinds between the two towns, "
                  "with the board reviewing the timetable every month and the fares every spring.",
                  "The breakwater was repaired at a cost of 1.2 million pounds over two winters of work."]
    doc.build([Paragraph(text, style) for text in paragraphs])
    text = read_document(path, path.name).text
    assert text.split("\n\n") == ["## Harbour report of the Lindale and Harwick ferry board", *paragraphs[:1],
                                  paragraphs[1] + "\n"]
