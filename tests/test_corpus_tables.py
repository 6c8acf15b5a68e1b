"""corpus.tables: the bundled tables parse into facts with exact spans; layouts in general."""

import pytest

from corpus.glossary import load_glossary
from corpus.loader import load_documents
from corpus.tables import parse_tables, table_entities
from corpus.types import Document, Fact
from corpus.units import parse_unit
from qa.numbers import figures_from_facts


@pytest.fixture(scope="module")
def gba():
    (document,) = [d for d in load_documents() if d.doc_id == "gba-development.txt"]
    return document


@pytest.fixture(scope="module")
def tables(gba):
    return {table.table_id: table for table in parse_tables(gba)}


def facts_by_key(table):
    return {fact.key: fact for fact in table.facts}


def test_bundled_document_has_five_tables_with_both_captions(tables):
    assert list(tables) == ["table1", "table2", "table3", "table4", "table5"]
    table1 = tables["table1"]
    assert table1.caption_zh == "表1 2016年粤港澳大湾区11城市横向比较"
    assert table1.caption_en.startswith("Table 1 Horizontal comparison of 11 cities")
    assert table1.source_note == "资料来源:各城市2016年统计年鉴;其中香港、澳门数据来源于世界银行。"
    assert table1.unit is None and table1.corner_label == "城市"


def test_table_span_runs_from_chinese_caption_to_english_caption(gba, tables):
    for number, table in enumerate(tables.values(), start=1):
        block = gba.text[table.start : table.end]
        assert block.startswith(f"表{number} ")
        assert block.splitlines()[-1].startswith(f"Table {number} ")


def test_jiangmen_gdp_fact_has_value_unit_and_exact_span(gba, tables):
    fact = facts_by_key(tables["table1"])[("江门", "GDP(亿元人民币)")]
    assert (fact.value, fact.unit, fact.raw) == (2418.78, "亿元人民币", "2418.78")
    assert gba.text[fact.start : fact.end] == "2418.78"
    assert (fact.doc_id, fact.table_id) == ("gba-development.txt", "table1")


def test_second_column_block_of_table1_is_parsed(tables):
    table1 = tables["table1"]
    cities = [column.labels for column in table1.columns]
    assert cities == [(c,) for c in "广州 东莞 深圳 惠州 珠海 江门 中山 佛山 肇庆 香港 澳门".split()]
    facts = facts_by_key(table1)
    assert facts[("中山", "GDP(亿元人民币)")].value == 3202.78
    assert facts[("澳门", "人均GDP(人民币元)")].value == 462534
    assert facts[("香港", "常住人口(万人)")].unit == "万人"
    assert facts[("肇庆", "面积(平方公里)")].raw == "14891"
    assert len(table1.facts) == 53  # 11 cities x 5 rows, less the two "—" cells


def test_dash_cells_give_no_fact(gba, tables):
    facts = facts_by_key(tables["table1"])
    assert ("香港", "人均可支配收入(人民币元)") not in facts
    assert ("澳门", "人均可支配收入(人民币元)") not in facts
    ports = facts_by_key(tables["table2"])
    assert ("香港港", "旅客吞吐量(万人次)") not in ports
    assert ports[("惠州港", "旅客吞吐量(万人次)")].value == 0.0  # a real zero stays a fact
    for table in tables.values():
        assert all(fact.raw not in ("—", "") for fact in table.facts)


def test_port_table_without_corner_label_and_with_units(tables):
    table2 = tables["table2"]
    assert table2.corner_label is None
    facts = facts_by_key(table2)
    assert facts[("深圳港", "集装箱吞吐量(万TEU)")].value == 2387.93
    assert facts[("深圳港", "集装箱吞吐量(万TEU)")].unit == "万TEU"
    assert facts[("澳门港", "货物吞吐量(万吨)")].unit == "万吨"
    assert len(table2.facts) == 30


def test_two_level_header_with_unit_line(gba, tables):
    table4 = tables["table4"]
    assert table4.unit == "万美元" and table4.corner_label == "地区"
    assert [c.labels for c in table4.columns[:4]] == [("肇庆", "出口"), ("肇庆", "进口"), ("珠海", "出口"), ("珠海", "进口")]
    fact = facts_by_key(table4)[("深圳", "进口", "东北亚")]
    assert (fact.value, fact.unit) == (336913, "万美元")
    assert gba.text[fact.start : fact.end] == "336913"
    africa = [f for f in table4.facts if f.row_label == "非洲"]
    assert [f.key[:2] for f in africa] == [("肇庆", "出口"), ("肇庆", "进口"), ("珠海", "出口"), ("珠海", "进口")]
    assert len(table4.facts) == 28


