"""Render the bundled corpus (corpus/documents/*.txt) as PDF, Word and HTML documents.

    python scripts/render_corpus.py OUT_DIR [--formats pdf docx html]

Each text becomes a document as an author would make it: its first line the title, its
heading lines (as `corpus.sentences.is_heading` sees them) headings, other lines
paragraphs, and every table a real table: a ReportLab table with ruled cells in the PDF
(A4, CJK font STSong-Light, page numbers in the footer, tables split across pages where
they fall; `<name>.pages.json` beside it records the page each paragraph, part of a
paragraph and table row was drawn on), a Word table (python-docx, 'Table Grid'), an HTML `<table>` (with a nav bar
and a script that a reader must drop). A header row written once over pairs of columns
("地区 | 肇庆 | 珠海" over export/import columns) becomes merged cells (colspan / gridSpan /
SPAN). `--formats pdf-libreoffice` also converts the Word renderings to PDF with
LibreOffice, a second PDF producer (not needed by the tests). The renderings let `qa eval`
measure each reader against the .txt originals (`scripts/eval_renderings.py`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.loader import BUNDLED_CORPUS_DIR, load_documents  # noqa: E402
from corpus.sentences import is_heading  # noqa: E402
from corpus.tables import parse_tables  # noqa: E402
from corpus.types import Document  # noqa: E402


PAGE_KEY_CHARS = 24  # the first characters of a drawn paragraph or row, to find it again
MAX_TITLE_CHARS = 150  # a longer first line is the text's first paragraph, not its title


@dataclass(frozen=True)
class Block:
    """One block of a text: kind "title", "heading", "paragraph" or "table"; a table's
    rows as (cell text, columns spanned) pairs, every row as wide as the widest."""

    kind: str
    text: str = ""
    rows: tuple[tuple[tuple[str, int], ...], ...] = ()


def blocks(document: Document) -> list[Block]:
    """The document's lines as blocks; table rows are the lines holding '|' inside a
    parsed table's span (its caption lines stay paragraphs, as in a report)."""
    row_spans = [(t.start, t.end) for t in parse_tables(document)]
    lines, position = [], 0
    for line in document.text.split("\n"):
        if line.strip():
            lines.append((position, line))
        position += len(line) + 1
    result: list[Block] = []
    table: list[list[str]] = []
    for index, (start, line) in enumerate(lines):
        if "|" in line and any(a <= start < b for a, b in row_spans):
            table.append([cell.strip() for cell in line.split("|")])
            continue
        if table:
            result.append(_table(table))
            table = []
        following = lines[index + 1][1] if index + 1 < len(lines) else None
        if not result and len(line.strip()) <= MAX_TITLE_CHARS:
            result.append(Block("title", line.strip()))
        elif is_heading(line, following):
            result.append(Block("heading", line.strip()))
        else:
            result.append(Block("paragraph", line.strip()))
    if table:
        result.append(_table(table))
    return result


def _table(rows: list[list[str]]) -> Block:
    """Rows trimmed of trailing empty cells and padded to one width; a row of k + 1 cells
    over a width that k divides spans each of its k labels over width / k columns."""
    rows = [_trim(row) for row in rows]
    width = max(len(row) for row in rows)
    spanned = []
    for row in rows:
        count = len(row)
        if 2 < count < width and (width - 1) % (count - 1) == 0 and (width - 1) // (count - 1) > 1:
            span = (width - 1) // (count - 1)
            spanned.append(((row[0], 1), *((cell, span) for cell in row[1:])))
        else:
            spanned.append(tuple((cell, 1) for cell in row + [""] * (width - count)))
    return Block("table", rows=tuple(spanned))


