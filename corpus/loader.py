"""Read a corpus from disk into `Document`s: the bundled texts, or a user's files and folders.

Each file is read by the reader of its format (`corpus.readers`: text and Markdown in
any encoding, PDF, Word, HTML, CSV/TSV). Policy for bad inputs: by default, refuse the
whole load. Every bad file (missing, empty, binary, undecodable, encrypted, damaged, an
image-only PDF, a file argument of a format no reader reads, a folder with no document
in it, and in a folder a document that is a broken link, a link leaving the folder, or
not a regular file) is collected and reported in one `CorpusError` that names each file
and says what to do, so a user fixes everything in one pass and nothing is ever dropped
silently. With `skip_bad`, the good files are loaded and the bad ones are returned in
`LoadedCorpus.skipped` with their reasons, for the caller to list. Files of other
formats found inside a folder are not documents: they are ignored, and returned in
`LoadedCorpus.ignored` so the caller can name or count them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from corpus.errors import CorpusError
from corpus.readers import SUFFIXES, ReadError, read_document
from corpus.types import Document

BUNDLED_CORPUS_DIR = Path(__file__).with_name("documents")
TEXT_SUFFIXES = SUFFIXES  # every suffix a reader reads (the name is kept for callers)
_FORMATS = ", ".join(SUFFIXES)


@dataclass(frozen=True)
class LoadedCorpus:
    """The documents of a load, sorted by doc_id; the files a folder held that were not
    documents (other extensions, hidden files); with `skip_bad`, the problems skipped
    (each "<file>: <reason>"); and warnings about documents that were read only in part
    (PDF pages with no text layer). `sources` maps each document's doc_id to the path it
    was found under (the file or folder argument, as given): an index records it, so a
    later `qa index` can tell a rebuild of the same sources from one that drops others."""

    documents: tuple[Document, ...]
    ignored: tuple[Path, ...]
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    sources: Mapping[str, Path] = field(default_factory=dict)


def load_documents(paths: Sequence[Path] | None = None) -> list[Document]:
    """Documents of the given files and folders (None: the bundled corpus), sorted by doc_id.

    A folder is searched recursively for files of the readable formats; a document's
    doc_id is its path relative to that folder (for a file argument, its file name).
    Raises `CorpusError` listing every bad file (see the module docstring for the policy).
    """
    return list(load_corpus(paths).documents)


FOLLOW_LINKS_HELP = ("read links in a folder that lead outside it (by default they are refused: "
                     "a link could reach any file on the machine)")


def load_corpus(paths: Sequence[Path] | None = None, skip_bad: bool = False,
                follow_links: bool = False) -> LoadedCorpus:
    """Like `load_documents`, also returning the ignored files of the folders searched;
    with `skip_bad`, bad files are skipped and listed instead of stopping the load (two
    files giving one doc_id still stop it, and so does a load left with no document);
    with `follow_links`, a link in a folder to a regular file outside it is read (the
    user asked for it: `--follow-links`); broken links and devices are still refused."""
    roots = [BUNDLED_CORPUS_DIR] if paths is None else [Path(p) for p in paths]
    if not roots:
        raise CorpusError(f"no corpus given: name at least one document ({_FORMATS}) or folder")
    problems: list[str] = []
    ignored: list[Path] = []
    found: list[tuple[str, Path]] = []
    sources: dict[str, Path] = {}
    for root in roots:
        files, skipped, found_problems = _text_files(root, follow_links)
        ignored.extend(skipped)
        problems.extend(found_problems)
        found.extend(files)
        sources.update((doc_id, root) for doc_id, _ in files)
    documents = []
    warnings = []
    for doc_id, path in found:
        if not _is_utf8(doc_id):
            problems.append(f"{_shown(path)}: its name is not valid UTF-8, so it cannot be cited; "
                            "rename the file")
            continue
        try:
            document = read_document(path, doc_id)
        except ReadError as error:
            problems.append(f"{path}: {error}")
            continue
        documents.append(document)
        warnings.extend(f"{path}: {note}" for note in document.notes)
    duplicates = _duplicate_problems(found)
    if duplicates or (problems and not skip_bad) or not documents:
        every = [*problems, *duplicates]
        if not every:
            every = ["no document was found"]
        raise CorpusError(
            f"cannot load the corpus ({len(every)} problem(s); nothing was loaded):\n  "
            + "\n  ".join(every)
            + ("\n(qa index --skip-bad indexes the readable files and lists the others)"
               if problems and not skip_bad and documents else "")
        )
    documents.sort(key=lambda d: d.doc_id)
    return LoadedCorpus(tuple(documents), tuple(sorted(ignored)), tuple(problems), tuple(warnings),
                        {d.doc_id: sources[d.doc_id] for d in documents})


def _text_files(root: Path, follow_links: bool = False) -> tuple[list[tuple[str, Path]], list[Path], list[str]]:
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
            problem = _not_a_document(path, inside, follow_links)
            if problem:
                problems.append(problem)
            elif path.is_file():
                files.append((relative.as_posix(), path))
        if not files and not problems:
            problems.append(
                f"{root}: folder has no documents ({_FORMATS}) "
                f"({len(ignored)} other file(s)); point to a folder of documents"
            )
        return files, ignored, problems
    if root.is_file():
        if root.suffix.lower() not in TEXT_SUFFIXES:
            return [], [], [
                f"{root}: not a format that can be read ({_FORMATS}); "
                "convert it to one of them (or to UTF-8 text)"
            ]
        return [(root.name, root)], [], []
    if root.is_symlink() and not root.exists():
        return [], [], [f"{root}: a broken symbolic link (to {os.readlink(root)}); point it at a file"]
    if root.exists():
        return [], [], [f"{root}: not a regular file or folder (a pipe, device or socket); only files are read"]
    return [], [], [f"{root}: no such file or folder; check the path"]


def _not_a_document(path: Path, inside: Path, follow_links: bool = False) -> str | None:
    """Why a document entry of a folder cannot be read as a document, or None: a broken
    link, a link leaving the folder (never followed: it could reach any file on the
    machine), or something that is not a regular file (a pipe, a device)."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return f"{path}: a broken symbolic link (to {os.readlink(path)}); remove it or point it at a file"
        if not target.is_relative_to(inside) and not follow_links:
            return (f"{path}: a symbolic link to {target}, outside the folder; links that leave the "
                    f"folder are not followed: copy the file into the folder, or pass --follow-links "
                    f"to read such links")
    if path.is_dir():
        return None  # a folder named like a document: its files are walked
    if not path.is_file():
        return f"{path}: not a regular file (a pipe, device or socket); only files are read"
    return None


def _is_hidden(relative: Path) -> bool:
    """Dot files and anything in a dot folder (.git, .DS_Store) are never documents."""
    return any(part.startswith(".") for part in relative.parts)


def _is_utf8(name: str) -> bool:
    """False for a file name whose bytes were not UTF-8 (Python keeps them as lone
    surrogates, which no citation, hash or JSON can carry)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: Path) -> str:
    """A path as text that can always be printed: bytes that are not UTF-8 as escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


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
