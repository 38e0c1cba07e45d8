"""One page of change events as the web's parameters ask for it: /api/changes and the changes page."""

from __future__ import annotations

from typing import Any

from indexer.catalog import Catalog
from indexer.history import changes as tracking
from indexer.history.events import EVENT_TYPES, no_events_note
from web import params
from web.params import SearchParams


def changes_since(since: str | None, recorded_since: str | None = None) -> tuple[str | None, str | None]:
    """The registry date and the recording time to compare events with, read as `trials changes` reads
    --since and --recorded-since ("2020-03", "March 2020", "yesterday", "7d", a timestamp)."""
    dates: list[str | None] = []
    for name, value, read in (
        ("since", since, tracking.since_date),
        ("recorded_since", recorded_since, tracking.recorded_since),
    ):
        text = params.text(name, value)
        try:
            dates.append(read(text) if text is not None else None)
        except ValueError as exc:
            raise params.BadParameter(name, str(exc)) from None
    return dates[0], dates[1]


def changes_page(
    cat: Catalog,
    p: SearchParams,
    since: str | None,
    event: list[str],
    field: str | None,
    recorded_since: str | None = None,
) -> dict[str, Any]:
    """One page of events (the researcher page shows the same)."""
    types = params.texts("event", event)
    for t in types:
        if t not in EVENT_TYPES:
            raise params.BadParameter("event", f"{t!r} is not an event type; use one of {', '.join(EVENT_TYPES)}")
    # The page itself, and one more event to say whether there are more: OFFSET in SQL, so page 50
    # reads no more rows into Python than page 1.
    registry_since, recorded = changes_since(since, recorded_since)
    field_asked = params.text("field", field)
    rows = tracking.matching_events(
        cat,
        p.query(),
        since=registry_since,
        recorded_since=recorded,
        types=types,
        field=field_asked,
        limit=p.limit + 1,
        offset=(p.page - 1) * p.limit,
    )
    # As `trials changes --field` warns, and /api/match's notes: a field whose changes make no events.
    note = no_events_note(field_asked, "a trial's history page (/trials/ID/history) and /api/trials/ID/history")
    return {
        "page": p.page,
        "limit": p.limit,
        "more": len(rows) > p.limit,
        "events": rows[: p.limit],
        "notes": [note] if note else [],
    }
