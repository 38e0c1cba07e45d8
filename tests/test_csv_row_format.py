"""The CSV row a store keeps with each record is pinned: changing it needs an upgrade that makes the rows again."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.csvrow import CSV_COLUMNS, kept_row
from indexer.parsers import parse
from indexer.store.briefs import summary_of
from tests.conftest import FIXTURES

EXPECTED = FIXTURES / "csv_rows" / "kept_rows.expected.json"
SOURCES = sorted(
    p
    for folder in ("ctgov", "ctgov_xml", "takeda", "euctr")
    for p in (FIXTURES / folder).iterdir()
    if p.suffix in (".json", ".xml", ".html") and not p.name.endswith(".expected.json")
)
BUMP = (
    "the CSV row a store keeps changed (columns, a cell's mapping or its encoding): stores written before keep "
    "the old rows, so bump SCHEMA_VERSION with an upgrade step that runs CsvRows.rebuild, then write this "
    "file again (python -m tests.test_csv_row_format)"
)


def kept_rows() -> dict[str, list[object]]:
    rows: dict[str, list[object]] = {"columns": list(CSV_COLUMNS)}
    for path in SOURCES:
        for record in parse(path.read_bytes(), filename=path.name, fetched_at="2026-01-01T00:00:00Z"):
            rows[f"{path.parent.name}/{path.name} {record.nct_id}"] = list(kept_row(summary_of(record)))
    return rows


def test_the_kept_csv_row_is_what_the_stores_hold() -> None:
    assert len(SOURCES) >= 8
    assert kept_rows() == json.loads(EXPECTED.read_text(encoding="utf-8")), BUMP


if __name__ == "__main__":
    Path(EXPECTED).write_text(json.dumps(kept_rows(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
