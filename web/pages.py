"""The HTML pages: search, one trial, patient matching, history, changes, watches and their Atom feeds."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from indexer.geo.distance import km
from indexer.geo.gazetteer import UnknownPlace
from indexer.history.delivery import feed_body
from indexer.history.events import EVENT_TYPES
from indexer.history.watches import Watches
from indexer.normalize import STATUSES
from indexer.record import TrialRecord
from web import present, views
from web.app import NotFound
from web.changes import changes_page
from web.deps import Cat, Off, TrialId, found_trial, history_of
from web.match import MatchRequest, run_match
from web.params import MAX_TEXT, BadParameter, SearchParams, api_search_params, page_search_params, place

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MAX_SITES = 50
MAX_RECENT_CHANGES = 10
WATCH_FEED_TYPE = "application/atom+xml; charset=utf-8"


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    t: Jinja2Templates = request.app.state.templates
    return t.TemplateResponse(request, name, context, status_code=status)


def page_link(request: Request):  # type: ignore[no-untyped-def]
    """page_url(n): this page's URL with its parameters, at page n (shareable, no state elsewhere)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def page_url(n: int) -> str:
        return f"{request.url.path}?{urlencode([*items, ('page', str(n))])}"

    return page_url


@router.get("/")
async def home(request: Request, cat: Cat) -> Response:
    return render(request, "index.html", {"count": cat.store.count(), "p": None, "statuses": STATUSES})