def test_text_valued_tables_have_facts_without_values(gba, tables):
    industries = facts_by_key(tables["table3"])
    fact = industries[("主要产业", "深圳")]
    assert (fact.value, fact.unit) == (None, None)
    assert fact.raw == "电子信息、生物医药、新能源和新材料" == gba.text[fact.start : fact.end]
    assert tables["table3"].source_note.startswith("资料来源:《珠三角")  # source line without '|'
    policies = tables["table5"]
    assert policies.corner_label == "时间"
    assert [row.label.text for row in policies.rows][:3] == ["2015年6月"] * 3
    assert [f.raw for f in policies.facts[:2]] == ["《广东省参与建设“一带一路”的实施方案》", "9项重点任务"]
    assert all(f.value is None for f in policies.facts)


def test_entities_follow_table_orientation(tables):
    cities = table_entities(tables["table1"])
    assert [e.label for e in cities][:3] == ["广州", "东莞", "深圳"] and len(cities) == 11
    jiangmen = cities[5]
    assert jiangmen.axis == "column"
    assert [f.row_label for f in jiangmen.facts] == [
        "GDP(亿元人民币)", "常住人口(万人)", "面积(平方公里)", "人均GDP(人民币元)", "人均可支配收入(人民币元)",
    ]
    regions = table_entities(tables["table4"])
    assert [(e.label, e.axis, len(e.facts)) for e in regions] == [
        ("中亚", "row", 8), ("东北亚", "row", 8), ("非洲", "row", 4), ("南亚", "row", 8),
    ]


def test_markdown_pipe_table_with_units_and_percent():
    text = (
        "Intro line.\n\n"
        "| Year | Sales (t) | Share |\n"
        "|------|-----------|-------|\n"
        "| 2021 | 1,200 | 12.5% |\n"
        "| 2022 | — | 14% |\n"
        "\nAfter.\n"
    )
    (table,) = parse_tables(Document("m.md", "m", text))
    assert table.table_id == "untitled1" and table.caption_zh is None
    assert [f.key for f in table.facts] == [("Sales (t)", "2021"), ("Share", "2021"), ("Share", "2022")]
    assert [(f.value, f.unit) for f in table.facts] == [(1200.0, "t"), (12.5, "%"), (14.0, "%")]
    assert [text[f.start : f.end] for f in table.facts] == ["1,200", "12.5%", "14%"]


def test_spanning_header_and_merged_cells_are_spread():
    # An empty header cell continues the label on its left (a merged cell).
    text = "表7 示例\n地区 | 2020 | | 2021 |\n出口 | 进口 | 出口 |\n甲 | 1 | 2 | 3 |\nTable 7 Example\n"
    (table,) = parse_tables(Document("x.txt", "x", text))
    assert table.corner_label == "地区"
    assert [c.labels for c in table.columns] == [("2020", "出口"), ("2020", "进口"), ("2021", "出口")]
    assert [f.key for f in table.facts][-1] == ("2021", "出口", "甲")
    assert table.caption_en == "Table 7 Example" and table.end == len(text) - 1


def test_lines_with_a_single_pipe_are_not_a_table():
    text = "Price | value is quoted once.\nNothing else here.\n"
    assert parse_tables(Document("p.txt", "p", text)) == []


# Tables as financial reports write them (examples written for these tests, in the style
# of annual reports exported to Markdown).

def parse_one(text):
    document = Document("r.md", "r", text)
    (table,) = parse_tables(document)
    for fact in table.facts:
        assert text[fact.start : fact.end] == fact.raw
    return table


def by_cell(table):
    return {(fact.row_label, fact.column_labels[-1]): fact for fact in table.facts}


def scale_unit(fact):
    parsed = parse_unit(fact.unit)
    return parsed.scale, parsed.unit


def test_money_negatives_and_a_title_row_over_the_years():
    text = (
        "# Report\n\n"
        "|  | Year Ended June 30, |  |\n"
        "|---|---|---|\n"
        "| (In thousands) | 2019 | 2018 |\n"
        "| Net sales | $ 1,452.4 | $1,327.9 |\n"
        "| Other expense | (494) | — |\n"
        "| Currency loss | $ (9,982) | −298 |\n"
        "|  | $2,337 | $6,090 |\n"
    )
    table = parse_one(text)
    assert [c.labels for c in table.columns] == [("Year Ended June 30,", "2019"), ("Year Ended June 30,", "2018")]
    assert [(c.period, c.year) for c in table.columns] == [
        ("Year Ended June 30, 2019", 2019), ("Year Ended June 30, 2018", 2018)]
    assert [f.value for f in table.facts] == [1452.4, 1327.9, -494, -9982, -298, 2337, 6090]
    cells = by_cell(table)
    assert cells[("Net sales", "2019")].raw == "$ 1,452.4"
    assert scale_unit(cells[("Net sales", "2019")]) == (1e3, "USD")
    # "$" on some cells of a column puts the whole column in dollars, as accounts are set
    assert scale_unit(cells[("Other expense", "2019")]) == (1e3, "USD")
    assert ("Other expense", "2018") not in cells  # "—" is no data
    assert (cells[("", "2018")].value, cells[("", "2018")].year) == (6090, 2018)  # a total row stays data
    assert table.unit == "(In thousands)" and table.corner_label == "(In thousands)"


