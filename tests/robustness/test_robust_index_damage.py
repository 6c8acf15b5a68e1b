"""A damaged or tampered index is refused, never used (issue 13, item 4).

Every case damages a copy of the tiny index one way, then checks the promise: the library
raises IndexStoreError when the damaged part is first used, and `qa ask --index` exits 2
with one message naming the file and `qa index PATH ... --out <index>`, no traceback.

Most damage changes a file the manifest has a size and sha256 for, so the checksum refuses
it; each such case runs twice, the second time with the manifest re-signed (the checksums
made to match), to show the structural checks behind the checksums hold on their own (the
re-signed runs check the library's refusal; the CLI's message is checked on the first).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import IndexStoreError
from indexer.index import Index
from qa.cli import main
from robust_helpers import QUESTION, assert_refused, copy_index, manifest, resign, write_manifest

# -- damage helpers ----------------------------------------------------------------------------


def edit_manifest(change):
    def damage(path: Path) -> None:
        data = manifest(path)
        change(data)
        write_manifest(path, data)
    return damage


def raw_manifest(text: str):
    def damage(path: Path) -> None:
        (path / "manifest.json").write_bytes(text.encode("utf-8", "surrogateescape")
                                             if isinstance(text, str) else text)
    return damage


def manifest_with(key: str, value_json: str):
    """The manifest with one top-level value replaced by raw JSON text (huge ints, NaN)."""
    def damage(path: Path) -> None:
        data = manifest(path)
        data[key] = "@@"
        (path / "manifest.json").write_text(json.dumps(data).replace('"@@"', value_json), encoding="utf-8")
    return damage


def edit_row(name: str, row: int, change):
    """Apply `change` to row `row` (0-based) of a JSON-lines file; `change` returns the new
    line's text (str) or a new dict."""
    def damage(path: Path) -> None:
        lines = (path / name).read_text(encoding="utf-8").splitlines()
        data = json.loads(lines[row])
        new = change(data)
        lines[row] = new if isinstance(new, str) else json.dumps(new, ensure_ascii=False)
        (path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return damage


def set_field(**values):
    def change(data):
        data.update(values)
        return data
    return change


def drop_field(key):
    def change(data):
        del data[key]
        return data
    return change


def first_prose(path: Path) -> int:
    lines = (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == "prose")


def first_with_facts(path: Path) -> int:
    lines = (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if json.loads(line)["facts"])


def on_prose(change):
    def damage(path: Path) -> None:
        edit_row("chunks.jsonl", first_prose(path), change)(path)
    return damage


def on_fact(change):
    def damage(path: Path) -> None:
        def edit(data):
            data["facts"][0] = change(data["facts"][0]) or data["facts"][0]
            return data
        edit_row("chunks.jsonl", first_with_facts(path), edit)(path)
    return damage


def write_bytes(name: str, data: bytes):
    def damage(path: Path) -> None:
        (path / name).write_bytes(data)
    return damage


def npy_array(name: str, make):
    """Replace a .npy file by the array `make(old array)` returns."""
    def damage(path: Path) -> None:
        old = np.load(path / name, allow_pickle=False)
        np.save(path / name, make(old.copy()), allow_pickle=False)
    return damage


def npy_header(name: str, descr: str, shape: str, fortran: bool = False):
    """Keep a .npy file's data, rewrite its header (a huge shape, an object dtype...)."""
    def damage(path: Path) -> None:
        raw = (path / name).read_bytes()
        header_len = int.from_bytes(raw[8:10], "little")
        data = raw[10 + header_len:]
        header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
        header = header.ljust(64 * ((len(header) + 11) // 64 + 1) - 10 - 1) + "\n"
        (path / name).write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + data)
    return damage


def edit_json(name: str, change):
    def damage(path: Path) -> None:
        data = json.loads((path / name).read_text(encoding="utf-8"))
        new = change(data)
        (path / name).write_text(json.dumps(new if new is not None else data), encoding="utf-8")
    return damage


def change_document_number(path: Path) -> None:
    """The issue's case: '50 billion' in a document becomes '90', the chunk left as it was."""
    lines = (path / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        row = json.loads(line)
        if any(ch.isdigit() for ch in row["text"]):
            digit = next(ch for ch in row["text"] if ch.isdigit())
            row["text"] = row["text"].replace(digit, "9" if digit != "9" else "8", 1)
            lines[i] = json.dumps(row, ensure_ascii=False)
            break
    (path / "documents.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def duplicate_document(path: Path) -> None:
    lines = (path / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    (path / "documents.jsonl").write_text("\n".join(lines + lines[:1]) + "\n", encoding="utf-8")
    data = manifest(path)
    data["document_count"] += 1
    write_manifest(path, data)


def duplicate_chunk_id(path: Path) -> None:
    lines = (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    second = json.loads(lines[1])
    second["chunk_id"] = first["chunk_id"]
    lines[1] = json.dumps(second, ensure_ascii=False)
    (path / "chunks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def drop_last_chunk(path: Path) -> None:
    lines = (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    (path / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")


def prose_text_changed(data):
    data["text"] = data["text"].replace(data["text"][:5], "XXXXX", 1)
    return data


def bad_vocab_ids(vocab):
    keys = list(vocab)
    vocab[keys[1]] = vocab[keys[0]]
    return vocab


DEEP = "[" * 200_000 + "]" * 200_000
HUGE_INT = "9" * 4400

# (id, damage, words in the message); the part first used is the records' unless MANIFEST_PART says
MANIFEST_CASES = [
    ("manifest-no-model", edit_manifest(lambda m: m.pop("model")), "has no valid model"),
    ("manifest-model-dim-str", edit_manifest(lambda m: m["model"].update(dim="384")), "has no valid model"),
    ("manifest-model-no-id", edit_manifest(lambda m: m["model"].pop("model_id")), "has no valid model"),
    ("manifest-model-dim-zero", edit_manifest(lambda m: m["model"].update(dim=0)), "has no valid model"),
    ("manifest-chunk-count-huge", edit_manifest(lambda m: m.update(chunk_count=10**100)), "has no valid chunk_count"),
    ("manifest-chunk-count-4400-digits", manifest_with("chunk_count", HUGE_INT), "manifest.json is unreadable"),
    ("manifest-chunk-count-bool", edit_manifest(lambda m: m.update(chunk_count=True)), "has no valid chunk_count"),
    ("manifest-chunk-count-negative", edit_manifest(lambda m: m.update(chunk_count=-22)), "has no valid chunk_count"),
    ("manifest-chunk-count-float", edit_manifest(lambda m: m.update(chunk_count=22.0)), "has no valid chunk_count"),
    ("manifest-chunk-count-nan", manifest_with("chunk_count", "NaN"), "manifest.json is unreadable"),
    ("manifest-document-count-zero", edit_manifest(lambda m: m.update(document_count=0)), "has no valid document_count"),
    ("manifest-document-count-str", edit_manifest(lambda m: m.update(document_count="13")), "has no valid document_count"),
    ("manifest-nested-200000", manifest_with("extra", DEEP), "manifest.json is unreadable (nested too deeply)"),
    ("manifest-infinity", manifest_with("created", "Infinity"), "manifest.json is unreadable"),
    ("manifest-no-files", edit_manifest(lambda m: m.pop("files")), "records no file checksums"),
    ("manifest-files-not-dict", edit_manifest(lambda m: m.update(files=[])), "malformed file list"),
    ("manifest-files-empty", edit_manifest(lambda m: m.update(files={})), "malformed file list"),
    ("manifest-files-traversal", edit_manifest(lambda m: m["files"].update({"../../etc/passwd": {"size": 1, "sha256": "0" * 64}})),
     "lists a file no index has"),
    ("manifest-files-absolute", edit_manifest(lambda m: m["files"].update({"/etc/passwd": {"size": 1, "sha256": "0" * 64}})),
     "lists a file no index has"),
    ("manifest-files-bad-sha", edit_manifest(lambda m: m["files"]["chunks.jsonl"].update(sha256="xyz")), "malformed record for chunks.jsonl"),
    ("manifest-files-negative-size", edit_manifest(lambda m: m["files"]["chunks.jsonl"].update(size=-1)), "malformed record for chunks.jsonl"),
    ("manifest-files-size-str", edit_manifest(lambda m: m["files"]["chunks.jsonl"].update(size="1")), "malformed record for chunks.jsonl"),
    ("manifest-files-wrong-sha", edit_manifest(lambda m: m["files"]["chunks.jsonl"].update(sha256="0" * 64)),
     "chunks.jsonl does not match the sha256"),
    ("manifest-files-wrong-size", edit_manifest(lambda m: m["files"]["documents.jsonl"].update(size=1)),
     "documents.jsonl has"),
    ("manifest-no-settings", edit_manifest(lambda m: m.pop("settings")), "has no settings"),
    ("manifest-settings-unknown", edit_manifest(lambda m: m["settings"]["bm25"].update(colour="blue")),
     "settings this version does not understand"),
    ("manifest-settings-bad-value", edit_manifest(lambda m: m["settings"]["bm25"].update(k1=-5)),
     "settings this version does not understand"),
    ("manifest-no-corpus", edit_manifest(lambda m: m.pop("corpus")), "no valid list of documents"),
    ("manifest-corpus-docs-not-list", edit_manifest(lambda m: m["corpus"].update(documents={})), "no valid list of documents"),
    ("manifest-doc-sha-changed", edit_manifest(lambda m: m["corpus"]["documents"][0].update(sha256="0" * 64)),
     "does not match the sha256 the manifest recorded for it"),
    ("manifest-doc-missing", edit_manifest(lambda m: m["corpus"]["documents"].pop()), "which the manifest does not list"),
    ("manifest-doc-extra", edit_manifest(lambda m: m["corpus"]["documents"].append({"doc_id": "x.txt", "sha256": "0" * 64})),
     "does not hold the documents the manifest lists"),
    ("manifest-list", raw_manifest("[1, 2, 3]"), "manifest.json is not a JSON object"),
    ("manifest-empty", raw_manifest(""), "manifest.json is unreadable"),
    ("manifest-invalid-utf8", raw_manifest(b'{"format_version": 1, "x": "\xff\xfe"}'), "manifest.json is unreadable"),
    ("manifest-format-true", edit_manifest(lambda m: m.update(format_version=True)), "index format version True"),
    ("manifest-format-float", edit_manifest(lambda m: m.update(format_version=1.5)), "index format version 1.5"),
    ("manifest-glossary-input-changed", edit_manifest(lambda m: m["build_inputs"].update(glossary_sha256="0" * 64)),
     "glossary.tsv is not the glossary the index was built with"),
    ("manifest-files-no-bm25", edit_manifest(lambda m: [m["files"].pop(k) for k in list(m["files"]) if k.startswith("bm25/")]),
     "lists no file of bm25/"),
    ("manifest-files-no-dense", edit_manifest(lambda m: [m["files"].pop(k) for k in list(m["files"]) if k.startswith("dense/")]),
     "lists no file of dense/"),
]
MANIFEST_PART = {"manifest-files-no-bm25": "bm25", "manifest-files-no-dense": "dense"}

RECORD_CASES = [  # (id, damage, words once re-signed, file)
    ("document-number-edited", change_document_number, "does not match the sha256 the manifest recorded for it", "documents.jsonl"),
    ("document-duplicated", duplicate_document, "twice", "documents.jsonl"),
    ("document-row-list", edit_row("documents.jsonl", 0, lambda d: "[1, 2]"), "line 1 (not a JSON object)", "documents.jsonl"),
    ("document-row-no-text", edit_row("documents.jsonl", 0, drop_field("text")), "row 1 is not a document", "documents.jsonl"),
    ("document-row-text-int", edit_row("documents.jsonl", 0, set_field(text=5)), "row 1 is not a document", "documents.jsonl"),
    ("document-row-nested", edit_row("documents.jsonl", 0, lambda d: DEEP), "nested too deeply", "documents.jsonl"),
    ("document-row-huge-int", edit_row("documents.jsonl", 0, lambda d: '{"doc_id": ' + HUGE_INT + "}"),
     "is corrupted at line 1", "documents.jsonl"),
    ("document-row-garbage", edit_row("documents.jsonl", 0, lambda d: "{not json"), "is corrupted at line 1", "documents.jsonl"),
    ("documents-invalid-utf8", write_bytes("documents.jsonl", b'{"doc_id": "\xff"}\n'), "documents.jsonl is corrupted", "documents.jsonl"),
    ("documents-empty", write_bytes("documents.jsonl", b""), "has 0 documents", "documents.jsonl"),
    ("document-extra-key", edit_row("documents.jsonl", 0, set_field(colour="red")), "line 1 is malformed", "documents.jsonl"),
    ("chunk-end-past-document", on_prose(set_field(end=10**9)), "outside its document", "chunks.jsonl"),
    ("chunk-offsets-reversed", on_prose(lambda d: {**d, "start": d["end"], "end": d["start"]}), "reversed offsets", "chunks.jsonl"),
    ("chunk-start-negative", on_prose(set_field(start=-5)), "outside its document", "chunks.jsonl"),
    ("chunk-start-str", on_prose(set_field(start="0")), "offsets that are not integers", "chunks.jsonl"),
    ("chunk-start-bool", on_prose(set_field(start=False)), "offsets that are not integers", "chunks.jsonl"),
    ("chunk-start-float", on_prose(set_field(start=0.0)), "offsets that are not integers", "chunks.jsonl"),
    ("chunk-start-huge", on_prose(set_field(start=10**300)), "reversed offsets", "chunks.jsonl"),
    ("chunk-both-huge", on_prose(set_field(start=10**300, end=10**300 + 1)), "outside its document", "chunks.jsonl"),
    ("chunk-duplicate-id", duplicate_chunk_id, "repeats chunk id", "chunks.jsonl"),
    ("chunk-unknown-document", on_prose(set_field(doc_id="elsewhere.txt")), "cites a document the index does not hold", "chunks.jsonl"),
    ("chunk-doc-id-int", on_prose(set_field(doc_id=7)), "cites a document the index does not hold", "chunks.jsonl"),
    ("chunk-prose-text-changed", on_prose(prose_text_changed), "has text that is not the span", "chunks.jsonl"),
    ("chunk-kind-unknown", on_prose(set_field(kind="poem")), "is not a chunk", "chunks.jsonl"),
    ("chunk-id-int", on_prose(set_field(chunk_id=5)), "is not a chunk", "chunks.jsonl"),
    ("chunk-extra-key", on_prose(set_field(colour="red")), "is malformed", "chunks.jsonl"),
    ("chunk-missing-key", on_prose(drop_field("end")), "is malformed", "chunks.jsonl"),
    ("chunk-facts-int", on_prose(set_field(facts=5)), "is malformed", "chunks.jsonl"),
    ("chunk-section-int", on_prose(set_field(section=5)), "section or caption that is not text", "chunks.jsonl"),
    ("chunk-row-nested", edit_row("chunks.jsonl", 0, lambda d: DEEP), "nested too deeply", "chunks.jsonl"),
    ("chunk-row-huge-int", edit_row("chunks.jsonl", 0, lambda d: '{"start": ' + HUGE_INT + "}"), "is corrupted at line 1", "chunks.jsonl"),
    ("chunk-row-nan", edit_row("chunks.jsonl", 0, lambda d: json.dumps(d).replace('"start": ', '"start": NaN, "x": ', 1)),
     "is corrupted at line 1", "chunks.jsonl"),
    ("chunk-row-not-object", edit_row("chunks.jsonl", 0, lambda d: '"a string"'), "line 1 (not a JSON object)", "chunks.jsonl"),
    ("chunks-one-row-short", drop_last_chunk, "has 21 chunks, the manifest says 22", "chunks.jsonl"),
    ("fact-value-infinity", on_fact(lambda f: f.update(value=float("inf"))), "is corrupted at line", "chunks.jsonl"),
    ("fact-value-1e999", lambda p: on_fact(lambda f: f.update(value=12345.5))(p) or (p / "chunks.jsonl").write_text(
        (p / "chunks.jsonl").read_text(encoding="utf-8").replace("12345.5", "1e999"), encoding="utf-8"),
     "not a finite number", "chunks.jsonl"),
    ("fact-value-str", on_fact(lambda f: f.update(value="12")), "not a finite number", "chunks.jsonl"),
    ("fact-end-past-document", on_fact(lambda f: f.update(end=10**9)), "a fact that offsets", "chunks.jsonl"),
    ("fact-reversed", on_fact(lambda f: f.update(start=f["end"], end=f["start"])), "a fact that reversed offsets", "chunks.jsonl"),
    ("fact-other-document", on_fact(lambda f: f.update(doc_id="elsewhere.txt")), "a fact of another document", "chunks.jsonl"),
    ("fact-label-int", on_fact(lambda f: f.update(row_label=5)), "labels are not text", "chunks.jsonl"),
    ("fact-missing-key", on_fact(lambda f: f.pop("raw")), "is malformed", "chunks.jsonl"),
    ("fact-not-object", on_fact(lambda f: 5), "is malformed", "chunks.jsonl"),
    ("glossary-emptied", write_bytes("glossary.tsv", b""), "glossary.tsv is not the glossary the index was built with", "glossary.tsv"),
    ("glossary-garbage", write_bytes("glossary.tsv", b"\xff\x00garbage"), "glossary.tsv is not the glossary", "glossary.tsv"),
]

BM25 = "bm25/"
BM25_CASES = [  # (id, damage, words once re-signed, the damaged file)
    ("bm25-data-empty-file", write_bytes(BM25 + "data.csc.index.npy", b""), "is not a .npy array file", "data.csc.index.npy"),
    ("bm25-indices-empty-file", write_bytes(BM25 + "indices.csc.index.npy", b""), "is not a .npy array file", "indices.csc.index.npy"),
    ("bm25-indptr-empty-file", write_bytes(BM25 + "indptr.csc.index.npy", b""), "is not a .npy array file", "indptr.csc.index.npy"),
    ("bm25-data-empty-array", npy_array(BM25 + "data.csc.index.npy", lambda a: a[:0]), "does not delimit", "data.csc.index.npy"),
    ("bm25-data-huge-shape", npy_header(BM25 + "data.csc.index.npy", "<f4", "(1000000000000,)"), "header describes", "data.csc.index.npy"),
    ("bm25-data-object-dtype", npy_header(BM25 + "data.csc.index.npy", "|O", "(607,)"), "numpy may not read safely", "data.csc.index.npy"),
    ("bm25-data-fortran", npy_header(BM25 + "data.csc.index.npy", "<f4", "(607,)", True), "numpy may not read safely", "data.csc.index.npy"),
    ("bm25-data-nan", npy_array(BM25 + "data.csc.index.npy", lambda a: np.where(np.arange(len(a)) == 3, np.nan, a).astype(a.dtype)),
     "negative, NaN or infinite", "data.csc.index.npy"),
    ("bm25-data-inf", npy_array(BM25 + "data.csc.index.npy", lambda a: np.where(np.arange(len(a)) == 3, np.inf, a).astype(a.dtype)),
     "negative, NaN or infinite", "data.csc.index.npy"),
    ("bm25-data-negative", npy_array(BM25 + "data.csc.index.npy", lambda a: -a), "negative, NaN or infinite", "data.csc.index.npy"),
    ("bm25-data-int-dtype", npy_array(BM25 + "data.csc.index.npy", lambda a: a.astype(np.int32)), "expected 1-D float", "data.csc.index.npy"),
    ("bm25-data-2d", npy_array(BM25 + "data.csc.index.npy", lambda a: a.reshape(1, -1)), "expected 1-D float", "data.csc.index.npy"),
    ("bm25-indices-out-of-range", npy_array(BM25 + "indices.csc.index.npy", lambda a: a + 100), "names rows outside", "indices.csc.index.npy"),
    ("bm25-indices-negative", npy_array(BM25 + "indices.csc.index.npy", lambda a: a - 100), "names rows outside", "indices.csc.index.npy"),
    ("bm25-indices-float", npy_array(BM25 + "indices.csc.index.npy", lambda a: a.astype(np.float32)), "expected 1-D integer", "indices.csc.index.npy"),
    ("bm25-indptr-decreasing", npy_array(BM25 + "indptr.csc.index.npy", lambda a: a[::-1].copy()), "does not delimit", "indptr.csc.index.npy"),
    ("bm25-indptr-end-wrong", npy_array(BM25 + "indptr.csc.index.npy", lambda a: np.append(a[:-1], a[-1] + 50)), "does not delimit", "indptr.csc.index.npy"),
    ("bm25-indptr-short", npy_array(BM25 + "indptr.csc.index.npy", lambda a: a[:-5]), "vocabulary that does not match", "indptr.csc.index.npy"),
    ("bm25-vocab-duplicate-ids", edit_json(BM25 + "vocab.index.json", bad_vocab_ids), "does not number its terms", "vocab.index.json"),
    ("bm25-vocab-list", edit_json(BM25 + "vocab.index.json", lambda v: list(v)), "vocabulary that does not match", "vocab.index.json"),
    ("bm25-vocab-garbage", write_bytes(BM25 + "vocab.index.json", b"{not json"), "vocab.index.json is unreadable", "vocab.index.json"),
    ("bm25-vocab-nested", write_bytes(BM25 + "vocab.index.json", DEEP.encode()), "nested too deeply", "vocab.index.json"),
    ("bm25-params-rows", edit_json(BM25 + "params.index.json", lambda p: p.update(num_docs=21)), "does not describe 22 rows", "params.index.json"),
    ("bm25-settings-rows", edit_json(BM25 + "bm25_settings.json", lambda p: p.update(rows=23)), "does not describe 22 rows", "bm25_settings.json"),
    ("bm25-settings-k1", edit_json(BM25 + "bm25_settings.json", lambda p: p["settings"].update(k1=2.0)), "was scored with", "bm25_settings.json"),
    ("bm25-params-garbage", write_bytes(BM25 + "params.index.json", b"\x00\x01"), "params.index.json is unreadable", "params.index.json"),
]

DENSE = "dense/embeddings.npy"
DENSE_CASES = [
    ("dense-nan", npy_array(DENSE, lambda a: np.where(np.arange(a.size).reshape(a.shape) == 5, np.nan, a).astype(np.float32)),
     "holds NaN or infinite values"),
    ("dense-inf", npy_array(DENSE, lambda a: np.where(np.arange(a.size).reshape(a.shape) == 5, np.inf, a).astype(np.float32)),
     "holds NaN or infinite values"),
    ("dense-zero-row", npy_array(DENSE, lambda a: np.concatenate([np.zeros_like(a[:1]), a[1:]])), "not of unit length"),
    ("dense-scaled", npy_array(DENSE, lambda a: a * 2), "not of unit length"),
    ("dense-wrong-dim", npy_array(DENSE, lambda a: a[:, :383].copy()), "expected (22, 384) float32"),
    ("dense-float64", npy_array(DENSE, lambda a: a.astype(np.float64)), "expected (22, 384) float32"),
    ("dense-1d", npy_array(DENSE, lambda a: a.reshape(-1)), "expected (22, 384) float32"),
    ("dense-3d", npy_array(DENSE, lambda a: a.reshape(22, 384, 1)), "expected (22, 384) float32"),
    ("dense-one-row-short", npy_array(DENSE, lambda a: a[:-1]), "expected (22, 384) float32"),
    ("dense-huge-shape", npy_header(DENSE, "<f4", "(100000000, 384)"), "header describes"),
    ("dense-object-dtype", npy_header(DENSE, "|O", "(22, 384)"), "numpy may not read safely"),
    ("dense-fortran", npy_header(DENSE, "<f4", "(22, 384)", True), "numpy may not read safely"),
    ("dense-empty-file", write_bytes(DENSE, b""), "is not a .npy array file"),
    ("dense-garbage", write_bytes(DENSE, b"\x93NUMPY garbage" * 30), "is not a .npy array file"),
]


@pytest.fixture
def work(tiny_index, tmp_path) -> Path:
    return copy_index(tiny_index, tmp_path / "index")


def use(path: Path, part: str) -> None:
    index = Index.load(path)
    if part == "bm25":
        index.bm25
    elif part == "dense":
        index.dense


def cli_refuses(path: Path, part: str, words: str, capsys) -> None:
    mode = "dense" if part == "dense" else "bm25"
    code = main(["ask", "--index", str(path), "--mode", mode, QUESTION])
    captured = capsys.readouterr()
    assert_refused(code, captured.err, captured.out, "ask", (words, f"qa index PATH ... --out {path}"))


@pytest.mark.parametrize("case, damage, words", MANIFEST_CASES, ids=[c[0] for c in MANIFEST_CASES])
def test_manifest_damage_is_refused(work, capsys, case, damage, words):
    damage(work)
    part = MANIFEST_PART.get(case, "load")
    with pytest.raises(IndexStoreError, match=None) as refused:
        use(work, part)
    assert words in str(refused.value)
    cli_refuses(work, part, words, capsys)


@pytest.mark.parametrize("signed", ["checksum", "re-signed"])
@pytest.mark.parametrize("case, damage, words, name", RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_record_damage_is_refused(work, capsys, case, damage, words, name, signed):
    damage(work)
    if signed == "re-signed":
        resign(work)
    else:
        words = f"{name} "  # named as a changed file, before any parsing
    with pytest.raises(IndexStoreError) as refused:
        use(work, "load")
    assert words in str(refused.value)
    if signed == "checksum":  # the message path is the same for both; the CLI is checked once
        cli_refuses(work, "load", words, capsys)


@pytest.mark.parametrize("signed", ["checksum", "re-signed"])
@pytest.mark.parametrize("case, damage, words, name", BM25_CASES, ids=[c[0] for c in BM25_CASES])
def test_bm25_damage_is_refused_before_bm25s_reads_it(work, capsys, case, damage, words, name, signed):
    damage(work)
    if signed == "re-signed":
        resign(work)
    else:
        words = f"{name} "  # the damaged file, named as changed
    index = Index.load(work)  # the records are intact: loading works, the first BM25 search refuses
    with pytest.raises(IndexStoreError) as refused:
        index.bm25
    assert words in str(refused.value)
    if signed == "checksum":
        cli_refuses(work, "bm25", words, capsys)


@pytest.mark.parametrize("signed", ["checksum", "re-signed"])
@pytest.mark.parametrize("case, damage, words", DENSE_CASES, ids=[c[0] for c in DENSE_CASES])
def test_dense_damage_is_refused_before_faiss_reads_it(work, capsys, case, damage, words, signed):
    damage(work)
    if signed == "re-signed":
        resign(work)
    else:
        words = "embeddings.npy "
    index = Index.load(work)
    assert index.bm25 is not None  # BM25 work goes on; the damaged part is refused when used
    with pytest.raises(IndexStoreError) as refused:
        index.dense
    assert words in str(refused.value)
    if signed == "checksum":
        cli_refuses(work, "dense", words, capsys)


# -- the HNSW file: never handed to faiss unchecked ----------------------------------------------


@pytest.fixture(scope="module")
def hnsw_index(tiny_index, tmp_path_factory) -> Path:
    """The tiny corpus with an HNSW graph (its vectors reused from the tiny index: no model)."""
    from dataclasses import replace

    from corpus.loader import load_documents
    from indexer.build import build_index
    from indexer.settings import IndexSettings
    from robust_helpers import TEST_CORPUS

    settings = IndexSettings()
    settings = replace(settings, faiss=replace(settings.faiss, kind="hnsw"))
    out = tmp_path_factory.mktemp("hnsw") / "index"
    report = build_index(load_documents([TEST_CORPUS]), out, settings, reuse_from=tiny_index)
    assert report.embedded == 0
    return out


def flip_bytes(name: str, offsets: tuple[int, ...]):
    def damage(path: Path) -> None:
        data = bytearray((path / name).read_bytes())
        for offset in offsets:
            data[offset % len(data)] ^= 0x5A
        (path / name).write_bytes(bytes(data))
    return damage


HNSW = "dense/dense.hnsw.faiss"
HNSW_CASES = [
    ("hnsw-three-bytes-changed", flip_bytes(HNSW, (40, 41, 42)), "dense.hnsw.faiss does not match the sha256"),
    ("hnsw-header-bytes-changed", flip_bytes(HNSW, (4, 5, 6)), "dense.hnsw.faiss does not match the sha256"),
    ("hnsw-tail-bytes-changed", flip_bytes(HNSW, (-3, -2, -1)), "dense.hnsw.faiss does not match the sha256"),
    ("hnsw-truncated", lambda p: (p / HNSW).write_bytes((p / HNSW).read_bytes()[:1000]), "dense.hnsw.faiss has 1000 bytes"),
    ("hnsw-missing", lambda p: (p / HNSW).unlink(), "dense.hnsw.faiss is missing"),
    ("hnsw-unlisted", edit_manifest(lambda m: m["files"].pop(HNSW)), "dense.hnsw.faiss is not in the manifest's file list"),
]


@pytest.mark.parametrize("case, damage, words", HNSW_CASES, ids=[c[0] for c in HNSW_CASES])
def test_hnsw_damage_is_refused_before_faiss_reads_it(hnsw_index, tmp_path, capsys, case, damage, words):
    path = copy_index(hnsw_index, tmp_path / "index")
    damage(path)
    with pytest.raises(IndexStoreError) as refused:
        Index.load(path).dense
    assert words in str(refused.value)
    cli_refuses(path, "dense", words, capsys)


def test_intact_hnsw_index_answers_like_the_flat_one(hnsw_index, tiny_index):
    hnsw, flat = Index.load(hnsw_index), Index.load(tiny_index)
    assert hnsw.dense.kind == "hnsw" and len(hnsw.dense) == 22
    query = flat.dense.vectors[3:4].copy()
    assert hnsw.dense.search(query, 3)[1][0][0] == flat.dense.search(query, 3)[1][0][0] == 3


# -- random byte flips ---------------------------------------------------------------------------


def _files(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file() and p.name != "manifest.json")


@pytest.mark.parametrize("seed", range(100))
def test_any_flipped_byte_in_any_file_is_refused(work, seed):
    rng = random.Random(seed)
    name = rng.choice(_files(work))
    data = bytearray((work / name).read_bytes())
    offset = rng.randrange(len(data))
    data[offset] ^= 1 << rng.randrange(8)
    (work / name).write_bytes(bytes(data))
    with pytest.raises(IndexStoreError) as refused:
        Index.load(work).verify()
    assert name in str(refused.value) and "sha256" in str(refused.value)


@pytest.mark.parametrize("seed", range(20))
def test_a_flipped_byte_in_the_manifest_is_refused_or_harmless(work, tiny_index, seed):
    """The manifest holds the checksums, so it is not checksummed itself: a flip is either
    refused, or it lands where nothing depends on it (a timestamp, the package version) and
    the index answers exactly as before."""
    from qa.assistant import Assistant
    from robust_helpers import answer_key

    rng = random.Random(1000 + seed)
    data = bytearray((work / "manifest.json").read_bytes())
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    (work / "manifest.json").write_bytes(bytes(data))
    try:
        index = Index.load(work).verify()
    except IndexStoreError as refused:
        assert "manifest.json" in str(refused) or str(work) in str(refused)
        return
    before = Assistant.load(tiny_index).ask(QUESTION, mode="bm25")
    assert answer_key(Assistant(index).ask(QUESTION, mode="bm25")) == answer_key(before)


def test_an_old_index_without_checksums_is_refused_with_the_rebuild_command(work, capsys):
    edit_manifest(lambda m: m.pop("files"))(work)
    cli_refuses(work, "load", "built by an earlier document-qa", capsys)


def test_an_old_index_without_checksums_still_gives_its_vectors_to_a_rebuild(work):
    """Refused for answering, but a rebuild into it re-embeds nothing: its vectors pass the
    structural checks (shape, finite, unit length) and are reused."""
    from corpus.loader import load_documents
    from indexer.build import build_index
    from robust_helpers import TEST_CORPUS

    edit_manifest(lambda m: m.pop("files"))(work)
    report = build_index(load_documents([TEST_CORPUS]), work)
    assert (report.embedded, report.reused) == (0, 22)
    assert len(Index.load(work).verify().chunks) == 22


def test_verification_passes_on_an_intact_index_and_names_no_file(work):
    index = Index.load(work).verify()
    assert len(index.chunks) == 22 and len(index.bm25) == 22 and len(index.dense) == 22
    shutil.rmtree(work)
