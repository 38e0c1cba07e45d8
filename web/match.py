"""Patient matching for the page and the API: the request, where to look, and the answer as `trials match --json`."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, Field, field_validator

from indexer import filter_values
from indexer.catalog import Catalog
from indexer.discover import matching
from indexer.discover.explain import MatchReport, find_trials
from indexer.discover.place_said import place_said
from indexer.freshness import freshness
from indexer.geo.gazetteer import UnknownPlace
from indexer.geo.near import near_fields
from indexer.geo.typed import PlaceRead, given_place
from indexer.history.removal import removal_fields
from indexer.index.document import DEFAULT_WITHIN_KM, SearchQuery
from web import params

MAX_MATCHES = 50
MAX_TEXT = 5000  # a patient's description


class MatchRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="The patient, in words.")
    age: float | None = Field(
        default=None, ge=0, le=150, allow_inf_nan=False, description="Age in years (else read from the text)."
    )
    sex: str | None = Field(
        default=None, pattern=params.SEX_PATTERN, description="F, M, female or male (else read from the text)."
    )
    status: list[str] = Field(
        default_factory=list, max_length=params.MAX_VALUES, json_schema_extra=params.one_of(params.STATUS_VALUES)
    )
    limit: int = Field(default=10, ge=1, le=MAX_MATCHES)

    @field_validator("sex")
    @classmethod
    def _sex(cls, value: str | None) -> str | None:
        return filter_values.sex(value)  # as the CLI reads it

    near: str | None = Field(
        default=None,
        max_length=200,
        description="Where the patient is, as `near` of /api/search. Left out: the place the text names, if any "
        '("I live near Beijing"); null or "": anywhere.',
    )
    within: float = Field(
        default=DEFAULT_WITHIN_KM, gt=0, le=20000, allow_inf_nan=False, description="Radius around the place, km."
    )


def match_place(text: str, body: MatchRequest) -> tuple[SearchQuery, dict[str, Any] | None, PlaceRead | None, str]:
    """Where to look for the patient's trials: the place given, else the one the text names; and what
    to say of a place the text names that could not be read ("I live in 99999")."""
    if "near" in body.model_fields_set and not (body.near or "").strip():
        return SearchQuery(), None, None, ""  # asked for anywhere
    note = ""
    if body.near and body.near.strip():
        try:
            read: PlaceRead | None = given_place(body.near)
        except UnknownPlace as exc:
            raise params.BadParameter("near", str(exc)) from None
    else:
        found = place_said(text)
        read, note = found.read, f"{found.note} (give a place in the Near box)" if found.note else ""
    if read is None:
        return SearchQuery(), None, None, note
    where = read.narrow(SearchQuery(within_km=body.within))
    said: dict[str, Any] = {"written": read.written, "label": read.label, "source": read.source}
    if read.place is None:
        return where, {**said, "country": read.country}, read, ""
    return where, {**said, "lat": read.place.lat, "lon": read.place.lon, "within_km": body.within}, read, ""


@functools.cache
def match_settings() -> matching.MatchSettings:
    """As `trials match`: text embeddings blended in when the optional extra is installed."""
    return matching.default_settings(None)


def run_match(cat: Catalog, body: MatchRequest) -> dict[str, Any]:
    """`trials match --json --explain`: by default only trials a patient can join; status "any" for all."""
    text = params.clean(body.text)
    statuses = params.statuses(body.status, matching.JOINABLE_STATUSES)
    where, place, read, place_note = match_place(text, body)
    described = read.without(text) if read else text
    patient = matching.read_patient(described, body.age, body.sex.upper() if body.sex else None)
    results: list[dict[str, Any]] = []
    report: MatchReport | None = None
    if text:  # only control characters or spaces: no words to match, so no trial is said to fit
        report = find_trials(cat, patient, statuses=statuses, limit=body.limit, settings=match_settings(), where=where)
        gone = cat.store.removals([m.record.nct_id for m in report.matches])  # only with status "any"
        results = [
            {
                **m.record.to_dict(),
                "score": round(m.score, 4),
                "possible_exclusions": list(m.possible_exclusions),
                "marker_conflicts": list(m.conflicts),
                "explain": e.to_dict(),
                "freshness": freshness(m.record).to_dict(),
                "removed_from_registry": removal_fields(gone.get(m.record.nct_id)),
                **near_fields(m.record, where.near, where.within_km),
            }
            for m, e in zip(report.matches, report.explanations, strict=True)
        ]
    return {
        "patient": {
            "age": patient.age,
            "age_source": patient.age_source,
            "sex": patient.sex,
            "sex_source": patient.sex_source,
            "place": place,
            # How the words were read where the patient should know: "in my 50s" as 55, an unknown ZIP code.
            "notes": [*patient.notes, *([place_note] if place_note else [])],
        },
        "results": results,
        # Trials left out for sharing nothing but common words with the text ("disease"): none found about it.
        "not_shown": report.hidden if report else 0,
    }
