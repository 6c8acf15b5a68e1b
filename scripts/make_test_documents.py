"""Write the small documents the reader tests read (tests/data/documents/), made up here.

    python scripts/make_test_documents.py [OUT_DIR]

Every fact in them is invented for the tests (the towns of Lindale and Harwick, 临江市,
青石县), so the tests owe nothing to the bundled corpus. Kept in the repository, so the
tests need no writer; re-run this script to remake them (ReportLab, python-docx).

- `multipage.pdf`: three A4 pages; a table of 40 rows that starts on page 1 and ends on
  page 2, a page number in every
  footer (dropped by the reader); `multipage.pages.json` records the page the writer put each marked figure on;
- `encrypted.pdf` (password-protected), `image-only.pdf` (no text layer), `truncated.pdf`
  (the first half of `multipage.pdf`);
- `report.docx` (headings, a table with a merged header), `damaged.docx` (cut short);
- `page.html` (nav, script, a table with colspan), `binary.html` (a PNG under that name);
- `gbk.txt`, `big5-traditional.md`, `prices.csv` (semicolons, Windows-1252), `rates.tsv`;
- `harbour.xlsx` (openpyxl: a merged header, a percentage format, a date, an empty sheet).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "documents"

TOWNS = [(f"Town {n:02d}", 1000 + 37 * n, round(50.5 + 1.25 * n, 2)) for n in range(1, 41)]


def _pdf_styles():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=14, leading=18)
    return body, heading


def multipage_pdf(path: Path, **options) -> list[tuple[str, int]]:
    """The three-page PDF; returns (figure text, page it was drawn on) for the marked ones."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    body, heading = _pdf_styles()
    filler = ("The harbour board of Lindale met every month to review the ferry timetable, "
              "the state of the breakwater and the accounts of the fish market. ") * 3
    story = [
        Paragraph("Lindale and Harwick annual survey", heading),
        Paragraph("In 2021 the Lindale ferry carried 48,250 passengers, the most since the "
                  "service began.", body),
        Paragraph(filler, body),
        Paragraph("表1 临江市各镇人口与产值", body),
    ]
    rows = [["镇", "人口(人)", "产值(亿元)"], *[[name, str(people), f"{output:.2f}"] for name, people, output in TOWNS]]
    table = Table(rows, colWidths=[50 * mm] * 3, repeatRows=0)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("FONTNAME", (0, 0), (-1, -1), "STSong-Light")]))
    story += [table, Paragraph("Table 1 Population and output of the towns of Linjiang", body)]
    story += [Paragraph(filler, body) for _ in range(5)]
    story += [Paragraph("Harwick's new bridge cost 312 million pounds and opened to traffic in "
                        "the spring; " + filler * 2 + "the toll was set at 2.40 pounds a crossing.", body)]
    story += [PageBreak(), Paragraph("青石县的茶叶产量达到9.5万吨,比上年增长12.3%。", body)]

    drawn: dict[str, int] = {}
    marks = ("48,250", "Town 01", "Town 40", "312 million", "2.40 pounds", "9.5万吨")

    def footer(canvas, doc) -> None:
        canvas.setFont("STSong-Light", 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, str(doc.page))

    class Recorder(SimpleDocTemplate):
        def afterFlowable(self, flowable):  # noqa: N802 (ReportLab's name)
            text = flowable.getPlainText() if hasattr(flowable, "getPlainText") else ""
            cells = " ".join(str(cell) for row in getattr(flowable, "_cellvalues", []) for cell in row)
            for mark in marks:
                if mark not in drawn and mark in cells and mark in ("Town 01", "Town 40"):
                    drawn[mark] = self.page
                elif mark not in drawn and mark in text:
                    drawn[mark] = self.page

    doc = Recorder(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                   topMargin=20 * mm, bottomMargin=20 * mm, **options)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return sorted(drawn.items(), key=lambda item: marks.index(item[0]))


def image_only_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=A4)
    for n in range(20):  # shapes only, as a scanner's page has pixels and no text
        page.rect(50 + 20 * n, 400, 12, 200 - 7 * n, fill=1)
    page.showPage()
    page.save()


