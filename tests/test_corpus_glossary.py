"""corpus.glossary: bundled coverage of every table label, label translation, user files."""

from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.glossary import load_glossary, split_label_unit
from corpus.loader import load_documents
from corpus.tables import parse_tables

EXTRA_GLOSSARY = Path(__file__).parent / "data" / "glossary-extra.tsv"


def _labels(table):
    labels = {label for column in table.columns for label in column.labels}
    labels |= {row.label.text for row in table.rows}
    if table.corner_label:
        labels.add(table.corner_label)
    if table.unit:
        labels.add(table.unit)
    return labels


def test_every_label_of_the_bundled_tables_has_an_english_name():
    glossary = load_glossary()
    labels = set()
    for document in load_documents():
        for table in parse_tables(document):
            labels |= _labels(table)
    assert len(labels) > 40
    missing = sorted(label for label in labels if glossary.english_label(label) is None)
    assert missing == []


@pytest.mark.parametrize(
    "label, english",
    [
        ("江门", "Jiangmen"),
        ("深圳港", "Shenzhen Port"),
        ("东北亚", "Northeast Asia"),
        ("GDP(亿元人民币)", "GDP (100 million yuan RMB)"),
        ("常住人口(万人)", "permanent population (10,000 persons)"),
        ("集装箱吞吐量（万TEU）", "container throughput (10,000 TEU)"),
        ("2015年6月", "June 2015"),
        ("2020年", "2020"),
        ("Sales (t)", "Sales (t)"),
        ("未知城市", None),
        ("未知(万人)", None),
    ],
)
def test_english_label(label, english):
    assert load_glossary().english_label(label) == english


def test_scale_words_are_in_the_glossary():
    glossary = load_glossary()
    assert (glossary.english("万"), glossary.english("亿")) == ("10^4", "10^8")
    assert "粤港澳大湾区" in glossary.chinese_terms() and "一带一路" in glossary.chinese_terms()


def test_split_label_unit():
    assert split_label_unit("GDP(亿元人民币)") == ("GDP", "亿元人民币")
    assert split_label_unit("人均可支配收入（人民币元）") == ("人均可支配收入", "人民币元")
    assert split_label_unit("城市") == ("城市", None)


def test_gloss_finds_longest_terms_in_free_text():
    english = load_glossary().gloss("电气机械制造业、陶瓷")
    assert english == ("electrical machinery manufacturing", "ceramics")


def test_user_file_adds_and_overrides_entries(tmp_path):
    override = tmp_path / "mine.tsv"
    override.write_text("# mine\n江门\tJiangmen City\tplace\n", encoding="utf-8")
    glossary = load_glossary([EXTRA_GLOSSARY, override])
    assert glossary.english("宁波") == "Ningbo"
    assert glossary.english("江门") == "Jiangmen City"
    assert load_glossary().english("宁波") is None


@pytest.mark.parametrize("row", ["江门\tJiangmen", "江门\tJiangmen\tcity", "\tJiangmen\tplace"])
def test_bad_glossary_row_is_refused_with_file_and_row(tmp_path, row):
    bad = tmp_path / "bad.tsv"
    bad.write_text(row + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.tsv: row 1 must be zh<TAB>en<TAB>kind"):
        load_glossary([bad])


def test_missing_glossary_file_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="cannot read glossary"):
        load_glossary([tmp_path / "nope.tsv"])
