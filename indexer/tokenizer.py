"""BM25 tokenizer for mixed English and Chinese text.

Text is NFKC-normalised (full-width letters, digits and punctuation become ASCII), lower-cased,
then split into three kinds of run:

- Chinese (Han) runs are folded to simplified characters (`corpus.chinese_script`: 臺北
  and 台北 become one term; `fold_traditional`), then go through jieba, by default in
  search mode (`cut_for_search`, which
  also emits the dictionary words inside a long word, e.g. 大湾区 and 湾区 inside
  粤港澳大湾区), with the glossary's Chinese terms added as a user dictionary;
- numbers stay whole: digit runs and decimals ("2016", "12.85", "2418.78"), thousands
  separators dropped ("1,404.35" -> "1404.35") so prose and table figures match;
- English words drop stop words and are stemmed with the Snowball English stemmer
  (PyStemmer), which improved BM25 nDCG@10 on BEIR SciFact (see `TokenizerSettings`).

A regex-only tokenizer would turn a Chinese sentence into one unmatched token and score
every Chinese passage zero; jieba is what makes a Chinese query match Chinese text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from corpus.chinese_script import to_simplified
from corpus.errors import SettingsError
from corpus.glossary import load_glossary

STEMMERS = ("english", None)
STOPWORD_LISTS = ("english", "english+chinese", None)
CHINESE_MODES = ("jieba-search", "jieba", "characters")

# Lucene's English stop set (also bm25s's STOPWORDS_EN): short, so it removes function
# words without touching content words such as "more", "most", "between".
ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the "
    "their then there these they this to was will with".split()
)
# Chinese function words and question words. Kept deliberately small: bm25s's 841-word
# Chinese list removes content words (上升, 严重, 个人...) that questions ask about.
CHINESE_STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 之 其 也 都 就 而 并 对 从 以 由 为 将 把 被 于 "
    "这 那 个 吗 呢 吧 啊 多少 什么 哪些 哪个 哪里 怎样 如何 几 有".split()
)

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Alternation order matters: a number with thousands separators first, then a plain
# digit run or decimal, then a Han run, then a Latin word.
_TOKEN_RE = re.compile(
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<han>[{_HAN}]+)"
    # A possessive 's is dropped with its word ("china's" -> "china"), not left as "s".
    r"|(?P<word>[a-z]+)(?:['\u2019]s\b)?"
)
_HAN_CHAR_RE = re.compile(rf"[{_HAN}]")


def _glossary_terms() -> tuple[str, ...]:
    return load_glossary().chinese_terms()


@dataclass(frozen=True)
class TokenizerSettings:
    """How text becomes BM25 terms; written into the index manifest via `to_dict()`.

    Defaults measured on BEIR SciFact (5,183 abstracts, 300 test queries, title + text;
    BM25 lucene k1=1.2 b=0.75), nDCG@10: nothing 0.6738; Lucene stop words 0.6748;
    stop words + Snowball stemmer 0.6965 (+0.022, so the stemmer stays); stemmer alone
    0.6981; stemmer + a 179-word NLTK-style stop list 0.6948. Stop words barely move
    ranking (IDF already discounts them) but shrink the index; the short list is kept
    because it never removes content words.
    `user_terms` are extra jieba dictionary words; by default the glossary's Chinese terms.
    `fold_traditional`: Han runs (and the user terms) are folded to simplified first.
    """

    stemmer: str | None = "english"
    stopwords: str | None = "english+chinese"
    chinese: str = "jieba-search"
    user_terms: tuple[str, ...] = field(default_factory=_glossary_terms)
    fold_traditional: bool = True

    def __post_init__(self) -> None:
        _check_choice("stemmer", self.stemmer, STEMMERS)
        _check_choice("stopwords", self.stopwords, STOPWORD_LISTS)
        _check_choice("chinese", self.chinese, CHINESE_MODES)
        if not isinstance(self.user_terms, tuple) or not all(
            isinstance(term, str) and term.strip() and not any(c.isspace() for c in term)
            for term in self.user_terms
        ):
            raise SettingsError(
                "TokenizerSettings.user_terms must be a tuple of non-empty strings without "
                f"whitespace; got {self.user_terms!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict for the index manifest; `TokenizerSettings(**d)` with
        `user_terms` made a tuple again gives back an equal object."""
        return {
            "stemmer": self.stemmer,
            "stopwords": self.stopwords,
            "chinese": self.chinese,
            "user_terms": list(self.user_terms),
            "fold_traditional": self.fold_traditional,
        }


