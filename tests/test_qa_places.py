"""Is a place named in a text: glossary names, their alternatives, and the country."""

import pytest

from corpus.glossary import load_glossary
from qa.places import mentions, name_forms, same_place


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


def test_name_forms_split_parenthesised_alternatives():
    assert name_forms("Loop (Hetao)") == ("Loop (Hetao)", "Loop", "Hetao")
    assert name_forms("Guangzhou") == ("Guangzhou",)
    assert name_forms("(Hetao)") == ("(Hetao)",)


def test_an_alternative_form_is_the_same_place():
    assert same_place("Loop (Hetao)", "Loop Cooperation Zone")  # a part named after it
    assert same_place("Macao (Macau)", "Macau")
    assert not same_place("Macao (Macau)", "Hong Kong")


def test_mentions_by_alternative_and_by_chinese_name(glossary):
    assert mentions("the Loop Cooperation Zone covers 3.89 square kilometers", "Loop (Hetao)", glossary)
    assert mentions("河套深港科技创新合作区", "Loop (Hetao)", glossary)
    assert not mentions("the Nansha zone covers 803 square kilometers", "Loop (Hetao)", glossary)


def test_the_country_is_named_as_national(glossary):
    assert mentions("accounting for 12.85% of the national total", "China", glossary)
    assert mentions("占全国人口的4.9%", "China", glossary)
    assert not mentions("internationalisation of the Bay Area", "China", glossary)
