"""A few fields of stored records, read without decoding them: what a list of trials names each by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import orjson

from indexer.record import TrialRecord
from indexer.store.db import Database


class TrialBrief(NamedTuple):
    """A trial's id, title, status and address: what a watch's new matches say of each."""

    nct_id: str
    brief_title: str | None
    overall_status: str | None
    source_url: str | None


def briefs(db: Database, ids: Iterable[str]) -> dict[str, TrialBrief]:
    """The brief of each of these trials that is stored; no record is decoded (a watch's first run
    may name 10,000 trials: decoded whole, they held 450 MB)."""
    select = (
        "SELECT nct_id, json_extract(record, '$.brief_title'), json_extract(record, '$.overall_status'),"
        " json_extract(record, '$.source_url') FROM records"
    )
    return {row[0]: TrialBrief(*row) for row in db.by_ids(select, ids)}


class TrialSummary(NamedTuple):
    """The fields a CSV row of a trial gives (`indexer.csvrow.CSV_COLUMNS`), as its JSON has them."""

    nct_id: str
    brief_title: str | None
    overall_status: str | None
    phases: list[str] | None
    study_type: str | None
    conditions: list[str] | None
    interventions: list[str]  # their names
    lead_sponsor: str | None
    enrollment: int | None
    min_age_years: float | None
    max_age_years: float | None
    sex: str | None
    healthy_volunteers: bool | None
    start_date: str | None
    completion_date: str | None
    last_update_posted: str | None
    status_verified: str | None
    source_url: str | None


# Each field's path in the record's JSON, in TrialSummary's order (its id is the row's key): SQLite reads
# them all at once with `json_extract(record, SUMMARY_PATHS)`, parsing the record once.
_IN_ELIGIBILITY = frozenset({"min_age_years", "max_age_years", "sex", "healthy_volunteers"})
SUMMARY_PATHS = ", ".join(f"'$.{'eligibility.' * (f in _IN_ELIGIBILITY)}{f}'" for f in TrialSummary._fields[1:])
_INTERVENTIONS = TrialSummary._fields.index("interventions") - 1


def summary_from(nct_id: str, fields: str) -> TrialSummary:
    """A record's summary from what `json_extract(record, SUMMARY_PATHS)` read of its JSON: no record is
    decoded (`export --csv` at 500k took 155 s decoding each)."""
    return summary_of_values(nct_id, orjson.loads(fields))


def summary_of_values(nct_id: str, values: list[Any]) -> TrialSummary:
    """A record's summary from the values of SUMMARY_PATHS in its JSON, as orjson reads them (the list is changed)."""
    values[_INTERVENTIONS] = [i["name"] for i in values[_INTERVENTIONS] or ()]
    return TrialSummary(nct_id, *values)


def summary_of_json(nct_id: str, record: Mapping[str, Any]) -> TrialSummary:
    """A record's summary from its stored JSON as orjson reads it (dicts and lists), as `summary_from` reads
    it with SQLite's help: for a record whose JSON is parsed anyway (its sites measured)."""
    eligibility = record.get("eligibility") or {}
    values: list[Any] = [(eligibility if f in _IN_ELIGIBILITY else record).get(f) for f in TrialSummary._fields[1:]]
    values[_INTERVENTIONS] = [i["name"] for i in values[_INTERVENTIONS] or ()]
    return TrialSummary(nct_id, *values)


def summary_of(r: TrialRecord) -> TrialSummary:
    """The summary of a record in hand, as `summary_from` reads it from the stored JSON."""
    e = r.eligibility
    return TrialSummary(
        r.nct_id,
        r.brief_title,
        r.overall_status,
        list(r.phases),
        r.study_type,
        list(r.conditions),
        [i.name for i in r.interventions],
        r.lead_sponsor,
        r.enrollment,
        e.min_age_years,
        e.max_age_years,
        e.sex,
        e.healthy_volunteers,
        r.start_date,
        r.completion_date,
        r.last_update_posted,
        r.status_verified,
        r.source_url,
    )


def summaries(db: Database, ids: Iterable[str]) -> dict[str, TrialSummary]:
    """The summary of each of these trials that is stored, read by SQLite from its JSON (`summary_from`)."""
    select = f"SELECT nct_id, json_extract(record, {SUMMARY_PATHS}) FROM records"
    return {nct_id: summary_from(nct_id, fields) for nct_id, fields in db.by_ids(select, ids)}


class StoredJson(NamedTuple):
    """A record's stored JSON (its `to_dict()` encoded, as `export` writes it) and the four fields its
    freshness is worked out of."""

    nct_id: str
    json: bytes
    overall_status: str | None
    status_verified: str | None
    last_update_posted: str | None
    completion_date: str | None


def with_fields(record_json: bytes, extra: dict[str, Any]) -> bytes:
    """`orjson.dumps({**record.to_dict(), **extra})` of a record's JSON (`to_dict()` encoded), `extra`'s
    fields written after the record's as bytes: a record with hundreds of sites is never decoded."""
    return b"".join(with_fields_parts(record_json, extra))


def with_fields_parts(record_json: bytes, extra: dict[str, Any]) -> list[bytes | memoryview]:
    """`with_fields` as the pieces that make it, in order, the record's JSON not copied: a writer takes them
    one after the other (at 500k the 12 MB of a search's 20 largest trials took ~12 ms to copy three times)."""
    if not extra:
        return [record_json]
    if not extra.keys().isdisjoint(TrialRecord.__dataclass_fields__):  # a field replaced in place, as a dict does
        return [orjson.dumps({**orjson.loads(record_json), **extra}, option=orjson.OPT_NON_STR_KEYS)]
    return [memoryview(record_json)[:-1], b"," + orjson.dumps(extra, option=orjson.OPT_NON_STR_KEYS)[1:]]


# The four fields from the record's kept CSV row (csvrows.py), which holds them as columns: no JSON is parsed
# (SQLite's parse of a record with hundreds of sites is 0.1 ms). A record without its row has them read from
# its JSON.
FRESHNESS_FIELDS = (
    "CASE WHEN head IS NULL THEN json_extract(record, '$.overall_status', '$.status_verified',"
    " '$.last_update_posted', '$.completion_date') ELSE json_array(status, verified, updated, completion) END"
)
_STORED_JSON = f"SELECT nct_id, CAST(record AS BLOB), {FRESHNESS_FIELDS} FROM records LEFT JOIN csv_rows USING (nct_id)"


def stored_json(db: Database, ids: Iterable[str]) -> dict[str, StoredJson]:
    """The stored JSON of each of these trials that is stored, with its freshness's fields; none decoded."""
    return {
        nct_id: StoredJson(nct_id, blob, *orjson.loads(dates)) for nct_id, blob, dates in db.by_ids(_STORED_JSON, ids)
    }
