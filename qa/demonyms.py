"""Adjective and people forms of place names ("Japanese", "Central Asian", "Africans"):
which known place does a text name through one?

The forms come from qa/data/demonyms.tsv (`form<TAB>place`, general world knowledge);
`demonym_mentions` reports those whose place is among the places the caller knows (the
glossary's English place names), so a question about "Central Asian countries" reaches
"Central Asia".

Spec (places known to the caller in the middle column; each match is (place, start, end)):

    text                                     places                   matches
    "imports from Central Asian countries"   Central Asia, Asia       Central Asia 13-26
    "How much did Japanese firms invest?"    Japan                    Japan 13-21
    "Africans and Europeans"                 Africa, Europe           Africa 0-8, Europe 13-22
    "South African exports"                  Africa                   (none: South Africa)
    "Papua New Guinean coffee"               Guinea                   (none)
    "Japanese firms"                         China                    (none: Japan unknown)
    "Indiana", "roast turkey"                India, Turkey            (none)
    "Macanese cuisine"                       Macao (Macau)            Macao (Macau) 0-8
    "Korean exports"                         Korea                    Korea 0-6 (fallback)
    "US firms" / "tell us"                   United States            United States 0-2 / none
    "Sino-US trade"                          China, United States     China 0-4, United States 5-7
    "polish the report"                      Poland                   (none: Polish needs a capital)

Rules:
- Whole words only: a form is not matched inside a longer word ("Indian" in "Indiana"), and
  letters of other scripts (Chinese) count as a boundary. Words of a multi-word form may be
  separated by spaces or a hyphen ("South-East Asian").
- Leftmost, then longest: at each position the longest form wins ("South African" over
  "African", "Central and Eastern European" over "European"), and matches never overlap.
  Forms compete whether or not their place is known, so "Papua New Guinean" is never
  "Guinea" even when only Guinea is known.
- Rows whose place is `-` are phrases that contain a demonym but do not name its place
  ("Indian Ocean", "Dutch disease"); they win like any form and report nothing.
- A form with several rows reports the first place the caller knows (the main reading, then
  other spellings or readings: "Korean" is South Korea, else Korea).
- Plurals of people nouns are derived: +s unless the form ends in -ese, -ish, -sh, -ch (but
  -ech), -s, -x, -z or -man ("Africans", "Pakistanis", "Czechs"; not "Chineses").
- Case: forms are matched case-insensitively, except abbreviations (forms written in
  capitals: US, U.S., UK, EU), which match only as written, and the forms in
  `CAPITALISED_ONLY` (ordinary English words in lower case: polish, pole, swede ...), which
  must begin with a capital.
- Known places are compared case-insensitively, ignoring accents, spaces, hyphens and
  punctuation, a leading "the" and "St"/"Saint" ("Viet Nam" is Vietnam, "The Gambia" is
  Gambia); a name with an alternative in parentheses ("Macao (Macau)") is known under
  each form. The caller's own spelling is reported, or, for a mapping, its value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from corpus.glossary import name_forms

DATA = Path(__file__).resolve().parent / "data" / "demonyms.tsv"

# The place of a row that only shields its words.
NOT_A_PLACE = "-"

# Forms that are also ordinary lower-case English words; they match only when capitalised.
CAPITALISED_ONLY = frozenset({"polish", "pole", "poles", "danish", "swede", "swedes", "scot", "welsh"})

_NO_PLURAL = ("ese", "ish", "sh", "s", "x", "z", "man", "men")
# Letters that join a word (a form must not touch them): digits, Latin letters with accents.
_WORD_CHAR = r"0-9A-Za-z\u00C0-\u024F"


class DemonymMention(NamedTuple):
    """A demonym in a text: the place it names (as the caller spelled it) and its span."""

    place: str
    start: int
    end: int


class Demonyms(NamedTuple):
    """The data file, compiled: the places of each form (in order of preference) and one
    pattern that finds every form."""

    places: dict[str, tuple[str, ...]]  # form key -> places ('-' for a shield)
    exact: dict[str, str]  # abbreviations: form key -> the form, to be matched as written
    pattern: re.Pattern[str]


def _form_key(form: str) -> str:
    """How a matched text is looked up: lower case, words joined by one space."""
    return re.sub(r"[\s\-]+", " ", form.strip()).casefold()


def place_key(name: str) -> str:
    """A place name for comparison: "The Gambia", "gambia" and "Gambia" are one key, as are
    "Viet Nam"/"Vietnam", "Côte d'Ivoire"/"Cote d'Ivoire", "St Lucia"/"Saint Lucia"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"^\s*the\s+", "", text)
    text = re.sub(r"\bst\b\.?", "saint", text)
    return re.sub(r"[\W_]+", "", text)


