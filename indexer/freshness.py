"""How old a trial's status is, and whether an open status is probably stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

# Statuses under which a patient could still join (expanded access included).
OPEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE")
# ClinicalTrials.gov shows an open study as "Unknown status" once its status has not been verified
# for two years (https://clinicaltrials.gov/data-api/about-api/study-data-structure, overallStatus).
STALE_AFTER_DAYS = 730


def parse_date(value: str | None, *, end: bool = False) -> date | None:
    """An ISO date of any precision; a month or year means its first day (or its last, with `end`)."""
    if not value:
        return None
    parts = value.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return date(year, 12, 31) if end else date(year, 1, 1)
        month = int(parts[1])
        if len(parts) == 2:
            if not end:
                return date(year, month, 1)
            return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        return date(year, month, int(parts[2]))
    except ValueError:
        return None


def as_int(d: date) -> int:
    """yyyymmdd, the form the search indexes store dates in."""
    return d.year * 10000 + d.month * 100 + d.day


@dataclass(frozen=True)
class Freshness:
    """How fresh a record's information is, as the registry dates it and as it was fetched."""

    as_of: str | None  # the registry's verification date, else its last update
    as_of_field: str | None  # "status_verified" or "last_update_posted"
    age_days: int | None
    stale: bool
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "as_of_field": self.as_of_field,
            "age_days": self.age_days,
            "stale": self.stale,
            "stale_reasons": list(self.reasons),
        }

    def age_text(self) -> str:
        if self.age_days is None:
            return "date unknown"
        days = self.age_days
        if days < 60:
            return f"{days} days ago"
        if days < 730:
            return f"{round(days / 30.44)} months ago"
        return f"{days / 365.25:.1f} years ago"

    def summary(self) -> str:
        """One line for people: "verified 2020-03 (5.7 years ago); probably stale: ..."."""
        label = {"status_verified": "verified", "last_update_posted": "updated"}.get(self.as_of_field or "", "")
        text = f"{label} {self.as_of} ({self.age_text()})" if self.as_of else "never verified"
        if self.stale:
            text += "; probably stale: " + "; ".join(self.reasons)
        return text


class Dated(Protocol):
    """What freshness is worked out of: a decoded record, or the same four fields read without decoding it
    (a summary, a record's stored JSON with its kept CSV row's columns)."""

    @property
    def overall_status(self) -> str | None: ...
    @property
    def status_verified(self) -> str | None: ...
    @property
    def last_update_posted(self) -> str | None: ...
    @property
    def completion_date(self) -> str | None: ...


def freshness(r: Dated, today: date | None = None) -> Freshness:
    return freshness_of(r.overall_status, r.status_verified, r.last_update_posted, r.completion_date, today)


def freshness_of(
    status: str | None, verified: str | None, updated: str | None, completion: str | None, today: date | None = None
) -> Freshness:
    """`freshness` of a record's four fields (a CSV export reads them without decoding the record)."""
    today = today or date.today()
    as_of_field = "status_verified" if verified else "last_update_posted" if updated else None
    as_of = verified or updated
    # A month-precision date counts from the end of its month: never older than it could be.
    seen = parse_date(as_of, end=True)
    age = (today - seen).days if seen else None
    reasons: list[str] = []
    if status in OPEN_STATUSES:
        done = parse_date(completion, end=True)
        if done is not None and done < today:
            reasons.append(f"completion date {completion} has passed")
        if age is not None and age > STALE_AFTER_DAYS:
            reasons.append(f"not verified for over {STALE_AFTER_DAYS // 365} years")
        elif age is None:
            reasons.append("never verified")
    return Freshness(as_of, as_of_field, max(age, 0) if age is not None else None, bool(reasons), tuple(reasons))


def fresh_cutoffs(today: date | None = None) -> tuple[int, int]:
    """(earliest acceptable completion date, earliest acceptable verification date) as yyyymmdd,
    for the `--fresh` filter in the indexes: both bounds inclusive."""
    today = today or date.today()
    return as_int(today), as_int(today - timedelta(days=STALE_AFTER_DAYS))
