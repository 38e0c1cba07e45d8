"""The write path of trials known only from pages: two listing pages a trial, written fresh, then again."""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, one_core, report
from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.parsers import parse_document
from indexer.record import TrialRecord

TRIALS = 1000
RUNS = 3
PAGE = next((ROOT / "tests/fixtures/listing/site/clinical-trials/listings/NCT04077684").glob("*.html"))


def records() -> list[TrialRecord]:
    """The real listing page's record under 1,000 NCT ids, each on two finders' sites (parsed once: not timed)."""
    (base,) = parse_document(PAGE.read_bytes(), source="listing", source_url="https://a.example/x").records
    return [
        dataclasses.replace(base, nct_id=f"NCT9{i:07d}", source_url=f"https://{site}.example/NCT9{i:07d}")
        for i in range(TRIALS)
        for site in ("a", "b")
    ]


def main() -> None:
    one_core()
    pages = records()
    seconds: dict[str, list[float]] = {"fresh": [], "again": []}
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp, Catalog(load(Path(tmp))) as c:
            for label in seconds:
                start = time.process_time()
                write_records(c, pages)
                seconds[label].append(time.process_time() - start)
    report(
        "page_records",
        {
            "pages": len(pages),
            "trials": TRIALS,
            **{f"{label}_cpu_s_median": round(statistics.median(s), 3) for label, s in seconds.items()},
            **{f"{label}_cpu_s": [round(x, 3) for x in s] for label, s in seconds.items()},
        },
    )


if __name__ == "__main__":
    main()
