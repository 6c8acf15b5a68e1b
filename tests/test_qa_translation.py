"""Chinese questions -> English glosses and names, with the real CC-CEDICT and jieba."""

import pytest

from corpus.glossary import load_glossary
from indexer.tokenizer import Tokenizer, TokenizerSettings
from qa.translation import QueryTranslator, _interleaved


@pytest.fixture(scope="module")
def translator():
    glossary = load_glossary()
    return QueryTranslator(glossary, Tokenizer(TokenizerSettings()).tokenize)


def test_every_reading_of_a_word_gives_its_first_sense():
    assert _interleaved([["recount", "re-evaluate"], ["important point", "focus"]]) == [
        "recount", "important point", "re-evaluate", "focus"]
    assert _interleaved([]) == []


def test_a_word_with_two_readings_is_glossed_by_both(translator):
    glosses = " ".join(translator.glosses("有几个重点?"))
    assert "recount" in glosses and "important point" in glosses  # 重点: chóngdiǎn, zhòngdiǎn


def test_words_inside_a_longer_known_word_are_not_glossed(translator):
    glosses = translator.glosses("旧金山的人口是多少?")
    assert any("San Francisco" in g for g in glosses)
    assert not any("Jinshan" in g for g in glosses)  # 金山 inside 旧金山


def test_proper_nouns_the_glossary_lacks_become_names(translator):
    assert translator.names("旧金山湾区的经济总量是多少?") == ["San Francisco"]
    assert translator.names("厦门的GDP是多少?") == ["Xiamen"]  # "Xiamen or Amoy": the leading name
    assert translator.names("广州的GDP是多少?") == []  # the glossary knows it: not a new name
    assert translator.names("What was Guangzhou's GDP?") == []


def test_chinese_question_names_a_place_of_the_english_prose(bundled_assistant):
    answer = bundled_assistant.ask("旧金山湾区的GDP有多大?", top_k=5)
    assert answer.answerable
    assert answer.figures[0].entity == "San Francisco Bay Area"
    assert answer.figures[0].value == pytest.approx(0.8e12)
    refused = bundled_assistant.ask("厦门有多少常住人口?", top_k=5)
    assert not refused.answerable and "Xiamen" in refused.reason
