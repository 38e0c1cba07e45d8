"""Files in the user's cache directory that keep what every process would otherwise compile anew."""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from typing import Any

# What is kept (the matcher's code of a pattern, Python's bytecode) is of one Python version: each file
# is named by it, so another Python reads none of another's.
_TAG = f"{sys.implementation.cache_tag}-{zlib.crc32(sys.version.encode()):08x}"
# Entries no longer made (the code changed) stay until a file holds this many; it is then started over.
# Every module of the project makes 474 dataclass methods (a file of 580 KB, read in 1.2-1.8 ms) and about
# 150 patterns: below this, a file never starts over while the code is the same.
_MOST = 2000


def path(name: str) -> str:
    from indexer.config import user_dir  # not for `trials --help`, which makes nothing to keep

    return os.path.join(user_dir("cache", os.environ), f"{name}-{_TAG}.marshal")


def read(name: str) -> dict[Any, Any]:
    """The file's entries; none when there is no file or it is cut short or not one of these."""
    try:
        with open(path(name), "rb") as f:
            found = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


def add(name: str, added: dict[Any, Any]) -> None:
    """Add entries to the file (with any another process added since this one read it)."""
    kept = read(name)
    if len(kept) + len(added) > _MOST:
        kept = {}
    kept.update(added)
    file = path(name)
    temporary = f"{file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(file), exist_ok=True)
        f = open(temporary, "wb")  # noqa: SIM115 (closed below, and the file removed when its write fails)
    except OSError:  # a read-only home (every process compiles, as without the file)
        return
    try:
        with f:
            marshal.dump(kept, f)
        os.replace(temporary, file)  # whole or not at all, for a process reading it now
    except (OSError, ValueError):  # a full disk: the part written goes, or every process would leave one
        with contextlib.suppress(OSError):
            os.unlink(temporary)
