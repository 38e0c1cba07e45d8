"""Option decorators shared by the commands, so every command spells an option the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from indexer import normalize
from indexer.index.document import SearchQuery

F = TypeVar("F", bound=Callable[..., Any])


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


def _status(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return normalize.status_filters(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _phase(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return normalize.phase_filters(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def output_options(f: F) -> F:
    """--json / --ndjson / --csv; the default is a table for people."""
    return click.option("--json", "fmt", flag_value="json", help="One JSON array (show: one object).")(
        click.option("--ndjson", "fmt", flag_value="ndjson", help="One JSON object per line.")(
            click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row.")(
                click.option("--table", "fmt", flag_value="table", default=True, hidden=True)(f)
            )
        )
    )


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
            help="Overall status, e.g. recruiting; repeatable or comma-separated.",
        ),
        click.option(
            "--phase",
            "-p",
            multiple=True,
            callback=_phase,
            help="Phase: 1, 2, 3, 4, early1 or na; repeatable or comma-separated.",
        ),
        click.option("--sponsor", help="Lead sponsor or collaborator (all words must match)."),
        click.option("--age", type=click.FloatRange(0, 150), help="A participant's age in years."),
        click.option(
            "--sex",
            type=click.Choice(["F", "M"], case_sensitive=False),
            help="A participant's sex; trials open to all match both.",
        ),
        click.option("--limit", "-n", type=click.IntRange(1, 10000), default=20, show_default=True),
    )(f)


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
    **_: Any,
) -> SearchQuery:
    return SearchQuery(
        text=text or None,
        conditions=condition,
        drugs=drug,
        statuses=status,
        phases=phase,
        sponsor=sponsor,
        age=age,
        sex=sex.upper() if sex else None,
        limit=limit,
    )


FILTER_KEYS = ("condition", "drug", "status", "phase", "sponsor", "age", "sex", "limit")
