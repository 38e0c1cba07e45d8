"""Reading change history: one trial's versions with changes and events, and events across the store."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from indexer.catalog import Catalog
from indexer.history.diff import Change, diff_records
from indexer.index.document import SearchQuery
from indexer.normalize import iso_date
from indexer.store import RecordStore, StoredEvent


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One stored version, or (`version` None) a removal: `date` the day it was found, `fetched_at` when."""

    version: int | None
    date: str | None
    fetched_at: str | None
    source: str | None
    source_url: str | None
    changes: tuple[Change, ...]
    events: tuple[StoredEvent, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "date": self.date,
            "fetched_at": self.fetched_at,
            "source": self.source,
            "source_url": self.source_url,
            "changes": [c.to_dict() for c in self.changes],
            "events": [{k: getattr(e, k) for k in ("type", "field", "old", "new", "summary")} for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class TrialHistory:
    """A trial's stored versions in order, with the removals recorded after each."""

    nct_id: str
    versions: tuple[VersionEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"nct_id": self.nct_id, "versions": [v.to_dict() for v in self.versions]}


def history(store: RecordStore, nct_id: str) -> TrialHistory | None:
    """Every version of a trial, oldest first, with its changes and the events they amount to; each
    event of no version (a removal) after the version that was the trial's newest when it was found,
    dated by the day it was found."""
    nct_id = nct_id.upper()
    found = store.history(nct_id)
    if not found:
        return None
    by_version: dict[int | None, list[StoredEvent]] = {}
    for e in store.events.for_trial(nct_id):
        by_version.setdefault(e.version, []).append(e)
    after: dict[int, list[StoredEvent]] = {}  # version -> the removals found while it was the newest
    for e in by_version.get(None, ()):
        then = [v.version for v in found if v.current_since is not None and v.current_since <= e.id]
        after.setdefault(max(then, default=found[-1].version), []).append(e)
    entries = []
    for v in found:
        events = tuple(by_version.get(v.version, ()))
        entries.append(VersionEntry(v.version, v.date, v.fetched_at, v.source, v.source_url, tuple(v.changes), events))
        entries += [VersionEntry(None, e.date, e.recorded_at, None, None, (), (e,)) for e in after.get(v.version, ())]
    return TrialHistory(nct_id, tuple(entries))


def diff(store: RecordStore, nct_id: str, start: int | None = None, end: int | None = None) -> list[Change]:
    """Field-level changes from version `start` to `end` (default: the last two)."""
    found = store.history(nct_id)
    if not found:
        raise KeyError(nct_id)
    by_number = {v.version: v for v in found}
    end = end if end is not None else found[-1].version
    start = start if start is not None else max(1, end - 1)
    for number in (end, start):  # the version asked for first: --to 99 names 99, not the 98 before it
        if number not in by_number:
            raise ValueError(f"{nct_id} has versions 1 to {found[-1].version}, not {number}")
    return diff_records(by_number[start].record, by_number[end].record)


# A registry date as the events compare it: YYYY, YYYY-MM or YYYY-MM-DD, each part in range.
SINCE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
# What a cron line writes without `date` (whose % crontab would need escaped): days or weeks back.
_BACK = re.compile(r"^(\d{1,5})\s*(d|days?|w|weeks?)(\s+ago)?$")
# A timestamp (`date -Is`, a log line): its day counts, as events are dated by day.
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$", re.I)
# "01/02/2024": the 1st of February or the 2nd of January.
_NUMERIC_DAY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
SINCE_FORMS = "YYYY-MM-DD, YYYY-MM, a date and time, today, yesterday, or days or weeks back (7d, 2w)"


def since_date(value: str, today: date | None = None) -> str:
    """`value` as a registry date to compare events with; ValueError if it is none.

    Dates as written ("2020-03", "March 2020"); "today", "yesterday", "7d" or "2w" back from `today`
    (the UTC date, as events detected here are dated); a timestamp by its day, the earlier of its own
    and UTC's, so that no event of the hour asked for is left out."""
    value = value.strip()
    today = today or datetime.now(UTC).date()
    lowered = value.lower()
    if lowered in ("today", "yesterday"):
        return (today - timedelta(days=lowered == "yesterday")).isoformat()
    if back := _BACK.match(lowered):
        days = int(back.group(1)) * (7 if back.group(2).startswith("w") else 1)
        return (today - timedelta(days=days)).isoformat()
    if stamp := _STAMP.match(value):
        day = _real_day(stamp.group(1), value)
        try:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1).upper().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time; use {SINCE_FORMS}") from None
        if moment.tzinfo is not None:
            day = min(day, moment.astimezone(UTC).date().isoformat())
        return day
    if re.match(SINCE_PATTERN, value):
        return _real_day(value, value) if len(value) == 10 else value
    if numeric := _NUMERIC_DAY.match(value):
        # Registry dates are day first (iso_date), but people in the US write the month first: a guess
        # would move the window by months without a word.
        first, second, year = (int(part) for part in numeric.groups())
        if first != second and 1 <= first <= 12 and 1 <= second <= 12:
            day_first, month_first = f"{year:04d}-{second:02d}-{first:02d}", f"{year:04d}-{first:02d}-{second:02d}"
            raise ValueError(f"{value!r} could be {day_first} or {month_first}: write it as YYYY-MM-DD")
    iso = iso_date(value)
    if iso is None:
        raise ValueError(f"{value!r} is not a date; use {SINCE_FORMS}")
    return iso


def recorded_since(value: str, today: date | None = None) -> str:
    """`value` as the UTC timestamp (clock.FORMAT) events recorded here are compared with: a date or a
    form of `since_date` from its first moment (UTC), a date and time to the second (UTC without a zone)."""
    stamp = _STAMP.match(value.strip())
    if stamp is None:
        day = since_date(value, today)
        return f"{day}{'-01' * (2 - day.count('-'))}T00:00:00Z"
    _real_day(stamp.group(1), value)
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1).upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a date and time; use {SINCE_FORMS}") from None
    return (moment if moment.tzinfo is None else moment.astimezone(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _real_day(day: str, given: str) -> str:
    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        raise ValueError(f"{given!r} is no day of the calendar; use {SINCE_FORMS}") from None


# Trials whose events a search's filters are checked on, at most: more, and the search lists its own.
FEW_TRIALS = 20_000
# With more trials on both sides, the newest events are read this many at a time and their trials asked of
# the search, until the page is full: a search that matches over FEW_TRIALS of them fills it in a few.
EVENTS_AT_A_TIME = 5_000
# Chunks read before the search lists every trial it matches instead: a search of many trials that few of
# the window's trials meet (`--event removed --status recruiting`) would otherwise be asked once a chunk.
CHUNKS_AT_MOST = 10


def _narrows(q: SearchQuery) -> bool:
    return bool(
        q.conditions or q.drugs or q.statuses or q.phases or q.sponsor or q.age is not None or q.sex
        or q.text or q.near or q.countries or q.fresh or q.ids
    )  # fmt: skip


def matching_events(
    catalog: Catalog,
    query: SearchQuery,
    *,
    since: str | None = None,
    recorded_since: str | None = None,
    types: Sequence[str] = (),
    field: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[StoredEvent]:
    """A page of the events these filters select, newest first, of the trials the query's search filters
    keep. Whichever side is smaller is listed first: the events' trials (`changes --since yesterday
    --condition cancer`), or the search's (a rare condition over years); when both are many, the newest
    events a chunk at a time until the page is full."""
    events = catalog.store.events
    filters: dict[str, Any] = {"since": since, "recorded_since": recorded_since, "types": types, "field": field}
    if not _narrows(query):
        return events.query(**filters, limit=limit, offset=offset)
    among = events.trials(**filters, most=FEW_TRIALS)
    if among is not None:
        return events.query(**filters, ids=_kept(catalog, query, among), limit=limit, offset=offset)
    if query.ids:
        return events.query(**filters, ids=_kept(catalog, query, query.ids), limit=limit, offset=offset)
    first = catalog.search_ids(dataclasses.replace(query, limit=1, offset=0))
    if first.total == 0:
        return []
    if not first.total_is_estimate and first.total <= FEW_TRIALS:
        return events.query(**filters, ids=_listed(catalog, query, first.total), limit=limit, offset=offset)
    # A search near a place estimates its total from the first candidates it reads: one its estimate calls few
    # may still fill the page from the newest events; else it is listed (to FEW_TRIALS + 1, read to the end
    # its total is exact), not asked of every event in turn.
    sparse = first.total_is_estimate and first.total <= FEW_TRIALS
    kept: list[StoredEvent] = []
    last: tuple[str | None, int] | None = None
    for _ in range(CHUNKS_AT_MOST):
        if len(kept) >= offset + limit:
            break
        # Each chunk the events after the last one read: a writer's commit meanwhile repeats none of them.
        chunk = events.query(**filters, older_than=last, limit=EVENTS_AT_A_TIME)
        found = set(_kept(catalog, query, list(dict.fromkeys(e.nct_id for e in chunk))))
        kept.extend(e for e in chunk if e.nct_id in found)
        if len(chunk) < EVENTS_AT_A_TIME:
            break
        last = (chunk[-1].date, chunk[-1].id)
        if sparse and len(kept) < offset + limit:
            sparse = False
            listed = catalog.search_ids(dataclasses.replace(query, limit=FEW_TRIALS + 1, offset=0))
            if not listed.total_is_estimate and len(listed.hits) <= FEW_TRIALS:
                return events.query(**filters, ids=[h.nct_id for h in listed.hits], limit=limit, offset=offset)
    else:
        if len(kept) < offset + limit:  # the chunks did not fill the page: every trial the search matches
            most = catalog.indexed_count() if first.total_is_estimate else first.total
            return events.query(**filters, ids=_listed(catalog, query, max(most, 1)), limit=limit, offset=offset)
    return kept[offset : offset + limit]


def _listed(catalog: Catalog, query: SearchQuery, most: int) -> list[str]:
    """The first `most` trials the search finds."""
    return [h.nct_id for h in catalog.search_ids(dataclasses.replace(query, limit=most, offset=0)).hits]


def _kept(catalog: Catalog, query: SearchQuery, among: Sequence[str]) -> list[str]:
    """Those of these trials (and of the query's own ids, if it names some) the search keeps."""
    if query.ids:
        asked = set(query.ids)
        among = [i for i in among if i in asked]
    if not among:
        return []
    narrowed = dataclasses.replace(query, ids=tuple(among), limit=len(among), offset=0)
    return [h.nct_id for h in catalog.search_ids(narrowed).hits]
