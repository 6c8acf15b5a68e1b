"""The bilingual glossary: Chinese labels of the tables and their English names.

Data, not code: `corpus/glossary.tsv` ships with the bundled corpus and a user can add
files of the same format (zh, en, kind; `#` comments) for their own documents. Table rows
are rendered in both languages from it, and the BM25 tokenizer feeds its Chinese terms to
jieba as a user dictionary.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from corpus.errors import CorpusError

BUNDLED_GLOSSARY = Path(__file__).with_name("glossary.tsv")
GLOSSARY_KINDS = ("place", "region", "metric", "unit", "term", "header")

# A table label with its unit in parentheses: "GDP(亿元人民币)", "常住人口（万人）".
_LABEL_WITH_UNIT = re.compile(r"^(?P<name>.*?\S)\s*[(（](?P<unit>[^()（）]+)[)）]$")
# Dates as table labels: "2015年", "2015年6月", "2015年6月3日".
_DATE_LABEL = re.compile(r"^(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?$")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def split_label_unit(label: str) -> tuple[str, str | None]:
    """("GDP", "亿元人民币") for "GDP(亿元人民币)"; (label, None) when no unit is written."""
    match = _LABEL_WITH_UNIT.match(label.strip())
    if not match:
        return label.strip(), None
    return match.group("name"), match.group("unit").strip()


_ALTERNATIVE = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")


def name_forms(name: str) -> tuple[str, ...]:
    """A glossary name and the alternatives it gives in parentheses: "Loop (Hetao)" is
    called "Loop" or "Hetao" in the documents, "Macao (Macau)" "Macao" or "Macau"."""
    found = _ALTERNATIVE.match(name)
    if not found or not found.group(1):
        return (name,)
    return (name, found.group(1), found.group(2))


@dataclass(frozen=True)
class GlossaryEntry:
    zh: str
    en: str
    kind: str


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...]
    _by_zh: dict[str, GlossaryEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A lookup table built once; the dataclass stays frozen for its users.
        object.__setattr__(self, "_by_zh", {entry.zh: entry for entry in self.entries})
        object.__setattr__(self, "_hash", hash(self.entries))

    def __hash__(self) -> int:
        # Computed once: the question layer caches per glossary, and hashing every entry
        # on each lookup cost more than the lookups.
        return self._hash

    def english(self, zh: str) -> str | None:
        """The English name of a Chinese label, or None when the glossary lacks it."""
        entry = self._by_zh.get(zh)
        return entry.en if entry else None

    def chinese_terms(self) -> tuple[str, ...]:
        return tuple(entry.zh for entry in self.entries)

    def english_label(self, label: str) -> str | None:
        """English of a table label: a glossary entry, "name (unit)" for a label with its
        unit in parentheses, a date for "2015年6月"; labels already in ASCII are their own
        English. None when some part is unknown (the caller shows the Chinese alone)."""
        label = label.strip()
        whole = self._english_part(label)
        if whole is not None:
            return whole
        name, unit = split_label_unit(label)
        if unit is None:
            return None
        name_en, unit_en = self._english_part(name), self._english_part(unit)
        if name_en is None or unit_en is None:
            return None
        return f"{name_en} ({unit_en})"

    def gloss(self, text: str) -> tuple[str, ...]:
        """English of the glossary terms found in free Chinese text (longest match first,
        left to right, each once), so an English question can find a Chinese text cell."""
        longest = max((len(zh) for zh in self._by_zh), default=0)
        found: list[str] = []
        position = 0
        while position < len(text):
            for size in range(min(longest, len(text) - position), 1, -1):
                entry = self._by_zh.get(text[position : position + size])
                if entry and entry.kind != "unit":
                    if entry.en not in found:
                        found.append(entry.en)
                    position += size
                    break
            else:
                position += 1
        return tuple(found)

    def _english_part(self, text: str) -> str | None:
        known = self.english(text)
        if known is not None:
            return known
        if text.isascii():
            return text
        date = _DATE_LABEL.match(text)
        if date and 1 <= int(date.group("m") or 1) <= 12:
            month = _MONTHS[int(date.group("m")) - 1] if date.group("m") else None
            return " ".join(part for part in (date.group("d"), month, date.group("y")) if part)
        return None


def _read_glossary_file(path: Path) -> list[GlossaryEntry]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read glossary {path}: {error}") from error
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    entries = []
    reader = csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    for number, row in enumerate(reader, start=1):
        if row == ["zh", "en", "kind"]:
            continue
        if len(row) != 3 or row[2] not in GLOSSARY_KINDS or not all(c.strip() for c in row):
            raise CorpusError(
                f"{path}: row {number} must be zh<TAB>en<TAB>kind with kind one of "
                f"{', '.join(GLOSSARY_KINDS)}; got {row!r}"
            )
        entries.append(GlossaryEntry(*(cell.strip() for cell in row)))
    return entries


def load_glossary(extra_files: Iterable[Path] = ()) -> Glossary:
    """The bundled glossary plus the user's files; a later entry for the same zh wins."""
    by_zh: dict[str, GlossaryEntry] = {}
    for path in (BUNDLED_GLOSSARY, *extra_files):
        for entry in _read_glossary_file(Path(path)):
            by_zh[entry.zh] = entry
    return Glossary(tuple(by_zh.values()))


def read_glossary(path: Path) -> Glossary:
    """Exactly the entries of one glossary file (an index keeps the glossary it was built
    with this way, so questions are read with the same names as its chunks)."""
    return Glossary(tuple(_read_glossary_file(Path(path))))


def glossary_tsv(glossary: Glossary) -> str:
    """The glossary in its file format, ready to write next to an index."""
    rows = ["zh\ten\tkind"] + [f"{e.zh}\t{e.en}\t{e.kind}" for e in glossary.entries]
    return "\n".join(rows) + "\n"
