"""Commands for researchers following the registry: history, diff, changes."""

from __future__ import annotations

from typing import Any

import click

from indexer.history import changes as tracking
from indexer.history.events import EVENT_TYPES, no_events_note
from search_cli import diffview
from search_cli.context import AppContext, pass_app
from search_cli.options import filter_options, output_options, query_from_options
from search_cli.output import dumps, emit_rows


@click.command()
@click.argument("trial_id")
@output_options
@pass_app
def history(app: AppContext, trial_id: str, fmt: str) -> None:
    """Every stored version of a trial, oldest first, with what changed in each."""
    # A trial merged into another keeps its own history, which ends with that: its id names the other now.
    trail = tracking.history(app.catalog().store, app.versions_of(trial_id))
    if trail is None:
        raise app.not_stored(trial_id)
    found = trail.to_dict()
    if fmt == "json":
        click.echo(dumps(found))
        return
    if fmt in ("ndjson", "csv"):
        # A removal changes no field of a version, yet it is a change: its event is its row.
        rows = [
            {"nct_id": found["nct_id"], "version": v["version"], "date": v["date"], "source": v["source"], **c}
            for v in found["versions"]
            for c in (
                v["changes"] if v["version"] else [{k: e[k] for k in ("field", "old", "new")} for e in v["events"]]
            )
        ]
        emit_rows(rows, fmt, ["nct_id", "version", "date", "source", "field", "old", "new"])
        return
    for v in found["versions"]:
        if v["version"]:
            click.secho(
                f"v{v['version']}  {v['date'] or '?'}  {v['source']}  (fetched {v['fetched_at'] or '?'})", bold=True
            )
        else:
            kind = v["events"][0]["type"] if v["events"] else "removed"  # "removed" or "merged"
            click.secho(f"{kind}  {v['date'] or '?'}  (found {v['fetched_at'] or '?'})", bold=True)
        for e in v["events"]:
            click.echo(f"  * {e['summary']}")
        others = len(v["changes"]) - len(v["events"])
        if v["version"] and v["version"] > 1 and others > 0:
            click.echo(f"  ({len(v['changes'])} field changes; `trials diff {found['nct_id']} --to {v['version']}`)")


@click.command()
@click.argument("trial_id")
@click.option("--from", "start", type=click.IntRange(1), help="Older version (default: the one before --to).")
@click.option("--to", "end", type=click.IntRange(1), help="Newer version (default: the latest).")
@click.option(
    "--width",
    type=click.IntRange(10),
    default=60,
    show_default=True,
    help="Characters of unchanged text shown around each changed word.",
)
@click.option("--full", is_flag=True, help="Whole old and new values instead of the changed words in context.")
@output_options
@pass_app
def diff(app: AppContext, trial_id: str, start: int | None, end: int | None, width: int, full: bool, fmt: str) -> None:
    """Field-level differences between two versions of a trial.

    Text shows the changed words as [-old-]{+new+} in context; list items (criteria, sites,
    outcomes) show as lines, - removed and + added, an edited item as its changed words.
    --json and --ndjson give each change as {field, old, new}; --csv one row per change, with
    the trial and whether the field (or list item) was added, removed or changed."""
    nct_id = app.versions_of(trial_id)  # a merged trial's id: its own versions, as its history lists them
    try:
        changes = tracking.diff(app.catalog().store, nct_id, start, end)
    except KeyError:
        raise app.not_stored(trial_id) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if fmt in ("json", "ndjson"):
        emit_rows([c.to_dict() for c in changes], fmt, ["field", "old", "new"])
        return
    if fmt == "csv":
        # An empty cell is both "" and nothing in CSV: `change` says which side is missing.
        kind = {(False, True): "added", (True, False): "removed"}
        rows = [
            {
                "nct_id": nct_id,
                "field": c.field,
                "change": kind.get((c.old is not None, c.new is not None), "changed"),
                "old": c.old,
                "new": c.new,
            }
            for c in changes
        ]
        emit_rows(rows, fmt, ["nct_id", "field", "change", "old", "new"])
        return
    if not changes:
        app.info("no differences")
    for line in diffview.render(changes, width=width, full=full):
        click.echo(line.styled())


@click.command()
@click.option(
    "--since",
    help="Registry update date, inclusive: YYYY-MM-DD or YYYY-MM; a date and time counts its whole day; "
    "today, yesterday, or days or weeks back (7d, 2w) count UTC dates.",
)
@click.option(
    "--recorded-since",
    help="Only events recorded here (by a crawl or ingest) since then: the same forms as --since, from the "
    "day's first moment (UTC), or a date and time to the second; what a run that caught up after an outage "
    "found, whatever the registry's dates.",
)
@click.option(
    "--event",
    "event_types",
    multiple=True,
    type=click.Choice(EVENT_TYPES),
    help="Only these kinds of event; repeatable.",
)
@click.option(
    "--field",
    help="Only events of this field, e.g. overall_status, eligibility or locations (other fields make no "
    "events: `trials diff` shows them).",
)
@filter_options
@output_options
@pass_app
def changes(
    app: AppContext,
    /,
    since: str | None,
    recorded_since: str | None,
    event_types: tuple[str, ...],
    field: str | None,
    fmt: str,
    **options: Any,
) -> None:
    """What changed across the registry since a date, newest first (search filters narrow the trials)."""
    if since is None and recorded_since is None:
        raise click.UsageError("say since when: --since DATE (the registry's dates) or --recorded-since WHEN")
    try:
        since = tracking.since_date(since) if since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    try:
        recorded = tracking.recorded_since(recorded_since) if recorded_since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--recorded-since") from None
    limit = options.pop("limit")
    query = query_from_options(None, limit=limit, **options)
    # One more than asked for, to say whether there are more; the limit runs in SQL.
    found = tracking.matching_events(
        app.catalog(), query, since=since, recorded_since=recorded, types=event_types, field=field, limit=limit + 1
    )
    shown = [e.to_dict() for e in found[:limit]]
    emit_rows(
        shown,
        fmt,
        ["date", "nct_id", "type", "summary"]
        if fmt == "table"
        else ["id", "date", "nct_id", "version", "type", "field", "old", "new", "summary"],
    )
    if note := no_events_note(field, "`trials history ID` and `trials diff ID`"):
        app.warn(note)  # said even with --quiet: "no changes" would read as "this field never changed"
    elif not found:
        app.info(f"no changes since {' and recorded since '.join(filter(None, (since, recorded)))}")
    if len(found) > limit:
        # A warning even with --quiet: a script reading these rows would silently miss the rest.
        app.warn(f"the first {limit} events; there are more: --limit shows more")


COMMANDS = [history, diff, changes]
