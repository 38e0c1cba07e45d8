"""Rewrite the expected-output files beside the parser fixtures; review `git diff` afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.parsers import parse

FIXTURES = Path(__file__).parent / "fixtures"
PARSER_FOLDERS = ("ctgov", "ctgov_xml")


def expected_path(doc: Path) -> Path:
    return doc.with_name(doc.stem + ".expected.json")


def documents() -> list[Path]:
    return sorted(p for folder in PARSER_FOLDERS for p in (FIXTURES / folder).iterdir()
                  if p.suffix in (".json", ".xml") and not p.name.endswith(".expected.json"))


def render(doc: Path) -> str:
    records = parse(doc.read_bytes(), source=doc.parent.name)
    return json.dumps([r.to_dict() for r in records], indent=1, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    for doc in documents():
        expected_path(doc).write_text(render(doc), encoding="utf-8")
        print("wrote", expected_path(doc))
