"""Figures from prose and table cells, on exact sentences of the bundled corpus."""

from pathlib import Path

import pytest

from corpus.glossary import load_glossary
from corpus.types import Fact
from corpus.units import UnitScale, parse_unit
from qa.numbers import extract_figures, figures_from_facts

DOCUMENTS = Path(__file__).resolve().parents[1] / "corpus" / "documents"
GBA = "gba-development.txt"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


def read(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


def sentence_figures(doc: str, sentence: str):
    """Figures of one exact sentence of `doc`, with document offsets."""
    text = read(doc)
    start = text.index(sentence)
    return extract_figures(sentence, doc, offset=start)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("亿元人民币", UnitScale(1e8, "CNY")), ("万人", UnitScale(1e4, "person")),
        ("人民币元", UnitScale(1, "CNY")), ("平方公里", UnitScale(1, "km2")),
        ("万吨", UnitScale(1e4, "t")), ("万TEU", UnitScale(1e4, "TEU")),
        ("万人次", UnitScale(1e4, "person")), ("万美元", UnitScale(1e4, "USD")),
        ("亿美元", UnitScale(1e8, "USD")), ("万亿元", UnitScale(1e12, "CNY")),
        ("yuan", UnitScale(1, "CNY")), ("US dollars", UnitScale(1, "USD")),
        ("kilometers", UnitScale(1, "km")), ("square kilometers", UnitScale(1, "km2")),
        ("tons", UnitScale(1, "t")), ("TEUs", UnitScale(1, "TEU")), ("%", UnitScale(1, "%")),
        ("percentage points", UnitScale(1, "pp")), ("个", UnitScale(1, None)),
        ("项", UnitScale(1, None)), ("billion yuan", UnitScale(1e9, "CNY")),
        ("million", UnitScale(1e6, None)), ("单位:万美元", UnitScale(1e4, "USD")),
        ("(亿元人民币)", UnitScale(1e8, "CNY")), ("千米", UnitScale(1, "km")),
    ],
)
def test_parse_unit(written, expected):
    assert parse_unit(written) == expected


@pytest.mark.parametrize("written", ["", "  ", "apples", "亿苹果"])
def test_parse_unit_unknown_is_none(written):
    assert parse_unit(written) is None


@pytest.mark.parametrize(
    ("doc", "sentence", "surface", "value", "unit"),
    [
        (GBA, "accounting for 12.85% of the national total", "12.85%", 12.85, "%"),
        (GBA, "the total economic output of the Bay Area was 9095.478 billion yuan",
         "9095.478 billion yuan", 9.095478e12, "CNY"),
        (GBA, "reached 1.217622 trillion yuan", "1.217622 trillion yuan", 1.217622e12, "CNY"),
        (GBA, "The container throughput reached 651918600 TEUs", "651918600 TEUs", 651918600, "TEU"),
        (GBA, "The permanent population in the Bay Area is 67.9438 million",
         "67.9438 million", 67943800, "person"),
        (GBA, "is about 56000 square kilometers", "56000 square kilometers", 56000, "km2"),
        (GBA, "reached 7673 kilometers", "7673 kilometers", 7673, "km"),
        (GBA, "reached 1.47 billion tons", "1.47 billion tons", 1.47e9, "t"),
        (GBA, "achieved a regional GDP of $1.4 trillion", "$1.4 trillion", 1.4e12, "USD"),
        ("gba-business-conference-macao.txt", "5.3 percentage points higher",
         "5.3 percentage points", 5.3, "pp"),
        ("gba-business-conference-macao.txt", "only 3.89 square kilometers",
         "3.89 square kilometers", 3.89, "km2"),
        ("guangzhou-nansha-core-engine.txt", "more than 2,100 entrepreneurial projects",
         "2,100", 2100, None),
        (GBA, "68个项目,总投资达554亿美元", "554亿美元", 5.54e10, "USD"),
        (GBA, "68个项目,总投资达554亿美元", "68个", 68, None),
        (GBA, "| 9项重点任务 |", "9项", 9, None),
        (GBA, "| 40项工作 |", "40项", 40, None),
    ],
)
def test_prose_forms(doc, sentence, surface, value, unit):
    figures = {f.text: f for f in sentence_figures(doc, sentence)}
    assert surface in figures, sorted(figures)
    figure = figures[surface]
    assert figure.value == pytest.approx(value, rel=1e-12)
    assert figure.unit == unit


@pytest.mark.parametrize(
    ("text", "surface", "value", "unit"),
    [
        ("出口额为8.6亿美元。", "8.6亿美元", 8.6e8, "USD"),
        ("总投资1.2万亿元。", "1.2万亿元", 1.2e12, "CNY"),
        ("A total of 1,234.5 tons.", "1,234.5 tons", 1234.5, "t"),
        ("Exports reached US$3 billion.", "US$3 billion", 3e9, "USD"),
    ],
)
def test_written_forms_outside_the_corpus(text, surface, value, unit):
    figure = next(f for f in extract_figures(text, "x.txt") if f.text == surface)
    assert (figure.value, figure.unit) == (pytest.approx(value), unit)
    assert text[figure.start:figure.end] == surface


@pytest.mark.parametrize(
    ("doc", "sentence", "surface", "value", "unit"),
    [
        (GBA, "In 2016, the total economic output", "2016", 2016, "year"),
        ("gba-business-conference-macao.txt", "September 14-15, the first", "September 14-15", 914, "date"),
        ("guangzhou-nansha-core-engine.txt", "In April 2023, General Secretary", "April 2023", 2023, "year"),
        (GBA, "On December 14, 2017, the National", "December 14, 2017", 2017, "year"),
        (GBA, "2015年6月 | 《广东省参与建设", "2015年6月", 2015, "year"),
        (GBA, "重点工作方案(2015~2017年)", "2015~2017年", 2015, "year"),
        (GBA, "资料来源:各城市2016年统计年鉴", "2016年", 2016, "year"),
        ("belt-and-road-coastal-provinces-2021.txt", "In 2021, covid-19 pneumonia", "2021", 2021, "year"),
    ],
)
def test_years_and_dates_are_not_quantities(doc, sentence, surface, value, unit):
    figures = sentence_figures(doc, sentence)
    assert [f.text for f in figures] == [surface]  # "14-15", "2017年", "19" of covid-19: not figures
    assert (figures[0].value, figures[0].unit) == (value, unit)
    assert figures[0].year == (value if unit == "year" else None)


def test_references_and_ordinals_are_not_figures():
    text = read("belt-and-road-high-quality-15th-five-year-plan.txt")
    surfaces = [f.text for f in extract_figures(text, "belt-and-road-high-quality-15th-five-year-plan.txt")]
    assert surfaces == ["150"]  # "15th", "20th": ordinals
    gba = [f.text for f in sentence_figures(GBA, "(2) Excellent resource endowment")]
    assert gba == []


