"""`make bench`, chunking stage: chunking time against document size, table-heavy text.

Issue "Keep every promise under hostile input" found chunking quadratic in a document's
size (5 MB of tables took 86 s, 10 MB 500 s): every table re-split the whole text. This
stage chunks one synthetic table-heavy document of each size (a short paragraph, then a
Markdown table of 8 rows, repeated with other numbers; nothing of the bundled texts) and
reports seconds and MB/s, so growth that is not linear shows as falling MB/s.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Sequence

# 200 MB, which the issue names, is left out: table-heavy text makes ~23,500 chunks per MB,
# all held in memory until the end (~8 KB each, issue "Speed at scale"), so 200 MB would
# need ~38 GB here; 50 MB takes ~8 minutes and ~10 GB.
SIZES_MB = (5, 10, 50)
QUICK_SIZES_MB = (1, 2, 5)


def table_heavy_text(megabytes: float) -> str:
    """About `megabytes` MB of report-like text: a paragraph and a table, repeated."""
    target = int(megabytes * 1_000_000)
    parts, size, block = [], 0, 0
    while size < target:
        rows = "".join(f"| Segment {r} | {block * 7 + r:,} | {block * 3 + r * 11:,} | ({r + 0.5}) |\n"
                       for r in range(8))
        part = (f"Note {block}. Revenue by segment was as follows (in thousands):\n\n"
                "|  | 2021 | 2020 | Change |\n|---|---|---|---|\n" + rows + "\n")
        parts.append(part)
        size += len(part.encode("utf-8"))
        block += 1
    return "".join(parts)


def chunking_rows(sizes: Sequence[float], say: Callable[[str], None]) -> list[tuple[float, float, int]]:
    """(MB, seconds, chunks) for each size."""
    from corpus.chunker import chunk_documents
    from corpus.types import Document

    rows = []
    for megabytes in sizes:
        text = table_heavy_text(megabytes)
        started = time.perf_counter()
        chunks = chunk_documents([Document("tables.md", "tables", text)])
        seconds = time.perf_counter() - started
        real_mb = len(text.encode("utf-8")) / 1_000_000
        say(f"chunking {real_mb:.0f} MB of tables: {seconds:.1f} s, {len(chunks)} chunks")
        rows.append((real_mb, seconds, len(chunks)))
    return rows


def chunking_benchmark(out: Path, quick: bool, say: Callable[[str], None]) -> list[Path]:
    from eval.report import machine_info, machine_line, write_text

    rows = chunking_rows(QUICK_SIZES_MB if quick else SIZES_MB, say)
    lines = ["# Chunking time against document size (table-heavy text)", "",
             f"Measured {machine_line(machine_info())} by `make bench`.", "",
             "| size (MB) | seconds | MB/s | chunks |", "|---|---|---|---|"]
    lines += [f"| {mb:.1f} | {s:.1f} | {mb / s:.2f} | {n:,} |" for mb, s, n in rows]
    rates = [mb / s for mb, s, _ in rows if s > 0]
    if len(rates) > 1:
        lines += ["", f"Throughput of the largest size is {rates[-1] / rates[0]:.2f}x that of the smallest "
                  "(1.0 is linear growth; a quadratic chunker falls with size)."]
    name = "chunking-quick.md" if quick else "chunking.md"
    return [write_text(Path(out) / name, "\n".join(lines) + "\n")]
