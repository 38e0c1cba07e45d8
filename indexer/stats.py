"""Counts over the store: totals, and records per value of one field (`trials stats`, `/api/stats`)."""

from __future__ import annotations

from typing import Any

from indexer.catalog import Catalog
from indexer.store.facets import FIELDS

# Facet name -> the record field it counts: the store keeps a table of them (country once per trial).
FACETS = FIELDS


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
    if by not in FACETS:
        raise KeyError(by)
    counts = catalog.store.facet(by)
    if by == "country":
        counts = _one_name_per_country(counts)
    return [{by: v, "count": c} for v, c in counts[:limit]]


def _one_name_per_country(counts: list[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
    """Registries spell a country several ways ("Korea, Republic of", "South Korea"): one row each,
    under the gazetteer's name. A trial that spells it both ways would count twice (none in the
    test data: a record uses one spelling); a name the gazetteer does not know stays as written."""
    from indexer.geo.gazetteer import country_code, store  # only this facet needs the gazetteer

    merged: dict[str | None, int] = {}
    for value, count in counts:
        code = country_code(value) if value else None
        name = (store().country_name(code) if code else None) or value
        merged[name] = merged.get(name, 0) + count
    return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0] or ""))
