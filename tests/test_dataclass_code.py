"""The project's dataclasses get the same methods from kept code as `dataclass` compiles, whatever the file holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from indexer import machine_cache
from tests.conftest import ROOT

# In a new process: the modules of `trials match`, `show` and `serve`, and a description of every method
# `dataclass` made for their classes (bytecode, constants, names, arguments, defaults, annotations). With
# "plain", the kept code is out of the way (`exec` is dataclasses' own again): Python's own, the oracle.
_PROBE = """
import dataclasses, importlib, json, sys, types
import search_cli  # the command line installs the kept code, before any of the project's classes is made
from indexer import dataclass_code
if sys.argv[1] == "plain":
    del vars(dataclasses)["exec"]
for name in ("search_cli.commands.discover", "search_cli.commands.query", "search_cli.show",
             "indexer.discover.place_said", "search_cli.commands.history", "search_cli.commands.similar", "web.app"):
    importlib.import_module(name)
def described(code):
    consts = [described(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return [code.co_code.hex(), consts, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
            code.co_argcount, code.co_kwonlyargcount, code.co_flags, code.co_qualname, code.co_filename]
made = {}
for module in list(sys.modules.values()):
    for cls in list(vars(module).values()) if module else ():
        if isinstance(cls, type) and "__dataclass_fields__" in cls.__dict__ and cls.__module__.split(".")[0] in (
                "indexer", "search_cli", "web", "crawler"):
            for attr in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__"):
                f = getattr(cls.__dict__.get(attr), "__wrapped__", cls.__dict__.get(attr))
                if isinstance(f, types.FunctionType):
                    made[f"{cls.__module__}.{cls.__qualname__}.{attr}"] = [
                        described(f.__code__), repr(f.__defaults__), repr(f.__kwdefaults__), repr(f.__annotations__),
                        f.__globals__ is vars(sys.modules[cls.__module__])]
print(json.dumps({"made": made, "compiled": len(dataclass_code._kept.added)}))
"""


def _probe(cache: Path, how: str = "kept") -> dict[str, Any]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, how], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_kept_methods_are_the_ones_dataclass_compiles(tmp_path: Path) -> None:
    plain = _probe(tmp_path / "plain", "plain")["made"]
    assert len(plain) > 200 and "indexer.record.TrialRecord.__init__" in plain
    assert all(globals_are_the_modules for *_, globals_are_the_modules in plain.values())
    first = _probe(tmp_path)  # compiles them and keeps the code
    assert first["compiled"] > 150 and first["made"] == plain
    assert len(list((tmp_path / "trialscout").glob("dataclass-code-*.marshal"))) == 1
    second = _probe(tmp_path)  # from the kept code
    assert second["compiled"] == 0 and second["made"] == plain


def test_a_damaged_file_is_compiled_anew(tmp_path: Path) -> None:
    plain = _probe(tmp_path / "plain", "plain")["made"]
    first = _probe(tmp_path)
    (file,) = (tmp_path / "trialscout").glob("dataclass-code-*.marshal")
    whole = file.read_bytes()
    file.write_bytes(whole[: len(whole) // 2])
    again = _probe(tmp_path)
    assert again["compiled"] == first["compiled"] and again["made"] == plain
    entries = machine_cache.decode(whole)
    assert entries  # each entry cut short, in a file whose checksum is right:
    file.write_bytes(machine_cache.encode({k: v[: len(v) // 2] for k, v in entries.items()}))
    assert _probe(tmp_path)["made"] == plain


def test_every_modules_classes_and_patterns_fit_in_a_file_with_room_to_spare(tmp_path: Path) -> None:
    """A file starts over past machine_cache's limit: the whole project's entries stay far below it, so that
    a file never starts over (and every process compiles anew) while the code is the same."""
    probe = """
import importlib, json, pkgutil
import indexer, search_cli, web, crawler
from indexer import dataclass_code, machine_cache, patterns
for package in (indexer, search_cli, web, crawler):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
print(json.dumps([len(dataclass_code._kept.added), len(patterns._kept.added), machine_cache._MOST]))
"""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    methods, patterns, most = json.loads(done.stdout)
    assert methods > 400 and patterns > 80
    assert methods * 3 < most and patterns * 3 < most


def test_a_program_importing_the_library_keeps_its_own_dataclasses() -> None:
    probe = (
        "import dataclasses, indexer.record, indexer.catalog\n"
        "print('exec' in vars(dataclasses))\n"
        "import search_cli\n"
        "print('exec' in vars(dataclasses))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_exec_called_with_its_keywords_is_pythons_exec() -> None:
    from indexer import dataclass_code

    names: dict[str, object] = {}
    dataclass_code._exec("made = 6 * 7", {"__name__": "indexer.probe"}, names, closure=None)
    assert names == {"made": 42}
