"""A full disk, told apart from other write failures and said in one line that names the fix.

SQLite says "database or disk is full", Python raises OSError(ENOSPC), and tantivy either says
"No space left on device (os error 28)" or, when one of its worker threads hit it, only that the
thread failed: then the free space left on the disk decides. Imported only once a write failed.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

NO_SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_NO_SPACE_WORDS = ("no space left", "os error 28", "disk quota exceeded", "os error 122", "disk is full")
# A write that failed without saying why, with less than this left on its disk, failed for want of
# space: tantivy writes a segment in pieces of up to several megabytes, so the piece that did not fit
# can leave this much free.
NEARLY_FULL = 16 * 2**20
# What to do, once space is freed, after a write that stopped part-way (ingest, crawl).
RESUME = "run the command again: it resumes where it stopped, and stores nothing twice"


def no_space_error(exc: BaseException | None) -> OSError | None:
    """The OSError of a full disk (or quota) that caused `exc`, if one did: itself, its cause or its context."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def says_no_space(exc: BaseException) -> bool:
    """Whether the error's text (SQLite's, tantivy's) says the disk is full."""
    text = str(exc).lower()
    return any(words in text for words in _NO_SPACE_WORDS)


def free_bytes(path: Path) -> int | None:
    """Bytes an unprivileged writer may still use on the disk holding `path` (or its nearest existing parent)."""
    for folder in (path, *path.parents):
        try:
            found = os.statvfs(folder)
        except OSError:
            continue
        return found.f_bavail * found.f_frsize
    return None


def is_full(exc: BaseException, path: Path) -> bool:
    """Whether `exc`, raised writing under `path`, is the disk (or the user's quota) being full."""
    if no_space_error(exc) is not None or says_no_space(exc):
        return True
    free = free_bytes(path)
    return free is not None and free < NEARLY_FULL


def no_space(path: Path | str, then: str = RESUME) -> str:
    """The one line a full disk is reported in: where, and what to do."""
    return f"no space left on device writing {path}: free some space and {then}"


def full_disk_line(exc: BaseException, data_dir: Path | str | None) -> str | None:
    """The one line for a failure that was a full disk, wherever it was met (the file it names, else
    the data directory); None for any other failure."""
    full = no_space_error(exc)
    return None if full is None else no_space(full.filename or data_dir or "the data directory")
