"""Is a place named in a text? Shared by figure ranking and answerability.

Names are compared as the glossary gives them (Chinese and English forms map to one
canonical English name), with the two loosenings the documents need.
"""

from __future__ import annotations

import re

from corpus.glossary import Glossary, name_forms
from qa.lexicon import load_lexicon
from qa.question import entity_mentions


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z]+|[\u4e00-\u9fff]+", name.lower())


# Words that name the corpus's home country without naming it ("national", 全国 in Chinese
# policy texts): qa/data/lexicon.toml.
COUNTRY_WORDS = load_lexicon().country_words


def same_place(asked: str, found: str) -> bool:
    """Whether a found name is the asked place, in any of its forms (see `_same_form`)."""
    return any(_same_form(a, f) for a in name_forms(asked) for f in name_forms(found))


def _same_form(asked: str, found: str) -> bool:
    """Equal names; or `found` is the asked name's head: the documents call the Greater
    Bay Area "the Bay Area" once introduced (a suffix of two words or more), while
    "Hong Kong" inside "Guangdong-Hong Kong-Macao Greater Bay Area" is another place; or
    `found` is a part named after the asked place ("Guangdong Province", "Hong Kong Port")."""
    want, have = _words(asked), _words(found)
    if not want or not have:
        return False
    return want == have or (len(have) >= 2 and want[-len(have):] == have) or have[: len(want)] == want


_QUOTES = re.compile(r"[\"“”「」『』]")


def unquoted(text: str) -> str:
    """Text without double quotes: the documents quote names mid-phrase (countries along
    the "the Belt and Road"), which would hide them from a name match."""
    return _QUOTES.sub("", text)


def mentions(context: str, name: str, glossary: Glossary) -> bool:
    """Whether `context` names the place `name` (in English or Chinese)."""
    context = unquoted(context)
    lowered = context.lower()
    if any(form.lower() in lowered for form in name_forms(name)):
        return True
    if any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered) for word in COUNTRY_WORDS.get(name.lower(), ())):
        return True
    return any(same_place(name, m.name) for m in entity_mentions(context, glossary))
