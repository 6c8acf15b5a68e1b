"""Read a BEIR-format folder (Thakur et al. 2021): corpus.jsonl, queries.jsonl, qrels/<split>.tsv.

Format as the official files (see shared/benchmarks/beir/README.md): ids are strings
("007" stays "007"), qrels are tab-separated with a header and CRLF line endings, grades
are integers (NFCorpus grades 1 and 2 are linear gains in nDCG), `metadata` is ignored.
Like BEIR's GenericDataLoader and pytrec_eval, only queries with at least one relevant
judgement are kept: a query without one has no defined recall or nDCG.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from corpus.errors import CorpusError

QRELS_HEADER = ("query-id", "corpus-id", "score")


class BeirDataError(CorpusError):
    """A BEIR folder is missing, incomplete or malformed; the message names the file."""


@dataclass(frozen=True)
class BeirDataset:
    """One BEIR collection in memory. `corpus` keeps the file's order (dicts are ordered),
    so row i of an index is the i-th document of corpus.jsonl."""

    name: str
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]  # query id -> text, only queries with relevant qrels
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> grade
    corpus_sha256: str

    def passages(self) -> list[str]:
        """What gets indexed for each doc, in corpus order: title + " " + text, as BEIR,
        Pyserini's flat index and MTEB all do (stripped, so an empty title adds nothing)."""
        return [f"{title} {text}".strip() for title, text in self.corpus.values()]

    def unresolved_qrels(self) -> int:
        """Judged (query, doc) pairs whose doc is not in the corpus. They still count in
        recall's denominator, as in pytrec_eval; a report should show the number."""
        return sum(1 for docs in self.qrels.values() for d in docs if d not in self.corpus)


def load_beir(folder: str | Path, split: str = "test") -> BeirDataset:
    """Load `folder` (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or raise BeirDataError."""
    root = Path(folder)
    if not root.is_dir():
        raise BeirDataError(f"no BEIR folder at {root} (expected corpus.jsonl, "
                            f"queries.jsonl and qrels/{split}.tsv inside)")
    corpus_path, queries_path = root / "corpus.jsonl", root / "queries.jsonl"
    qrels_path = root / "qrels" / f"{split}.tsv"
    for path in (corpus_path, queries_path, qrels_path):
        if not path.is_file():
            raise BeirDataError(f"{path} is missing; a BEIR folder needs corpus.jsonl, "
                                f"queries.jsonl and qrels/{split}.tsv")
    qrels = _read_qrels(qrels_path)
    corpus = {}
    for where, record in _jsonl(corpus_path):
        doc_id = _field(record, "_id", where)
        if doc_id in corpus:
            raise BeirDataError(f"{where}: document id {doc_id!r} appears twice")
        title = record.get("title") or ""
        if not isinstance(title, str):
            raise BeirDataError(f"{where}: 'title' must be a string")
        corpus[doc_id] = (title, _field(record, "text", where))
    if not corpus:
        raise BeirDataError(f"{corpus_path} holds no documents")
    all_queries = {}
    for where, record in _jsonl(queries_path):
        all_queries[_field(record, "_id", where)] = _field(record, "text", where)
    unknown = [qid for qid in qrels if qid not in all_queries]
    if unknown:
        raise BeirDataError(f"{qrels_path} judges {len(unknown)} queries that are not in "
                            f"{queries_path.name}, e.g. {unknown[0]!r}")
    # Keep the queries file's order: --limit-queries then takes the first N of the file.
    queries = {qid: text for qid, text in all_queries.items() if qid in qrels}
    return BeirDataset(
        name=root.resolve().name,
        corpus=corpus,
        queries=queries,
        qrels={qid: qrels[qid] for qid in queries},
        corpus_sha256=_sha256(corpus_path),
    )


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> doc id -> grade, for queries with at least one grade > 0.

    csv with newline="" reads the official CRLF endings without leaving a '\\r' on the score.
    """
    graded: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header is None or tuple(cell.strip() for cell in header) != QRELS_HEADER:
            expected = "\t".join(QRELS_HEADER)
            raise BeirDataError(f"{path}: first line must be the header {expected!r}, "
                                f"got {header!r}")
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != 3:
                raise BeirDataError(f"{path}:{line}: expected 3 tab-separated columns, got {row!r}")
            qid, doc_id, score = row
            try:
                grade = int(score)
            except ValueError as error:
                raise BeirDataError(f"{path}:{line}: score {score!r} is not an integer") from error
            if qid in graded and doc_id in graded[qid]:
                raise BeirDataError(f"{path}:{line}: ({qid!r}, {doc_id!r}) is judged twice")
            graded.setdefault(qid, {})[doc_id] = grade
    if not graded:
        raise BeirDataError(f"{path} holds no judgements")
    return {qid: docs for qid, docs in graded.items() if any(g > 0 for g in docs.values())}


def _jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(\"file:line\", object) for each non-blank line; a bad line names its place."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise BeirDataError(f"{where}: not valid JSON ({error.msg})") from error
            if not isinstance(record, dict):
                raise BeirDataError(f"{where}: expected a JSON object")
            yield where, record


def _field(record: dict[str, Any], key: str, where: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise BeirDataError(f"{where}: {key!r} must be a string, got {value!r}")
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