def _plural(form: str) -> str | None:
    last = form.split()[-1]
    if form.isupper() or not last[-1:].isalpha() or last.endswith(_NO_PLURAL):
        return None
    if last.endswith("ch") and not last.endswith("ech"):  # French, Dutch; but Czechs
        return None
    return form + "s"


def _form_pattern(form: str) -> str:
    words = re.split(r"[\s\-]+", form.strip())
    return r"(?:\s+|\s*-\s*)".join(re.escape(w) for w in words)


def read_demonyms(path: Path = DATA) -> list[tuple[str, str]]:
    """The rows of the data file, (form, place), in file order."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{path}:{number}: expected 'form<TAB>place', got {line!r}")
        rows.append((parts[0].strip(), parts[1].strip()))
    return rows


@lru_cache(maxsize=1)
def load_demonyms() -> Demonyms:
    """The data file, read and compiled once."""
    places: dict[str, list[str]] = {}
    surfaces: dict[str, str] = {}  # key -> the form as written (for the pattern)
    exact: dict[str, str] = {}
    rows = read_demonyms()
    for form, place in rows:
        key = _form_key(form)
        places.setdefault(key, [])
        if place not in places[key]:
            places[key].append(place)
        surfaces.setdefault(key, form)
        if form.isupper():
            exact[key] = re.sub(r"[\s\-]+", " ", form)
    # Derived plurals, unless the plural is a form of its own.
    for form, place in rows:
        plural = _plural(form)
        if plural is None or _form_key(plural) in surfaces:
            continue
        key = _form_key(plural)
        if key not in places:
            places[key] = list(places[_form_key(form)])
            surfaces[key] = plural
    ordered = sorted(surfaces, key=lambda k: (-len(k), k))
    alternation = "|".join(_form_pattern(surfaces[k]) for k in ordered)
    pattern = re.compile(
        rf"(?<![{_WORD_CHAR}])(?:{alternation})(?![{_WORD_CHAR}])", re.IGNORECASE
    )
    return Demonyms(
        places={k: tuple(v) for k, v in places.items()},
        exact=exact,
        pattern=pattern,
    )


def _known_places(places: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """place key -> what to report, for the caller's places (first spelling wins)."""
    if isinstance(places, str):
        places = [places]
    pairs = places.items() if isinstance(places, Mapping) else ((p, p) for p in places)
    known: dict[str, str] = {}
    for name, reported in pairs:
        for form in name_forms(name):
            key = place_key(form)
            if key:
                known.setdefault(key, reported)
    return known


@lru_cache(maxsize=8)
def _known_cached(places: tuple[str, ...]) -> dict[str, str]:
    """`_known_places` of a tuple, once: callers that ask many texts pass the same names."""
    return _known_places(places)


def _accepted(matched: str, key: str, data: Demonyms) -> bool:
    """Whether a case-insensitive match is allowed by the case rules."""
    if key in data.exact:
        return re.sub(r"[\s\-]+", " ", matched) == data.exact[key]
    if key in CAPITALISED_ONLY:
        return matched[:1].isupper()
    return True


def demonym_mentions(
    text: str, places: Mapping[str, str] | Iterable[str]
) -> list[DemonymMention]:
    """The demonyms in `text` whose place is known, in text order: (place, start, end).

    `places` are the place names the caller knows (e.g. the glossary's English place and
    region names). Given a mapping, its keys are the names and its values what is reported
    (e.g. a canonical name); given names, the name itself is reported. See the module
    docstring for the rules and a table of examples.
    """
    if not text:
        return []
    known = _known_cached(places) if isinstance(places, tuple) else _known_places(places)
    if not known:
        return []
    data = load_demonyms()
    found = []
    for match in data.pattern.finditer(text):
        matched = match.group(0)
        key = _form_key(matched)
        if key not in data.places or not _accepted(matched, key, data):
            continue
        for place in data.places[key]:
            if place == NOT_A_PLACE:
                break
            reported = known.get(place_key(place))
            if reported is not None:
                found.append(DemonymMention(reported, match.start(), match.end()))
                break
    return found
