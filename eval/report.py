"""Report helpers shared by the benchmark runners and the question-set evaluation:
a markdown table from rows, the machine a run was measured on, atomic JSON / text
writes, and a grouped bar chart PNG (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from corpus.errors import QAError


class ReportError(QAError):
    """A report could not be written (unwritable folder, bad table shape)."""


def format_cell(value: Any, digits: int = 3) -> str:
    """Floats to `digits` decimals, None to an em dash, everything else via str;
    `|` is escaped so a cell cannot break the markdown table."""
    if value is None:
        text = "—"
    elif isinstance(value, float):
        text = "nan" if math.isnan(value) else f"{value:.{digits}f}"
    else:
        text = str(value)
    return text.replace("|", "\\|")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 3) -> str:
    """A GitHub-flavoured markdown table; every row must have one cell per header."""
    for row in rows:
        if len(row) != len(headers):
            raise ReportError(f"row {list(row)!r} has {len(row)} cells for {len(headers)} headers")
    lines = ["| " + " | ".join(format_cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(format_cell(c, digits) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def machine_info() -> dict[str, Any]:
    """Date and machine of a measurement, for the report header: logical CPUs (as
    `nproc`), CPU model (/proc/cpuinfo), RAM (/proc/meminfo), Python and platform."""
    info: dict[str, Any] = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "ram_gb": None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    cpuinfo = _read_lines("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                  if line.startswith("model name")), None)
    if model:
        info["cpu"] = model
    meminfo = _read_lines("/proc/meminfo")
    total = next((line.split()[1] for line in meminfo if line.startswith("MemTotal:")), None)
    if total and total.isdigit():
        info["ram_gb"] = round(int(total) / 1024 / 1024, 1)  # the file counts kB
    return info


def _read_lines(path: str) -> list[str]:
    """Lines of a /proc file, or none where it does not exist (not Linux)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def machine_line(info: Mapping[str, Any]) -> str:
    """One line for a markdown report: `2025-... · 2 CPUs (Intel ...) · 23.5 GB RAM`."""
    return (f"{info['date']} · {info['nproc']} CPUs ({info['cpu']}) · "
            f"{info['ram_gb']} GB RAM · Python {info['python']}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write `text` atomically: a temporary file in the same folder, then os.replace,
    so a reader never sees half a report."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is for everyone
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error}") from error
    return path


def write_json(path: str | Path, data: Any) -> Path:
    """Pretty JSON (UTF-8, not ASCII-escaped, keys in insertion order), written atomically."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def bar_chart(path: str | Path, groups: Sequence[str], series: Mapping[str, Sequence[float]],
              title: str, ylabel: str) -> Path:
    """A grouped bar chart PNG: one group per entry of `groups` (e.g. metrics), one bar
    per series (e.g. retrieval modes) in each; values written above the bars."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server or in CI
    import matplotlib.pyplot as plt

    for name, values in series.items():
        if len(values) != len(groups):
            raise ReportError(f"series {name!r} has {len(values)} values for {len(groups)} groups")
    path = Path(path)
    width = 0.8 / max(len(series), 1)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * len(groups) * max(len(series), 1) / 2), 4))
    try:
        for index, (name, values) in enumerate(series.items()):
            positions = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
            bars = axes.bar(positions, values, width, label=name)
            axes.bar_label(bars, labels=[f"{v:.3f}" for v in values], fontsize=7, padding=1)
        axes.set_xticks(range(len(groups)), groups)
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        # Head room above the tallest bar for the legend, laid out in one row.
        axes.set_ylim(0, 1.2 * max([1.0] + [v for values in series.values() for v in values]))
        axes.legend(fontsize=8, loc="upper center", ncol=max(len(series), 1), frameon=False)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.tmp.png")
        figure.savefig(temp, dpi=110)
        os.replace(temp, path)
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error}") from error
    finally:
        plt.close(figure)
    return path
