"""One trial from many sources: fields with the source they came from, every source, and where they disagree."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from indexer.history.removal import removal_fields
from indexer.record import FETCH_FIELDS, TrialRecord
from indexer.store import RecordStore
from indexer.store.removals import Removal

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


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where one source's copy of a trial came from, and when."""

    source: str
    url: str | None
    fetched_at: str | None
    last_update_posted: str | None


@dataclass(frozen=True, slots=True)
class SourceValue:
    """One source's value of a field, with its date."""

    source: str
    value: Any
    date: str | None  # the source's update date, or when it was fetched
    url: str | None


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A field whose value the sources of one trial do not agree on."""

    field: str  # a dotted path, e.g. "eligibility.max_age_years"
    values: tuple[SourceValue, ...]


@dataclass(frozen=True, slots=True)
class MergedTrial:
    """The registry's record completed from the trial's other sources, with where each field came from."""

    record: TrialRecord
    sources: tuple[SourceRef, ...]
    provenance: dict[str, str]  # field -> the source it came from
    disagreements: tuple[Disagreement, ...]
    removal: Removal | None = None  # the registry no longer has it: its last record is what is shown

    def to_dict(self) -> dict[str, Any]:
        """The record's fields, then `sources`, `provenance`, `disagreements` and `removed_from_registry`
        (the JSON of `show`)."""
        return {
            **self.record.to_dict(),
            "sources": [asdict(s) for s in self.sources],
            "provenance": dict(self.provenance),
            "disagreements": [{"field": d.field, "values": [asdict(v) for v in d.values]} for d in self.disagreements],
            "removed_from_registry": removal_fields(self.removal),
        }


def merged(store: RecordStore, trial_id: str) -> MergedTrial | None:
    """The trial's record, completed from its other sources, with its sources, provenance and disagreements."""
    base = store.get(trial_id)
    if base is None:
        return None
    others = [r for r in store.sources_for(trial_id) if (r.source, r.source_url) != (base.source, base.source_url)]
    records: list[TrialRecord] = [base, *others]
    # Each record's dict made once (they were made again for every compared field: 12 a page).
    dicts = [r.to_dict() for r in records]
    out = dict(dicts[0])
    provenance = {k: base.source for k, v in out.items() if k not in FETCH_FIELDS and not _empty(v)}
    completed = False
    for other, fields in zip(others, dicts[1:], strict=True):
        for key, value in fields.items():
            if key not in FETCH_FIELDS and _empty(out.get(key)) and not _empty(value):
                out[key] = value  # the registry says nothing here; this source does
                provenance[key] = other.source
                completed = True
            elif isinstance(value, dict) and isinstance(out.get(key), dict):
                # A part such as eligibility: each of its fields the record leaves empty (a search result's
                # card has no criteria; its protocol page has).
                part = dict(out[key])
                for sub, v in value.items():
                    if _empty(part.get(sub)) and not _empty(v):
                        part[sub] = v
                        provenance[f"{key}.{sub}"] = other.source
                        completed = True
                out[key] = part
    disagreements = []
    for path in COMPARED if others else ():  # one source cannot disagree with itself
        values = [
            SourceValue(r.source, _get(d, path), r.last_update_posted or r.fetched_at, r.source_url)
            for r, d in zip(records, dicts, strict=True)
        ]
        known = tuple(v for v in values if not _empty(v.value))
        if len({repr(v.value) for v in known}) > 1:
            disagreements.append(Disagreement(path, known))
    sources = tuple(SourceRef(r.source, r.source_url, r.fetched_at, r.last_update_posted) for r in records)
    # Completed from no other source, the record is the registry's as it stands.
    record = TrialRecord.from_dict(out) if completed else base
    removal = store.removals([base.nct_id]).get(base.nct_id)
    return MergedTrial(record, sources, provenance, tuple(disagreements), removal)


def trial_view(store: RecordStore, trial_id: str, near: tuple[float, float] | None = None) -> dict[str, Any] | None:
    """What `trials show --json` and the web API give for one trial: the merged record, with how fresh its
    status is and, given a place, its sites nearest first."""
    found = merged(store, trial_id)
    return view_of(found, near) if found is not None else None


def view_of(found: MergedTrial, near: tuple[float, float] | None = None) -> dict[str, Any]:
    """`trial_view` of a trial already merged."""
    from indexer.freshness import freshness  # light modules, imported here to keep merge.py's imports few
    from indexer.geo.near import sites_by_distance

    view = found.to_dict()
    view["freshness"] = freshness(found.record).to_dict()
    if near is not None:
        view["sites_by_distance"] = sites_by_distance(found.record, *near)
    return view
