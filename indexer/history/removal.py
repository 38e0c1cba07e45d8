"""A trial the registry no longer has, said alike by `trials show`, the result tables, the JSON and the web."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.store.removals import Removal


# Only the ClinicalTrials.gov crawl asks for trials by id and hears that one is gone (a 404 on --full).
REGISTRY = "ClinicalTrials.gov"


def removal_fields(removal: Removal | None) -> dict[str, Any] | None:
    """The JSON field `removed_from_registry`: null for a trial the registry still lists."""
    if removal is None:
        return None
    return {"since": removal.date, "registry": REGISTRY, "reason": removal.summary}


def notice(since: str | None) -> str:
    """The sentence that says so, with the date the way the caller writes dates."""
    return f"No longer listed on {REGISTRY} since {since or 'an unknown date'}: the registry's last record is shown"
