"""Files in the user's cache directory that keep what every process would otherwise compile anew."""

from __future__ import annotations

import atexit
import contextlib
import marshal
import os
import sys
import zlib
from stat import S_ISREG
from typing import Any

from indexer.filetrust import trusted

# What is kept (the matcher's code of a pattern, Python's bytecode) is of one Python version: each file
# is named by it, so another Python reads none of another's.
_TAG = f"{sys.implementation.cache_tag}-{zlib.crc32(sys.version.encode()):08x}"
# Entries no longer made (the code changed) stay until a file holds this many; it is then started over.
# Every module of the project makes 474 dataclass methods (a file of 580 KB, read in 1.2-1.8 ms) and about
# 150 patterns: below this, a file never starts over while the code is the same.
_MOST = 2000


def path(name: str) -> str:
    """The file's path; OSError when there is no cache directory to keep it in (no home directory)."""
    from indexer.config import ConfigError, user_dir  # not for `trials --help`, which makes nothing to keep

    try:
        return os.path.join(user_dir("cache", os.environ), f"{name}-{_TAG}.marshal")
    except ConfigError as exc:  # every process compiles, as with a read-only home
        raise OSError(str(exc)) from exc


def read(name: str) -> dict[Any, Any]:
    """The file's entries; none when there is no file or it is cut short or not one of these."""
    try:
        # Not blocking (where there is such a flag): a FIFO put in the file's place would hold the open, and
        # every process, for good.
        with open(os.open(path(name), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            if not _own(os.fstat(f.fileno())):
                return {}
            return decode(f.read())
    except OSError:
        return {}


_MAGIC = b"TSC1"  # the file's form: this mark, the entries' CRC-32, the marshalled entries


def encode(entries: dict[Any, Any]) -> bytes:
    """A file's bytes holding `entries`."""
    payload = marshal.dumps(entries)
    return _MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload


def decode(data: bytes) -> dict[Any, Any]:
    """The entries of a file's bytes; none when they are not `encode`'s.

    A bit flipped on disk often still unmarshals (to a pattern that matches otherwise, or bytecode that
    crashes the interpreter): the checksum finds it, and what the file held is compiled anew."""
    head = len(_MAGIC) + 4
    payload = data[head:]
    if data[:head] != _MAGIC + zlib.crc32(payload).to_bytes(4, "big"):
        return {}
    try:
        found = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


def _own(stat: os.stat_result) -> bool:
    # What is kept is run (dataclass_code's methods are code): a file another user wrote or may write is
    # not read. Files are written 0600 (`add`). Only a regular file: a device or FIFO there (/dev/zero)
    # would be read without end.
    return trusted(stat) and S_ISREG(stat.st_mode)


def add(name: str, added: dict[Any, Any]) -> None:
    """Add entries to the file (with any another process added since this one read it)."""
    kept = read(name)
    if len(kept) + len(added) > _MOST:
        kept = {}
    kept.update(added)
    try:
        file = path(name)
        temporary = f"{file}.{os.getpid()}.tmp"
        os.makedirs(os.path.dirname(file), mode=0o700, exist_ok=True)  # as the XDG spec says to make it
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # one a process of the same id left (killed): made anew, with our mode
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:  # a read-only home (every process compiles, as without the file)
        return
    try:
        with open(descriptor, "wb") as f:
            f.write(encode(kept))
        os.replace(temporary, file)  # whole or not at all, for a process reading it now
    except (OSError, ValueError):  # a full disk: the part written goes, or every process would leave one
        with contextlib.suppress(OSError):
            os.unlink(temporary)


class Kept:
    """One file's entries, read when first asked for; the entries this process adds are written to the file
    (`add`) when it ends."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: dict[Any, Any] | None = None  # the file's, and this process's added: None until read
        self.added: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        if self.entries is None:
            self.entries = read(self.name)
        return self.entries.get(key)

    def keep(self, key: Any, value: Any) -> None:
        if not self.added:
            atexit.register(add, self.name, self.added)
        if self.entries is None:
            self.entries = read(self.name)
        self.entries[key] = self.added[key] = value
