"""Commands that read: search, show, export, stats."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from indexer import stats as counts
from indexer.history.removal import removal_fields
from indexer.record import TrialRecord
from search_cli.context import AppContext, pass_app
from search_cli.options import filter_options, output_options, query_from_options, read_place
from search_cli.output import dumps, emit_records, emit_rows, trial_extra

if TYPE_CHECKING:
    from indexer.store.briefs import StoredJson, TrialSummary

T = TypeVar("T")


@click.command()
@click.argument("text", nargs=-1)
@filter_options
@output_options
@click.option("--explain", is_flag=True, help="Add how each result's score was made.")
@pass_app
def search(app: AppContext, /, text: tuple[str, ...], fmt: str, explain: bool, **options: Any) -> None:
    """Search trials by free TEXT and filters; best match first (newest first with filters only)."""
    q = query_from_options(" ".join(text), **options)
    catalog = app.catalog()
    result = catalog.hits(q)
    ids = [h.nct_id for h in result.hits]
    # No record is decoded: JSON is written from the stored JSON, a table or CSV from the summaries SQLite
    # reads of it; near a place, with the site the index found nearest, read out of the JSON too (geo.hits).
    store = catalog.store
    records: Sequence[StoredJson | TrialSummary]
    near: dict[str, dict[str, Any]] = {}  # nearest_site and distance_km of each
    if q.near is not None:
        from indexer.geo.hits import near_hits

        pairs = near_hits(store, result.hits, q.near, q.within_km, json=fmt in ("json", "ndjson"))
        records = [shown for shown, _ in pairs]
        near = {shown.nct_id: fields for shown, fields in pairs}
    elif fmt in ("json", "ndjson"):
        records = _in_order(store.stored_json(ids), ids)
    else:
        records = _in_order(store.summaries(ids), ids)
    scores = {h.nct_id: h.score for h in result.hits}
    gone = store.removals([r.nct_id for r in records])  # listed only without a status asked for
    extra: list[dict[str, Any]] = []
    for r in records:
        row: dict[str, Any] = {
            "score": round(scores[r.nct_id], 4),
            **trial_extra(r, None, gone.get(r.nct_id)),
            **near.get(r.nct_id, {}),
        }
        if explain:
            row["explain"] = catalog.explain(q, r.nct_id)
        extra.append(row)
    emit_records(records, fmt, extra)
    if result.some_words:
        app.warn(f"no trial has every word of {q.text!r}: these have some of them, best first")
    if explain and fmt == "table":  # the words each result matched, field by field, under the table
        for shown, x in zip(records, extra, strict=True):
            fields = "; ".join(f"{field}: {', '.join(words)}" for field, words in x["explain"].items() if words)
            click.echo(f"{shown.nct_id}  score {x['score']:g}  {fields or 'filters only'}")
    if fmt == "table":
        where = f" within {q.within_km:g} km of {q.near_label}" if q.near else ""
        if q.near is None and q.near_label:  # --near named a country
            what = "countries" if len(q.countries) > 1 else "a country"
            where = f" with a site in {q.near_label}: {what}, searched as --country (name a city for distances)"
        about = "about " if result.total_is_estimate else ""
        app.info(f"{len(records)} of {about}{result.total} matching trials{where}")


def _in_order(found: Mapping[str, T], ids: list[str]) -> list[T]:
    """The found of these ids, in their order (a trial deleted since the index was read is left out)."""
    return [found[i] for i in ids if i in found]


def _lookup(app: AppContext, trial_id: str) -> TrialRecord:
    record = app.catalog().get(trial_id.strip())
    if record is None:
        raise app.not_stored(trial_id)
    return record


@click.command()
@click.argument("trial_id")
@click.option("--near", "near_text", metavar="PLACE", help="List sites nearest this place first, with distances.")
@click.option("--all-sites", is_flag=True, help="List every site (default: the first 10).")
@output_options
@pass_app
def show(app: AppContext, trial_id: str, near_text: str | None, all_sites: bool, fmt: str) -> None:
    """One trial, every field, by any of its ids (NCT, EudraCT, sponsor's), with every source that
    describes it and where they disagree, and how to take part: contacts and sites."""
    store = app.catalog().store
    if merger := store.merged_into(trial_id):  # its id names the trial it was merged into: that one is shown
        first, *then = merger.path  # as its history's event says, then where that trial went in turn
        itself = "".join(f", itself merged into {t}" for t in then)
        app.info(f"{trial_id.strip().upper()} was merged into {first} on {merger.date or '?'}{itself}: the same trial")
    record = _lookup(app, app.trial_id(trial_id))
    read = read_place(near_text)
    near = (read.place.lat, read.place.lon) if read and read.place else None
    if read and read.place is None:  # as the web's trial page: the trial, and a note instead of distances
        app.warn(f"{read.written!r} is a country, not a place: sites are listed without distances (name a city)")
    from indexer.merge import merged, view_of  # only `show` needs the sources compared

    found = merged(store, record.nct_id)
    shown = found.record if found else record
    view = view_of(found, near) if found else record.to_dict()
    removal = found.removal if found else None
    if fmt == "json":
        click.echo(dumps(view))
    elif fmt == "table":
        from search_cli.show import render, render_sources  # only `show` needs it, not search or export

        click.echo(render(shown, max_sites=None if all_sites else 10, near=near, removal=removal))
        click.echo(render_sources(view))
    else:
        emit_records([record], fmt, [{"removed_from_registry": removal_fields(removal)}])


@click.command()
@output_options
@pass_app
def export(app: AppContext, fmt: str) -> None:
    """Every stored record (default NDJSON, streamed)."""
    fmt = "ndjson" if fmt == "table" else fmt
    store = app.catalog().store
    if fmt in ("ndjson", "json"):  # the stored JSON as it is, bytes to bytes: no record is decoded
        sys.stdout.flush()
        out = sys.stdout.buffer
        if fmt == "ndjson":
            for line in store.iter_json_lines():
                out.write(line)
            return
        # A JSON list, as `dumps` writes one: the records joined by "," (each is its to_dict() encoded).
        out.write(b"[")
        for i, line in enumerate(store.iter_json_lines()):
            out.write(line[:-1] if i == 0 else b"," + line[:-1])
        out.write(b"]\n")
    else:  # CSV: each record's row as the store keeps it, none decoded nor its JSON parsed
        from search_cli.csv_export import write_csv

        write_csv(store.csv_rows)


@click.command()
@click.option("--by", type=click.Choice(sorted(counts.FACETS)), help="Count records per value of this field.")
@click.option("--limit", "-n", type=click.IntRange(1), default=50, show_default=True)
@output_options
@pass_app
def stats(app: AppContext, by: str | None, limit: int, fmt: str) -> None:
    """How many records, and how they split by a field."""
    if by is None:
        emit_rows(counts.summary(app.catalog()), fmt, ["what", "count"])
        return
    rows = counts.facet(app.catalog(), by, limit)
    if fmt == "table":  # a record without the field: said in words for people; null stays null for scripts
        rows = [{**row, by: "(not given)" if row[by] is None else row[by]} for row in rows]
    emit_rows(rows, fmt, [by, "count"])


COMMANDS = [search, show, export, stats]
