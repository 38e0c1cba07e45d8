"""`trials watch`: saved searches that report trials entering, changing and leaving them."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from indexer.history import report
from indexer.history.delivery import DeliveryError, mail_address, run_and_deliver
from indexer.history.watches import WatchConflict, Watches, WatchRun
from search_cli.context import AppContext, pass_app
from search_cli.options import filter_options, output_options, query_from_options
from search_cli.output import dumps, emit_rows

# A file name has at most 255 bytes: the feed's, NAME.xml, is written through ".NAME.xml.XXXXXXXX.tmp".
NAME_MAX_BYTES = 200


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
    if _file_name(name) != name:
        raise click.BadParameter(
            "use letters, digits, '.', '-' and '_' (it names the watch's feed file)", param_hint="NAME"
        )
    if len(name.encode()) > NAME_MAX_BYTES:  # else every later `watch run --atom DIR` fails on its feed
        raise click.BadParameter(f"at most {NAME_MAX_BYTES} bytes (it names the watch's feed file)", param_hint="NAME")
    query = query_from_options(" ".join(text), limit=1, **options)
    try:
        Watches(app.catalog(writes=True)).add(name, query)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    app.info(f"watching {name!r}; `trials watch run {name}` reports what is new")


@watch.command("list")
@output_options
@pass_app
def watch_list(app: AppContext, fmt: str) -> None:
    """Saved watches and when each last ran: one row per watch (--csv: its query as JSON)."""
    rows = [
        {
            "name": w.name,
            "query": {k: v for k, v in w.query.items() if v not in (None, [], "")},
            "created_at": w.created_at,
            "last_run_at": w.last_run_at,
            "runs": w.runs,
            "matching": len(w.matched),
        }
        for w in Watches(app.catalog()).all()
    ]
    columns = ["name", "query", "created_at", "last_run_at", "matching"]
    emit_rows(rows, fmt, columns if fmt == "table" else [*columns[:4], "runs", "matching"])


@watch.command("rm")
@click.argument("name")
@pass_app
def watch_rm(app: AppContext, name: str) -> None:
    """Forget a watch (and its feed entries)."""
    if not Watches(app.catalog()).remove(name):
        raise click.ClickException(f"no watch named {name!r}; `trials watch list` shows them")


def _file_name(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name).lstrip(".") or "watch"


def _feed_targets(given: str, names: list[str]) -> dict[str, Path]:
    """--atom DIR: NAME.xml per watch; --atom FILE: one watch only. Checked before anything runs."""
    atom = Path(given).expanduser()
    if atom.is_dir():
        return {n: atom / f"{_file_name(n)}.xml" for n in names}
    if given.endswith(("/", os.sep)):
        raise click.ClickException(f"--atom {atom}: no such folder; create it with `mkdir -p {atom}`")
    if len(names) != 1:
        raise click.UsageError(
            f"--atom {atom} names one file but {len(names)} watches run; give a folder (one NAME.xml per watch)"
            " or a watch NAME"
        )
    if atom.parent.exists() and not atom.parent.is_dir():
        raise click.ClickException(f"--atom {atom}: {atom.parent} is a file, not a folder")
    if not atom.parent.is_dir():
        raise click.ClickException(
            f"--atom {atom}: the folder {atom.parent} does not exist; create it with `mkdir -p {atom.parent}`"
        )
    return {names[0]: atom}


def _webhook(url: str | None) -> str | None:
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise click.BadParameter("give an http:// or https:// address", param_hint="--webhook")
    return url


def _mail_to(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(mail_address(v) for v in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@watch.command("run")
@click.argument("name", required=False)
@output_options
@click.option(
    "--atom",
    type=click.Path(),
    help="Write each watch's Atom feed: into a folder as NAME.xml, or to this file for one watch.",
)
@click.option(
    "--mail-to",
    multiple=True,
    metavar="ADDR",
    callback=_mail_to,
    help="Mail what is new here (TRIALS_SMTP_*); repeatable.",
)
@click.option("--webhook", metavar="URL", help="POST what is new here as JSON (retried; TRIALS_WEBHOOK_*).")
@click.option("--dry-run", is_flag=True, help="Report, but neither deliver nor remember this run.")
@pass_app
def watch_run(
    app: AppContext,
    name: str | None,
    fmt: str,
    atom: str | None,
    mail_to: tuple[str, ...],
    webhook: str | None,
    dry_run: bool,
) -> None:
    """For each watch (or NAME): trials that newly match, changed, or left its results since its last run.

    A run is remembered only once its feed, mail and webhook were delivered; if one fails, the
    command exits 1 and the next run reports the same trials again. A run of a watch that another
    run of it is delivering waits for that one (TRIALS_LOCK_TIMEOUT), then reports only what is new since.

    --json: one object per watch. --ndjson and --csv: one row per finding, `kind` new, left or
    changed (one row per event of a changed trial).
    """
    webhook = _webhook(webhook)
    if dry_run and (atom or mail_to or webhook):
        raise click.UsageError("--dry-run delivers nothing: leave out --atom, --mail-to and --webhook")
    watches = Watches(app.catalog())
    names = [name] if name else [w.name for w in watches.all()]
    if name and watches.get(name) is None:
        raise click.ClickException(f"no watch named {name!r}; `trials watch list` shows them")
    if not names:
        app.info("no watches yet; add one with `trials watch add NAME [TEXT] [filters]`")
    targets = _feed_targets(atom, names) if atom else {}
    try:
        runs = run_and_deliver(watches, names, feeds=targets, mail_to=mail_to, webhook=webhook, dry_run=dry_run)
    except (DeliveryError, WatchConflict) as exc:
        raise click.ClickException(f"{exc}. Nothing was remembered: the next run reports the same trials.") from None
    if fmt == "json":
        click.echo(dumps([r.to_dict() for r in runs]))
        return
    if fmt in ("ndjson", "csv"):
        emit_rows([row for run in runs for row in finding_rows(run)], fmt, FINDING_COLUMNS)
        return
    for run in runs:
        click.secho(report.headline(run), bold=True)
        for line in report.lines(run):
            click.echo(line)


FINDING_COLUMNS = (
    "watch", "run", "ran_at", "kind", "nct_id", "brief_title", "overall_status",
    "still_matches", "date", "event", "field", "old", "new", "summary",
)  # fmt: skip


def finding_rows(run: WatchRun) -> list[dict[str, Any]]:
    """A run's findings as flat rows, in the table's order: new matches, trials that left (with the
    reason), then each event of a changed trial. Every row has every column (null when not its kind's)."""

    def row(kind: str, nct_id: str, title: str | None, **rest: Any) -> dict[str, Any]:
        given = {"watch": run.name, "run": run.number, "ran_at": run.ran_at, "kind": kind, "nct_id": nct_id}
        return {c: None for c in FINDING_COLUMNS} | given | {"brief_title": title, **rest}

    rows = [row("new", r.nct_id, r.brief_title, overall_status=r.overall_status) for r in run.new_matches]
    rows += [
        row("left", t.nct_id, t.brief_title, overall_status=t.overall_status, still_matches=False,
            field=t.reason.field, old=t.reason.old, new=t.reason.new, summary=t.reason.text)
        for t in run.left
    ]  # fmt: skip
    rows += [
        row("changed", c.nct_id, c.brief_title, overall_status=c.overall_status, still_matches=c.still_matches,
            date=e.date, event=e.type, field=e.field, old=e.old, new=e.new, summary=e.summary)
        for c in run.changed
        for e in c.events
    ]  # fmt: skip
    return rows


COMMANDS = [watch]
