"""A test hook for fault injection: kill the build at a named step.

The robustness suite runs a build in a subprocess with `DOCUMENT_QA_FAULT=<step>` and
checks that the previous index still loads and answers as before. Without the variable
`fault_point` does nothing. `DOCUMENT_QA_FAULT_NO_EXCHANGE=1` makes the commit use two
renames instead of an atomic exchange, so the recovery of a half-finished swap is tested
on machines whose kernel offers the exchange.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "DOCUMENT_QA_FAULT"
NO_EXCHANGE_ENV = "DOCUMENT_QA_FAULT_NO_EXCHANGE"

# The steps of `indexer.build.build_index`, in order ("half-swapped" only with two renames);
# `indexer.update` (qa add, qa remove) passes the same ones, as it writes through the build's.
BUILD_STEPS = (
    "locked",
    "staged",
    "chunked",
    "bm25-built",
    "embedded",
    "records-written",
    "bm25-written",
    "dense-written",
    "manifest-written",
    "half-swapped",
    "swapped",
)


def fault_point(step: str) -> None:
    """SIGKILL this process when the hook names `step` (no clean-up runs: a real crash)."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def exchange_disabled() -> bool:
    return os.environ.get(NO_EXCHANGE_ENV) == "1"