def _check_choice(name: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        shown = ", ".join(repr(choice) for choice in allowed)
        raise SettingsError(f"TokenizerSettings.{name} must be one of {shown}; got {value!r}")


def normalize(text: str) -> str:
    """NFKC (full-width forms -> ASCII, compatibility ideographs -> unified) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


class Tokenizer:
    """Turns text into BM25 terms per `TokenizerSettings`.

    jieba's dictionary takes ~0.6 s to load, so each Tokenizer loads its own
    `jieba.Tokenizer` lazily on the first Chinese text and keeps it; its cache file lives in
    `indexer.paths.cache_dir("jieba")` rather than /tmp. No state is shared between
    Tokenizers, so two with different user terms do not interfere.
    """

    def __init__(self, settings: TokenizerSettings | None = None) -> None:
        self.settings = settings if settings is not None else TokenizerSettings()
        self._stopwords = _stopwords(self.settings.stopwords)
        self._stemmer = _make_stemmer(self.settings.stemmer)
        self._jieba: Any = None
        self._jieba_lock = threading.Lock()
        self._stem_lock = threading.Lock()  # a PyStemmer Stemmer is for one thread at a time

    def tokenize(self, text: str) -> list[str]:
        """The terms of one text, in order (repeats kept: BM25 counts them)."""
        tokens: list[str] = []
        words: list[str] = []
        for match in _TOKEN_RE.finditer(normalize(text)):
            kind = match.lastgroup
            if kind == "num":
                tokens.append(match.group().replace(",", ""))
            elif kind == "han":
                run = match.group()
                tokens.extend(self._chinese(to_simplified(run) if self.settings.fold_traditional else run))
            elif match.group("word") not in self._stopwords:
                # Stemming is batched at the end; remember where each word goes.
                words.append(match.group("word"))
                tokens.append("")
        if words:
            if self._stemmer:
                with self._stem_lock:
                    words = self._stemmer.stemWords(words)
            stems = iter(words)
            tokens = [token if token else next(stems) for token in tokens]
        return tokens

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """`tokenize` for each text, in order."""
        return [self.tokenize(text) for text in texts]

    def _chinese(self, run: str) -> list[str]:
        if self.settings.chinese == "characters":
            pieces: Iterable[str] = run
        elif self.settings.chinese == "jieba":
            pieces = self._segmenter().cut(run, HMM=True)
        else:
            pieces = self._segmenter().cut_for_search(run, HMM=True)
        return [
            piece
            for piece in pieces
            if piece not in self._stopwords and _HAN_CHAR_RE.search(piece)
        ]

    def _segmenter(self) -> Any:
        """This Tokenizer's jieba instance, loaded once on first use (thread-safe)."""
        with self._jieba_lock:
            if self._jieba is None:
                self._jieba = _load_jieba(self.settings.user_terms, self.settings.fold_traditional)
            return self._jieba


def _stopwords(name: str | None) -> frozenset[str]:
    if name == "english":
        return ENGLISH_STOPWORDS
    if name == "english+chinese":
        return ENGLISH_STOPWORDS | CHINESE_STOPWORDS
    return frozenset()


def _make_stemmer(name: str | None) -> Any:
    if name is None:
        return None
    import Stemmer  # PyStemmer: the Snowball stemmers compiled from C

    return Stemmer.Stemmer(name)


def _load_jieba(user_terms: tuple[str, ...], fold: bool = True) -> Any:
    """A fresh jieba.Tokenizer with its cache in our cache dir and the user terms added."""
    import logging

    import jieba

    from indexer.paths import cache_dir

    # jieba logs "Building prefix dict..." at DEBUG to stderr on every load; library
    # code stays quiet, so raise its logger's threshold (warnings still show).
    logging.getLogger("jieba").setLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.tmp_dir = str(cache_dir("jieba"))
    segmenter.cache_file = "jieba.cache"
    segmenter.initialize()
    for term in user_terms:
        normalized = to_simplified(normalize(term)) if fold else normalize(term)
        if _HAN_CHAR_RE.search(normalized):
            segmenter.add_word(normalized)
    return segmenter
