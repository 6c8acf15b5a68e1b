"""`make bench`, readers stage: how fast each reader reads, and the index build of a PDF corpus.

The bundled corpus is rendered as PDF, Word and HTML by `scripts/render_corpus.py` (into a
temporary folder), then each rendering is read by `corpus.loader` (best of `RUNS` passes;
one pass for PDF, which is slow enough to measure once): pages/s for PDF, MB/s (of the
files' bytes) for every format. The PDF rendering is then indexed from scratch, with a
fresh cache, as `qa index` would. Writes <out>/readers.md and readers.json.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.report import machine_info, machine_line, markdown_table, write_json, write_text

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "scripts" / "render_corpus.py"
FORMATS = ("pdf", "docx", "html")
RUNS = {"pdf": 1, "docx": 3, "html": 20}


def readers_benchmark(out: Path, say: Callable[[str], None]) -> list[Path]:
    from corpus.loader import load_documents
    from indexer.build import build_index
    from indexer.paths import CACHE_ENV
    from indexer.settings import IndexSettings

    with tempfile.TemporaryDirectory(prefix="bench-readers-") as work:
        work_path = Path(work)
        say("rendering the bundled corpus as PDF, DOCX and HTML")
        subprocess.run([sys.executable, str(RENDER), str(work_path / "renderings")],
                       check=True, stdout=subprocess.DEVNULL)
        rows: dict[str, dict[str, Any]] = {}
        for kind in FORMATS:
            folder = work_path / "renderings" / kind
            files = sorted(folder.glob(f"*.{kind}"))
            size = sum(path.stat().st_size for path in files)
            best = float("inf")
            for _ in range(RUNS[kind]):
                started = time.perf_counter()
                documents = load_documents([folder])
                best = min(best, time.perf_counter() - started)
            pages = sum(len(document.pages) for document in documents)
            rows[kind] = {"files": len(files), "bytes": size, "pages": pages or None, "seconds": best,
                          "mb_per_s": size / 1e6 / best, "pages_per_s": pages / best if pages else None}
            say(f"{kind}: {len(files)} files, {size / 1e3:.0f} kB in {best:.2f} s")
        say("indexing the PDF rendering from scratch")
        old = os.environ.get(CACHE_ENV)
        os.environ[CACHE_ENV] = str(work_path / "cache")
        try:
            documents = load_documents([work_path / "renderings" / "pdf"])
            report = build_index(documents, work_path / "index-pdf", IndexSettings())
        finally:
            if old is None:
                del os.environ[CACHE_ENV]
            else:
                os.environ[CACHE_ENV] = old
    data = {"machine": machine_info(), "formats": rows,
            "pdf_index": {"documents": report.documents, "chunks": report.chunks, "seconds": report.seconds}}
    table = markdown_table(
        ["format", "files", "kB", "pages", "read s", "pages/s", "MB/s"],
        [[kind, row["files"], round(row["bytes"] / 1e3), row["pages"], row["seconds"], row["pages_per_s"],
          row["mb_per_s"]] for kind, row in rows.items()], digits=2)
    text = (f"# Readers\n\n{machine_line(data['machine'])}\n\nThe bundled corpus rendered by "
            f"scripts/render_corpus.py, read by corpus.loader (best of {RUNS['docx']} passes for "
            f"DOCX, {RUNS['html']} for HTML, one for PDF).\n\n{table}\n\nIndex build of the PDF "
            f"rendering from scratch: {report.documents} documents, {report.chunks} chunks in "
            f"{report.seconds:.1f} s.\n")
    return [write_text(out / "readers.md", text), write_json(out / "readers.json", data)]
