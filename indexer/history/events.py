"""Registry events derived from field-level changes: status, enrollment, dates, eligibility, sites, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexer.history.diff import Change
from indexer.history.pairing import headline, pairs

EVENT_TYPES = ("new", "status", "enrollment", "dates", "eligibility", "sites", "results", "removed", "merged")
_STOPPED = {"TERMINATED", "SUSPENDED", "WITHDRAWN"}
_DATE_FIELDS = ("start_date", "primary_completion_date", "completion_date")
_ELIGIBILITY_LIMITS = (
    "eligibility.min_age_years",
    "eligibility.max_age_years",
    "eligibility.sex",
    "eligibility.healthy_volunteers",
)


# The fields whose changes make events (derive_events, removed): `changes --field` finds no other.
EVENT_FIELDS = (
    "overall_status",
    "enrollment",
    *_DATE_FIELDS,
    *_ELIGIBILITY_LIMITS,
    "eligibility.inclusion",
    "eligibility.exclusion",
    "locations",
    "has_results",
    "nct_id",
)


def makes_events(field: str) -> bool:
    """Whether changes of `field` (a path, or a part of one: "eligibility", "locations[...]") make events."""
    return any(f == field or f.startswith(f"{field}.") or field.startswith((f"{f}.", f"{f}[")) for f in EVENT_FIELDS)


def no_events_note(field: str | None, every_change: str) -> str | None:
    """What to say of a `changes` field filter whose changes make no events (None when they make some):
    "no changes" would read as "this field never changed", and a typo ("status") as a field that exists,
    so the fields that do make events are named. `every_change`: what shows every field change of a trial."""
    if not field or makes_events(field):
        return None
    named = ", ".join(f for f in EVENT_FIELDS if f != "nct_id")
    return (
        f"changes of {field} make no events, so `changes` never lists them; {every_change} show every field "
        f"change of a trial. Fields that make events: {named}"
    )


@dataclass(frozen=True, slots=True)
class Event:
    """One change of one field between two versions of a trial."""

    type: str
    field: str
    old: Any
    new: Any
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "field": self.field, "old": self.old, "new": self.new, "summary": self.summary}


def _label(value: Any) -> str:
    return "none" if value is None else str(value)


def _site(loc: dict[str, Any]) -> str:
    return ", ".join(str(loc[k]) for k in ("facility", "city", "country") if loc.get(k)) or "unnamed site"


def _refined(old: Any, new: Any) -> bool:
    """ "2017-02" -> "2017-02-16" gives the day of the same month: more precise, not moved."""
    return isinstance(old, str) and isinstance(new, str) and new.startswith(old) and len(new) > len(old)


def first_seen(record: dict[str, Any]) -> Event:
    return Event(
        "new", "nct_id", None, record.get("nct_id"), f"first seen, status {_label(record.get('overall_status'))}"
    )


def derive_events(changes: list[Change], old: dict[str, Any], new: dict[str, Any]) -> list[Event]:
    """The events a researcher monitors, from one version's changes; other changes make none."""
    events: list[Event] = []
    enrollment_done = False
    criteria_done: set[str] = set()
    for c in changes:
        f = c.field
        if f == "overall_status":
            summary = f"status {_label(c.old)} -> {_label(c.new)}"
            if c.new in _STOPPED and new.get("why_stopped"):
                summary += f" (why stopped: {new['why_stopped']})"
            events.append(Event("status", f, c.old, c.new, summary))
        elif f in ("enrollment", "enrollment_type") and not enrollment_done:
            enrollment_done = True  # one event for count and actual/anticipated together
            before = (old.get("enrollment"), old.get("enrollment_type"))
            after = (new.get("enrollment"), new.get("enrollment_type"))
            events.append(
                Event(
                    "enrollment",
                    "enrollment",
                    before[0],
                    after[0],
                    f"enrollment {_label(before[0])} ({_label(before[1]).lower()}) -> "
                    f"{_label(after[0])} ({_label(after[1]).lower()})",
                )
            )
        elif f in _DATE_FIELDS and c.old is not None and not _refined(c.old, c.new):
            verb = "set" if c.new is not None else "removed"
            what = f"{f.replace('_', ' ')} moved {c.old} -> {c.new}" if c.new else f"{f.replace('_', ' ')} {verb}"
            events.append(Event("dates", f, c.old, c.new, what))
        elif f in _ELIGIBILITY_LIMITS:
            events.append(
                Event(
                    "eligibility",
                    f,
                    c.old,
                    c.new,
                    f"{f.split('.')[1].replace('_', ' ')} {_label(c.old)} -> {_label(c.new)}",
                )
            )
        elif f in ("eligibility.inclusion", "eligibility.exclusion") and f not in criteria_done:
            criteria_done.add(f)  # the field's items all at once: a reworded criterion is one edit
            events += _criteria_events(f, [x for x in changes if x.field == f])
        elif f == "locations":
            if c.old is None and c.new is not None:
                events.append(Event("sites", f, None, c.new, f"site added: {_site(c.new)}"))
            elif c.new is None and c.old is not None:
                events.append(Event("sites", f, c.old, None, f"site removed: {_site(c.old)}"))
        elif f.startswith("locations[") and f.endswith("].status"):
            site = f[len("locations[") : -len("].status")]
            events.append(Event("sites", f, c.old, c.new, f"site {site}: {_label(c.old)} -> {_label(c.new)}"))
        elif f == "has_results" and c.new is True:
            events.append(Event("results", f, c.old, c.new, "results posted"))
    return events


def _criteria_events(field: str, changes: list[Change]) -> list[Event]:
    """Criteria added, removed, and reworded (a removed and an added one similar enough: pairing.py,
    as `trials diff` shows them)."""
    kind = field.split(".")[1]
    out = []
    removed = [c for c in changes if c.new is None and c.old is not None]
    added = [c for c in changes if c.old is None and c.new is not None]
    for old, new in pairs(removed, added):
        if old is not None and new is not None:
            summary = f"{kind} criterion changed: {headline(old.old)} -> {headline(new.new)}"
            out.append(Event("eligibility", field, old.old, new.new, summary))
        elif new is not None:
            out.append(Event("eligibility", field, None, new.new, f"{kind} criterion added: {headline(new.new)}"))
        elif old is not None:
            out.append(Event("eligibility", field, old.old, None, f"{kind} criterion removed: {headline(old.old)}"))
    return out


def removed(nct_id: str, reason: str) -> Event:
    return Event("removed", "nct_id", nct_id, None, f"no longer returned by the registry ({reason})")


def merged(nct_id: str, into: str) -> Event:
    """A trial known from pages only whose last page joined another trial: the same trial, by another id."""
    return Event("merged", "nct_id", nct_id, into, f"merged into {into}")
