"""Commands for finding the right trial for a patient: match, eval."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from indexer.discover import matching
from indexer.discover.explain import MatchExplanation, find_trials
from indexer.index.document import SearchQuery
from search_cli.context import AppContext, pass_app
from search_cli.options import FloatRange, output_options, sex_option, statuses_or, where_options, where_query
from search_cli.output import RESULT_CUT, dumps, emit_records, emit_rows, result_columns, result_row, trial_extra


def embeddings_option(f: Any) -> Any:
    return click.option(
        "--embeddings/--no-embeddings",
        default=None,
        help="Blend in text embeddings (the optional `embeddings` extra). Default: without them.",
    )(f)


def _settings(embeddings: bool | None) -> matching.MatchSettings:
    try:
        return matching.default_settings(embeddings)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--text", help="The patient, in words: diagnosis, age, sex, history, treatments.")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A JSONL file of patients, lines {"id", "text"}; use with --ndjson.',
)
@click.option("--age", type=FloatRange(0, 150), help="Age in years (else read from the text).")
@sex_option
@click.option(
    "--status",
    "-s",
    multiple=True,
    callback=statuses_or(matching.JOINABLE_STATUSES),  # trials a patient can join unless told otherwise
    help="Only trials with this status; repeatable. Default: those a patient can join "
    "(recruiting, not yet recruiting, enrolling by invitation, available); `any` for all.",
)
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--explain", is_flag=True, help="Show the criteria each trial seems met, failed or unknown, and why.")
@embeddings_option
@where_options
@output_options
@pass_app
def match(
    app: AppContext,
    /,
    text: str | None,
    batch: Path | None,
    age: float | None,
    sex: str | None,
    status: tuple[str, ...],
    limit: int,
    explain: bool,
    embeddings: bool | None,
    fmt: str,
    **place: Any,
) -> None:
    """Trials a patient could join, best first. Age and sex limits are respected (read from the text
    when not given); each trial's criteria are checked against what the text says. Without --near or
    --country, a place the text names ("I live near Beijing", "near 02115") narrows the trials."""
    if bool(text) == bool(batch):
        raise click.UsageError("give --text or --batch (one of them)")
    if batch and fmt in ("json", "csv"):
        raise click.UsageError("--batch writes one JSON object per result and line: use --ndjson")
    catalog = app.catalog()
    settings = _settings(embeddings)
    where = where_query(**place)
    if batch:
        from indexer.discover.evaluate import load_topics  # only batches read topic files

        out = sys.stdout
        for topic in load_topics(batch):
            patient = matching.read_patient(topic.text, age, sex)
            for rank, (nct_id, score) in enumerate(
                matching.match_ids(catalog, patient, statuses=status, limit=limit, settings=settings, where=where), 1
            ):
                out.write(
                    json.dumps({"query_id": topic.id, "rank": rank, "nct_id": nct_id, "score": round(score, 4)}) + "\n"
                )
        return
    assert text is not None
    said, described, unread = "", text, ""
    if not place["near_text"] and not place["country"]:
        where, said, described, unread = _place_from_text(text, where)
    patient = matching.read_patient(described, age, sex)
    app.info(
        f"patient: age {patient.age if patient.age is not None else 'unknown'} ({patient.age_source}), "
        f"sex {patient.sex or 'unknown'} ({patient.sex_source}){said}"
    )
    for note in (*patient.notes, *([unread] if unread else [])):
        app.info(f"note: {note}")
    report = find_trials(catalog, patient, statuses=status, limit=limit, settings=settings, where=where)
    found, explained, padding = list(report.matches), list(report.explanations), report.hidden
    if padding:
        # Only what was not tried yet: `--status any` was suggested to those who had given it.
        tries = ["Name the condition or treatment more precisely"]
        if where.near is not None or where.countries:
            tries.append("look farther (--within, --country)" if where.near is not None else "drop the country")
        if status:
            tries.append("try `--status any`")
        app.info(
            f"{padding} more trial(s) share nothing but common words with the description; not shown. "
            + ", or ".join(tries)
            + "."
        )
    elif not found:
        app.info("no trial matches; try `--status any` or fewer details")
    gone = catalog.store.removals([m.record.nct_id for m in found])  # only with --status any
    extra: list[dict[str, Any]] = [
        {
            "score": round(m.score, 4),
            "possible_exclusions": list(m.possible_exclusions),
            "marker_conflicts": list(m.conflicts),
            **trial_extra(m.record, where.near, gone.get(m.record.nct_id), where.within_km),
            **({"explain": e.to_dict()} if explain else {}),
        }
        for m, e in zip(found, explained, strict=True)
    ]
    if fmt == "table":
        _match_table(found, explained, extra, explain, where.near)
        return
    emit_records([m.record for m in found], fmt, extra)


def _place_from_text(text: str, where: SearchQuery) -> tuple[SearchQuery, str, str, str]:
    """The query narrowed to the place the description names ("I live near Beijing"), what to say, the
    description without the place (it narrows; as words it would match trials naming the town), and
    what to say of a place it names that could not be read ("I live in 99999")."""
    from indexer.discover.place_said import place_said  # the gazetteer loads only for a single patient

    found = place_said(text)
    read = found.read
    if read is None:
        return where, "", text, f"{found.note} (give --near or --country)" if found.note else ""
    if read.place is None:
        return read.narrow(where), f", in {read.label} (text; --country overrides)", read.without(text), ""
    said = f", near {read.label} within {where.within_km:g} km (text; --near overrides)"
    return read.narrow(where), said, read.without(text), ""


def _match_table(
    found: list[matching.Match],
    explained: list[MatchExplanation],
    extra: list[dict[str, Any]],
    explain: bool,
    near: tuple[float, float] | None,
) -> None:
    emit_rows(
        [
            {
                **result_row(m.record, x, round(m.score, 2)),
                "criteria": f"{len(e.meets)} met, {len(e.fails)} failed, {len(e.unknown)} unknown",
                "note": f"likely not for you: {m.conflicts[0]}"
                if m.conflicts
                else f"may exclude: {m.possible_exclusions[0]}"
                if m.possible_exclusions
                else "",
            }
            for m, e, x in zip(found, explained, extra, strict=True)
        ],
        "table",
        [*result_columns(near, "criteria"), "note"],
        cut=RESULT_CUT,
    )
    if not explain:
        return
    for e in explained:
        click.echo(f"\n{e.nct_id}")
        if e.concepts:
            click.echo(f"  about: {', '.join(e.concepts)}")
        for name, words in e.matched_terms:
            click.echo(f"  {name}: {', '.join(words)}")
        for label, checks in (("meets", e.meets), ("fails", e.fails), ("partly known", e.partly)):
            for c in checks:
                click.echo(f"  {label} ({c.kind}, {c.reason}): {c.text}")
        click.echo(f"  unknown: {len(e.unknown)} criteria the description does not settle")


@click.command("eval")
@click.option(
    "--topics",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL of patients, lines {"id", "text"}.',
)
@click.option(
    "--qrels",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TREC qrels: 'topic 0 nct_id grade' (2 eligible, 1 excluded, 0 not relevant).",
)
@click.option(
    "--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True, help="Cut-off for nDCG and precision."
)
@click.option("--json", "as_json", is_flag=True, help="Also per-topic nDCG.")
@embeddings_option
@pass_app
def evaluate_cmd(
    app: AppContext, topics: Path, qrels: Path, limit: int, as_json: bool, embeddings: bool | None
) -> None:
    """nDCG@N, P@N and recall@100 of `trials match` over the current index (trec_eval's definitions)."""
    from indexer.discover.evaluate import evaluate, load_qrels, load_topics  # not loaded by `trials match`

    catalog = app.catalog()
    settings = _settings(embeddings)
    judged = load_qrels(qrels)
    timings: list[float] = []

    def rank(topic: Any) -> list[str]:
        start = time.perf_counter()
        found = matching.match_ids(catalog, matching.read_patient(topic.text), limit=max(100, limit), settings=settings)
        timings.append(time.perf_counter() - start)
        return [nct_id for nct_id, _ in found]

    scores = evaluate(load_topics(topics), judged, rank, k=limit)
    result = scores.to_dict()
    result = {k.replace("@10", f"@{limit}"): v for k, v in result.items()}
    result["ms_per_topic"] = round(1000 * sum(timings) / max(1, len(timings)), 1)
    if as_json:
        click.echo(dumps(result))
        return
    for k in (f"ndcg@{limit}", f"P@{limit}", "recall@100"):
        click.echo(f"{k:12} {result[k]:.4f}")
    click.echo(f"{'topics':12} {scores.topics} (with at least one relevant judged trial)")
    click.echo(f"{'latency':12} {result['ms_per_topic']} ms per topic")


COMMANDS = [match, evaluate_cmd]
