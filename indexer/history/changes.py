"""Reading change history: one trial's versions with changes and events, and events across the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from indexer.history.diff import Change, diff_records
from indexer.store import RecordStore, versions


def _event_rows(
    store: RecordStore, where: str, params: Sequence[Any], limit: int | None = None
) -> list[dict[str, Any]]:
    sql = (
        "SELECT id, nct_id, version, date, recorded_at, type, field, old, new, summary FROM events"
        f" WHERE {where} ORDER BY date DESC, id DESC" + (f" LIMIT {int(limit)}" if limit else "")
    )
    rows = []
    for id_, nct, version, date, recorded, type_, field, old, new, summary in store.db.execute(sql, params):
        rows.append(
            {
                "id": id_,
                "nct_id": nct,
                "version": version,
                "date": date,
                "recorded_at": recorded,
                "type": type_,
                "field": field,
                "old": json.loads(old) if old else None,
                "new": json.loads(new) if new else None,
                "summary": summary,
            }
        )
    return rows


def history(store: RecordStore, nct_id: str) -> dict[str, Any] | None:
    """{"nct_id", "versions": [{"version", "date", "fetched_at", "source", "changes", "events"}]}, oldest first."""
    found = versions.history(store.db, nct_id.upper())
    if not found:
        return None
    events: dict[int | None, list[dict[str, Any]]] = {}
    for e in reversed(_event_rows(store, "nct_id = ?", (nct_id.upper(),))):
        events.setdefault(e["version"], []).append({k: e[k] for k in ("type", "field", "old", "new", "summary")})
    out = []
    for v in found:
        out.append(
            {
                "version": v.version,
                "date": v.date,
                "fetched_at": v.fetched_at,
                "source": v.source,
                "source_url": v.source_url,
                "changes": [c.to_dict() for c in v.changes],
                "events": events.get(v.version, []),
            }
        )
    if None in events:  # e.g. "removed": after the last version
        out.append(
            {
                "version": None,
                "date": None,
                "fetched_at": None,
                "source": None,
                "source_url": None,
                "changes": [],
                "events": events[None],
            }
        )
    return {"nct_id": nct_id.upper(), "versions": out}


def diff(store: RecordStore, nct_id: str, start: int | None = None, end: int | None = None) -> list[Change]:
    """Field-level changes from version `start` to `end` (default: the last two)."""
    found = versions.history(store.db, nct_id.upper())
    if not found:
        raise KeyError(nct_id)
    by_number = {v.version: v for v in found}
    end = end if end is not None else found[-1].version
    start = start if start is not None else max(1, end - 1)
    for number in (start, end):
        if number not in by_number:
            raise ValueError(f"{nct_id} has versions 1 to {found[-1].version}, not {number}")
    return diff_records(by_number[start].record, by_number[end].record)


def events(
    store: RecordStore,
    *,
    since: str | None = None,
    types: Sequence[str] = (),
    field: str | None = None,
    ids: Sequence[str] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Events across the store, newest first; `since` compares the registry date of each change."""
    where, params = ["1"], []  # type: tuple[list[str], list[Any]]
    if since:
        where.append("date >= ?")
        params.append(since)
    if types:
        where.append(f"type IN ({','.join('?' * len(types))})")
        params.extend(types)
    if field:
        where.append("(field = ? OR field LIKE ? OR field LIKE ?)")
        params.extend([field, f"{field}.%", f"{field}[%"])
    if after_id is not None:
        where.append("id > ?")
        params.append(after_id)
    if ids is not None and len(ids) <= 500:
        if not ids:
            return []
        where.append(f"nct_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    elif ids is not None:  # too many to bind: filter here instead
        wanted = set(ids)
        rows = _event_rows(store, " AND ".join(where), params)
        return [r for r in rows if r["nct_id"] in wanted][:limit]
    return _event_rows(store, " AND ".join(where), params, limit)


def last_event_id(store: RecordStore) -> int:
    return int(store.db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
