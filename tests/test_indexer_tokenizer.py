"""The BM25 tokenizer on real jieba, PyStemmer and the bundled glossary (no mocks)."""

import re
from pathlib import Path

import pytest

from corpus.errors import SettingsError
from corpus.glossary import load_glossary
from indexer.paths import cache_dir
from indexer.tokenizer import Tokenizer, TokenizerSettings


# Fixed user terms, so these cases do not move when the glossary grows; the glossary
# itself is checked by a property below.
TERMS = ("粤港澳大湾区", "一带一路", "南沙")


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(TokenizerSettings(user_terms=TERMS))


def test_mixed_chinese_english_question(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("香港的人均GDP是多少?") == ["香港", "人均", "gdp"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GDP(亿元人民币) | 2418.78 |", ["gdp", "亿元", "人民", "人民币", "2418.78"]),
        ("accounting for 12.85% in 2016.", ["account", "12.85", "2016"]),
        ("2016年", ["2016", "年"]),
        ("1,404.35 and 56,000", ["1404.35", "56000"]),
        ("ＧＤＰ２０１６，１２．８５％", ["gdp", "2016", "12.85"]),
        ("The cities were growing", ["citi", "were", "grow"]),
        ("China's ports’s", ["china", "port"]),
        ("", []),
        ("— | ||| ,.", []),
    ],
)
def test_tokens(tokenizer: Tokenizer, text: str, expected: list[str]) -> None:
    assert tokenizer.tokenize(text) == expected


def test_glossary_terms_stay_whole_in_search_mode(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokenize("粤港澳大湾区与一带一路,南沙")
    # search mode: the whole glossary term plus the dictionary words inside it
    assert tokens == [
        "粤港", "港澳", "大湾", "湾区", "粤港澳", "粤港澳大湾区",
        "一带", "一路", "一带一路", "南沙",
    ]


def test_default_user_terms_are_the_glossary_terms() -> None:
    assert TokenizerSettings().user_terms == load_glossary().chinese_terms()


def test_every_chinese_glossary_term_is_one_token() -> None:
    default = Tokenizer(TokenizerSettings())
    terms = [t for t in load_glossary().chinese_terms() if re.fullmatch(r"[\u4e00-\u9fff]+", t)]
    assert "粤港澳大湾区" in terms and "南沙" in terms
    assert [t for t in terms if t not in default.tokenize(t)] == []
    assert "南沙" in default.tokenize("广州南沙的港口")


def test_user_terms_change_segmentation() -> None:
    plain = Tokenizer(TokenizerSettings(user_terms=()))
    custom = Tokenizer(TokenizerSettings(user_terms=("核心引擎",)))
    assert plain.tokenize("核心引擎") == ["核心", "引擎"]
    assert custom.tokenize("核心引擎") == ["核心", "引擎", "核心引擎"]
    # Two tokenizers share no jieba state: the plain one is unchanged afterwards.
    assert plain.tokenize("核心引擎") == ["核心", "引擎"]


@pytest.mark.parametrize(
    ("chinese", "expected"),
    [
        ("jieba-search", ["粤港", "港澳", "大湾", "湾区", "粤港澳", "粤港澳大湾区"]),
        ("jieba", ["粤港澳大湾区"]),
        ("characters", ["粤", "港", "澳", "大", "湾", "区"]),
    ],
)
def test_chinese_modes(chinese: str, expected: list[str]) -> None:
    settings = TokenizerSettings(chinese=chinese, user_terms=TERMS)
    assert Tokenizer(settings).tokenize("粤港澳大湾区") == expected


def test_no_stemmer_no_stopwords() -> None:
    raw = Tokenizer(TokenizerSettings(stemmer=None, stopwords=None))
    assert raw.tokenize("The cities of 香港的") == ["the", "cities", "of", "香港", "的"]


def test_english_only_stopwords_keep_chinese_function_words() -> None:
    english = Tokenizer(TokenizerSettings(stopwords="english"))
    assert english.tokenize("the 香港的") == ["香港", "的"]


def test_tokenize_many_keeps_order(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize_many(["南沙 ports", "", "2016"]) == [["南沙", "port"], [], ["2016"]]


def test_jieba_loads_lazily_and_caches_in_our_cache_dir() -> None:
    fresh = Tokenizer(TokenizerSettings())
    fresh.tokenize("English only, 2016")
    assert fresh._jieba is None  # no Chinese seen yet: jieba not loaded
    fresh.tokenize("南沙")
    assert fresh._jieba is not None
    assert Path(fresh._jieba.tmp_dir) == cache_dir("jieba")
    assert (cache_dir("jieba") / "jieba.cache").is_file()


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("stemmer", "porter", "'english', None"),
        ("stopwords", "chinese", "'english', 'english+chinese', None"),
        ("chinese", "regex", "'jieba-search', 'jieba', 'characters'"),
    ],
)
def test_bad_settings_name_the_allowed_values(field: str, value: str, allowed: str) -> None:
    with pytest.raises(SettingsError) as error:
        TokenizerSettings(**{field: value})
    assert allowed in str(error.value)
    assert repr(value) in str(error.value)


@pytest.mark.parametrize("terms", [["南沙"], ("南沙", ""), ("南 沙",), (1,)])
def test_bad_user_terms(terms: object) -> None:
    with pytest.raises(SettingsError, match="user_terms"):
        TokenizerSettings(user_terms=terms)


def test_to_dict_round_trips() -> None:
    settings = TokenizerSettings(stemmer=None, user_terms=("南沙", "核心引擎"))
    data = settings.to_dict()
    assert data == {
        "stemmer": None,
        "stopwords": "english+chinese",
        "chinese": "jieba-search",
        "user_terms": ["南沙", "核心引擎"],
        "fold_traditional": True,
    }
    assert TokenizerSettings(**{**data, "user_terms": tuple(data["user_terms"])}) == settings
