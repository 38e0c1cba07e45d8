"""Commands for finding the right trial: similar, match, eval."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from indexer.discover import matching
from indexer.discover.evaluate import evaluate, load_qrels, load_topics
from indexer.discover.similar import similar as find_similar
from search_cli.context import AppContext, pass_app
from search_cli.options import _status, output_options, sex_option, where_options, where_query
from search_cli.output import RESULT_CUT, dumps, emit_records, emit_rows, result_columns, result_row, trial_extra


@click.command()
@click.argument("trial_id")
@click.option("--status", "-s", multiple=True, callback=_status, help="Only trials with this status; repeatable.")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@where_options
@output_options
@pass_app
def similar(app: AppContext, /, trial_id: str, status: tuple[str, ...], limit: int, fmt: str, **place: Any) -> None:
    """Trials like TRIAL_ID (shared conditions, drugs, design, eligibility, text), and what each shares."""
    where = where_query(**place)
    try:
        found = find_similar(app.catalog(), trial_id.strip().upper(), statuses=status, limit=limit, where=where)
    except KeyError:
        raise click.ClickException(
            f"{trial_id} is not stored; fetch it with `trials crawl ctgov --nct {trial_id}`"
        ) from None
    extras = [{"score": s.score, "shares": s.shares, **trial_extra(s.record, where.near)} for s in found]
    if fmt == "table":
        emit_rows(
            [{**result_row(s.record, x), "shares": _shares(s.shares)} for s, x in zip(found, extras, strict=True)],
            fmt,
            result_columns(where.near, "shares"),
            cut=RESULT_CUT,
        )
        return
    emit_records([s.record for s in found], fmt, extras)


def _shares(shares: dict[str, list[str]]) -> str:
    return "; ".join(f"{k} {', '.join(v)}" for k, v in shares.items())


@click.command()
@click.option("--text", help="The patient, in words: diagnosis, age, sex, history, treatments.")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A JSONL file of patients, lines {"id", "text"}; use with --ndjson.',
)
@click.option("--age", type=click.FloatRange(0, 150), help="Age in years (else read from the text).")
@sex_option
@click.option("--status", "-s", multiple=True, callback=_status, help="Only trials with this status; repeatable.")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
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
    fmt: str,
    **place: Any,
) -> None:
    """Trials a patient could join, best first. Age and sex limits are respected (read from the text
    when not given); trials whose exclusion criteria name the patient's condition are pushed down."""
    if bool(text) == bool(batch):
        raise click.UsageError("give --text or --batch (one of them)")
    catalog = app.catalog()
    where = where_query(**place)
    if batch:
        topics = load_topics(batch)
        out = sys.stdout
        for topic in topics:
            patient = matching.read_patient(topic.text, age, sex)
            for rank, m in enumerate(matching.match(catalog, patient, statuses=status, limit=limit, where=where), 1):
                out.write(
                    json.dumps(
                        {"query_id": topic.id, "rank": rank, "nct_id": m.record.nct_id, "score": round(m.score, 4)}
                    )
                    + "\n"
                )
        return
    assert text is not None
    patient = matching.read_patient(text, age, sex)
    app.info(
        f"patient: age {patient.age if patient.age is not None else 'unknown'} ({patient.age_source}), "
        f"sex {patient.sex or 'unknown'} ({patient.sex_source})"
    )
    found = matching.match(catalog, patient, statuses=status, limit=limit, where=where)
    extra: list[dict[str, Any]] = [
        {"score": round(m.score, 4), "possible_exclusions": m.possible_exclusions, **trial_extra(m.record, where.near)}
        for m in found
    ]
    if fmt == "table":
        emit_rows(
            [
                {
                    **result_row(m.record, x, round(m.score, 2)),
                    "note": f"may exclude: {m.possible_exclusions[0]}" if m.possible_exclusions else "",
                }
                for m, x in zip(found, extra, strict=True)
            ],
            fmt,
            result_columns(where.near, "note"),
            cut=RESULT_CUT,
        )
        return
    emit_records([m.record for m in found], fmt, extra)


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
@pass_app
def evaluate_cmd(app: AppContext, topics: Path, qrels: Path, limit: int, as_json: bool) -> None:
    """nDCG@N, P@N and recall@100 of `trials match` over the current index (trec_eval's definitions)."""
    catalog = app.catalog()
    judged = load_qrels(qrels)
    timings: list[float] = []

    def rank(topic: Any) -> list[str]:
        start = time.perf_counter()
        found = matching.match(catalog, matching.read_patient(topic.text), limit=max(100, limit))
        timings.append(time.perf_counter() - start)
        return [m.record.nct_id for m in found]

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


COMMANDS = [similar, match, evaluate_cmd]
