"""Replacing an index folder X: stage beside it, swap it in, and recover from a crash.

A build writes into `.X.tmp-*` beside X and commits by one atomic exchange of the two
folders (Linux renameat2 RENAME_EXCHANGE), so X is never missing; where the exchange is
not available it uses two renames (X -> `.X.old-PID`, staging -> X), and a crash between
them is recovered by the next load or build, which puts `.X.old-PID` back. Old folders are
deleted only when no reader holds them (`indexer.lock`); whatever a killed build left is
deleted by the next build. A folder holding anything a build did not write is never
replaced: the build refuses and names the files.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from corpus.errors import IndexStoreError
from indexer.faults import exchange_disabled, fault_point
from indexer.lock import BuildRunning, WriterLock, try_exclusive
from indexer.oserrors import os_error
from indexer.store import INDEX_FILES, MANIFEST, PART_FILES

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_RECOVERY_WAIT_SECONDS = 5.0  # a build's two renames take microseconds; a load waits this long at most


def absolute_target(target: Path) -> Path:
    """`target` made absolute (not resolved: a link named X stays X), refusing a folder
    that cannot be swapped: the root, or the current folder or one above it (`--out .`)."""
    target = Path(os.path.abspath(target))
    if target.parent == target:
        raise IndexStoreError(f"cannot write an index as {target}; give a new folder, e.g. --out my-index")
    here = Path(os.path.abspath(os.getcwd()))
    if here == target or target in here.parents:
        raise IndexStoreError(
            f"cannot write the index into {target}: it is the folder you are in (or holds it), and an "
            "index is built beside its folder and renamed into place; give a new folder, e.g. --out my-index"
        )
    existing = next((p for p in target.parents if os.path.lexists(p)), None)
    if existing is not None and not existing.is_dir():
        raise IndexStoreError(f"cannot write the index to {target}: {existing} is a file, not a folder; "
                              "choose another --out")
    return target


def foreign_entries(target: Path) -> list[str]:
    """What in `target` a build did not write (relative paths), so must not be deleted."""
    foreign = []
    for entry in sorted(target.iterdir()):
        if entry.name not in INDEX_FILES:
            foreign.append(entry.name)
        elif entry.name in PART_FILES and entry.is_dir() and not entry.is_symlink():
            foreign += [f"{entry.name}/{p.name}" for p in sorted(entry.iterdir())
                        if p.name not in PART_FILES[entry.name] or not p.is_file()]
    return foreign


def check_replaceable(target: Path) -> None:
    """Refuse to replace anything but a document-qa index (or an empty folder)."""
    if target.is_symlink():
        raise IndexStoreError(
            f"{target} is a symbolic link; an index is replaced by renaming, which would replace the link: "
            "give the folder it points to as --out"
        )
    if target.exists() and not target.is_dir():
        raise IndexStoreError(f"{target} exists and is not a directory; choose another --out")
    if not target.exists():
        return
    try:
        entries = list(target.iterdir())
        foreign = foreign_entries(target)
    except OSError as error:
        raise os_error(error, target, "cannot read the folder") from error
    if not entries:
        return
    names = {entry.name for entry in entries}
    if not names & {MANIFEST, "bm25", "dense"} or _foreign_manifest(target / MANIFEST):
        raise IndexStoreError(
            f"{target} is not empty and is not a document-qa index; refusing to replace it "
            "(choose an empty or new --out directory)"
        )
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise IndexStoreError(
            f"{target} holds files a build did not write ({shown}); refusing to replace it, as a "
            "rebuild replaces the whole folder: move them out of it, then run the command again"
        )


def _foreign_manifest(path: Path) -> bool:
    """A readable manifest.json that is not ours (a web app's, say): the folder is not an index.
    An unreadable one is a damaged index, which a rebuild may replace."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return not isinstance(manifest, dict) or "format_version" not in manifest


def stage(target: Path) -> Path:
    """A new, empty, ordinary (not 0700) folder beside `target` to build into."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
    except OSError as error:
        raise os_error(error, target.parent, "cannot create the index folder in") from error
    return staging


def commit(staging: Path, target: Path) -> None:
    """Swap the complete `staging` folder in as `target`; the old index goes only after."""
    if not os.path.lexists(target):
        os.replace(staging, target)
        fault_point("swapped")
        return
    if not exchange_disabled() and _exchange(staging, target):
        fault_point("swapped")
        discard(staging)  # now holds the old index
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, old)
    fault_point("half-swapped")
    os.replace(staging, target)
    fault_point("swapped")
    discard(old)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders; False where the kernel or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def discard(folder: Path) -> bool:
    """Delete `folder` unless a reader still holds it (then the next build does)."""
    fd = try_exclusive(folder)
    if fd is None:
        return False
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(fd)
    return not os.path.lexists(folder)


def leftovers(target: Path) -> list[Path]:
    """The staging (`.X.tmp-*`) and replaced (`.X.old-*`) folders of X's past builds."""
    prefixes = (f".{target.name}.tmp-", f".{target.name}.old-")
    try:
        return sorted(p for p in target.parent.iterdir() if p.name.startswith(prefixes))
    except OSError:
        return []


def recover_locked(target: Path) -> None:
    """With the writer lock held: put back an index a crash left half-swapped, then delete
    every leftover no reader holds."""
    found = leftovers(target)
    if not os.path.lexists(target):
        olds = [p for p in found if ".old-" in p.name and (p / MANIFEST).is_file()]
        if olds:
            newest = max(olds, key=lambda p: p.stat().st_mtime)
            os.replace(newest, target)
            found.remove(newest)
    for folder in found:
        discard(folder)


def recover_missing(target: Path) -> None:
    """Before a load of a missing `target`: put back an index a killed build left as
    `.X.old-PID`. Waits briefly when a build holds the lock (it is between its renames)."""
    if not any(".old-" in p.name for p in leftovers(target)):
        return
    deadline = time.monotonic() + _RECOVERY_WAIT_SECONDS
    while not os.path.lexists(target):
        try:
            with WriterLock(target):
                recover_locked(target)
            return
        except BuildRunning:
            if time.monotonic() > deadline:
                return  # the load then says there is no index, and why
            time.sleep(0.05)
        except (IndexStoreError, OSError):
            return  # a folder we may not write: nothing to recover from here
