"""What a crawl or an ingest says when it ends, and its exit code: 0, 1, or 3 for a partial run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from search_cli.context import AppContext

if TYPE_CHECKING:
    from crawler.outcome import Outcome
    from indexer.catalog import IngestStats
    from indexer.ingest.plan import CrawlPlan


def ingest_summary(app: AppContext, stats: IngestStats, what: str) -> None:
    c = stats.counts
    app.info(
        f"{what}: {c['new']} new, {c['updated']} updated, {c['historical']} older versions, "
        f"{c['unchanged']} unchanged, {c['skipped']} skipped, {c['failed']} failed"
    )
    if c["failed"]:
        app.warn(f"{c['failed']} documents failed; `trials failures` lists them (their raw text is kept)")


def incremental_line(plan: CrawlPlan, hint: str = "") -> str:
    """What an incremental run says it asks for; with a status, that it asks without it (CrawlPlan.widened)."""
    line = f"incremental: asking for records updated since {plan.since}{hint}"
    if plan.widened:
        line += (
            f", without the status filter: keeping {plan.query['status']} and the {len(plan.members)} trials "
            "the query returned before"
        )
    return line


def crawl_summary(app: AppContext, stats: dict[str, object], what: str = "crawled") -> Outcome:
    """One line of counts, and the outcome: 0, 1 (nothing fetched, or the store failed) or 3 (partial)."""
    from crawler.outcome import outcome

    def n(key: str) -> int:
        value = stats.get(key, 0)
        return value if isinstance(value, int) else 0

    crawlers = f" from {n('trialscout/crawlers')} crawlers," if n("trialscout/crawlers") else ""
    app.info(
        f"{what}{crawlers} {n('trialscout/documents')} documents: {n('trialscout/records/new')} new, "
        f"{n('trialscout/records/updated')} updated, {n('trialscout/records/unchanged')} unchanged, "
        f"{n('trialscout/records/failed')} failed; {n('retry/count')} retries"
        + (f"; {n('trialscout/removed')} no longer in the registry" if n("trialscout/removed") else "")
        + (
            f"; {n('trialscout/left_query')} left the query's status (stored, no longer its members)"
            if n("trialscout/left_query")
            else ""
        )
        + (
            f"; {n('trialscout/outside_query')} of the {n('trialscout/studies')} studies fetched were outside "
            "the query (another status), not stored"
            if n("trialscout/outside_query")
            else ""
        )
        + (
            f"; {n('trialscout/records/still_gone')} dead links seen before"
            if n("trialscout/records/still_gone")
            else ""
        )
        + (
            f"; {n('trialscout/records/no_eligibility')} without eligibility criteria"
            if n("trialscout/records/no_eligibility")
            else ""
        )
    )
    return outcome(stats)


def exit_with(app: AppContext, result: Outcome) -> None:
    """Exit 0 (saying the outcome's message, if any), 1, or 3 for a partial crawl."""
    from crawler.outcome import EXIT_OK, EXIT_PARTIAL

    if result.code == EXIT_OK:
        if result.message:
            app.info(result.message)
        return
    failure = CrawlPartial if result.code == EXIT_PARTIAL else click.ClickException
    raise failure(result.message or "the crawl failed")


class CrawlPartial(click.ClickException):
    """A crawl that finished with some documents failed, or its query incomplete (crawler.outcome)."""

    exit_code = 3
