"""The bilingual glossary: Chinese labels of the tables and their English names.

Data, not code: `corpus/glossary.tsv` ships with the bundled corpus and a user can add
files of the same format (zh, en, kind; `#` comments) for their own documents. Table rows
are rendered in both languages from it, and the BM25 tokenizer feeds its Chinese terms to
jieba as a user dictionary.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from corpus.errors import CorpusError

BUNDLED_GLOSSARY = Path(__file__).with_name("glossary.tsv")
GLOSSARY_KINDS = ("place", "region", "metric", "unit", "term")


@dataclass(frozen=True)
class GlossaryEntry:
    zh: str
    en: str
    kind: str


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...]

    def english(self, zh: str) -> str | None:
        """The English name of a Chinese label, or None when the glossary lacks it."""
        for entry in self.entries:
            if entry.zh == zh:
                return entry.en
        return None

    def chinese_terms(self) -> tuple[str, ...]:
        return tuple(entry.zh for entry in self.entries)


def _read_glossary_file(path: Path) -> list[GlossaryEntry]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read glossary {path}: {error}") from error
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    entries = []
    for number, row in enumerate(csv.reader(rows, delimiter="\t"), start=1):
        if row == ["zh", "en", "kind"]:
            continue
        if len(row) != 3 or row[2] not in GLOSSARY_KINDS:
            raise CorpusError(
                f"{path}: row {number} must be zh<TAB>en<TAB>kind with kind one of "
                f"{', '.join(GLOSSARY_KINDS)}; got {row!r}"
            )
        entries.append(GlossaryEntry(*row))
    return entries


def load_glossary(extra_files: Iterable[Path] = ()) -> Glossary:
    """The bundled glossary plus the user's files; a later entry for the same zh wins."""
    by_zh: dict[str, GlossaryEntry] = {}
    for path in (BUNDLED_GLOSSARY, *extra_files):
        for entry in _read_glossary_file(Path(path)):
            by_zh[entry.zh] = entry
    return Glossary(tuple(by_zh.values()))