def report_docx(path: Path) -> None:
    import docx

    out = docx.Document()
    out.add_heading("Harwick water report", level=1)
    out.add_paragraph("The reservoir held 1.8 million cubic metres at the end of March.")
    out.add_heading("Supply by district", level=2)
    out.add_paragraph("单位:万吨")
    table = out.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    table.cell(0, 0).text = "区"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "2020年"
    table.cell(0, 3).merge(table.cell(0, 4)).text = "2021年"
    for c, label in enumerate(["", "供水", "用水", "供水", "用水"]):
        if c:
            table.cell(1, c).text = label
    for r, (name, values) in enumerate([("北区", (120, 95, 131, 99)), ("南区", (88, 70, 90, 76))], start=2):
        table.cell(r, 0).text = name
        for c, value in enumerate(values, start=1):
            table.cell(r, c).text = str(value)
    out.add_paragraph("Demand is expected to grow by 4% a year.")
    out.save(str(path))


def page_html(path: Path) -> None:
    path.write_text(
        """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Lindale market prices</title>
<style>td { padding: 2px }</style><script>var menu = "Home | Prices";</script></head>
<body><nav><a href="/">Home</a> | <a href="/prices">Prices</a></nav>
<header><p>Lindale Council website</p></header>
<main><h1>Market prices</h1>
<p>The fish market sold <b>2,450 tonnes</b> of cod
in 2022, up from 2,100 tonnes.</p>
<h2>Prices by year</h2>
<table><tr><th>Item</th><th colspan="2">Price (GBP)</th></tr>
<tr><th></th><th>2021</th><th>2022</th></tr>
<tr><td>Cod</td><td>3.10</td><td>3.45</td></tr>
<tr><td>Herring</td><td>1.20</td><td>1.35</td></tr></table>
<ul><li>Opening hours are 6 to 11.</li><li>Parking is free.</li></ul>
</main><footer>Copyright Lindale Council</footer>
<script>document.write("tracking 999 | 1000");</script></body></html>
""",
        encoding="utf-8",
    )


def harbour_xlsx(path: Path) -> None:
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Ferries"
    sheet.append(["Route", "Passengers", None, "Share of total"])
    sheet.merge_cells("B1:C1")
    sheet.append([None, 2021, 2022, 2022])
    sheet.append(["Lindale - Harwick", 48250, 51000.0, 0.625])
    sheet.append(["Harwick - Stour", 30100, 30600, 0.375])
    for row in sheet.iter_rows(min_row=3, min_col=4, max_col=4):
        row[0].number_format = "0.0%"
    sheet.append(["Counted on", datetime.date(2022, 12, 31)])
    book.create_sheet("Empty")
    book.save(str(path))


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    marks = multipage_pdf(out / "multipage.pdf")
    (out / "multipage.pages.json").write_text(json.dumps(dict(marks), ensure_ascii=False, indent=1) + "\n",
                                              encoding="utf-8")
    multipage_pdf(out / "encrypted.pdf", encrypt="secret")
    image_only_pdf(out / "image-only.pdf")
    data = (out / "multipage.pdf").read_bytes()
    (out / "truncated.pdf").write_bytes(data[: len(data) // 2])
    report_docx(out / "report.docx")
    whole = (out / "report.docx").read_bytes()
    (out / "damaged.docx").write_bytes(whole[: len(whole) // 3])
    page_html(out / "page.html")
    (out / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (out / "gbk.txt").write_bytes("临江市2021年的人口为52.3万人,全年生产总值为418.6亿元。\n".encode("gbk"))
    (out / "big5-traditional.md").write_bytes(
        "# 臺北港\n\n臺北港的貨櫃吞吐量為168萬標準箱,比上年增長3.2%。\n".encode("big5"))
    (out / "prices.csv").write_bytes("Item;Price (€);Stock\nBread;2.10;140\nCafé au lait;3.40;75\n"
                                      .encode("cp1252"))
    harbour_xlsx(out / "harbour.xlsx")
    (out / "rates.tsv").write_text("Year\tRate (%)\n2020\t1.5\n2021\t1.75\n2022\t2.25\n", encoding="utf-8")
    for name in sorted(p.name for p in out.iterdir()):
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
