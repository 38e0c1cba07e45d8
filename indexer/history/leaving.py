"""Why a trial left a watch's results: the filter it now fails, and the event that made it fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.agelimits import admits
from indexer.index.document import SearchQuery, sex_values
from indexer.record import TrialRecord
from indexer.store import StoredEvent


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a trial left a watch's results."""

    text: str  # e.g. "status RECRUITING → COMPLETED", "no longer matches: maximum age lowered to 65"
    field: str | None = None  # the record field that explains it, when one does
    old: Any = None
    new: Any = None


def _years(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{int(value)}" if value == int(value) else f"{value:g}"


def _last(events: Sequence[StoredEvent], field: str) -> tuple[Any, Any] | None:
    """(value before the first, value after the last) of a field's events since the last run."""
    found = [e for e in events if e.field == field]
    return (found[0].old, found[-1].new) if found else None


def _status(query: SearchQuery, record: TrialRecord, events: Sequence[StoredEvent]) -> Reason | None:
    if not query.statuses or record.overall_status in query.statuses:
        return None
    moved = _last(events, "overall_status")
    if moved is None:
        return Reason(f"no longer matches: status is {record.overall_status}", "overall_status")
    text = f"status {moved[0]} → {moved[1]}"
    if record.why_stopped and moved[1] in ("TERMINATED", "SUSPENDED", "WITHDRAWN"):
        text += f" (why stopped: {' '.join(record.why_stopped.split())})"
    return Reason(text, "overall_status", moved[0], moved[1])


def _age(query: SearchQuery, record: TrialRecord, events: Sequence[StoredEvent]) -> list[Reason]:
    if query.age is None:
        return []
    e = record.eligibility
    out = []
    for field, value, fails, verb in (
        ("min_age_years", e.min_age_years, not admits(e.min_age_years, None, query.age), "minimum age raised to"),
        ("max_age_years", e.max_age_years, not admits(None, e.max_age_years, query.age), "maximum age lowered to"),
    ):
        if not fails:
            continue
        moved = _last(events, f"eligibility.{field}")
        label = field.split("_")[0] + "imum age"
        text = f"{verb} {_years(value)}" if moved else f"{label} is {_years(value)}"
        out.append(
            Reason(
                f"no longer matches: {text}",
                f"eligibility.{field}",
                moved[0] if moved else None,
                moved[1] if moved else value,
            )
        )
    return out


def _sex(query: SearchQuery, record: TrialRecord, events: Sequence[StoredEvent]) -> Reason | None:
    sex = record.eligibility.sex
    if not query.sex or (sex or "ALL") in sex_values(query.sex):
        return None
    moved = _last(events, "eligibility.sex")
    text = f"sex {moved[0]} → {moved[1]}" if moved else f"open to {sex} only"
    return Reason(f"no longer matches: {text}", "eligibility.sex", moved[0] if moved else None, sex)


def _others(query: SearchQuery, record: TrialRecord) -> list[Reason]:
    out = []
    if query.phases and not set(record.phases) & set(query.phases):
        out.append(Reason(f"no longer matches: phase is {', '.join(record.phases) or 'none'}", "phases"))
    if query.study_types and record.study_type not in query.study_types:
        out.append(Reason(f"no longer matches: study type is {record.study_type}", "study_type"))
    countries = {loc.country for loc in record.locations}
    if query.countries and not countries & set(query.countries):
        out.append(Reason("no longer matches: no site in " + ", ".join(query.countries), "locations"))
    return out


def explain(query: SearchQuery, record: TrialRecord | None, events: Sequence[StoredEvent]) -> Reason:
    """The reason a trial that matched at the previous run does not match now."""
    # Removed from the registry, or merged into another trial (its pages joined that one): as its event says.
    removed = [e for e in events if e.type in ("removed", "merged")]
    if removed:
        return Reason(removed[-1].summary, "nct_id", removed[-1].old, removed[-1].new)
    if record is None:
        return Reason("no longer in the store", "nct_id")
    found = [r for r in (_status(query, record, events), _sex(query, record, events)) if r]
    found[1:1] = _age(query, record, events)
    found += _others(query, record)
    if not found:
        # The structured filters still hold: the search words (text, condition, drug, sponsor) no longer do.
        terms = [*query.conditions, *query.drugs, *([query.sponsor] if query.sponsor else [])]
        terms += [query.text] if query.text else []
        if not terms:
            return Reason("no longer matches the search")
        return Reason("no longer matches the search terms: " + ", ".join(repr(t) for t in terms))
    if len(found) == 1:
        return found[0]
    return Reason("; ".join(r.text for r in found), found[0].field, found[0].old, found[0].new)
