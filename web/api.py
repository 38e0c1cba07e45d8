"""The JSON API (/api/...): the same answers as the CLI's --json, over HTTP."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from indexer import stats as store_stats
from indexer.freshness import freshness
from indexer.geo.near import near_fields
from indexer.history import changes as tracking
from indexer.history.events import EVENT_TYPES
from indexer.history.removal import removal_fields
from indexer.index.document import DEFAULT_WITHIN_KM
from web import params, views
from web.app import NotFound
from web.changes import changes_page
from web.deps import Cat, Off, TrialId, found_trial, history_of
from web.jsonresp import JSONResponse
from web.match import MatchRequest, run_match
from web.params import SearchParams


class Problem(BaseModel):
    param: str
    message: str


class ErrorBody(BaseModel):
    """Every error: a message naming the parameter (422) or saying what to do (404), never a trace."""

    error: str
    detail: list[Problem] | None = None


router = APIRouter(
    prefix="/api",
    tags=["api"],
    responses={
        404: {"model": ErrorBody, "description": "Unknown trial"},
        422: {"model": ErrorBody, "description": "A parameter is wrong; the message names it"},
    },
)

MAX_SIMILAR = 50
STATS_TTL = 60.0  # seconds


@router.get("/search", summary="Ranked search, as `trials search`", response_model=dict[str, Any])
async def search(cat: Cat, p: Annotated[SearchParams, Depends(params.api_search_params)]) -> Response:
    found = views.search_json(cat, p)
    # Near a place the total is an estimate (`trials search` says "about N"): said so, not left to look exact.
    body: dict[str, Any] = {
        "total": found.total,
        "total_is_estimate": found.total_is_estimate,
        # No trial has every word of `q` (a patient's sentence): these have some of them, as `trials search`.
        "some_words": found.some_words,
        "page": p.page,
        "limit": p.limit,
        # Filters the words of `q` stated ("near Beijing, I am 34"), and the words then searched for.
        "read": list(p.read),
        "text": p.q,
    }
    if p.near_point is not None:  # which place `near` was taken to be ("Calcutta": Calcutta, ZA, not Kolkata)
        lat, lon = p.near_point
        near = {"written": p.near, "label": p.near_label, "lat": lat, "lon": lon, "within_km": p.within}
        body["near"] = {**near, "country": None, "also": p.near_also}
    elif p.near_country:  # a country typed as the place ("China"): searched as `country` is, no point
        body["near"] = {
            "written": p.near,
            "label": p.near_label,
            "lat": None,
            "lon": None,
            "within_km": None,
            "country": p.near_country[0],
            "also": None,
        }
    return JSONResponse({**body, "results": found.results})


@router.get(
    "/trials/{trial_id}",
    summary="One trial from every source, as `trials show --json`",
    response_model=dict[str, Any],
    responses={
        308: {
            "description": "A trial merged into another: `Location` is that one's; the body says when, and which"
            " trials between were merged in turn (`merged_via`)"
        }
    },
)
async def trial(cat: Cat, trial_id: TrialId) -> Response:
    nct_id = found_trial(cat, trial_id)
    if merger := cat.store.merged_into(trial_id):  # its id names that trial for good: said, as the page and `show` do
        # `merged_into` is the trial `Location` names; `merged_via` the trials between, merged in turn.
        merged = {
            "nct_id": trial_id.strip().upper(),
            "merged_into": merger.into,
            "merged_on": merger.date,
            "merged_via": list(merger.via),
        }
        return JSONResponse(merged, status_code=308, headers={"Location": f"/api/trials/{quote(merger.into)}"})
    view = views.trial(cat, nct_id)
    if view is None:
        raise NotFound(f"no trial {trial_id!r} here")
    return JSONResponse(view)


@router.get(
    "/trials/{trial_id}/similar",
    summary="Trials like this one and what each shares, as `trials similar`",
    response_model=list[dict[str, Any]],
)
async def similar(
    cat: Cat,
    off: Off,
    trial_id: TrialId,
    status: Annotated[
        list[str],
        Query(
            max_length=params.MAX_VALUES,
            description="Only trials with this status; repeatable.",
            json_schema_extra=params.one_of(params.STATUS_VALUES),
        ),
    ] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=MAX_SIMILAR)] = 10,
    near: Annotated[
        str | None,
        Query(max_length=params.MAX_TEXT, description="Only trials with a site near this place, as in /api/search."),
    ] = None,
    within: Annotated[
        float, Query(gt=0, le=20000, allow_inf_nan=False, description="Radius around `near`, km.")
    ] = DEFAULT_WITHIN_KM,
    country: Annotated[
        list[str], Query(max_length=params.MAX_VALUES, description="A site in this country; repeatable.")
    ] = [],  # noqa: B006
    fresh: Annotated[bool, Query(description="Only open trials whose status is probably current.")] = False,
) -> Response:
    nct_id, statuses = found_trial(cat, trial_id), params.statuses(status)
    where = params.where(near, within, country, fresh)
    found = await off.run(lambda c: views.similar(c, nct_id, statuses, limit, where))
    gone = cat.store.removals([s.record.nct_id for s in found])
    return JSONResponse(
        [
            {
                **s.record.json_fields(),
                "score": s.score,
                "shares": s.shares,
                "freshness": freshness(s.record).to_dict(),
                "removed_from_registry": removal_fields(gone.get(s.record.nct_id)),
                **near_fields(s.record, where.near, where.within_km),
            }
            for s in found
        ]
    )


@router.get(
    "/trials/{trial_id}/history",
    summary="Every stored version with its changes, as `trials history --json`",
    response_model=dict[str, Any],
)
async def history(cat: Cat, trial_id: TrialId) -> Response:
    found = views.history(cat, history_of(cat, trial_id))
    if found is None:
        raise NotFound(f"{trial_id} has no stored versions")
    return JSONResponse(found)


@router.get(
    "/trials/{trial_id}/diff",
    summary="Field-level changes between two versions, as `trials diff --json`",
    response_model=list[dict[str, Any]],
)
async def diff(
    cat: Cat,
    trial_id: TrialId,
    from_: Annotated[int | None, Query(alias="from", ge=1, le=1_000_000, description="Older version.")] = None,
    to: Annotated[int | None, Query(ge=1, le=1_000_000, description="Newer version (default: latest).")] = None,
) -> Response:
    nct_id = history_of(cat, trial_id)  # a merged trial's id: its own versions, as its history lists them
    try:
        changes = tracking.diff(cat.store, nct_id, from_, to)
    except KeyError:
        raise NotFound(f"{trial_id} has no stored versions") from None
    except ValueError as exc:
        bad = "from" if from_ is not None and str(exc).endswith(f"not {from_}") else "to"
        raise params.BadParameter(bad, str(exc)) from None
    return JSONResponse([c.to_dict() for c in changes])


@router.get(
    "/changes",
    summary="What changed across the registry, newest first, as `trials changes`",
    response_model=dict[str, Any],
)
async def changes(
    cat: Cat,
    p: Annotated[SearchParams, Depends(params.api_search_params)],
    since: Annotated[
        str | None,
        Query(max_length=params.MAX_TEXT, description=f"Events of registry updates since: {tracking.SINCE_FORMS}."),
    ] = None,
    recorded_since: Annotated[
        str | None,
        Query(
            max_length=params.MAX_TEXT,
            description="Events recorded here (by a crawl or ingest) since then: the same forms as since.",
        ),
    ] = None,
    event: Annotated[
        list[str],
        Query(
            max_length=params.MAX_VALUES,
            description="Only these kinds of event; repeatable.",
            json_schema_extra=params.one_of(list(EVENT_TYPES)),
        ),
    ] = [],  # noqa: B006
    field: Annotated[
        str | None, Query(max_length=params.MAX_TEXT, description="Only changes of this field, e.g. overall_status.")
    ] = None,
) -> Response:
    return JSONResponse(changes_page(cat, p, since, event, field, recorded_since))


@router.post(
    "/match",
    summary="Trials a patient could join, as `trials match`; nothing of the text is stored",
    response_model=dict[str, Any],
)
async def match(cat: Cat, body: MatchRequest) -> Response:
    # The answer repeats what the patient wrote about themselves: no cache or proxy is to keep it.
    return JSONResponse(run_match(cat, body), headers={"Cache-Control": "no-store"})


@router.get("/stats", summary="Counts, as `trials stats` (at most a minute old)", response_model=list[dict[str, Any]])
async def stats(
    request: Request,
    cat: Cat,
    by: Annotated[
        str | None,
        Query(
            description="Count records per value of this field.", json_schema_extra={"enum": sorted(store_stats.FACETS)}
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Response:
    if by is not None and by not in store_stats.FACETS:
        raise params.BadParameter("by", f"use one of {', '.join(sorted(store_stats.FACETS))}")
    # Counting walks every record (seconds at 100k): a minute-old answer is kept, so that asking
    # often cannot keep the server busy.
    cache: dict[tuple[str | None, int], tuple[float, list[dict[str, Any]]]] = request.app.state.stats_cache
    key = (by, limit)
    if key not in cache or time.monotonic() - cache[key][0] > STATS_TTL:
        rows = store_stats.summary(cat) if by is None else store_stats.facet(cat, by, limit)
        cache[key] = (time.monotonic(), rows)
    return JSONResponse(cache[key][1])
