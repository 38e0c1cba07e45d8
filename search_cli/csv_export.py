"""`export --csv`: each record's CSV row as the store keeps it (store/csvrows.py), with the day's `stale` cell."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from typing import TextIO

from indexer.csvrow import CSV_COLUMNS, KeptRow, line_of


def write_csv(rows: Iterable[KeptRow], out: TextIO | None = None) -> int:
    """These kept rows under the CSV_COLUMNS header, as `search --csv` writes `csv_row_of` of a record; how many."""
    out = out or sys.stdout
    out.write(",".join(CSV_COLUMNS) + "\r\n")  # the header, as csv.DictWriter writes it: no name needs quoting
    today = date.today()  # once: the same day for every row, as a search's rows
    count = 0
    for row in rows:
        out.write(line_of(row, today))
        count += 1
    return count
