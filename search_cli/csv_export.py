"""`export --csv`: each record's CSV row from the fields SQLite reads out of its JSON, none decoded."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO

from indexer.freshness import freshness_of
from indexer.store.briefs import TrialSummary
from search_cli.output import CSV_COLUMNS, _SafeCsv


def csv_row_of(s: TrialSummary) -> dict[str, Any]:
    """The CSV cells of a record's summary (`RecordStore.summaries`, or `briefs.summary_of` a record)."""
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
        "stale": freshness_of(s.overall_status, s.status_verified, s.last_update_posted, s.completion_date).stale,
        "source_url": s.source_url,
    }


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO | None = None) -> int:
    """CSV_COLUMNS rows (`csv_row_of`) under their header; how many."""
    w = _SafeCsv(out or sys.stdout, list(CSV_COLUMNS))
    count = 0
    for row in rows:
        w.writerow(row)
        count += 1
    return count
