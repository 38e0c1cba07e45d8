"""Regular expressions compiled once per machine: their compiled form is kept in the user's cache directory."""

from __future__ import annotations

import _sre
import re
import re._compiler as _compiler
import re._parser as _parser
from array import array

from indexer import machine_cache

# Compiling the patterns of patient matching (about 100, some of thousands of characters) is 25-45 ms of
# each `trials match` process: Python's parser and code generator for regular expressions run in Python.
# Their output, the code the C matcher runs, is kept as bytecode is in __pycache__, and a later process
# builds each pattern straight from it. The file is named by the matcher's MAGIC (and, by machine_cache,
# the Python version), whose code it is.
_FILE = f"patterns-1-{_sre.MAGIC}"  # 1: the form of `_Entry`

# (flags, the matcher's code as 32-bit words, groups, group names): re._compiler.compile's arguments to
# _sre.compile. The code is kept as bytes: marshal reads a list of 40,000 numbers 20-40 times slower.
_Entry = tuple[int, bytes, int, dict[str, int], tuple[str | None, ...]]
_kept = machine_cache.Kept(_FILE)  # (pattern, flags) -> _Entry


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
        made = _sre.compile(pattern, *_arguments(entry))
    except Exception:  # another Python's internals: then nothing is kept
        return expected
    # Patterns compare equal when their code is; their groups are not compared, so a Python that counts them
    # otherwise than `_entry` would make patterns whose matches name the wrong groups: they are compared too.
    same = (made, made.groups, made.groupindex) == (expected, expected.groups, expected.groupindex)
    if same:
        _kept.keep(key, entry)
    return expected
