"""Writes indexer/data/english_words.txt: words of 3 to 6 letters that trials write in lower case."""

# Usage: .venv/bin/python scripts/english_words.py DATA_DIR > indexer/data/english_words.txt, DATA_DIR a
# catalog of the real records (ctgov/xml_2021, ctgov/xml and ctgov/v2 of ../shared/data ingested).
# A patient's "sle" is SLE, but "all" is no leukaemia: a lower-case abbreviation is read only when trials
# never write it as a word of their own in lower case (facts.py). Three times or more: once or twice is a typo
# ("copd" twice in 2,742 records' criteria, summaries and descriptions).

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

from indexer.catalog import Catalog
from indexer.config import load

MIN_TIMES = 3
_WORD = re.compile(r"(?<![A-Za-z0-9'-])[a-z]{3,6}(?![A-Za-z0-9'-])")


def main(data_dir: Path) -> None:
    counts: collections.Counter[str] = collections.Counter()
    with Catalog(load(data_dir)) as catalog:
        for r in catalog.store.iter_records():
            criteria = r.eligibility.criteria_text if r.eligibility else None
            for text in (criteria, r.brief_summary, r.detailed_description):
                counts.update(_WORD.findall(text or ""))
    sys.stdout.write("".join(f"{w}\n" for w in sorted(w for w, n in counts.items() if n >= MIN_TIMES)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
