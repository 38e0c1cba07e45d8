"""What the pages and the API both show, gathered from the library: search hits, one trial, similar trials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from indexer.catalog import Catalog
from indexer.discover.similar import SimilarTrial
from indexer.discover.similar import similar as find_similar
from indexer.discover.synonym_hits import synonym_hits
from indexer.freshness import freshness
from indexer.geo.near import json_nearest_site
from indexer.history import changes as tracking
from indexer.history.removal import removal_fields
from indexer.index.document import SearchQuery
from indexer.merge import trial_view
from indexer.store.briefs import StoredJson, with_fields
from web.params import SearchParams

if TYPE_CHECKING:
    from indexer.store.removals import Removal

SIMILAR_ON_PAGE = 6


@dataclass
class Found:
    """A trial on a results page, with the synonyms it matched through."""

    # The trial's stored JSON as orjson reads it (`TrialRecord.to_dict()`'s fields and values): what the page
    # shows of it, read without decoding a record (at 500k the sites of a page's 20 largest trials, 24,360
    # with 44,540 contacts, were most of a search near a place).
    record: dict[str, Any]
    score: float
    # Terms of the query this trial matched through a synonym: ["lupus (as SLE)"].
    synonyms: list[str] = field(default_factory=list)
    # With a place asked for: the nearest counted site (open sites of an open trial), with distance_km.
    nearest_site: dict[str, Any] | None = None
    # `removed_from_registry`: the registry no longer lists it (only a search without a status finds
    # it), and what is shown is its last record.
    removed: dict[str, Any] | None = None


@dataclass
class Results:
    """A search's page of results, as the page and the API show it."""

    total: int  # trials matching
    total_is_estimate: bool  # near a place the total is estimated (say "about", as `trials search` does)
    found: list[Found]  # this page's, with the synonyms each matched through
    some_words: bool = False  # no trial had every word of the text: these have some of them


def search(catalog: Catalog, params: SearchParams) -> Results:
    return _search(catalog, params.query())


@dataclass
class _Page:
    """A search's hits as stored, in rank order, with what a page and the API both show beside each."""

    total: int
    total_is_estimate: bool
    some_words: bool
    shown: list[StoredJson]  # a trial deleted since the index was read is left out
    scores: dict[str, float]
    synonyms: dict[str, list[str]]
    gone: dict[str, Removal]
    # With `sites` asked and a place: each trial's nearest_site and distance_km (geo.hits.near_hits).
    near: dict[str, dict[str, Any]]


def _page(catalog: Catalog, query: SearchQuery, *, sites: bool = False) -> _Page:
    result = catalog.hits(query)
    near: dict[str, dict[str, Any]] = {}
    if sites and query.near is not None:
        from indexer.geo.hits import near_hits

        pairs = near_hits(catalog.store, result.hits, query.near, query.within_km, json=True)
        shown = [s for s, _ in pairs]
        near = {s.nct_id: fields for s, fields in pairs}
    else:
        ids = [h.nct_id for h in result.hits]
        stored = catalog.store.stored_json(ids)
        shown = [stored[i] for i in ids if i in stored]
    shown_ids = [s.nct_id for s in shown]
    return _Page(
        result.total,
        result.total_is_estimate,
        result.some_words,
        shown,
        {h.nct_id: h.score for h in result.hits},
        synonym_hits(catalog, query, shown_ids),
        catalog.store.removals(shown_ids),
        near,
    )


def _search(catalog: Catalog, query: SearchQuery) -> Results:
    page = _page(catalog, query)
    found = []
    for s in page.shown:
        record = orjson.loads(s.json)
        found.append(
            Found(
                record,
                page.scores.get(s.nct_id, 0.0),
                page.synonyms.get(s.nct_id, []),
                json_nearest_site(record, query.near, query.within_km),
                removal_fields(page.gone.get(s.nct_id)),
            )
        )
    return Results(page.total, page.total_is_estimate, found, page.some_words)


@dataclass
class Answer:
    """A search's page as the API answers it: each result's stored JSON with the result's fields after its own."""

    total: int
    total_is_estimate: bool
    some_words: bool
    results: list[Any]  # dicts, or the encoded JSON (orjson.Fragment)


def search_json(catalog: Catalog, params: SearchParams) -> Answer:
    """`search` for the API: each trial's stored JSON with the result's fields written after its own
    (`briefs.with_fields`), no record decoded (the hundreds of sites of a large trial were most of a search at
    500k); near a place, with the site the index found nearest (geo.hits.near_hits)."""
    query = params.query()
    page = _page(catalog, query, sites=True)
    results = [
        orjson.Fragment(
            with_fields(
                s.json,
                {
                    "score": round(page.scores.get(s.nct_id, 0.0), 4),
                    "matched_synonyms": page.synonyms.get(s.nct_id, []),
                    "freshness": freshness(s).to_dict(),
                    "removed_from_registry": removal_fields(page.gone.get(s.nct_id)),
                    **_near(page.near.get(s.nct_id)),
                },
            )
        )
        for s in page.shown
    ]
    return Answer(page.total, page.total_is_estimate, page.some_words, results)


def _near(fields: dict[str, Any] | None) -> dict[str, Any]:
    """A place asked for: the trial's nearest counted site and its distance (`near_hits`'s), written only
    when it has one."""
    return fields if fields and fields["nearest_site"] is not None else {}


def resolve_all(catalog: Catalog, trial_id: str) -> list[str]:
    """Every trial an id names (several for a grant number that many list)."""
    return catalog.store.resolve_all(trial_id.strip()) if trial_id.strip() else []


def trial(catalog: Catalog, nct_id: str) -> dict[str, Any] | None:
    """The trial as `trials show --json` gives it: completed from every source, with disagreements."""
    return trial_view(catalog.store, nct_id)


def similar(
    catalog: Catalog, nct_id: str, statuses: tuple[str, ...], limit: int, where: SearchQuery | None = None
) -> list[SimilarTrial]:
    return find_similar(catalog, nct_id, statuses=statuses, limit=limit, where=where or SearchQuery())


def history(catalog: Catalog, nct_id: str) -> dict[str, Any] | None:
    found = tracking.history(catalog.store, nct_id)
    return found.to_dict() if found is not None else None
