"""`trials watch`: saved searches that report new matches and changes since their last run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from indexer.history.watches import Watches
from search_cli import atom
from search_cli.context import AppContext, pass_app
from search_cli.options import filter_options, query_from_options
from search_cli.output import dumps, emit_rows


@click.group()
def watch() -> None:
    """Follow a search: `watch add`, then `watch run` whenever you want what is new."""


@watch.command("add")
@click.argument("name")
@click.argument("text", nargs=-1)
@filter_options
@pass_app
def watch_add(app: AppContext, /, name: str, text: tuple[str, ...], **options: Any) -> None:
    """Save a search as NAME (same TEXT and filters as `trials search`)."""
    options.pop("limit")
    query = query_from_options(" ".join(text), limit=1, **options)
    try:
        Watches(app.catalog()).add(name, query)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    app.info(f"watching {name!r}; `trials watch run {name}` reports what is new")


@watch.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def watch_list(app: AppContext, as_json: bool) -> None:
    """Saved watches and when each last ran."""
    rows = Watches(app.catalog()).list()
    for r in rows:
        r["query"] = {k: v for k, v in r["query"].items() if v not in (None, [], "")}
    emit_rows(rows, "json" if as_json else "table", ["name", "query", "created_at", "last_run_at"])


@watch.command("rm")
@click.argument("name")
@pass_app
def watch_rm(app: AppContext, name: str) -> None:
    """Forget a watch."""
    if not Watches(app.catalog()).remove(name):
        raise click.ClickException(f"no watch named {name!r}; `trials watch list` shows them")


@watch.command("run")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, an object per watch.")
@click.option(
    "--atom",
    "atom_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an Atom feed here (one watch: this file; several: NAME.xml beside it).",
)
@click.option("--dry-run", is_flag=True, help="Report, but do not remember this run.")
@pass_app
def watch_run(app: AppContext, name: str | None, as_json: bool, atom_file: Path | None, dry_run: bool) -> None:
    """For each watch (or NAME): trials that newly match it, and matching trials that changed since its last run."""
    watches = Watches(app.catalog())
    names = [name] if name else [w["name"] for w in watches.list()]
    if name and watches.get(name) is None:
        raise click.ClickException(f"no watch named {name!r}; `trials watch list` shows them")
    runs = [watches.run(n, remember=not dry_run) for n in names]
    if atom_file:
        for run in runs:
            target = atom_file if len(runs) == 1 else atom_file.with_name(f"{run.name}.xml")
            target.write_bytes(atom.render(run))
    if as_json:
        click.echo(dumps([r.to_dict() for r in runs]))
        return
    for run in runs:
        click.secho(
            f"{run.name}: {len(run.new_matches)} new matches, {len(run.changed)} changed trials"
            + (" (first run)" if run.first_run else ""),
            bold=True,
        )
        for r in run.new_matches:
            click.echo(f"  new      {r.nct_id}  {(r.overall_status or '').lower():22}  {r.brief_title}")
        for nct_id, events in run.changed.items():
            for e in events:
                click.echo(f"  changed  {nct_id}  {e['date']}  {e['summary']}")


COMMANDS = [watch]
