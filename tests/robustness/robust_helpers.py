"""Shared by the robustness suite (issue 13): copy an index, damage it, re-sign its manifest,
and check a refusal the way a user sees it (`qa ask`: exit 2, one message naming the file
and the command that rebuilds the index, no traceback, no answer)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from indexer.verify import digest_tree

ROOT = Path(__file__).resolve().parents[2]
TEST_CORPUS = ROOT / "tests" / "data" / "corpus"
QUESTION = "How long is the undersea tunnel?"


def copy_index(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(path: Path, data: dict) -> None:
    (path / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


def resign(path: Path) -> None:
    """Record the current files' sizes and sha256 in the manifest, as if a build had written
    them: what is left for the structural checks once the checksums pass."""
    data = manifest(path)
    data["files"] = digest_tree(path)
    write_manifest(path, data)


def answer_key(answer) -> tuple:
    """What a user sees of an answer: the figures and the cited passages, in order."""
    return (
        answer.answerable,
        tuple((f.value, f.unit) for f in answer.figures[:3]),
        tuple((p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in answer.passages),
    )


def run_qa(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 300,
           stdin: bytes | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, env=full_env,
                          cwd=cwd, timeout=timeout, input=stdin)


def python(code: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT)


def assert_refused(code: int, err: str, out: str, command: str, names: tuple[str, ...]) -> None:
    """The promise: exit 2, one error line from `qa COMMAND`, every name in it, no traceback,
    nothing on stdout that looks like an answer."""
    assert code == 2, (code, err)
    errors = [line for line in err.splitlines() if line.startswith(f"qa {command}: error: ")]
    assert len(errors) == 1, err  # progress lines may come before it
    assert "Traceback" not in err
    for name in names:
        assert name in errors[0], (name, err)
    assert "Answer:" not in out


def build_script(corpus: Path, out: Path, *, drop: str | None = None, extra: str | None = None,
                 faiss: str = "flat", reuse: Path | None = None) -> str:
    """Python source that builds the index of `corpus` into `out` (optionally without one
    document, or with text added to one): run in a subprocess, to be killed."""
    return (
        "from dataclasses import replace\n"
        "from pathlib import Path\n"
        "from corpus.loader import load_documents\n"
        "from corpus.types import Document\n"
        "from indexer.build import build_index\n"
        "from indexer.settings import IndexSettings\n"
        f"docs = load_documents([Path({str(corpus)!r})])\n"
        f"drop, extra = {drop!r}, {extra!r}\n"
        "docs = [d for d in docs if d.doc_id != drop]\n"
        "if extra:\n"
        "    docs = [Document(d.doc_id, d.title, d.text + extra) if d.doc_id == 'solar-farm.txt' else d for d in docs]\n"
        "s = IndexSettings()\n"
        f"s = replace(s, faiss=replace(s.faiss, kind={faiss!r}))\n"
        f"reuse = {str(reuse) if reuse else None!r}\n"
        f"build_index(docs, Path({str(out)!r}), s, reuse_from=Path(reuse) if reuse else None)\n"
        "print('built')\n"
    )