def _trim(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row = row[:-1]
    return row


# --- HTML --------------------------------------------------------------------------------

def write_html(document: Document, parts: list[Block], path: Path) -> None:
    from lxml import etree
    from lxml.builder import E

    body = E.body(E.nav(E.a("Home", href="#"), " | ", E.a("Reports", href="#")),
                  E.script("var tracking = 'x | y';"))
    main = E.main()
    body.append(main)
    for block in parts:
        if block.kind == "title":
            main.append(E.h1(block.text))
        elif block.kind == "heading":
            main.append(E.h2(block.text))
        elif block.kind == "paragraph":
            main.append(E.p(block.text))
        else:
            table = E.table(border="1")
            for row in block.rows:
                tr = E.tr()
                for cell, span in row:
                    td = E.td(cell)
                    if span > 1:
                        td.set("colspan", str(span))
                    tr.append(td)
                table.append(tr)
            main.append(table)
    body.append(E.footer(E.p("© rendering for tests")))
    page = E.html(E.head(E.meta(charset="utf-8"), E.title(document.title)), body)
    path.write_bytes(b"<!DOCTYPE html>\n" + etree.tostring(page, encoding="utf-8", method="html"))


# --- Word --------------------------------------------------------------------------------

def write_docx(document: Document, parts: list[Block], path: Path) -> None:
    import docx
    from docx.shared import Pt

    out = docx.Document()
    out.core_properties.title = next((b.text for b in parts if b.kind == "title"), "")
    for block in parts:
        if block.kind == "title":
            out.add_heading(block.text, level=0)
        elif block.kind == "heading":
            out.add_heading(block.text, level=2)
        elif block.kind == "paragraph":
            out.add_paragraph(block.text)
        else:
            width = sum(span for _, span in block.rows[0])
            table = out.add_table(rows=len(block.rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                column = 0
                for cell, span in row:
                    target = table.cell(r, column)
                    if span > 1:
                        target = target.merge(table.cell(r, column + span - 1))
                    target.text = cell
                    for paragraph in target.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(8)
                    column += span
    out.save(str(path))


# --- PDF ---------------------------------------------------------------------------------

def write_pdf(document: Document, parts: list[Block], path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, spaceAfter=6)
    body_cjk = ParagraphStyle("body-cjk", parent=body, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=20, spaceAfter=10)
    heading = ParagraphStyle("heading", parent=body, fontSize=12.5, leading=16, spaceBefore=6)
    cell_style = ParagraphStyle("cell", fontName=font, fontSize=7, leading=8.5, wordWrap="CJK")
    width = A4[0] - 40 * mm

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if style is body and _cjk_share(text) > 0.3:
            style = body_cjk
        return Paragraph(escaped, style)

    story = []
    for block in parts:
        if block.kind == "title":
            story.append(para(block.text, title))
        elif block.kind == "heading":
            story.append(para(block.text, heading))
        elif block.kind == "paragraph":
            story.append(para(block.text, body))
        else:
            columns = sum(span for _, span in block.rows[0])
            data, spans = [], []
            for r, row in enumerate(block.rows):
                cells, column = [], 0
                for cell, span in row:
                    cells.append(para(cell, cell_style) if cell else "")
                    cells.extend([""] * (span - 1))
                    if span > 1:
                        spans.append(("SPAN", (column, r), (column + span - 1, r)))
                    column += span
                data.append(cells)
            table = Table(data, colWidths=[width / columns] * columns, splitByRow=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP"), *spans]))
            story.extend([table, Spacer(1, 6)])

    def footer(canvas, doc) -> None:
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, str(doc.page))

    drawn: list[tuple[int, str]] = []

    class Recorder(SimpleDocTemplate):
        """Records the page each paragraph (or part of one, split by a page break) and
        each table row is drawn on, with its first words, for the page check."""

        def afterFlowable(self, flowable):  # noqa: N802 (ReportLab's name)
            texts = [flowable.getPlainText()] if isinstance(flowable, Paragraph) else []
            texts += [_cell_plain_text(row[0]) for row in getattr(flowable, "_cellvalues", [])]
            drawn.extend((self.page, text) for text in texts if text.strip())

    out = Recorder(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                   topMargin=20 * mm, bottomMargin=20 * mm, title=document.title)
    out.build(story, onFirstPage=footer, onLaterPages=footer)
    pages = [{"page": page, "starts": " ".join(text.split())[:PAGE_KEY_CHARS]} for page, text in drawn]
    path.with_suffix(".pages.json").write_text(json.dumps(pages, ensure_ascii=False, indent=0) + "\n",
                                               encoding="utf-8")


def _cell_plain_text(cell) -> str:
    """A ReportLab table cell's text: a string, a Paragraph, or a list of flowables."""
    if isinstance(cell, (list, tuple)):
        return " ".join(_cell_plain_text(part) for part in cell)
    return cell.getPlainText() if hasattr(cell, "getPlainText") else str(cell)


def _cjk_share(text: str) -> float:
    return sum(1 for char in text if "\u4e00" <= char <= "\u9fff") / max(len(text), 1)


WRITERS = {"pdf": write_pdf, "docx": write_docx, "html": write_html}


def libreoffice_pdf(docx_folder: Path, out: Path) -> list[Path]:
    """The Word renderings converted to PDF by LibreOffice (`soffice`, e.g. Debian's
    libreoffice-writer-nogui with fonts-noto-cjk): a second PDF producer, whose layout,
    fonts and table drawing are not ReportLab's. Not needed by the tests."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("pdf-libreoffice needs LibreOffice: apt-get install libreoffice-writer-nogui fonts-noto-cjk")
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(docx_folder.glob("*.docx"))
    with tempfile.TemporaryDirectory() as profile:  # its own profile: no clash with a running LibreOffice
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), *map(str, sources)], check=True, capture_output=True)
    return sorted(out.glob("*.pdf"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write <format>/<name>.<format> into")
    parser.add_argument("--formats", nargs="+", choices=sorted([*WRITERS, "pdf-libreoffice"]),
                        default=sorted(WRITERS))
    args = parser.parse_args(argv)
    for document in load_documents([BUNDLED_CORPUS_DIR]):
        parts = blocks(document)
        for name in [*args.formats, *(["docx"] if "pdf-libreoffice" in args.formats else [])]:
            if name not in WRITERS:
                continue
            folder = args.out / name
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / Path(document.doc_id).with_suffix(f".{name}").name
            WRITERS[name](document, parts, target)
            print(target)
    if "pdf-libreoffice" in args.formats:
        for target in libreoffice_pdf(args.out / "docx", args.out / "pdf-libreoffice"):
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
