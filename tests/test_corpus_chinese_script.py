"""corpus.chinese_script and the tokenizer's folding: traditional and simplified Chinese
are one term for matching, and simplified text is left as it is."""

from corpus.chinese_script import to_simplified
from corpus.loader import load_documents
from indexer.tokenizer import Tokenizer, TokenizerSettings


def test_traditional_characters_and_phrases_fold_to_simplified():
    assert to_simplified("臺北港的貨櫃吞吐量為168萬標準箱") == "台北港的货柜吞吐量为168万标准箱"
    assert to_simplified("乾隆年間") == "乾隆年间"  # a phrase keeps its own character


def test_simplified_text_comes_back_unchanged():
    for document in load_documents():
        assert to_simplified(document.text) == document.text


def test_tokenizer_gives_one_term_for_both_scripts_unless_told_not_to():
    tokenizer = Tokenizer()
    assert tokenizer.tokenize("臺北市人口") == tokenizer.tokenize("台北市人口")
    assert "台北" in tokenizer.tokenize("臺北市人口")
    plain = Tokenizer(TokenizerSettings(fold_traditional=False))
    assert plain.tokenize("臺北市人口") != plain.tokenize("台北市人口")
    assert TokenizerSettings().to_dict()["fold_traditional"] is True
