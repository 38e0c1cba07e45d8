"""The layering the architecture doc promises: SQL only in the store package, and no import cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("crawler", "indexer", "search_cli")
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def test_no_sql_outside_the_store_package() -> None:
    offenders = []
    for name, path in _modules().items():
        if name.startswith("indexer.store"):
            continue
        text = path.read_text(encoding="utf-8")
        # `pipe.execute()` runs a Redis pipeline (indexer/ingest/relay*.py), not SQL.
        if re.search(r"(?<!pipe)\.execute\(", text) or "sqlite3" in text or SQL.search(text):
            offenders.append(name)
    for path in (ROOT / "tests").glob("*.py"):  # the tests go through the store's API too
        text = path.read_text(encoding="utf-8")
        if path.name != "test_architecture.py" and ("sqlite3" in text or ".execute(" in text):
            offenders.append(path.name)
    assert offenders == []


def test_no_import_cycle() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level: what runs at import
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], [" -> ".join(c) for c in cycles]


def test_every_dataclass_has_a_docstring() -> None:
    # Without one, Python 3.11's @dataclass makes one from inspect.signature(cls): about 0.4 ms a class,
    # paid at the import of every command that loads the module (`trials search` start-up is a goal).
    missing = []
    for name, path in {**_modules(), **{p.stem: p for p in (ROOT / "web").rglob("*.py")}}.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ClassDef)
                and any("dataclass" in ast.unparse(d) for d in node.decorator_list)
                and ast.get_docstring(node) is None
            ):
                missing.append(f"{name}.{node.name}")
    assert missing == []
