"""The methods `dataclass` writes for the project's classes, compiled once per machine and kept."""

from __future__ import annotations

import builtins
import dataclasses
import marshal
from types import CodeType
from typing import Any

from indexer.machine_cache import Kept

# `dataclass` writes each class's __init__, __repr__, __eq__, __hash__, __setattr__ and __delattr__ as
# source text and compiles it with `exec`: 0.5-1.5 ms a class, 20-40 ms of a `trials match` (36 classes),
# most of it compiling. The compiled text is kept (as bytecode is in __pycache__) and a later process runs
# the same code without compiling it: the same functions, with the same globals.
# Each code object is kept marshalled on its own, read when its class is made: a file of 200 code objects
# read whole takes 7-10 ms in a new process, of their bytes 1 ms.
_FILE = "dataclass-code-2"
_OURS = ("indexer.", "search_cli.", "web.", "crawler.")
_kept = Kept(_FILE)  # the source text -> its code, marshalled


def _exec(source: Any, globals: dict[str, Any] | None = None, locals: Any = None, /, **options: Any) -> None:
    """`exec` as `dataclasses` calls it, from the kept code for the text of one of the project's classes.
    Called otherwise (`exec`'s `closure=`, which no `dataclasses` passes yet), it is `exec`."""
    if globals is None:  # what `exec` takes then: the globals of its caller, dataclasses
        globals = vars(dataclasses)
    if options or not (isinstance(source, str) and str(globals.get("__name__", "")).startswith(_OURS)):
        builtins.exec(source, globals, locals, **options)
        return
    code = _code(_kept.get(source))
    if code is None:
        # As `exec` compiles the text in dataclasses, which imports nothing from __future__ (this module's
        # `annotations` would make the methods' annotations strings): the name `exec` gives it, too.
        code = builtins.compile(source, "<string>", "exec", dont_inherit=True)
        _kept.keep(source, marshal.dumps(code))
    builtins.exec(code, globals, locals)


def _code(kept: object) -> CodeType | None:
    try:
        code = marshal.loads(kept) if isinstance(kept, bytes) else None
    except (EOFError, ValueError, TypeError):  # cut short or not code: compiled anew
        return None
    return code if isinstance(code, CodeType) else None


def install() -> None:
    """From now on, `dataclass` compiles each of the project's classes' methods once per machine."""
    # `dataclasses` calls `exec` by its name in the module, found among the builtins: this name comes first.
    vars(dataclasses)["exec"] = _exec
