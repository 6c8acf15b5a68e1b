"""Read a corpus from disk into `Document`s: the bundled texts, or a user's files and folders.

Policy for bad inputs: refuse the whole load. Every bad file (missing, empty, binary,
not UTF-8, a file argument that is not .txt/.md, a folder with no .txt/.md in it, and in
a folder a .txt/.md that is a broken link, a link leaving the folder, or not a regular
file) is
collected and reported in one `CorpusError` that names each file and says what to do,
so a user fixes everything in one pass and nothing is ever dropped silently. Files with
other extensions found inside a folder are not documents: they are ignored, and counted
in `LoadedCorpus.ignored` so the caller can show them in its summary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from corpus.errors import CorpusError
from corpus.types import Document

BUNDLED_CORPUS_DIR = Path(__file__).with_name("documents")
TEXT_SUFFIXES = (".txt", ".md")
_BOM = "\ufeff"


@dataclass(frozen=True)
class LoadedCorpus:
    """The documents of a load, sorted by doc_id, and the files a folder held that were
    not documents (other extensions, hidden files), for the caller's summary."""

    documents: tuple[Document, ...]
    ignored: tuple[Path, ...]


def load_documents(paths: Sequence[Path] | None = None) -> list[Document]:
    """Documents of the given files and folders (None: the bundled corpus), sorted by doc_id.

    A folder is searched recursively for .txt and .md files; a document's doc_id is its
    path relative to that folder (for a file argument, its file name). Raises
    `CorpusError` listing every bad file (see the module docstring for the policy).
    """
    return list(load_corpus(paths).documents)


def load_corpus(paths: Sequence[Path] | None = None) -> LoadedCorpus:
    """Like `load_documents`, also returning the ignored files of the folders searched."""
    roots = [BUNDLED_CORPUS_DIR] if paths is None else [Path(p) for p in paths]
    if not roots:
        raise CorpusError("no corpus given: name at least one .txt/.md file or folder")
    problems: list[str] = []
    ignored: list[Path] = []
    found: list[tuple[str, Path]] = []
    for root in roots:
        files, skipped, found_problems = _text_files(root)
        ignored.extend(skipped)
        problems.extend(found_problems)
        found.extend(files)
    documents = []
    for doc_id, path in found:
        document, problem = _read_document(doc_id, path)
        if problem:
            problems.append(problem)
        else:
            documents.append(document)
    problems.extend(_duplicate_problems(found))
    if problems:
        raise CorpusError(
            f"cannot load the corpus ({len(problems)} problem(s); nothing was loaded):\n  "
            + "\n  ".join(problems)
        )
    documents.sort(key=lambda d: d.doc_id)
    return LoadedCorpus(tuple(documents), tuple(sorted(ignored)))


def _text_files(root: Path) -> tuple[list[tuple[str, Path]], list[Path], list[str]]:
    """(doc_id, path) of the documents under `root`, the ignored files, and the problems:
    nothing a folder holds under a document's name is skipped without being named."""
    if root.is_dir():
        files, ignored, problems = [], [], []
        inside = root.resolve()
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            text_name = path.suffix.lower() in TEXT_SUFFIXES
            if _is_hidden(relative) or not text_name:
                if path.is_file() or path.is_symlink():
                    ignored.append(path)
                continue
            problem = _not_a_document(path, inside)
            if problem:
                problems.append(problem)
            elif path.is_file():
                files.append((relative.as_posix(), path))
        if not files and not problems:
            problems.append(
                f"{root}: folder has no .txt or .md files "
                f"({len(ignored)} other file(s)); point to a folder of UTF-8 text files"
            )
        return files, ignored, problems
    if root.is_file():
        if root.suffix.lower() not in TEXT_SUFFIXES:
            return [], [], [
                f"{root}: not a .txt or .md file; convert it to UTF-8 text "
                "and save it as .txt or .md"
            ]
        return [(root.name, root)], [], []
    if root.is_symlink() and not root.exists():
        return [], [], [f"{root}: a broken symbolic link (to {os.readlink(root)}); point it at a file"]
    if root.exists():
        return [], [], [f"{root}: not a regular file or folder (a pipe, device or socket); only files are read"]
    return [], [], [f"{root}: no such file or folder; check the path"]


def _not_a_document(path: Path, inside: Path) -> str | None:
    """Why a .txt/.md entry of a folder cannot be read as a document, or None: a broken
    link, a link leaving the folder (never followed: it could reach any file on the
    machine), or something that is not a regular file (a pipe, a device)."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return f"{path}: a broken symbolic link (to {os.readlink(path)}); remove it or point it at a file"
        if not target.is_relative_to(inside):
            return (f"{path}: a symbolic link to {target}, outside the folder; links that leave the "
                    f"folder are not followed: copy the file into the folder instead")
    if path.is_dir():
        return None  # a folder named like a document: its files are walked
    if not path.is_file():
        return f"{path}: not a regular file (a pipe, device or socket); only files are read"
    return None


def _is_hidden(relative: Path) -> bool:
    """Dot files and anything in a dot folder (.git, .DS_Store) are never documents."""
    return any(part.startswith(".") for part in relative.parts)


def _read_document(doc_id: str, path: Path) -> tuple[Document | None, str | None]:
    """The document of one file, or None and a message saying what is wrong and what to do."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"{path}: cannot be read ({error.strerror}); check its permissions"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, f"{path}: is UTF-16 text; re-save it as UTF-8"
    if b"\x00" in data:
        return None, (
            f"{path}: looks binary (contains NUL bytes; UTF-16 text does too); "
            "save it as UTF-8 text or remove it"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, (
            f"{path}: is not UTF-8 (invalid byte at offset {error.start}); "
            "re-save it as UTF-8"
        )
    if not text.replace(_BOM, "").strip():
        return None, f"{path}: is empty; add text or remove the file"
    return Document(doc_id=doc_id, title=_title(text, path.suffix.lower()), text=text), None


def _title(text: str, suffix: str) -> str:
    """The first non-blank line; a Markdown heading's leading '#' marks are stripped."""
    for line in text.replace(_BOM, "", 1).split("\n"):
        line = line.strip()
        if not line:
            continue
        if suffix == ".md" and line.startswith("#"):
            line = line.lstrip("#").strip() or line
        return line
    raise CorpusError("internal: _title called on blank text")


def _duplicate_problems(found: list[tuple[str, Path]]) -> list[str]:
    by_id: dict[str, list[Path]] = {}
    for doc_id, path in found:
        by_id.setdefault(doc_id, []).append(path)
    return [
        f"doc_id {doc_id!r} is given by {len(paths)} files ({', '.join(map(str, paths))}); "
        "rename one or pass their common parent folder"
        for doc_id, paths in sorted(by_id.items())
        if len(paths) > 1
    ]
