"""Counts over the store: totals, and records per value of one field (`trials stats`, `/api/stats`)."""

from __future__ import annotations

from typing import Any

from indexer.catalog import Catalog

# Facet name -> the record's JSON path; country is per trial, not per site, so it has its own query.
FACETS: dict[str, str | None] = {
    "status": "$.overall_status",
    "phase": "$.phases",
    "study_type": "$.study_type",
    "sponsor": "$.lead_sponsor",
    "sex": "$.eligibility.sex",
    "source": "$.source",
    "condition": "$.conditions",
    "country": None,
}


def summary(catalog: Catalog) -> list[dict[str, Any]]:
    """[{"what", "count"}]: records, indexed, versions, failures, then records per status."""
    store = catalog.store
    rows = [
        {"what": "records", "count": store.count()},
        {"what": "indexed", "count": catalog.indexed_count()},
        {"what": "versions", "count": store.count_versions()},
        {"what": "failures", "count": store.failures.count()},
    ]
    return rows + [{"what": f"status {v or 'none'}", "count": c} for v, c in store.facet("$.overall_status")]


def facet(catalog: Catalog, by: str, limit: int) -> list[dict[str, Any]]:
    """[{by: value, "count"}] for one of FACETS, most first; KeyError for another name."""
    path = FACETS[by]
    counts = catalog.store.country_facet() if path is None else catalog.store.facet(path)
    return [{by: v, "count": c} for v, c in counts[:limit]]
