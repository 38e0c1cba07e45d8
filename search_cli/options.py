"""Option decorators shared by the commands, so every command spells an option the same way."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from indexer import filter_values
from indexer.index.document import DEFAULT_WITHIN_KM, SearchQuery

if TYPE_CHECKING:
    from indexer.geo.typed import PlaceRead

F = TypeVar("F", bound=Callable[..., Any])


class FloatRange(click.FloatRange):
    """click's FloatRange, refusing "nan": every comparison with it is false, so no bound stops it, and a
    search `--age nan` found nothing without saying why (the API refuses it as not a finite number)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


def statuses_or(
    default: tuple[str, ...],
) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], tuple[str, ...]]:
    """A --status callback read as the web reads `status` (filter_values): `default` when none is given."""

    def read(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return filter_values.statuses(values, default)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return read


_status = statuses_or(())
STATUS_HELP = "Overall status, e.g. recruiting; repeatable or comma-separated; `any` for every status."


def _phase(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return filter_values.phases(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _format_flag(name: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    """A format flag's callback: it sets `fmt`, and a second format given is a usage error naming both
    (with one shared `fmt` the last flag won without a word: `--json --csv` wrote CSV)."""

    def record(ctx: click.Context, param: click.Parameter, given: bool) -> None:
        ctx.params.setdefault("fmt", "table")
        if not given:
            return
        formats: list[str] = ctx.meta.setdefault("trials.formats", [])
        formats.append(name)
        if len(formats) > 1:
            raise click.UsageError(f"{' and '.join('--' + n for n in formats)}: give one output format", ctx)
        ctx.params["fmt"] = name

    return record


def output_options(f: F) -> F:
    """--json / --ndjson / --csv; the default is a table for people."""
    return _compose(
        *(
            click.option(f"--{name}", is_flag=True, expose_value=False, callback=_format_flag(name), **extra)
            for name, extra in (
                ("json", {"help": "One JSON array (show: one object)."}),
                ("ndjson", {"help": "One JSON object per line."}),
                ("csv", {"help": "CSV with a header row."}),
                ("table", {"hidden": True}),
            )
        )
    )(f)


def filter_options(f: F) -> F:
    """The filters every search-like command takes."""
    return _compose(
        click.option("--condition", "-c", multiple=True, help="Condition (all words must match); repeatable."),
        click.option(
            "--drug",
            "--intervention",
            "-d",
            "drug",
            multiple=True,
            help="Drug or other intervention, by any of its names; repeatable.",
        ),
        click.option(
            "--status",
            "-s",
            multiple=True,
            callback=_status,
            help=STATUS_HELP,
        ),
        click.option(
            "--phase",
            "-p",
            multiple=True,
            callback=_phase,
            help="Phase: 1, 2, 3, 4, early1 or na; repeatable or comma-separated.",
        ),
        click.option("--sponsor", help="Lead sponsor or collaborator (all words must match)."),
        click.option("--age", type=FloatRange(0, 150), help="A participant's age in years."),
        sex_option,
        *where_options_list,
        place_options[2],
        click.option("--limit", "-n", type=click.IntRange(1, 10000), default=20, show_default=True),
    )(f)


def _sex(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return filter_values.sex(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


sex_option = click.option(
    "--sex",
    callback=_sex,
    metavar="F|M",
    help="A participant's sex: F, M, female, male; trials open to all match both.",
)
place_options = (
    click.option(
        "--near",
        "near_text",
        metavar="PLACE",
        help='Trials with a site near PLACE: "City", "City, Country", "City, State", a US ZIP code or "lat,lon".',
    ),
    click.option(
        "--within",
        "within_km",
        type=FloatRange(0.1, 20000),
        default=DEFAULT_WITHIN_KM,
        show_default=True,
        help="Distance in km for --near.",
    ),
    click.option(
        "--sort",
        type=click.Choice(["relevance", "distance", "updated"]),
        default="relevance",
        show_default=True,
        help="Order: best match, nearest site (with --near), or last updated.",
    ),
)


where_options_list = (
    click.option("--country", multiple=True, help="A site in this country (name or ISO code); repeatable."),
    *place_options[:2],
    click.option("--fresh", is_flag=True, help="Only open trials whose status is probably current."),
)


def read_place(text: str | None, within: tuple[str, ...] = ()) -> PlaceRead | None:
    """The place a user named (in one of the `within` countries, when given: "Paris" with --country US is
    Paris, Texas), or the country it names ("China": a country filter, as the web reads it); a usage
    error with the gazetteer's suggestions for a name it does not know."""
    if not text:
        return None
    from indexer.geo import gazetteer  # the gazetteer (and its store) loads only when a place is asked for
    from indexer.geo.typed import given_place

    try:
        return given_place(text, within)
    except gazetteer.UnknownPlace as exc:
        raise click.BadParameter(str(exc), param_hint="--near") from None


def _countries(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        return ()
    from indexer.geo import gazetteer

    out = []
    for v in values:
        code = gazetteer.country_code(v)
        if code is None:
            raise click.BadParameter(f"{v!r} is not a country the gazetteer knows", param_hint="--country")
        out.append(code)
    return tuple(out)


def query_from_options(
    text: str | None,
    condition: tuple[str, ...],
    drug: tuple[str, ...],
    status: tuple[str, ...],
    phase: tuple[str, ...],
    sponsor: str | None,
    age: float | None,
    sex: str | None,
    limit: int,
    country: tuple[str, ...] = (),
    near_text: str | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
    fresh: bool = False,
    sort: str = "relevance",
    **_: Any,
) -> SearchQuery:
    if text:  # "recruiting lupus trials near Beijing, I am 34": what the words state becomes the filter
        from indexer.discover.sentence import read_search  # the gazetteer's readers: only for a text

        # `--status any` is given, and reads as ()
        said = read_search(
            text, near=near_text, countries=country, age=age, sex=sex, status_given=bool(status) or _given("status")
        )
        if said.changed:
            overrides = "--near, --age, --sex, --status override"
            click.echo(f"read from the words: {'; '.join(said.read)} ({overrides})", err=True)
        text, near_text, age, sex = said.text, said.near, said.age, said.sex
        status = ("RECRUITING",) if said.recruiting else status
    if sort == "distance" and not near_text:
        raise click.UsageError("--sort distance needs --near PLACE")
    where = where_query(country, near_text, within_km, fresh)
    if sort == "distance" and where.near is None:  # a country: no point to measure from (as the web does)
        click.secho(
            f"warning: {near_text!r} is a country, no point to sort by distance from: best match first",
            fg="yellow",
            err=True,
        )
        sort = "relevance"
    return dataclasses.replace(
        where,
        sort=sort,
        text=text or None,
        conditions=condition,
        drugs=drug,
        statuses=status,
        phases=phase,
        sponsor=sponsor,
        age=age,
        sex=sex,
        limit=limit,
        every_word=True,  # as a search box: "asthma in children" is about asthma and children
    )


def _given(option: str) -> bool:
    """Whether the command line (or the environment) gave this option, not its default."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source(option) if ctx else None
    return source not in (None, click.core.ParameterSource.DEFAULT)


FILTER_KEYS = (
    "condition",
    "drug",
    "status",
    "phase",
    "sponsor",
    "age",
    "sex",
    "country",
    "near_text",
    "within_km",
    "fresh",
    "sort",
    "limit",
)


def where_options(f: F) -> F:
    """Place and freshness filters for commands that rank their own way (similar, match)."""
    return _compose(*where_options_list)(f)


def where_query(
    country: tuple[str, ...] = (),
    near_text: str | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
    fresh: bool = False,
) -> SearchQuery:
    """The place and freshness part of a query (`search`, `similar`, `match`): a country named as the place
    ("--near China") is the trials with a site in it, as --country China, and its label says so."""
    countries = _countries(country)
    where = SearchQuery(within_km=within_km, countries=countries, fresh=fresh)
    read = read_place(near_text, countries)
    return read.narrow(where) if read else where  # a country named as the place: a country filter
