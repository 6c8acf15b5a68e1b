"""Who may touch an index folder: one writer at a time, and readers that keep what they opened.

Writers: a build holds an exclusive `flock` on `.X.lock` beside index X for its whole run,
so a second build of X is refused with the first one's pid (or, for the cache, waits).
The kernel drops the lock when its process dies, so a killed build never leaves X locked.

Readers: `pin` opens the index folder itself and takes a shared `flock` on it for as long
as the index is in use, and reads every file through that open folder (`/proc/self/fd/N`
on Linux). A rebuild swaps a new folder in under the name X; the reader keeps reading the
old one, never a mix of old and new, and the writer deletes the old folder only once it
can take the exclusive lock on it, i.e. when no reader holds it any more.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import IndexStoreError
from indexer.oserrors import os_error

_PIN_ATTEMPTS = 50


class BuildRunning(IndexStoreError):
    """Another process holds the build lock of the index."""


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


class WriterLock:
    """The exclusive right to build `target`. Use as a context manager."""

    def __init__(self, target: Path, wait: bool = False) -> None:
        self.target = Path(target)
        self.path = lock_path(self.target)
        self._fd: int | None = None
        self._wait = wait

    def __enter__(self) -> "WriterLock":
        self.acquire()
        return self

    def __exit__(self, *_) -> None:
        self.release()

    def acquire(self) -> None:
        for _ in range(_PIN_ATTEMPTS):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if self._wait else fcntl.LOCK_NB))
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise BuildRunning(
                    f"another build is running (pid {holder}) and writing {self.target}; wait for it to "
                    "finish (or stop it), then run the command again"
                ) from None
            except OSError as error:
                os.close(fd)
                raise os_error(error, self.path, "cannot lock") from error
            if _same_file(fd, self.path):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)  # the holder removed this lock file as it released it: take the new one
        raise IndexStoreError(f"could not take the build lock {self.path}; run the command again")

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise os_error(error, self.path, "cannot create the build lock") from error

    def release(self) -> None:
        """Remove the lock file, then drop the lock (a waiter holding the removed file sees
        it is gone and takes the new one), so a finished build leaves nothing behind."""
        if self._fd is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


@dataclass(frozen=True)
class Pin:
    """An index folder held open for reading. `root` is where to read its files from."""

    path: Path
    root: Path
    fd: int


def pin(path: Path) -> Pin:
    """Open `path` (a folder) and hold a shared lock on it until the returned `Pin` is
    garbage-collected (see `keep_until`). Retries when a rebuild swaps the folder between
    the open and the lock, so the pinned folder is the one named `path` at that moment."""
    for _ in range(_PIN_ATTEMPTS):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # a writer is deleting this (already replaced) folder
            os.close(fd)
            time.sleep(0.01)
            continue
        except OSError as error:
            if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                os.close(fd)
                raise
            # a file system without flock: read by path, unprotected (still verified)
        mine, now = os.fstat(fd), os.stat(path)
        if (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino):
            proc = Path(f"/proc/self/fd/{fd}")
            return Pin(Path(path), proc if proc.is_dir() else Path(path), fd)
        os.close(fd)  # swapped meanwhile: pin the new one
    raise IndexStoreError(f"{path} kept being replaced while it was opened; run the command again")


def keep_until(owner: object, pinned: Pin) -> None:
    """Release `pinned` when `owner` is garbage-collected (or at exit)."""
    weakref.finalize(owner, _close, pinned.fd)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def try_exclusive(path: Path) -> int | None:
    """An fd holding the exclusive lock on folder `path`, or None when a reader holds it
    (or it vanished). The caller deletes the folder, then closes the fd."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd
