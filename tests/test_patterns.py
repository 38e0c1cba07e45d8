"""The patterns read from the compiled-pattern cache are the ones re.compile makes, whatever the file holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from indexer import machine_cache
from tests.conftest import ROOT

# In a new process: every pattern the project's modules compile through indexer.patterns (at import, and
# the lazy ones), each compared with re.compile of the same text and flags, the oracle: equal patterns
# have the same matcher code; the group names are compared too.
_PROBE = """
import functools, importlib, json, re, sys
from pathlib import Path
from indexer import patterns
names = sorted(
    ".".join(p.with_suffix("").parts) for p in Path("indexer").rglob("*.py")
    if "patterns.compile(" in p.read_text() or "lazy_pattern(" in p.read_text()
)
found = {}
for name in names:
    module = importlib.import_module(name)
    for attr, value in vars(module).items():
        lazy = getattr(value, "__wrapped__", None)
        if isinstance(value, functools._lru_cache_wrapper) and getattr(lazy, "__name__", "") == "<lambda>":
            value = value()
        if isinstance(value, re.Pattern) and value.pattern in {k for k, _ in patterns._kept.entries or {}}:
            found[f"{name}.{attr}"] = value
oracle = {k: re.compile(p.pattern, p.flags) for k, p in found.items()}
differ = [k for k, p in found.items()
          if (p, dict(p.groupindex), p.groups) != (o := oracle[k], dict(o.groupindex), o.groups)]
distinct = {(p.pattern, p.flags) for p in found.values()}
compiled = len(patterns._kept.added)
print(json.dumps({"patterns": len(distinct), "differ": differ, "compiled": compiled, "modules": names}))
"""


def _probe(cache: Path) -> dict[str, Any]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_patterns_from_the_cache_are_re_compiles(tmp_path: Path) -> None:
    first = _probe(tmp_path)  # compiles every pattern and writes the file
    assert "indexer.discover.criteria_ages" in first["modules"] and "indexer.normalize" in first["modules"]
    assert first["patterns"] > 80 and first["compiled"] >= first["patterns"] and first["differ"] == []
    files = list((tmp_path / "trialscout").glob("patterns-*.marshal"))
    assert len(files) == 1
    second = _probe(tmp_path)  # reads them all from the file
    assert second["compiled"] == 0 and second["patterns"] == first["patterns"] and second["differ"] == []


def test_a_damaged_or_unwritable_cache_is_compiled_anew(tmp_path: Path) -> None:
    first = _probe(tmp_path)
    (file,) = (tmp_path / "trialscout").glob("patterns-*.marshal")
    whole = file.read_bytes()
    file.write_bytes(whole[: len(whole) // 2])  # cut short, as by a full disk
    again = _probe(tmp_path)
    assert again["compiled"] == first["compiled"] and again["differ"] == []
    file.write_bytes(b"\x00" * 100)
    assert _probe(tmp_path)["differ"] == []
    (key, _), *_ = machine_cache.decode(whole).items()
    file.write_bytes(machine_cache.encode({key: (32, b"abc", 0, {}, ())}))  # not an entry the matcher takes
    assert _probe(tmp_path)["differ"] == []
    blocked = tmp_path / "file"
    blocked.write_text("")  # the cache directory cannot be made: patterns are compiled, nothing is written
    unwritable = _probe(blocked)
    assert unwritable["compiled"] == first["compiled"] and unwritable["differ"] == []


# A Python whose matcher counts groups otherwise than this one's (re._compiler passes `groups - 1`): the
# pattern made from `_entry`'s arguments has the same code, so it compares equal to re.compile's.
_OTHER_GROUPS = """
import json
from indexer import patterns
ours = patterns._entry
patterns._entry = lambda p, f: (lambda e: (e[0], e[1], e[2] + 1, e[3], e[4]))(ours(p, f))
made = patterns.compile(r"(?P<low>\\d+) to (?P<high>\\d+) years")
print(json.dumps({"groups": made.groups, "kept": len(patterns._kept.added)}))
"""


def test_a_pattern_whose_groups_differ_from_re_compiles_is_not_kept(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _OTHER_GROUPS], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"groups": 2, "kept": 0}
    assert list(tmp_path.glob("trialscout/patterns-*")) == []  # a later process would have made it with 3
