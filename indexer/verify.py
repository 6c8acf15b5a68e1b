"""Check every file of an index before anything reads it: sizes and sha256 first, then structure.

Why both: a checksum catches any changed byte (a byte flip, an edited document, a file
cut short) but trusts the manifest; the structural checks (shapes, dtypes, finiteness,
offsets, unique ids, strict JSON) catch what a consistent but wrong manifest would let
through, and they are what stands between a bad file and numpy or faiss allocating
whatever a damaged header asks for. Nothing here hands a file to faiss or bm25s.

Cost: a file's sha256 is computed when its part is first used (the records at load, the
BM25 files at the first BM25 search, the dense files at the first dense search), at about
250 MB/s on this shared 2-core machine (a 1M-chunk index's 1.5 GB of embeddings: ~6 s more
on its first dense search, plus a pass for finiteness and unit length); the bundled index
(a few hundred kB) verifies in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import IndexStoreError

MANIFEST = "manifest.json"
FILES_KEY = "files"
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Names a build may write, relative to the index folder (the manifest's file list is
# checked against them, so a tampered manifest cannot point reads elsewhere).
_PART_NAMES = re.compile(r"(documents\.jsonl|chunks\.jsonl|glossary\.tsv|bm25/[A-Za-z0-9_.]+|dense/[A-Za-z0-9_.]+)")
_NORM_TOLERANCE = 1e-3


def hint(shown: Path) -> str:
    """The fix every refusal ends with (the same words as `indexer.store.rebuild_hint`)."""
    return (
        f"rebuild it with `qa index PATH ... --out {shown}` "
        "(or delete it; the bundled corpus's index is rebuilt by itself on next use)"
    )


def refuse(what: Path | str, problem: str, shown: Path) -> IndexStoreError:
    return IndexStoreError(f"{what} {problem}; {hint(shown)}")


# -- checksums ------------------------------------------------------------------------------


def file_record(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {"size": path.stat().st_size, "sha256": digest}


def digest_tree(root: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file under `root` but the manifest: what a build records."""
    records = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name != MANIFEST:
            records[name] = file_record(path)
    return records


def file_list(manifest: dict[str, Any], shown: Path) -> dict[str, dict[str, Any]]:
    """The manifest's file records, checked for shape. An index from before checksums were
    recorded is refused: its files cannot be verified, and a rebuild costs little (the
    vectors of its unchanged chunks are reused)."""
    files = manifest.get(FILES_KEY)
    if files is None:
        raise refuse(shown / MANIFEST, "records no file checksums (the index was built by an earlier "
                     "document-qa), so its files cannot be verified", shown)
    if not isinstance(files, dict) or not files:
        raise refuse(shown / MANIFEST, "has a malformed file list", shown)
    for name, record in files.items():
        if not isinstance(name, str) or not _PART_NAMES.fullmatch(name) or ".." in name:
            raise refuse(shown / MANIFEST, f"lists a file no index has ({name!r})", shown)
        if (not isinstance(record, dict) or not _is_int(record.get("size")) or record["size"] < 0
                or not isinstance(record.get("sha256"), str) or not _HEX64.fullmatch(record["sha256"])):
            raise refuse(shown / MANIFEST, f"has a malformed record for {name}", shown)
    return files


def check_files(root: Path, shown: Path, manifest: dict[str, Any], part: str | None) -> None:
    """Sizes then sha256 of the manifest's files of one part: `part` None for the top-level
    files (records, glossary), else a folder ("bm25", "dense"). Also refuses a part with
    no file at all in the list (a manifest cut down to skip the check)."""
    files = file_list(manifest, shown)
    names = [n for n in files if ("/" not in n if part is None else n.startswith(part + "/"))]
    if part is not None and not names:
        raise refuse(shown / MANIFEST, f"lists no file of {part}/", shown)
    for name in names:
        path, record = root / name, files[name]
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise refuse(shown / name, "is missing: the index is partial", shown) from None
        except OSError as error:
            raise refuse(shown / name, f"cannot be read ({error.strerror})", shown) from error
        if size != record["size"]:
            raise refuse(shown / name, f"has {size} bytes, the manifest recorded {record['size']}: "
                         "the file was changed or cut short", shown)
        try:
            digest = file_record(path)["sha256"]
        except OSError as error:
            raise refuse(shown / name, f"cannot be read ({error.strerror})", shown) from error
        if digest != record["sha256"]:
            raise refuse(shown / name, "does not match the sha256 the manifest recorded: the file was "
                         "changed or damaged", shown)


