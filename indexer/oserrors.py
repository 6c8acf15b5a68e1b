"""Operating-system errors as messages a user can act on: which path, what went wrong, what to do.

A full disk, a read-only folder or a vanished file is not a bug of ours, so it must never
reach the user as a traceback; but neither may it be swallowed. `describe` turns an
`OSError` into one sentence; `os_error` wraps it in an `IndexStoreError` for library code.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from corpus.errors import IndexStoreError

_NEARLY_FULL = 1 << 20  # bytes free below which an errno-less write error is a full disk

# What to do, by errno. The path and the OS's own words come first in every message.
_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space (or choose a folder on another disk) and run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
    errno.EROFS: "the file system is read-only: choose a folder you can write to",
    errno.EACCES: "permission denied: choose a folder you can write to, or fix its permissions",
    errno.EPERM: "the operation is not permitted: choose a folder you can write to, or fix its permissions",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter folder name or a folder nearer the root",
    errno.ENOENT: "it does not exist (or vanished while being read): check the path and run the command again",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
    errno.EISDIR: "it is a folder where a file was expected: check the path",
    errno.ELOOP: "it is a loop of symbolic links: check the path",
    errno.EMFILE: "too many files are open: close some programs and run the command again",
    errno.EIO: "the device reported an input/output error: check the disk",
    errno.EBUSY: "it is in use by another program: close it and run the command again",
    errno.EXDEV: "the index and its temporary copy are on different file systems: choose another --out",
}


def describe(error: OSError, path: str | Path | None = None, doing: str = "") -> str:
    """One sentence for `error`: '<doing> <path>: <OS words>; <what to do>'."""
    where = path if path is not None else (error.filename or "")
    if getattr(error, "filename2", None):
        where = f"{error.filename} -> {error.filename2}"
    code = error.errno if error.errno is not None else _full_disk(where)
    reason = error.strerror or str(error) or (os.strerror(code) if code else type(error).__name__)
    advice = _ADVICE.get(code, "check the path and its permissions, then run the command again")
    head = f"{doing} {where}".strip() if doing else str(where)
    return f"{head}: {reason}; {advice}" if head else f"{reason}; {advice}"


def _full_disk(where: str | Path) -> int | None:
    """ENOSPC when the disk holding `where` is (nearly) full: some writers (numpy's
    tofile, 'N requested and M written') raise an OSError without an errno on a full disk."""
    if not where:
        return None
    folder = Path(where)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return errno.ENOSPC if shutil.disk_usage(folder).free < _NEARLY_FULL else None
    except OSError:
        return None


def os_error(error: OSError, path: str | Path | None = None, doing: str = "") -> IndexStoreError:
    """`describe(error)` as the `IndexStoreError` library code raises (`raise os_error(e) from e`)."""
    return IndexStoreError(describe(error, path, doing))
