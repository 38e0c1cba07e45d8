"""What the API's and the pages' routes are handed: the catalog, the offload pool, a trial id resolved."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from indexer.catalog import Catalog
from web import views
from web.app import Ambiguous, NotFound
from web.offload import Offload

TrialId = Annotated[
    str, Path(min_length=1, max_length=100, description="Any id a source gives: NCT, EudraCT, the sponsor's.")
]


async def catalog(request: Request) -> Catalog:  # async: no thread-pool hop
    c: Catalog = request.app.state.catalog
    return c


Cat = Annotated[Catalog, Depends(catalog)]


async def offload(request: Request) -> Offload:
    o: Offload = request.app.state.offload
    return o


Off = Annotated[Offload, Depends(offload)]


def found_trial(cat: Catalog, trial_id: str) -> str:
    """The trial's NCT (or provisional) id, or 404 naming how to fetch it (300 for an id of several)."""
    found = views.resolve_all(cat, trial_id)
    if len(found) > 1:
        raise Ambiguous(trial_id, found)
    nct_id = found[0] if found else None
    if nct_id is None:
        raise NotFound(
            f"no trial {trial_id!r} here; fetch it with `trials crawl ctgov --nct ID` or `trials ingest FILE`"
        )
    return nct_id


def history_of(cat: Catalog, trial_id: str) -> str:
    """The trial whose versions an id asks for: a trial merged into another keeps its own, which end with
    the merge (as `trials history` lists them); any other id, its trial's."""
    return trial_id.strip().upper() if cat.store.merged_into(trial_id) else found_trial(cat, trial_id)
