"""Rewrite the expected-output files beside the parser fixtures; review `git diff` afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.parsers import parse

FIXTURES = Path(__file__).parent / "fixtures"
PARSER_FOLDERS = ("ctgov", "ctgov_xml", "euctr", "gsk", "takeda")
# Listing pages live inside the fixture site; their expected output sits beside each page.
LISTING_PAGES = (
    "listing/site/clinical-trials/listings/NCT04077684",
    "listing/site/clinical-trials/listings/NCT00000002",
    "listing/site/clinical-trials/listings/NCT00000003",
    "listing/site/clinical-trials/listings/NCT02472431",
    "listing/site/clinical-trials/listings/NCT04265963",
)


def expected_path(doc: Path) -> Path:
    return doc.with_name(doc.stem + ".expected.json")


def documents() -> list[Path]:
    found = [
        p
        for folder in PARSER_FOLDERS
        for p in (FIXTURES / folder).iterdir()
        if p.suffix in (".json", ".xml", ".html") and not p.name.endswith(".expected.json")
    ]
    found += [p for folder in LISTING_PAGES for p in (FIXTURES / folder).glob("*.html")]
    return sorted(found)


def source_of(doc: Path) -> str:
    return doc.relative_to(FIXTURES).parts[0]


def render(doc: Path) -> str:
    url = (
        "https://listing.example/" + doc.relative_to(FIXTURES / "listing" / "site").as_posix()
        if source_of(doc) == "listing"
        else None
    )
    records = parse(doc.read_bytes(), source=source_of(doc), source_url=url)
    return json.dumps([r.to_dict() for r in records], indent=1, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    for doc in documents():
        expected_path(doc).write_text(render(doc), encoding="utf-8")
        print("wrote", expected_path(doc))
