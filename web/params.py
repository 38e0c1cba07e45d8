"""Request parameters shared by the pages and the API, named as the CLI's options, checked with clear errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query

from indexer import filter_values
from indexer.discover.sentence import read_search
from indexer.geo import gazetteer
from indexer.geo.typed import PlaceRead, given_place
from indexer.index.document import DEFAULT_WITHIN_KM, SearchQuery
from web.present import OPEN_STATUSES

MAX_TEXT = 500  # characters of one text parameter
MAX_VALUES = 10  # values of one repeatable parameter
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100  # deep pages are for scripts: `trials search --json` has no such bound


class BadParameter(ValueError):
    """A parameter the user can fix: answered with 422 and a message naming it."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str) -> str:
    """Control characters (NUL included) as spaces: they are never part of a word anyone searches."""
    return _CONTROL.sub(" ", value).strip()


def text(param: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = clean(value)
    if len(value) > MAX_TEXT:
        raise BadParameter(param, f"at most {MAX_TEXT} characters")
    return value or None


def texts(param: str, values: list[str]) -> tuple[str, ...]:
    if len(values) > MAX_VALUES:
        raise BadParameter(param, f"at most {MAX_VALUES} values")
    return tuple(t for t in (text(param, v) for v in values) if t)


def statuses(values: list[str], default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """`status` values as `--status` reads them (filter_values): none given -> `default`; "any" -> no filter."""
    try:
        return filter_values.statuses(texts("status", values), default)
    except ValueError as exc:
        raise BadParameter("status", str(exc)) from None


def phases(values: list[str]) -> tuple[str, ...]:
    try:
        return filter_values.phases(texts("phase", values))
    except ValueError as exc:
        raise BadParameter("phase", str(exc)) from None


def place(value: str | None) -> tuple[str | None, tuple[float, float] | None, str | None]:
    """(as written, (lat, lon), label) of a place read as a search reads it (`given_place`), or 422 with
    the gazetteer's suggestions; a country, which has no point, is CountryNotPlace (a trial's page says so)."""
    written = text("near", value)
    if written is None:
        return None, None, None
    try:
        read = given_place(written)
    except gazetteer.UnknownPlace as exc:
        raise BadParameter("near", str(exc)) from None
    if read.place is None:
        raise gazetteer.CountryNotPlace(read.written, read.country or "")
    return written, (read.place.lat, read.place.lon), read.place.label


def countries(values: list[str]) -> tuple[str, ...]:
    out = []
    for v in texts("country", values):
        code = gazetteer.country_code(v)
        if code is None:
            raise BadParameter("country", f"{v!r} is not a country the gazetteer knows")
        out.append(code)
    return tuple(out)


def near_place(value: str | None, within: tuple[str, ...] = ()) -> tuple[str | None, PlaceRead | None]:
    """(as written, what it names) of the place box, read as `trials search --near` reads it
    (typed.given_place), or 422 with the gazetteer's suggestions. A country typed as the place ("near
    China"; the page has one place box) has no point: it is searched as `country` is. With countries
    asked for, a place is looked up in them and never adds one: a country named is one of them already
    ("near=Jordan&country=US" is Jordan, MN; "Georgia" with US, a US state, asks for a city in it)."""
    written = text("near", value)
    if written is None:
        return None, None
    try:
        return written, given_place(written, within)
    except gazetteer.UnknownPlace as exc:
        raise BadParameter("near", str(exc)) from None


def where(near: str | None, within: float, country: list[str], fresh: bool) -> SearchQuery:
    """The place and freshness part of a query (`similar`), as the search reads them."""
    asked = countries(country)
    _, read = near_place(near, asked)
    base = SearchQuery(within_km=within, countries=asked, fresh=fresh)
    return read.narrow(base) if read else base


SEX_PATTERN = filter_values.SEX_PATTERN


def sex_code(value: str | None) -> str | None:
    try:
        return filter_values.sex(text("sex", value))
    except ValueError:
        raise BadParameter("sex", "use F, M, female or male") from None


@dataclass(frozen=True)
class SearchParams:
    """A search as a page or the API received it; `query()` is what the library answers."""

    q: str | None
    condition: tuple[str, ...]
    drug: tuple[str, ...]
    status: tuple[str, ...]
    phase: tuple[str, ...]
    sponsor: str | None
    age: float | None
    sex: str | None
    page: int
    limit: int
    status_given: bool  # False: the default statuses applied
    near: str | None = None  # the place as the user wrote it
    near_point: tuple[float, float] | None = None  # (lat, lon) the gazetteer found for it
    near_label: str | None = None  # the place it found, in words (a country: "China (CN)")
    near_also: str | None = None  # a far larger place the words may have meant (gazetteer.Place.also)
    within: float = DEFAULT_WITHIN_KM
    country: tuple[str, ...] = ()  # ISO codes
    near_country: tuple[str, ...] = ()  # a country typed as the place ("near China"): searched as one
    fresh: bool = False
    sort: str = "relevance"  # relevance, distance (with near), updated: as `trials search --sort`
    read: tuple[str, ...] = ()  # filters read from the words of `q` (indexer.discover.sentence), said on the page

    def query(self) -> SearchQuery:
        return SearchQuery(
            near=self.near_point,
            near_label=self.near_label,
            within_km=self.within,
            countries=tuple(dict.fromkeys(self.country + self.near_country)),
            fresh=self.fresh,
            sort=self.sort,
            every_word=True,  # as `trials search` reads its text
            text=self.q,
            conditions=self.condition,
            drugs=self.drug,
            statuses=self.status,
            phases=self.phase,
            sponsor=self.sponsor,
            age=self.age,
            sex=self.sex,
            limit=self.limit,
            offset=(self.page - 1) * self.limit,
        )

    @property
    def has_terms(self) -> bool:
        return bool(self.q or self.condition or self.drug or self.sponsor)


# The values documented in the OpenAPI document; the readers accept the CLI's other spellings too
# ("Recruiting", "not yet recruiting", comma-separated lists, "phase 2").
STATUS_VALUES = list(filter_values.STATUS_VALUES)
PHASE_VALUES = list(filter_values.PHASE_VALUES)


def one_of(values: list[str]) -> Any:  # a JSON Schema fragment
    return {"items": {"type": "string", "enum": values}}


Text = Annotated[str | None, Query(max_length=MAX_TEXT, description="Free text, every word quoted (no query syntax).")]
TEXT_ITEMS: dict[str, object] = {"items": {"type": "string", "maxLength": MAX_TEXT}}


def _search_params(default_statuses: tuple[str, ...]):  # type: ignore[no-untyped-def]
    # async: FastAPI runs a plain `def` dependency on its thread pool, a hand-over each request.
    async def dependency(
        q: Text = None,
        condition: Annotated[
            list[str],
            Query(
                max_length=MAX_VALUES,
                description="Condition (all words must match); repeatable.",
                json_schema_extra=TEXT_ITEMS,
            ),
        ] = [],  # noqa: B006
        drug: Annotated[
            list[str],
            Query(
                max_length=MAX_VALUES,
                description="Drug or other intervention, any of its names.",
                json_schema_extra=TEXT_ITEMS,
            ),
        ] = [],  # noqa: B006
        status: Annotated[
            list[str],
            Query(
                max_length=MAX_VALUES,
                description="Overall status; repeatable (or comma-separated); 'any' for all.",
                json_schema_extra=one_of(STATUS_VALUES),
            ),
        ] = [],  # noqa: B006
        phase: Annotated[
            list[str],
            Query(max_length=MAX_VALUES, description="Phase; repeatable.", json_schema_extra=one_of(PHASE_VALUES)),
        ] = [],  # noqa: B006
        sponsor: Annotated[str | None, Query(max_length=MAX_TEXT, description="Lead sponsor or collaborator.")] = None,
        age: Annotated[
            float | None, Query(ge=0, le=150, allow_inf_nan=False, description="A participant's age in years.")
        ] = None,
        sex: Annotated[
            str | None, Query(pattern=SEX_PATTERN, description="A participant's sex: F, M, female or male (any case).")
        ] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        limit: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Results per page.")] = PER_PAGE,
        near: Annotated[
            str | None,
            Query(max_length=MAX_TEXT, description='A place: "City", "City, Country", a US ZIP code or "lat,lon".'),
        ] = None,
        within: Annotated[
            float, Query(gt=0, le=20000, allow_inf_nan=False, description="Radius around `near`, km.")
        ] = DEFAULT_WITHIN_KM,
        country: Annotated[
            list[str],
            Query(
                max_length=MAX_VALUES, description="A site in this country; repeatable.", json_schema_extra=TEXT_ITEMS
            ),
        ] = [],  # noqa: B006
        fresh: Annotated[bool, Query(description="Only open trials whose status is probably current.")] = False,
        sort: Annotated[
            str,
            Query(
                pattern="^(relevance|distance|updated)$",
                description="Best match first, nearest first (needs `near`), or last updated first.",
            ),
        ] = "relevance",
    ) -> SearchParams:
        asked = countries(country)
        # As `trials search` reads its text: "recruiting lupus trials near Beijing, I am 34".
        said = read_search(
            text("q", q), near=near, countries=country, age=age, sex=sex, status_given=bool(texts("status", status))
        )
        q, near, age, sex = said.text, said.near, said.age, said.sex
        status = ["recruiting"] if said.recruiting else status
        written, read = near_place(near, asked)
        place = read.place if read else None
        point = (place.lat, place.lon) if place else None
        if sort == "distance" and point is None:
            sort = "relevance"  # nearest first of no place (none asked, or a country): best match first
        return SearchParams(
            q=text("q", q),
            condition=texts("condition", condition),
            drug=texts("drug", drug),
            status=statuses(status, default_statuses),
            phase=phases(phase),
            sponsor=text("sponsor", sponsor),
            age=age,
            sex=sex_code(sex),
            page=page,
            limit=limit,
            status_given=bool(texts("status", status)),
            near=written,
            near_point=point,
            near_label=read.label if read else None,
            near_also=place.also if place else None,
            within=within,
            country=asked,
            near_country=read.countries if read else (),
            fresh=fresh,
            sort=sort,
            read=said.read,
        )

    return dependency


api_search_params = _search_params(())
page_search_params = _search_params(OPEN_STATUSES)
