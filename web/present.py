"""Plain-language words for registry values: statuses, phases, dates, ages, how fresh a record is."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

# What a patient can act on; the search page shows these unless asked for every status.
OPEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE")

STATUS_WORDS = {
    "RECRUITING": "Looking for participants",
    "NOT_YET_RECRUITING": "Not yet open",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation only",
    "ACTIVE_NOT_RECRUITING": "Running, no longer looking for participants",
    "COMPLETED": "Finished",
    "SUSPENDED": "Paused",
    "TERMINATED": "Stopped early",
    "WITHDRAWN": "Withdrawn before it started",
    "AVAILABLE": "Treatment available outside a trial (expanded access)",
    "NO_LONGER_AVAILABLE": "Expanded access no longer available",
    "TEMPORARILY_NOT_AVAILABLE": "Expanded access paused",
    "APPROVED_FOR_MARKETING": "Approved and on the market",
    "WITHHELD": "Status withheld by the sponsor",
    "UNKNOWN": "Status not confirmed by the sponsor for a long time",
    "ONGOING": "Running (the EU register does not say whether it is looking for participants)",
    "RESTARTED": "Running again after a pause (the EU register does not say whether it is looking for participants)",
}

# After the phase definitions on ClinicalTrials.gov's glossary, in shorter words.
PHASE_WORDS = {
    "EARLY_PHASE1": "Early phase 1: a first, very small test of a new treatment in people",
    "PHASE1": "Phase 1: is it safe, and at what dose (a small group)",
    "PHASE2": "Phase 2: does it work, and is it safe (up to a few hundred people)",
    "PHASE3": "Phase 3: does it work better than the usual treatment (large groups)",
    "PHASE4": "Phase 4: long-term effects of an approved treatment",
    "NA": "No drug phase (for example a device, procedure or behaviour study)",
}

SEX_WORDS = {"ALL": "All sexes", "FEMALE": "Women only", "MALE": "Men only"}

# An open trial whose registry entry was not updated for this long may no longer be open.
STALE_AFTER_DAYS = 365

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def status_words(status: str | None) -> str:
    return STATUS_WORDS.get(status or "UNKNOWN", (status or "unknown").replace("_", " ").capitalize())


def is_open(status: str | None) -> bool:
    return status in OPEN_STATUSES


def phase_words(phases: tuple[str, ...] | list[str]) -> list[str]:
    return [PHASE_WORDS.get(p, p) for p in phases]


def _parse(iso: str | None) -> date | None:
    """An ISO date of any precision ("2019", "2019-09", "2019-09-30") as its first day."""
    if not iso:
        return None
    parts = [*iso[:10].split("-"), "1", "1"][:3]
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def date_words(iso: str | None) -> str:
    """ "Dec 31, 2024", "Dec 2024" or "2024", keeping the registry's precision."""
    if not iso:
        return "not given"
    d = _parse(iso)
    if d is None:
        return iso
    if len(iso) >= 10:
        return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
    return f"{_MONTHS[d.month - 1]} {d.year}" if len(iso) >= 7 else str(d.year)


def ago(iso: str | None, today: date | None = None) -> str:
    """How long ago a registry date was, in the largest whole unit: "3 years ago", "today"."""
    d = _parse(iso)
    if d is None:
        return "date unknown"
    days = ((today or date.today()) - d).days
    if days < 0:
        return "in the future"
    for unit, size in (("year", 365), ("month", 30), ("week", 7), ("day", 1)):
        if days >= size:
            n = days // size
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return "today"


def stale_warning(status: str | None, last_update: str | None, today: date | None = None) -> str | None:
    """A warning for an open trial whose registry entry is old: its status may no longer be true."""
    d = _parse(last_update)
    if not is_open(status):
        return None
    if d is None:
        return "The registry gives no update date: check with the study team that it is still open."
    if ((today or date.today()) - d).days > STALE_AFTER_DAYS:
        return (
            f"The registry was last updated {ago(last_update, today)}: the trial may no longer be "
            "looking for participants. Check with the study team."
        )
    return None


def age_words(low: float | None, high: float | None) -> str:
    def one(years: float) -> str:
        return f"{round(years * 12)} months" if years < 1 else f"{years:g}"

    if low is None and high is None:
        return "Any age"
    if high is None:
        return f"{one(low or 0)} years and over"
    if low is None:
        return f"Up to {one(high)} years"
    return f"{one(low)} to {one(high)} years"


SHARE_WORDS = {
    "condition": "Same condition",
    "condition_family": "Related condition",
    "intervention": "Same treatment",
    "mentions": "Mentions the same treatment",
    "phase": "Same phase",
    "sponsor": "Same sponsor",
    "purpose": "Same purpose",
    "ages": "Overlapping ages",
    "text": "Similar description",
}


def share_words(kind: str) -> str:
    return SHARE_WORDS.get(kind, kind.replace("_", " ").capitalize())


def sites_nearest_first(locations: list[dict[str, object]]) -> list[dict[str, object]]:
    """Sites by distance when the search knows where the patient is, else recruiting sites first."""

    def order(loc: dict[str, object]) -> tuple[float, int, str]:
        distance = loc.get("distance_km")
        open_now = 0 if loc.get("status") in ("RECRUITING", "NOT_YET_RECRUITING", None) else 1
        place = " ".join(str(loc.get(k) or "") for k in ("country", "city", "facility"))
        return (float(distance) if isinstance(distance, int | float) else float("inf"), open_now, place)

    return sorted(locations, key=order)


def sites_line(locations: Sequence[object]) -> str:
    """ "Beijing, China and 3 more": the first site still recruiting (else the first), and how many others.
    A site is a record's `Location` or its stored JSON's dict."""
    if not locations:
        return ""

    def get(loc: object, name: str) -> object:
        return loc.get(name) if isinstance(loc, Mapping) else getattr(loc, name, None)

    first = next((loc for loc in locations if get(loc, "status") == "RECRUITING"), locations[0])
    place = ", ".join(str(x) for x in (get(first, "city"), get(first, "country")) if x)
    more = len(locations) - 1
    return place + (f" and {more} more" if more else "") if place else f"{len(locations)} sites"


def value_text(value: object) -> str:
    """A changed field's value as text: as it is, or as JSON (not HTML-escaped: the page escapes it once)."""
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def web_link(url: str | None) -> str | None:
    """`url` when a page may link to it: an http(s) address. A record's address comes from the document
    (a legacy XML's <url>), and escaping cannot make `javascript:...` a safe link."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url
    return None
