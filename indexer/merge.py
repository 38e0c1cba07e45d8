"""One trial from many sources: fields with the source they came from, every source, and where they disagree."""

from __future__ import annotations

from typing import Any

from indexer.record import FETCH_FIELDS, TrialRecord
from indexer.store import RecordStore

# Fields a researcher compares across sources; a difference in one of these is shown, never hidden.
COMPARED = (
    "overall_status",
    "lead_sponsor",
    "enrollment",
    "completion_date",
    "start_date",
    "phases",
    "conditions",
    "eligibility.min_age_years",
    "eligibility.max_age_years",
    "eligibility.sex",
)


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def merged(store: RecordStore, trial_id: str) -> dict[str, Any] | None:
    """The trial's record, completed from its other sources, with `sources`, `provenance`, `disagreements`."""
    base = store.get(trial_id)
    if base is None:
        return None
    others = [r for r in store.sources_for(trial_id) if (r.source, r.source_url) != (base.source, base.source_url)]
    records: list[TrialRecord] = [base, *others]
    out = base.to_dict()
    provenance = {k: base.source for k, v in out.items() if k not in FETCH_FIELDS and not _empty(v)}
    for other in others:
        data = other.to_dict()
        for key, value in data.items():
            if key not in FETCH_FIELDS and _empty(out.get(key)) and not _empty(value):
                out[key] = value  # the registry says nothing here; this source does
                provenance[key] = other.source
    disagreements = []
    for path in COMPARED:
        values = [
            {
                "source": r.source,
                "value": _get(r.to_dict(), path),
                "date": r.last_update_posted or r.fetched_at,
                "url": r.source_url,
            }
            for r in records
        ]
        known = [v for v in values if not _empty(v["value"])]
        if len({repr(v["value"]) for v in known}) > 1:
            disagreements.append({"field": path, "values": known})
    out["sources"] = [
        {
            "source": r.source,
            "url": r.source_url,
            "fetched_at": r.fetched_at,
            "last_update_posted": r.last_update_posted,
        }
        for r in records
    ]
    out["provenance"] = provenance
    out["disagreements"] = disagreements
    return out
