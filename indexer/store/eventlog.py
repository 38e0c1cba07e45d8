"""Reading the events table: what changed, across the store or for some trials, newest first."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.history.events import Event
from indexer.store.db import Database
from indexer.store.removals import removals_among


@dataclass(frozen=True, slots=True)
class StoredEvent(Event):
    """An event as recorded: which trial and version, its registry date, when it was recorded."""

    id: int  # increasing: a watch remembers the last one it reported
    nct_id: str
    version: int | None  # None for an event not tied to a version ("removed")
    date: str | None  # the version's registry date, or when it was detected
    recorded_at: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


_COLUMNS = "id, nct_id, version, date, recorded_at, type, field, old, new, summary"


def _event(row: tuple[Any, ...]) -> StoredEvent:
    id_, nct, version, date, recorded, type_, field, old, new, summary = row
    return StoredEvent(
        type_, field, json.loads(old) if old else None, json.loads(new) if new else None, summary,
        id_, nct, version, date, recorded,
    )  # fmt: skip


# Events a filtered page looks among first, newest first (`query`).
_PROBE = 5000


def _filters(
    since: str | None, recorded_since: str | None, types: Sequence[str], field: str | None
) -> tuple[list[str], list[Any]]:
    """The WHERE terms (and their parameters) of the events' own filters."""
    where, params = ["1"], []  # type: tuple[list[str], list[Any]]
    if since:
        where.append("date >= ?")
        params.append(since)
    if recorded_since:
        where.append("recorded_at >= ?")
        params.append(recorded_since)
    if types:
        where.append(f"type IN ({','.join('?' * len(types))})")
        params.extend(types)
    if field:
        # The field or a part of it ("eligibility.criteria_text", "locations[2]"), as ranges of the
        # (field, date) index: '/' and '\\' are the characters after '.' and '['.
        field = field.lower()
        where.append("(field = ? OR (field > ? AND field < ?) OR (field > ? AND field < ?))")
        params.extend([field, f"{field}.", f"{field}/", f"{field}[", f"{field}\\"])
    return where, params


class EventLog:
    def __init__(self, db: Database):
        self._db = db

    def query(
        self,
        *,
        since: str | None = None,
        recorded_since: str | None = None,
        types: Sequence[str] = (),
        field: str | None = None,
        ids: Sequence[str] | None = None,
        after_id: int | None = None,
        up_to_id: int | None = None,
        older_than: tuple[str | None, int] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[StoredEvent]:
        """Events newest first; every filter, the limit and the offset (a page) run in SQL.

        `since` compares registry dates, `recorded_since` when the events were recorded here. `older_than`
        (an event's date and id): those after it, newest first, as the next chunk of a listing read in chunks:
        unlike an offset, an event a writer commits meanwhile moves none of them."""
        if ids is not None and not ids:
            return []
        where, params = _filters(since, recorded_since, types, field)
        by_filter = bool(field or recorded_since)
        if after_id is not None:
            where.append("id > ?")
            params.append(after_id)
        if up_to_id is not None:
            where.append("id <= ?")
            params.append(up_to_id)
        if older_than is not None:
            date, event_id = older_than
            if date is None:  # an undated event comes after every dated one (SQLite's NULL is least)
                where.append("date IS NULL AND id < ?")
                params.append(event_id)
            else:
                where.append("(date < ? OR date IS NULL OR (date = ? AND id < ?))")
                params.extend((date, date, event_id))
        if ids is not None:
            # One JSON array parameter: no limit on how many ids, unlike one `?` per id.
            where.append("nct_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(ids)))
        condition = " AND ".join(where)
        if limit and by_filter:
            # Many events match (a common field): the newest events hold a page of them, found without sorting
            # every match. Else the field's or the recording date's index finds them all, then sorted.
            newest = f"SELECT * FROM events ORDER BY date DESC, id DESC LIMIT {_PROBE}"
            probe = f"SELECT {_COLUMNS} FROM ({newest}) WHERE {condition} ORDER BY date DESC, id DESC LIMIT ? OFFSET ?"
            rows = self._db.execute(probe, [*params, int(limit), int(offset)]).fetchall()
            if len(rows) == int(limit):  # the page's events are the newest matches: any other is older
                return [_event(row) for row in rows]
        # `+date`: not the date index, which would be walked from the newest event back however few match.
        order = "+date DESC, id DESC" if by_filter else "date DESC, id DESC"
        sql = f"SELECT {_COLUMNS} FROM events WHERE {condition} ORDER BY {order}"
        if limit:
            sql += " LIMIT ? OFFSET ?"
            params.extend((int(limit), int(offset)))
        return [_event(row) for row in self._db.execute(sql, params)]

    def trials(
        self,
        *,
        since: str | None = None,
        recorded_since: str | None = None,
        types: Sequence[str] = (),
        field: str | None = None,
        most: int,
    ) -> list[str] | None:
        """The trials of the events these filters select (as `query`'s), or None when they are more than
        `most`: a search's filters are then checked on those few trials, not on every trial they match."""
        where, params = _filters(since, recorded_since, types, field)
        sql = f"SELECT DISTINCT nct_id FROM events WHERE {' AND '.join(where)} LIMIT ?"
        found = [row[0] for row in self._db.execute(sql, [*params, most + 1])]
        return found if len(found) <= most else None

    def for_trial(self, nct_id: str) -> list[StoredEvent]:
        """One trial's events, oldest first."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM events WHERE nct_id = ? ORDER BY date, id", (nct_id,))
        return [_event(row) for row in rows]

    def news(self, ids: Sequence[str], seen: int, up_to: int) -> list[StoredEvent]:
        """What a watch that saw these trials as of event `seen` has not seen, up to event `up_to`, in the
        order recorded: the events of each trial's versions newer than the one that was current then, and
        its events of no version ("removed") since. Older history stored since is not news."""
        if not ids:
            return []
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM events e WHERE e.id <= ? AND e.nct_id IN (SELECT value FROM json_each(?))"
            " AND CASE WHEN e.version IS NULL THEN e.id > ? ELSE e.version > coalesce((SELECT max(v.version)"
            " FROM versions v WHERE v.nct_id = e.nct_id AND v.current_since <= ?), 0) END ORDER BY e.id",
            (up_to, json.dumps(list(ids)), seen, seen),
        )
        return [_event(row) for row in rows]

    def removed_among(self, ids: Sequence[str]) -> set[str]:
        """Those of these trials the registry no longer has: a 'removed' event after their last version."""
        return set(removals_among(self._db, ids))

    def removed(self) -> set[str]:
        """Every trial the registry no longer has (few: read through the index on the events' type)."""
        return self.removed_among(
            [str(r[0]) for r in self._db.execute("SELECT DISTINCT nct_id FROM events WHERE type = 'removed'")]
        )

    def last_id(self) -> int:
        """The newest event id ever given (its event may have been rewritten since): never goes back."""
        given = self._db.one("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        return max(int(given or 0), int(self._db.one("SELECT coalesce(max(id), 0) FROM events")))

    def recorded_at(self, event_id: int) -> str | None:
        """When the event was recorded (None for no such event)."""
        found = self._db.one("SELECT recorded_at FROM events WHERE id = ?", (event_id,))
        return str(found) if found is not None else None