# -- strict JSON ------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number an index holds")


# One decoder for every row: json.loads with a keyword builds a new decoder per call, a
# third of the time of reading a 100k-chunk index's records.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def loads(text: str) -> Any:
    """json.loads with NaN/Infinity refused and deep nesting a ValueError (CPython's parser
    raises RecursionError past the recursion limit; 200,000 brackets must not crash us)."""
    try:
        return _DECODER.decode(text)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


def read_json(path: Path, shown_path: Path, shown: Path) -> Any:
    try:
        return loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise refuse(shown_path, f"is unreadable ({_reason(error)})", shown) from error


def read_jsonl(path: Path, shown_path: Path, shown: Path) -> list[dict[str, Any]]:
    """One JSON object a line, each checked; the error names the line."""
    rows = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = loads(line)
                except ValueError as error:
                    raise refuse(shown_path, f"is corrupted at line {number} ({_reason(error)})", shown) from error
                if not isinstance(row, dict):
                    raise refuse(shown_path, f"is corrupted at line {number} (not a JSON object)", shown)
                rows.append(row)
    except (OSError, UnicodeDecodeError) as error:
        raise refuse(shown_path, f"is corrupted ({_reason(error)})", shown) from error
    return rows


def _reason(error: BaseException) -> str:
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return text if len(text) <= 200 else text[:200] + "..."


def check_glossary(path: Path, shown_path: Path, manifest: dict[str, Any], shown: Path) -> None:
    """The glossary against the second record of it, build_inputs.glossary_sha256 (the
    glossary decides how table rows were rendered; an emptied one would go unnoticed)."""
    inputs = manifest.get("build_inputs")
    expected = inputs.get("glossary_sha256") if isinstance(inputs, dict) else None
    if expected is None:
        return
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise refuse(shown_path, f"cannot be read ({error.strerror})", shown) from error
    if digest != expected:
        raise refuse(shown_path, "is not the glossary the index was built with (build_inputs.glossary_sha256)", shown)


# -- the manifest -------------------------------------------------------------------------------


def check_manifest(manifest: dict[str, Any], shown: Path) -> None:
    """The fields every later step relies on, with their types and ranges."""
    where = shown / MANIFEST
    for key in ("chunk_count", "document_count"):
        if not _is_int(manifest.get(key)) or not 1 <= manifest[key] <= 1 << 40:
            raise refuse(where, f"has no valid {key} ({str(manifest.get(key))[:40]})", shown)
    model = manifest.get("model")
    if (not isinstance(model, dict) or not isinstance(model.get("model_id"), str)
            or not _is_int(model.get("dim")) or not 1 <= model["dim"] <= 1 << 16):
        raise refuse(where, "has no valid model (model_id and dim)", shown)
    if not isinstance(manifest.get("settings"), dict):
        raise refuse(where, "has no settings", shown)
    corpus = manifest.get("corpus")
    documents = corpus.get("documents") if isinstance(corpus, dict) else None
    if not isinstance(documents, list) or not all(
        isinstance(d, dict) and isinstance(d.get("doc_id"), str) and isinstance(d.get("sha256"), str)
        for d in documents
    ):
        raise refuse(where, "has no valid list of documents and their sha256", shown)


# -- records ------------------------------------------------------------------------------------


