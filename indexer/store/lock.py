"""A data directory's write lock, so concurrent crawls and ingests wait instead of interleaving."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import time
from pathlib import Path

from indexer.store.db import StoreReadOnly

log = logging.getLogger(__name__)


class StoreBusy(RuntimeError):
    """Another process held the write lock for longer than we were willing to wait."""


class WriteLock:
    """An exclusive `flock` on a file; the kernel releases it if the holder dies.

    `doing` says what the holder does ("writing to DIR" by default), `busy` what a process that waited
    in vain is told (before "or raise TRIALS_LOCK_TIMEOUT").
    """

    def __init__(
        self, path: Path, timeout: float, *, expected: bool = False, doing: str | None = None, busy: str | None = None
    ):
        self.path = path
        self.timeout = timeout
        # Waiting is expected when processes share a data directory batch by batch: say so quietly.
        self.level = logging.DEBUG if expected else logging.WARNING
        self.doing = doing or f"writing to {path.parent}"
        self.busy = busy or f"{path.parent} is being written by another trials process; wait for it to finish"
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise  # a full disk, said by the CLI's error mapping
            # Often a lock another user made (`sudo trials ...`) in a folder this user writes.
            raise StoreReadOnly(
                f"cannot take the lock {self.path} ({exc.strerror}): make {self.path.parent} and its files "
                "writable by this user (another user, as with sudo, may have made them), or use a data "
                "directory you can write (--data-dir or TRIALS_DATA)"
            ) from None
        deadline = time.monotonic() + self.timeout
        warned = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not warned:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    log.log(self.level, "waiting for another trials process (pid %s) to finish %s", holder, self.doing)
                    warned = True
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(f"{self.busy}, or raise TRIALS_LOCK_TIMEOUT (now {self.timeout:g}s)") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def held(path: Path) -> bool:
    """Whether a process holds the write lock now (a shared lock would have to wait); never waits."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False  # no lock file: nothing ever wrote here
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