def test_spans_are_exact_over_the_whole_corpus():
    total = 0
    for path in sorted(DOCUMENTS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        figures = extract_figures(text, path.name)
        total += len(figures)
        for figure in figures:
            assert text[figure.start:figure.end] == figure.text
            assert figure.doc_id == path.name
        assert [f.start for f in figures] == sorted(f.start for f in figures)
    assert total > 150


def test_offset_applies_to_spans():
    text = read(GBA)
    start = text.index("As of 2016, the total cargo throughput")
    figures = extract_figures(text[start:start + 200], GBA, offset=start)
    tons = next(f for f in figures if f.unit == "t")
    assert text[tons.start:tons.end] == "1.47 billion tons"


def test_labels_of_the_bay_area_gdp_sentence():
    sentence = read(GBA)[read(GBA).index("In 2016, the Guangdong Hong Kong Macao Greater Bay Area achieved"):]
    sentence = sentence[: sentence.index("San Francisco Bay Area.") + len("San Francisco Bay Area.")]
    figures = sentence_figures(GBA, sentence)
    got = [(f.text, f.entity, f.metric, f.year) for f in figures]
    assert got == [
        ("2016", "Guangdong-Hong Kong-Macao Greater Bay Area", "gdp", 2016),  # the when of that GDP
        ("$1.4 trillion", "Guangdong-Hong Kong-Macao Greater Bay Area", "gdp", 2016),
        ("$1.5 trillion", "New York Bay Area", "gdp", 2016),
        ("$1.3 trillion", "Tokyo Bay Area", "gdp", 2016),
        ("$0.8 trillion", "San Francisco Bay Area", "gdp", 2016),
    ]
    assert figures[2].label == "New York Bay Area GDP 2016"


def test_labels_carry_metric_and_share():
    figures = {f.text: f for f in sentence_figures(
        GBA, "In 2016, the total economic output of the Bay Area was 9095.478 billion yuan, "
             "accounting for 12.85% of the national total")}
    assert figures["9095.478 billion yuan"].label == "Bay Area GDP 2016"
    assert figures["12.85%"].metric == "gdp share"


@pytest.mark.parametrize("text, years", [
    # a year written just after a number, joined by a preposition, is that number's
    ("There were 308,000 awards excluded for the fiscal year ended 2019 and 113,000 for the "
     "fiscal year ended 2018.", {"308,000": 2019, "113,000": 2018}),
    ("Revenue was $5.1 million in 2019 compared with $4.2 million in 2018.",
     {"$5.1 million": 2019, "$4.2 million": 2018}),
    # years listed before values that are paired "respectively"
    ("At December 31, 2021 and 2020 there were 383,000 and 750,000 shares outstanding, respectively.",
     {"383,000": 2021, "750,000": 2020}),
    # a year before the numbers still dates them all
    ("In 2016, exports grew by 5% and imports by 3%.", {"5%": 2016, "3%": 2016}),
    ("The fleet had 12 ships and 30 barges in 2020.", {"12": 2020, "30": 2020}),
])
def test_the_year_of_each_number_in_a_sentence(text, years):
    found = {f.text: f.year for f in extract_figures(text, "d.txt") if f.unit != "year"}
    assert {t: found[t] for t in years} == years


def test_respectively_pairs_values_with_places():
    text = ("In 2016, the GDP of Guangzhou, Shenzhen and Hong Kong reached 1954.744 billion yuan, "
            "1949.26 billion yuan and 2028.146 billion yuan respectively.")
    figures = [f for f in extract_figures(text, "x.txt") if f.unit == "CNY"]
    assert [(f.entity, f.value) for f in figures] == [
        ("Guangzhou", pytest.approx(1.954744e12)), ("Shenzhen", pytest.approx(1.94926e12)),
        ("Hong Kong", pytest.approx(2.028146e12)),
    ]
    assert [f.label for f in figures][0] == "Guangzhou GDP 2016"


def test_respectively_in_chinese():
    text = "2016年,广州、深圳和香港的GDP分别为19547.44亿元、19492.6亿元和20281.46亿元。"
    figures = [f for f in extract_figures(text, "x.txt") if f.unit == "CNY"]
    assert [f.entity for f in figures] == ["Guangzhou", "Shenzhen", "Hong Kong"]
    assert figures[2].value == pytest.approx(2.028146e12)


def test_respectively_with_unnamed_values_keeps_the_sentence_place():
    figures = sentence_figures(GBA, "As of the end of 2016, the annual passenger throughput of the three "
                                    "major airports reached 70.5 million, 41.97 million, and 59.87 million respectively.")
    values = [(f.value, f.unit, f.metric, f.year) for f in figures if f.unit != "year"]
    assert values == [(70.5e6, "person", "passenger throughput", 2016),
                      (41.97e6, "person", "passenger throughput", 2016),
                      (59.87e6, "person", "passenger throughput", 2016)]


def cell(text: str, row: str, columns: tuple[str, ...], raw: str, unit: str | None, after: str) -> Fact:
    """A Fact with the span of `raw` in the first line that starts with `after`."""
    line = text.index(after)
    start = text.index(f"| {raw} ", line) + 2
    return Fact(doc_id=GBA, table_id="t", row_label=row, column_labels=columns, raw=raw,
                value=float(raw), unit=unit, start=start, end=start + len(raw))


def test_figures_from_table_facts(glossary):
    text = read(GBA)
    facts = [
        cell(text, "GDP(亿元人民币)", ("广州",), "19547.44", "亿元人民币", "GDP(亿元人民币) | 19547.44"),
        cell(text, "人均GDP(人民币元)", ("香港",), "276062", "人民币元", "人均GDP(人民币元) | 99471"),
        cell(text, "常住人口(万人)", ("江门",), "454.40", None, "常住人口(万人) | 1404.35"),
    ]
    guangzhou, hong_kong, jiangmen = figures_from_facts(
        facts, "表1 2016年粤港澳大湾区11城市横向比较", glossary)
    assert (guangzhou.value, guangzhou.unit, guangzhou.year) == (1.954744e12, "CNY", 2016)
    assert "Guangzhou" in guangzhou.label and "GDP" in guangzhou.label and "2016" in guangzhou.label
    assert "广州" in guangzhou.label
    assert text[guangzhou.start:guangzhou.end] == guangzhou.text == "19547.44"
    assert (hong_kong.value, hong_kong.unit, hong_kong.metric) == (276062, "CNY", "per capita gdp")
    assert hong_kong.entity == "Hong Kong"
    assert (jiangmen.value, jiangmen.unit) == (pytest.approx(4.544e6), "person")  # unit from the header


def test_trade_cell_in_ten_thousand_dollars(glossary):
    text = read(GBA)
    fact = cell(text, "东北亚", ("深圳", "进口"), "336913", "万美元", "东北亚 | 18317")
    (figure,) = figures_from_facts([fact], "表4 粤港澳大湾区部分城市对“一带一路”沿线国家贸易情况", glossary)
    assert (figure.value, figure.unit, figure.year) == (3369130000.0, "USD", None)
    assert (figure.entity, figure.metric) == ("Shenzhen", "import")


def test_text_facts_give_no_figure(glossary):
    fact = Fact(doc_id=GBA, table_id="t5", row_label="主要内容", column_labels=("2015年6月",),
                raw="9项重点任务", value=None, unit=None, start=0, end=6)
    assert figures_from_facts([fact], "表5 广东省参与“一带一路”建设的相关政策文件", glossary) == []


def test_unknown_table_unit_is_kept_as_written(glossary):
    fact = Fact(doc_id=GBA, table_id="t", row_label="耕地", column_labels=("江门",),
                raw="12.5", value=12.5, unit="公顷", start=0, end=4)
    (figure,) = figures_from_facts([fact], None, glossary)
    assert (figure.value, figure.unit) == (12.5, "公顷")


def test_a_count_takes_the_place_after_what_it_counts():
    text = ("The lab has served nearly 300 users in Hong Kong and Macao. "
            "Foshan built 55 innovation bases for Hong Kong youths. "
            "A total of 40,000 Macao residents joined the scheme in Zhuhai.")
    figures = {f.text: f for f in extract_figures(text, "x.txt")}
    assert figures["300"].entity == "Hong Kong"
    assert figures["55"].entity == "Hong Kong"  # not Foshan, the builder
    assert figures["40,000"].entity == "Macao"


def test_bare_counts_of_people_are_persons():
    text = "More than 2,900 young people from Macao, 40,000 Hong Kong residents, 300 users and 3000人."
    units = {f.text: f.unit for f in extract_figures(text, "x.txt")}
    assert units == {"2,900": "person", "40,000": "person", "300": None, "3000人": "person"}


def test_counts_written_as_words_only_when_asked_for():
    text = "The city launched eight measures for firms; it led for four consecutive years. 建设四个中心。"
    assert [f.text for f in extract_figures(text, "x.txt")] == []
    words = extract_figures(text, "x.txt", words=True)
    assert [(f.text, f.value, f.unit) for f in words] == [
        ("eight", 8.0, None), ("four", 4.0, "yr"), ("四个", 4.0, None)]  # the classifier with it, as in "68个"
    assert words[0].metric == "measures"


def test_one_and_ordinals_are_not_counts():
    assert extract_figures("one of the first, 第四个 and one-stop", "x.txt", words=True) == []


def test_a_quoted_code_is_not_a_figure():
    text = 'still dominated by the "2-31" structure, and “1+N” plans; "12%" growth.'
    assert [f.text for f in extract_figures(text, "x.txt")] == ["12%"]
    assert [f.text for f in extract_figures("grew by 12% to “9,000” units", "x.txt")] == ["12%", "9,000"]