def check_documents(rows: list[dict[str, Any]], manifest: dict[str, Any], shown_path: Path, shown: Path) -> None:
    """Each row a document with string fields, ids unique, texts matching the manifest's sha256."""
    expected = {d["doc_id"]: d["sha256"] for d in manifest["corpus"]["documents"]}
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if not all(isinstance(row.get(key), str) for key in ("doc_id", "title", "text")):
            raise refuse(shown_path, f"row {number} is not a document (doc_id, title, text)", shown)
        doc_id = row["doc_id"]
        if doc_id in seen:
            raise refuse(shown_path, f"holds document {doc_id!r} twice", shown)
        seen.add(doc_id)
        if doc_id not in expected:
            raise refuse(shown_path, f"holds document {doc_id!r}, which the manifest does not list", shown)
        digest = hashlib.sha256(row["text"].encode("utf-8", "surrogatepass")).hexdigest()
        if expected.get(doc_id) != digest:
            raise refuse(shown_path, f"document {doc_id!r} does not match the sha256 the manifest "
                         "recorded for it: its text was changed", shown)
    if seen != set(expected):
        raise refuse(shown_path, "does not hold the documents the manifest lists", shown)


def check_chunks(chunks: list, documents: dict, shown_path: Path, shown: Path) -> None:
    """Chunk ids unique; every chunk and fact of a known document, with offsets inside it and
    not reversed; a prose chunk's text is exactly the span it cites."""
    from corpus.types import CHUNK_KINDS

    seen: set[str] = set()
    for number, chunk in enumerate(chunks, start=1):
        problem = _chunk_problem(chunk, documents, CHUNK_KINDS)
        if problem is None and chunk.chunk_id in seen:
            problem = f"repeats chunk id {chunk.chunk_id!r}"
        if problem:
            raise refuse(shown_path, f"line {number} {problem}", shown)
        seen.add(chunk.chunk_id)


def _span_problem(start: Any, end: Any, length: int) -> str | None:
    if not _is_int(start) or not _is_int(end):
        return "has offsets that are not integers"
    if start > end:
        return f"has reversed offsets [{start}:{end}]"
    if start < 0 or end > length:
        return f"has offsets [{start}:{end}] outside its document ({length} characters)"
    return None


def _chunk_problem(chunk, documents: dict, kinds: tuple[str, ...]) -> str | None:
    if not isinstance(chunk.chunk_id, str) or not isinstance(chunk.text, str) or chunk.kind not in kinds:
        return "is not a chunk (chunk_id, text, kind)"
    document = documents.get(chunk.doc_id) if isinstance(chunk.doc_id, str) else None
    if document is None:
        return f"cites a document the index does not hold ({str(chunk.doc_id)[:80]!r})"
    problem = _span_problem(chunk.start, chunk.end, len(document.text))
    if problem:
        return problem
    if chunk.kind == "prose" and document.text[chunk.start:chunk.end] != chunk.text:
        return "has text that is not the span of its document it cites"
    for label in (chunk.section, chunk.table_caption):
        if label is not None and not isinstance(label, str):
            return "has a section or caption that is not text"
    for fact in chunk.facts:
        if fact.doc_id != chunk.doc_id:
            return "has a fact of another document"
        problem = _span_problem(fact.start, fact.end, len(document.text))
        if problem:
            return "has a fact that " + problem.removeprefix("has ")
        value = fact.value
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value)):
            return "has a fact whose value is not a finite number"
        if not isinstance(fact.raw, str) or not isinstance(fact.row_label, str) or not all(
                isinstance(label, str) for label in fact.column_labels):
            return "has a fact whose labels are not text"
    return None


# -- arrays ----------------------------------------------------------------------------------------