def test_unit_row_of_dollar_thousands_and_a_section_row():
    text = (
        "|  | 2019 | 2018 |\n"
        "|---|---|---|\n"
        "|  | $'000 | $'000 |\n"
        "| Current |  |  |\n"
        "| Trade payables | 3,486 | 4,184 |\n"
        "| Accrued expenses | 6,706 | - |\n"
    )
    table = parse_one(text)
    assert [c.labels for c in table.columns] == [("2019",), ("2018",)]
    assert [row.label.text for row in table.rows] == ["Current", "Trade payables", "Accrued expenses"]
    assert table.rows[0].facts == ()
    fact = by_cell(table)[("Trade payables", "2019")]
    assert (fact.value, fact.unit, fact.period, fact.year) == (3486, "$'000", "2019", 2019)
    assert scale_unit(fact) == (1e3, "USD")
    assert len(table.facts) == 3


def test_unit_sentence_before_the_table_per_share_and_percent_rows():
    text = (
        "Selected financial data (in millions, except per share data):\n\n"
        "|  | FY2019 | FY2018 |\n"
        "|---|---|---|\n"
        "| Revenue | $23,406 | $30,391 |\n"
        "| Diluted earnings per share | $5.51 | (0.27) |\n"
        "| Gross margin % | 45.7 | 58.9 |\n"
        "| Revenue growth | (4.1)% | 12.5% |\n"
        "| Current ratio | 1.5 | 1.7 |\n"
        "| Interest spread | 63 bps | 70 bps |\n"
    )
    table = parse_one(text)
    cells = by_cell(table)
    revenue = cells[("Revenue", "FY2019")]
    assert (revenue.value, revenue.period, revenue.year) == (23406, "FY2019", 2019)
    assert scale_unit(revenue) == (1e6, "USD")
    assert (cells[("Diluted earnings per share", "FY2019")].unit, cells[("Diluted earnings per share", "FY2018")].unit) == ("$", "$")
    assert cells[("Diluted earnings per share", "FY2018")].value == -0.27
    assert [cells[("Gross margin %", y)].unit for y in ("FY2019", "FY2018")] == ["%", "%"]
    assert (cells[("Revenue growth", "FY2019")].value, cells[("Revenue growth", "FY2019")].unit) == (-4.1, "%")
    assert cells[("Current ratio", "FY2019")].unit is None
    assert scale_unit(cells[("Interest spread", "FY2018")]) == (1, "bp")
    assert table.unit == "in millions"


def test_table_figures_take_the_scale_and_the_column_year():
    text = (
        "|  | December 31, |  |\n"
        "|---|---|---|\n"
        "| (Dollars in millions) | 2019 | 2018 |\n"
        "| Net income | $ 1,327.9 | (25.3) |\n"
        "| Margin | 12.5% | 11.0% |\n"
    )
    table = parse_one(text)
    figures = figures_from_facts(table.facts, table.caption, load_glossary())
    assert [(f.text, f.value, f.unit, f.year) for f in figures] == [
        ("$ 1,327.9", 1327.9e6, "USD", 2019), ("(25.3)", -25.3e6, "USD", 2018),
        ("12.5%", 12.5, "%", 2019), ("11.0%", 11.0, "%", 2018),
    ]
    assert [c.period for c in table.columns] == ["December 31, 2019", "December 31, 2018"]


def test_chinese_unit_corner_and_year_columns():
    text = "| 单位:万美元 | 2016年 | 2015年 |\n|---|---|---|\n| 出口 | 1,200 | 1,100 |\n"
    table = parse_one(text)
    fact = by_cell(table)[("出口", "2016年")]
    assert (fact.value, fact.period, fact.year) == (1200, "2016年", 2016)
    assert scale_unit(fact) == (1e4, "USD")


def test_corner_scale_and_a_title_in_the_corner():
    text = (
        "| Years ended August 31, | 2019 | 2018 (1) | Change |\n"
        "|---|---|---|---|\n"
        "| m | $ | $ | % |\n"
        "| Cash from operations | 868.7 | 620.7 | 39.9 |\n"
    )
    table = parse_one(text)
    cells = by_cell(table)
    assert cells[("Cash from operations", "2018 (1)")].period == "Years ended August 31, 2018"
    assert scale_unit(cells[("Cash from operations", "2019")]) == (1e6, "USD")
    change = cells[("Cash from operations", "Change")]
    assert (change.unit, change.year) == ("%", None)