@router.get("/search")
async def search(request: Request, cat: Cat, p: Annotated[SearchParams, Depends(page_search_params)]) -> Response:
    results = views.search(cat, p)
    total = results.total
    return render(
        request,
        "search.html",
        {
            "p": p,
            "total": total,
            "about": "about " if results.total_is_estimate else "",  # near a place: an estimate, as the CLI says
            "found": results.found,
            "some_words": results.some_words,
            "statuses": STATUSES,
            "page_url": page_link(request),
            "last_page": min(-(-total // p.limit), 100),
        },
    )


@router.get("/trials/{trial_id}")
async def trial(
    request: Request,
    cat: Cat,
    trial_id: TrialId,
    near: Annotated[str | None, Query(max_length=MAX_TEXT, description="Sites nearest this place first.")] = None,
    merged: Annotated[str | None, Query(max_length=100, description="The merged trial's id that led here.")] = None,
) -> Response:
    nct_id = found_trial(cat, trial_id)
    if nct_id != trial_id:  # one address per trial, whichever id led here
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "merged"]
        if (merger := cat.store.merged_into(trial_id)) and merger.into == nct_id:  # said on the page, as `show` does
            params.append(("merged", trial_id.strip().upper()))
        query = f"?{urlencode(params)}" if params else ""
        return RedirectResponse(f"/trials/{quote(nct_id)}{query}", status_code=307)
    view = views.trial(cat, nct_id)
    if view is None:
        raise NotFound(f"no trial {trial_id!r} here")
    # Only a trial the store knows was merged into this one is named: the address's word alone is not shown.
    merger = cat.store.merged_into(merged) if merged else None
    merged_from = (
        (merged.strip().upper(), merger.date, merger.path) if merged and merger and merger.into == nct_id else None
    )
    record = TrialRecord.from_dict(view)
    # The place the patient searched from (the result links carry it): sites nearest it first. A
    # place the gazetteer does not know leaves the page whole, with a note instead of distances.
    place_label, place_error = None, None
    try:
        _, point, place_label = place(near)
    except BadParameter as exc:
        point, place_error = None, exc.message
    except UnknownPlace as exc:  # a country: no point to measure from
        point, place_error = None, str(exc)
    locations = view.get("locations") or []
    if point is not None:
        locations = [
            {**loc, "distance_km": km(*point, loc["lat"], loc["lon"])}
            if loc.get("lat") is not None and loc.get("lon") is not None
            else loc
            for loc in locations
        ]
    history = views.history(cat, nct_id) or {"versions": []}
    recent = [
        {**e, "date": v["date"], "version": v["version"]}
        for v in reversed(history["versions"])
        for e in v["events"]
        if v["version"] != 1
    ][:MAX_RECENT_CHANGES]
    sites = present.sites_nearest_first(locations)
    return render(
        request,
        "trial.html",
        {
            "r": record,
            "view": view,
            "sites": sites[:MAX_SITES],
            "more_sites": max(0, len(sites) - MAX_SITES),
            "contacts": view.get("central_contacts") or [],
            "officials": view.get("overall_officials") or [],
            "near_label": place_label,
            "place_error": place_error,
            "recent": recent,
            "versions": len([v for v in history["versions"] if v["version"]]),
            "share_words": present.share_words,
            "merged_from": merged_from,
        },
    )


@router.get("/trials/{trial_id}/similar")
async def similar(request: Request, cat: Cat, off: Off, trial_id: TrialId) -> Response:
    """Open trials like this one; the trial page loads this section after itself (or links to it)."""
    nct_id = found_trial(cat, trial_id)
    record = cat.get(nct_id)
    found = await off.run(lambda c: views.similar(c, nct_id, present.OPEN_STATUSES, views.SIMILAR_ON_PAGE))
    return render(request, "similar.html", {"r": record, "similar": found, "share_words": present.share_words})


@router.get("/trials/{trial_id}/history")
async def history(request: Request, cat: Cat, trial_id: TrialId) -> Response:
    nct_id = history_of(cat, trial_id)
    found = views.history(cat, nct_id)
    if found is None:
        raise NotFound(f"{trial_id} has no stored versions")
    record = cat.get(nct_id)
    return render(request, "history.html", {"h": found, "r": record})


@router.get("/match")
async def match_form(request: Request) -> Response:
    return render(request, "match.html", {"form": {"open": "1"}, "result": None})


@router.post("/match")
async def match(request: Request, cat: Cat) -> Response:
    """A form post, so the patient's words stay out of URLs, histories and access logs; and the page,
    which repeats them, out of caches (no-store)."""
    response = await _match(request, cat)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _match(request: Request, cat: Cat) -> Response:
    form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    fields: dict[str, Any] = {"text": form.get("text", "").strip(), "limit": 20}
    if form.get("age", "").strip():
        fields["age"] = form["age"].strip()
    if form.get("sex", "").strip():
        fields["sex"] = form["sex"].strip()
    # The place field, once shown with what was understood, is the patient's word (empty: anywhere);
    # before that, the place the description names is used.
    if form.get("near_shown") or form.get("near", "").strip():
        fields["near"] = form.get("near", "").strip()
    if form.get("within", "").strip():
        fields["within"] = form["within"].strip()
    if not form.get("open"):
        fields["status"] = ["any"]
    try:
        body = MatchRequest.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in exc.errors())
        return render(request, "match.html", {"form": form, "result": None, "error": problems}, status=422)
    try:
        result = run_match(cat, body)
    except BadParameter as exc:  # a place the gazetteer does not know: the form again, with what was typed
        return render(request, "match.html", {"form": form, "result": None, "error": str(exc)}, status=422)
    return render(request, "match.html", {"form": form, "result": result})


@router.get("/changes")
async def changes(
    request: Request,
    cat: Cat,
    p: Annotated[SearchParams, Depends(api_search_params)],
    since: str | None = None,
    event: Annotated[list[str], Query()] = [],  # noqa: B006
    field: str | None = None,
) -> Response:
    found = changes_page(cat, p, since, event, field)
    return render(
        request,
        "changes.html",
        {
            "p": p,
            "since": since or "",
            "event": event,
            "field": field or "",
            "found": found,
            "event_types": EVENT_TYPES,
            "page_url": page_link(request),
        },
    )


@router.get("/watches")
async def watches(request: Request, cat: Cat) -> Response:
    return render(request, "watches.html", {"watches": Watches(cat).all()})


@router.get("/watches/{name}.atom")
async def watch_feed(cat: Cat, name: str) -> Response:
    """The watch's news since its last `trials watch run`; serving it remembers nothing (read-only)."""
    w = Watches(cat)
    if w.get(name) is None:
        raise NotFound(f"no watch named {name!r}; `trials watch add` saves one")
    return Response(feed_body(w, w.preview(name)), media_type=WATCH_FEED_TYPE)