def npy_header(path: Path, shown_path: Path, shown: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a .npy header, after checking the file holds exactly that many
    bytes: a header that asks for terabytes is refused before numpy allocates anything."""
    fmt = np.lib.format
    try:
        with open(path, "rb") as handle:
            version = fmt.read_magic(handle)
            reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = reader(handle, max_header_size=10_000)
            offset = handle.tell()
        size = path.stat().st_size
    except OSError as error:
        raise refuse(shown_path, f"cannot be read ({error.strerror})", shown) from error
    except (ValueError, SyntaxError, EOFError, TypeError) as error:
        raise refuse(shown_path, "is not a .npy array file", shown) from error
    if dtype.hasobject or fortran or not all(_is_int(n) and n >= 0 for n in shape):
        raise refuse(shown_path, f"holds an array numpy may not read safely ({dtype}, {shape})", shown)
    if offset + math.prod(shape) * dtype.itemsize != size:
        raise refuse(shown_path, f"has {size} bytes, but its header describes a {dtype} array of shape "
                     f"{shape}", shown)
    return shape, dtype


def load_npy(path: Path, shown_path: Path, shown: Path, ndim: int, kinds: str) -> np.ndarray:
    """The array at `path` (memory-mapped, read-only) after its header checks out."""
    shape, dtype = npy_header(path, shown_path, shown)
    if len(shape) != ndim or dtype.kind not in kinds:
        raise refuse(shown_path, f"holds a {dtype} array of shape {shape}, expected {ndim}-D "
                     f"{'float' if kinds == 'f' else 'integer'}", shown)
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dtype)
    return np.load(path, mmap_mode="r", allow_pickle=False)


def check_embeddings(path: Path, shown_path: Path, shown: Path, rows: int, dim: int) -> None:
    """(rows, dim) float32, every value finite, every row of unit length (cosine search)."""
    shape, dtype = npy_header(path, shown_path, shown)
    if dtype != np.float32 or shape != (rows, dim):
        raise refuse(shown_path, f"holds a {dtype} array of shape {shape}, expected ({rows}, {dim}) float32 "
                     f"({rows} chunks, the model's dimension {dim})", shown)
    vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    for start in range(0, rows, 65536):  # in blocks: bounded memory at any size
        block = np.asarray(vectors[start:start + 65536], dtype=np.float64)
        if not np.isfinite(block).all():
            raise refuse(shown_path, "holds NaN or infinite values", shown)
        if not np.all(np.abs(np.sqrt(np.einsum("ij,ij->i", block, block)) - 1.0) <= _NORM_TOLERANCE):
            raise refuse(shown_path, "holds vectors that are not of unit length", shown)


def check_bm25(directory: Path, shown_dir: Path, shown: Path, rows: int) -> None:
    """bm25s's sparse matrix (CSC over terms: indptr per term, indices are rows, data the
    scores) read as plain arrays and checked before bm25s sees them."""
    def path(name: str) -> tuple[Path, Path]:
        return directory / name, shown_dir / name

    params = read_json(*path("params.index.json"), shown)
    vocab = read_json(*path("vocab.index.json"), shown)
    ours = read_json(*path("bm25_settings.json"), shown)
    if not isinstance(params, dict) or params.get("num_docs") != rows or (
            not isinstance(ours, dict) or ours.get("rows") != rows):
        raise refuse(shown_dir, f"does not describe {rows} rows (one per chunk)", shown)
    data = load_npy(*path("data.csc.index.npy"), shown, 1, "f")
    indices = load_npy(*path("indices.csc.index.npy"), shown, 1, "iu")
    indptr = load_npy(*path("indptr.csc.index.npy"), shown, 1, "iu")
    # bm25s numbers its terms 0..n-1 and may add the empty token "" with no posting list
    if not isinstance(vocab, dict) or len(vocab) not in (len(indptr) - 1, len(indptr)):
        raise refuse(shown_dir, "has a vocabulary that does not match its posting lists", shown)
    terms = list(vocab.values())
    if not all(_is_int(t) for t in terms) or sorted(terms) != list(range(len(terms))):
        raise refuse(shown_dir / "vocab.index.json", "does not number its terms 0..n-1", shown)
    if len(data) != len(indices) or len(indptr) == 0 or indptr[0] != 0 or indptr[-1] != len(data) \
            or (len(indptr) > 1 and (np.diff(indptr) < 0).any()):
        raise refuse(shown_dir / "indptr.csc.index.npy", "does not delimit the posting lists", shown)
    if len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= rows):
        raise refuse(shown_dir / "indices.csc.index.npy", f"names rows outside 0..{rows - 1}", shown)
    if len(data) and (not np.isfinite(data).all() or (data < 0).any()):
        raise refuse(shown_dir / "data.csc.index.npy", "holds negative, NaN or infinite scores", shown)
