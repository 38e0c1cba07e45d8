"""A trial's row of a CSV list: the one mapping of its cells (`csv_row_of`), and that row's text as kept."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from indexer.freshness import OPEN_STATUSES, freshness_of

if TYPE_CHECKING:
    from indexer.store.briefs import TrialSummary

CSV_COLUMNS = (
    "nct_id",
    "brief_title",
    "overall_status",
    "phases",
    "study_type",
    "conditions",
    "interventions",
    "lead_sponsor",
    "enrollment",
    "min_age_years",
    "max_age_years",
    "sex",
    "healthy_volunteers",
    "start_date",
    "completion_date",
    "last_update_posted",
    "status_verified",
    "stale",
    "source_url",
)
# The store keeps each record's row as these give it (store/csvrows.py): a change of the columns, of a cell's
# mapping or of its encoding needs a schema upgrade that makes the rows again (`CsvRows.rebuild`); the
# rows are pinned by tests/test_csv_row_format.py, which fails until then.
# The one cell that changes with the day the list is made, not with the record.
_STALE = CSV_COLUMNS.index("stale")

# Control characters (terminal escape sequences among them) that registry text has no business sending
# to a terminal: tables and CSV drop them; JSON escapes them anyway.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def stale(
    status: str | None, verified: str | None, updated: str | None, completion: str | None, today: date | None = None
) -> bool:
    """`freshness_of(...).stale`: only an open status can be stale, so the dates of the others go unread."""
    return status in OPEN_STATUSES and freshness_of(status, verified, updated, completion, today).stale


def csv_row_of(s: TrialSummary) -> dict[str, Any]:
    """The CSV cells of a record's summary (`briefs.summary_of` a record, or `summary_from` its stored JSON)."""
    return {
        "nct_id": s.nct_id,
        "brief_title": s.brief_title,
        "overall_status": s.overall_status,
        "phases": "|".join(s.phases or ()),
        "study_type": s.study_type,
        "conditions": "|".join(s.conditions or ()),
        "interventions": "|".join(s.interventions),
        "lead_sponsor": s.lead_sponsor,
        "enrollment": s.enrollment,
        "min_age_years": s.min_age_years,
        "max_age_years": s.max_age_years,
        "sex": s.sex,
        "healthy_volunteers": s.healthy_volunteers,
        "start_date": s.start_date,
        "completion_date": s.completion_date,
        "last_update_posted": s.last_update_posted,
        "status_verified": s.status_verified,
        "stale": stale(s.overall_status, s.status_verified, s.last_update_posted, s.completion_date),
        "source_url": s.source_url,
    }


def _safe_cells(row: dict[str, Any], columns: tuple[str, ...] | list[str]) -> list[Any]:
    """A row's cells in these columns as a CSV list writes them: text without control characters."""
    # isprintable() is True of most text, and never of text holding a control character.
    return [
        (v if v.isprintable() else CONTROL.sub("", v)) if isinstance(v, str) else v
        for v in (row.get(c) for c in columns)
    ]


class KeptRow(NamedTuple):
    """A record's CSV row as the store keeps it: its text but for the `stale` cell, and what that is read of."""

    nct_id: str
    head: str  # the cells before `stale`, CSV-encoded and joined by ","
    tail: str  # the cells after it (source_url)
    status: str | None
    verified: str | None
    updated: str | None
    completion: str | None


def kept_row(s: TrialSummary) -> KeptRow:
    """The text `csv_row_of(s)` gives in a CSV list, kept with the record when it is written (store/csvrows.py)."""
    import csv  # loaded by the writes of records only
    import io

    cells = _safe_cells(csv_row_of(s), CSV_COLUMNS)
    buffer = io.StringIO()
    # As csv.DictWriter writes every CSV list: the cells before `stale` a row, those after it another, led
    # by an empty cell (a row of one empty cell alone is written '""'; in a row it is nothing). No cell
    # holds a "\r" (a control character), so "\r\n" ends a row.
    csv.writer(buffer).writerows((cells[:_STALE], ["", *cells[_STALE + 1 :]]))
    head, tail, _ = buffer.getvalue().split("\r\n")
    dates = (s.status_verified, s.last_update_posted, s.completion_date)
    return KeptRow(s.nct_id, head, tail[1:], s.overall_status, *dates)


def line_of(row: KeptRow | tuple[Any, ...], today: date) -> str:
    """A kept row's line of `export --csv` on `today`: as csv.DictWriter writes `csv_row_of` of the record."""
    _, head, tail, status, verified, updated, completion = row
    return f"{head},{stale(status, verified, updated, completion, today)},{tail}\r\n"
