"""The robustness suite (issue 13). Quick cases run in `make test`; cases marked `bench`
(every kill step in both commit modes, every disk-full level, long races, big fuzz budgets)
run only with DOCUMENT_QA_BENCH=1 (`make bench`).

With DOCUMENT_QA_ROBUSTNESS_REPORT=FILE, the session writes the table of
eval/reports/robustness.md to FILE: cases run per category (the test module), and how many
broke a promise (failed).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

BENCH = os.environ.get("DOCUMENT_QA_BENCH") == "1"
REPORT_ENV = "DOCUMENT_QA_ROBUSTNESS_REPORT"

CATEGORIES = {
    "test_robust_index_damage": "damaged or tampered index (item 4)",
    "test_robust_faults": "kill -9 during a build, recovery (item 6)",
    "test_robust_races": "concurrent builds and asks, foreign files, the cache (item 6)",
    "test_robust_os_errors": "OS errors: --out ., read-only, disk full, long paths (item 6)",
    "test_robust_input": "hostile questions and documents at the command line (items 1, 3, 5)",
    "test_robust_fuzz": "hypothesis fuzzing of the parsers (no crash)",
}

_ran: Counter = Counter()
_broken: Counter = Counter()
_skipped: Counter = Counter()
_known: list[str] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "bench: a long robustness case, run by `make bench` (DOCUMENT_QA_BENCH=1)")


def pytest_collection_modifyitems(config, items):
    if BENCH:
        return
    skip = pytest.mark.skip(reason="long case: run by `make bench` (DOCUMENT_QA_BENCH=1)")
    for item in items:
        if "bench" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_logreport(report):
    module = Path(report.fspath).stem
    if module not in CATEGORIES:
        return
    if report.when == "call":
        _ran[module] += 1
        if report.failed or hasattr(report, "wasxfail"):  # an xfail is a known broken promise
            _broken[module] += 1
            if hasattr(report, "wasxfail"):
                _known.append(f"- `{report.nodeid.split('::')[-1]}`: {report.wasxfail}")
    elif report.when == "setup" and report.skipped:
        _skipped[module] += 1
    elif report.when == "setup" and report.failed:
        _ran[module] += 1
        _broken[module] += 1


def pytest_sessionfinish(session):
    target = os.environ.get(REPORT_ENV)
    if not target or not _ran:
        return
    lines = ["| category | module | cases run | promises broken | skipped |", "|---|---|---:|---:|---:|"]
    for module, title in CATEGORIES.items():
        lines.append(f"| {title} | `{module}.py` | {_ran[module]} | {_broken[module]} | {_skipped[module]} |")
    lines.append(f"| **total** | | **{sum(_ran.values())}** | **{sum(_broken.values())}** | {sum(_skipped.values())} |")
    if _known:
        lines += ["", "Known broken (xfail, strict):", *_known]
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
