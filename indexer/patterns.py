"""Regular expressions compiled once per machine: their compiled form is kept in the user's cache directory."""

from __future__ import annotations

import _sre
import atexit
import marshal
import os
import re
import re._compiler as _compiler
import re._parser as _parser
import sys
import zlib
from array import array

from indexer.config import user_dir

# Compiling the patterns of patient matching (about 80, some of thousands of characters) is 25-35 ms of
# each `trials match` process: Python's parser and code generator for regular expressions run in Python.
# Their output, the code the C matcher runs, is kept here as it is for bytecode in __pycache__, and a
# later process builds each pattern straight from it. The compiled form is CPython's own and changes with
# its version (and with the matcher's MAGIC): the file is named by both, so another Python compiles anew.
_TAG = f"{sys.implementation.cache_tag}-{_sre.MAGIC}-{zlib.crc32(sys.version.encode()):08x}"
_FORMAT = 1  # of the file's entries (`_Entry`)
# Patterns no longer in the code stay in the file until it holds this many (four times today's); it is
# then started over. (A file of 100 patterns takes 1 ms to read.)
_MOST = 400

# (flags, the matcher's code as 32-bit words, groups, group names): re._compiler.compile's arguments to
# _sre.compile. The code is kept as bytes: marshal reads a list of 40,000 numbers 20-40 times slower.
_Entry = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]
_kept: dict[tuple[str, int], _Entry] | None = None
_added: dict[tuple[str, int], _Entry] = {}


def _path() -> str:
    return os.path.join(user_dir("cache", os.environ), f"patterns-{_FORMAT}-{_TAG}.marshal")


def _read(path: str) -> dict[tuple[str, int], _Entry]:
    try:
        with open(path, "rb") as f:
            found = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or cut short: compiled anew
        return {}
    return found if isinstance(found, dict) else {}


def _entry(pattern: str, flags: int) -> _Entry:
    """What re.compile hands the C matcher (as re._compiler.compile makes it)."""
    parsed = _parser.parse(pattern, flags)
    code = array("I", _compiler._code(parsed, flags)).tobytes()
    groups: dict[str, int] = dict(parsed.state.groupdict)
    names: list[str | None] = [None] * parsed.state.groups
    for name, i in groups.items():
        names[i] = name
    return int(flags | parsed.state.flags), code, parsed.state.groups - 1, groups, tuple(names)


def _arguments(entry: _Entry) -> tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]:
    flags, code, groups, names, indexed = entry
    return flags, array("I", code).tolist(), groups, names, indexed


def compile(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """re.compile(pattern, flags), from the cached compiled form when there is one."""
    global _kept
    if _kept is None:
        _kept = _read(_path())
    key = (pattern, int(flags))
    entry = _kept.get(key)
    if entry is not None:
        try:
            made: re.Pattern[str] = _sre.compile(pattern, *_arguments(entry))
            return made
        except Exception:  # an entry this Python's matcher does not take (or not an entry): compiled anew
            pass
    expected = re.compile(pattern, flags)
    try:
        entry = _entry(pattern, int(flags))
        same = _sre.compile(pattern, *_arguments(entry)) == expected  # patterns are equal when their code is
    except Exception:  # another Python's internals: then nothing is kept
        return expected
    if same:
        if not _added:
            atexit.register(_save)
        _kept[key] = _added[key] = entry
    return expected


def _save() -> None:
    """Add this process's new patterns to the file (with any another process added meanwhile)."""
    path = _path()
    kept = _read(path)
    if len(kept) + len(_added) > _MOST:
        kept = {}
    kept.update(_added)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as f:
            marshal.dump(kept, f)
        os.replace(temporary, path)  # whole or not at all, for a process reading it now
    except OSError:  # a read-only home: every process compiles, as without the file
        return