def test_two_years_in_a_column_label_name_no_period():
    text = (
        "|  | 2019 | 2018 | 2019 vs 2018 |\n"
        "|---|---|---|---|\n"
        "|  |  |  | % Change |\n"
        "| Revenue | 1,210 | 1,100 | 10.0 |\n"
    )
    table = parse_one(text)
    change = by_cell(table)[("Revenue", "% Change")]
    assert (change.year, change.unit) == (None, "%")


def test_a_period_row_part_way_starts_a_new_block():
    text = (
        "|  | 2019 | 2018 |\n"
        "|---|---|---|\n"
        "| Issued capital | 83,692 | 66,128 |\n"
        "| Securities on issue | 2019 | 2018 |\n"
        "| Opening balance | 559,107,042 | 512,913,914 |\n"
    )
    table = parse_one(text)
    assert [f.raw for f in table.facts] == ["83,692", "66,128", "559,107,042", "512,913,914"]
    assert [f.year for f in table.facts] == [2019, 2018, 2019, 2018]
    assert table.rows[-1].facts[0].key == ("2019", "Opening balance")


def test_unit_declared_in_the_paragraph_after_the_table():
    text = (
        "|  | March 31, |  |\n"
        "|---|---|---|\n"
        "|  | 2019 | 2018 |\n"
        "| Land | $83.4 | $73.4 |\n"
        "| Buildings | 647.6 | 508.5 |\n\n"
        "Property and equipment consists of the following (in millions):\n"
    )
    table = parse_one(text)
    buildings = by_cell(table)[("Buildings", "2018")]
    assert (buildings.period, scale_unit(buildings)) == ("March 31, 2018", (1e6, "USD"))
    assert scale_unit(by_cell(table)[("Land", "2019")]) == (1e6, "USD")


def test_unit_declared_further_down_in_a_page_header_sentence():
    text = (
        "| Region | 2021 | 2020 |\n"
        "|---|---|---|\n"
        "| North | 1,204 | 998 |\n\n"
        "Notes to the accounts\n\n"
        "Revenue by region was as shown.\n\n"
        "Regions are grouped by the customer's address.\n\n"
        "ACME GROUP (Expressed in thousands of euros, except per share data)\n"
    )
    north = by_cell(parse_one(text))[("North", "2021")]
    assert (north.value, scale_unit(north)) == (1204, (1e3, "EUR"))


def test_a_declaration_just_before_the_next_table_is_that_tables():
    text = (
        "| Item | 2021 |\n|---|---|\n| Staff | 12 |\n\n"
        "Costs were as follows (in millions):\n\n"
        "| Item | 2021 |\n|---|---|\n| Rent | 4.5 |\n"
    )
    first, second = parse_tables(Document("d.md", "d", text))
    assert first.facts[0].unit is None
    assert scale_unit(second.facts[0])[0] == 1e6


def test_rows_under_a_section_row_carry_its_label():
    text = (
        "|  | 2021 | 2020 |\n"
        "|---|---|---|\n"
        "| Opening balance | 10 | 9 |\n"
        "| Retail: |  |  |\n"
        "| Opening balance | 4 | 3 |\n"
        "| Year ended 2021 |  |  |\n"
        "| Closing balance | 5 | 4 |\n"
    )
    table = parse_one(text)
    assert [(f.row_label, f.group) for f in table.facts[::2]] == [
        ("Opening balance", None), ("Opening balance", "Retail"), ("Closing balance", "Retail")]


def test_dated_rows_give_the_period_when_columns_name_none():
    text = (
        "|  | Shares | Amount |\n"
        "|---|---|---|\n"
        "| Balance at March 31, 2018 | 1,000 | $1.9 |\n"
        "| 2021 | 1,200 | 12.5% |\n"
    )
    table = parse_one(text)
    assert [(f.period, f.year) for f in table.facts] == [
        ("March 31, 2018", 2018), ("March 31, 2018", 2018), ("2021", 2021), ("2021", 2021)]


def test_footnote_in_a_label_is_no_unit():
    text = "|  | 2019 |\n|---|---|\n| Discount rate(1) | 2.2% |\n| Headcount(2) | 1,250 |\n"
    table = parse_one(text)
    assert [f.unit for f in table.facts] == ["%", None]
    assert [e.axis for e in table_entities(table)] == ["row", "row"]


def test_facts_of_an_old_index_load_without_a_period():
    old = {"doc_id": "d", "table_id": "t", "row_label": "r", "column_labels": ["c"], "raw": "1",
           "value": 1.0, "unit": None, "start": 0, "end": 1}
    fact = Fact.from_dict(old)
    assert (fact.period, fact.year) == (None, None)
    assert Fact.from_dict(fact.to_dict()) == fact
