"""Commands that write: crawl, ingest, reindex, failures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from indexer.ingest.files import count_documents, ingest_paths
from indexer.ingest.plan import CrawlPlan, default_crawl_id, plan_ctgov
from search_cli.context import AppContext, pass_app
from search_cli.options import _status, output_options
from search_cli.outcomes import CrawlPartial, crawl_summary, exit_with, incremental_line, ingest_summary
from search_cli.output import emit_rows


def _files_or_folders(ctx: click.Context, param: click.Parameter, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    # A pipe or a device (`<(unzip -p ...)`, /dev/stdin) exists but is no file: ingest read it as missing
    # ("no such file or folder"), and /dev/zero read whole would never end.
    for path in paths:
        if not (path.is_file() or path.is_dir()):
            raise click.BadParameter(f"{path} is not a file or a folder (a pipe or a device): save it to a file first")
    return paths


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path), callback=_files_or_folders)
@click.option(
    "--from-redis",
    "redis_url",
    metavar="URL",
    help="Store a shared crawl's documents, sent by its crawlers through Redis, then settle the crawl.",
)
@click.option("--crawl-id", help="With --from-redis: the crawl's name, as its crawlers were given it.")
@click.option(
    "--crawlers",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="With --from-redis: crawlers to wait for before the crawl can end.",
)
@pass_app
def ingest(
    app: AppContext, paths: tuple[Path, ...], redis_url: str | None, crawl_id: str | None, crawlers: int
) -> None:
    """Load registry files: API v2 JSON (studies, search pages, exports), legacy XML, folders, .zip.

    Identical documents are skipped cheaply; changed ones become new versions. With --from-redis,
    store what the crawlers of a shared crawl fetch instead (exit codes as `trials crawl`).
    """
    if redis_url:
        if paths or not crawl_id:
            raise click.UsageError("--from-redis takes --crawl-id and no paths")
        from search_cli.commands.shared import write_from_redis

        exit_with(
            app, crawl_summary(app, write_from_redis(app, redis_url, crawl_id, crawlers), f"stored crawl {crawl_id}")
        )
        return
    if not paths:
        raise click.UsageError("give files or folders to ingest, or --from-redis")
    catalog = app.catalog(writes=True)
    total = count_documents(paths) if app.show_progress else None
    with app.progress(total, "ingesting") as advance:
        stats = ingest_paths(catalog, paths, progress=advance)
    ingest_summary(app, stats, "ingested")
    c = stats.counts
    for location in stats.unread_named:  # as a folder of other files is said below; exit 0 as it
        app.warn(
            f"{location} is no document ingest reads (skipped): it reads API v2 JSON (a study, a search page, "
            "an export), legacy clinical_study XML, registry and trial finder HTML pages, and .zip archives of them"
        )
    if not any(c[k] for k in ("new", "updated", "historical", "unchanged", "skipped", "failed")):
        # As a crawl says it fetched nothing: a folder of the website's CSV or of .json.gz files is no error,
        # but "0 new, ..., 0 failed" alone reads as if its trials were there already.
        where = ", ".join(map(str, paths))
        if count_documents(paths):
            app.warn(f"no trial in {where}: its documents hold no study (an export or search page of no results)")
        else:
            app.warn(
                f"found no document to ingest in {where}: folders are read for .json, .xml, .html and .htm files "
                "and .zip archives (a file named on the command line is read whatever its name)"
            )
    if c["failed"]:  # as a crawl: a cron job chaining `ingest && watch run` must see it
        read = sum(c[k] for k in ("new", "updated", "historical", "unchanged", "skipped"))
        if not read:
            raise click.ClickException(
                "nothing could be read (every document failed); `trials failures` says why each one did "
                "(a truncated download, a file that is not a registry export): fetch them again and ingest them"
            )
        raise CrawlPartial(
            f"incomplete: {c['failed']} documents failed and were kept; `trials failures` lists them. "
            "The rest is stored"
        )


@click.group()
def crawl() -> None:
    """Harvest a registry over the network."""


@crawl.command("ctgov")
@click.option("--condition", help="API query.cond, e.g. 'lupus'.")
@click.option("--intervention", help="API query.intr, e.g. 'aldesleukin'.")
@click.option("--term", help="API query.term (any field).")
@click.option("--status", multiple=True, callback=_status, help="filter.overallStatus; repeatable; `any` for all.")
@click.option("--since", help="Only records last updated on or after YYYY-MM-DD.")
@click.option("--nct", multiple=True, help="Fetch these studies by id; repeatable or comma-separated.")
@click.option("--api-url", envvar="TRIALS_API_URL", help="API v2 base URL [default https://clinicaltrials.gov/api/v2].")
@click.option("--page-size", type=click.IntRange(1, 1000), help="Studies per page (API maximum 1000).")
@click.option("--full", is_flag=True, help="Fetch every match, not only those updated since the last run.")
@click.option(
    "--redis-url",
    envvar="TRIALS_REDIS_URL",
    help="Share this crawl with other processes through Redis (scrapy-redis) [env TRIALS_REDIS_URL].",
)
@click.option(
    "--crawl-id", help="Name of the shared crawl, the same in every process [default: the query and today's date]."
)
@click.option(
    "--stream",
    is_flag=True,
    help="With --redis-url: store nothing here; send what is fetched to the crawl's writer through Redis.",
)
@pass_app
def crawl_ctgov(
    app: AppContext,
    condition: str | None,
    intervention: str | None,
    term: str | None,
    status: tuple[str, ...],
    since: str | None,
    nct: tuple[str, ...],
    api_url: str | None,
    page_size: int | None,
    full: bool,
    redis_url: str | None,
    crawl_id: str | None,
    stream: bool,
) -> None:
    """ClinicalTrials.gov API v2: a search (paged), or studies by NCT id.

    A search run again asks only for records updated since the last complete run of the same
    query (one day of overlap), unless --full or --since is given; with --status it asks without
    the status and stores what is in it or was returned before (a trial that closed, as it
    leaves the query), and no other trial. A full run also checks, by id,
    every trial the query returned before and does not return now, and records those the
    registry no longer has.
    """
    from crawler.run import distribute  # Scrapy loads slowly; only crawls need it

    if stream and not redis_url:
        raise click.UsageError("--stream sends documents through Redis: give --redis-url too")
    api_url = _http_address(api_url or app.settings.api_url, "--api-url")
    if not (condition or intervention or term or status or since or nct):
        raise click.UsageError("say what to crawl: --condition, --intervention, --term, --status, --since or --nct")
    try:
        plan = plan_ctgov(
            None if redis_url else app.catalog(writes=True).store,
            condition=condition,
            intervention=intervention,
            term=term,
            statuses=status,
            since=since,
            ids=[i for v in nct for i in v.split(",")],
            full=full,
            distributed=bool(redis_url),
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if redis_url:
        from search_cli.commands.shared import crawl_shared

        name = crawl_id or default_crawl_id(plan)

        def crawl(shared: CrawlPlan, me: str) -> dict[str, Any]:
            scrapy_settings = _scrapy_settings(app, api_url)
            distribute(scrapy_settings, redis_url, name, me)
            return _crawl(app, "ctgov", scrapy_settings, {"plan": shared, "page_size": page_size})

        mine, whole = crawl_shared(app, plan, full, redis_url, name, stream_only=stream, crawl=crawl)
        result = crawl_summary(app, mine)
        if whole is not None:  # this process wrote the crawl: its outcome is the whole crawl's
            result = crawl_summary(app, whole, f"stored crawl {name}")
        exit_with(app, result)
        return
    if plan.incremental:
        app.info(incremental_line(plan, " (--full for all)"))
    _run(app, "ctgov", _scrapy_settings(app, api_url), {"plan": plan, "page_size": page_size})


@crawl.command("listing")
@click.argument("start_urls", nargs=-1, required=True)
@pass_app
def crawl_listing(app: AppContext, start_urls: tuple[str, ...]) -> None:
    """Trial-finder listing sites, from browse or search pages, sitemaps or trial pages; stays on their sites."""
    bad = [u for u in start_urls if not _HTTP.match(u)]
    if bad:
        raise click.BadParameter(f"not http(s) URLs: {', '.join(bad)}", param_hint="START_URLS")
    _run(app, "listing", _scrapy_settings(app), {"start_urls": ",".join(start_urls)})


def _registry_command(slug: str, what: str) -> click.Command:
    @crawl.command(slug, help=f"{what}: trial pages by id, or from start URLs (search pages are followed).")
    @click.argument("ids", nargs=-1)
    @click.option("--start-url", "start_urls", multiple=True, help="Search or trial pages to start from.")
    @click.option("--query", help="A search on the register (where it has one).")
    @click.option("--base-url", help="The register's address (tests point it at a local server).")
    @pass_app
    def command(
        app: AppContext, ids: tuple[str, ...], start_urls: tuple[str, ...], query: str | None, base_url: str | None
    ) -> None:
        if not (ids or start_urls or query):
            raise click.UsageError("give trial ids, --start-url or --query")
        args = {
            "ids": ",".join(ids),
            "start_urls": ",".join(start_urls),
            "query": query or "",
            "base_url": base_url or "",
        }
        if base_url:
            _http_address(base_url, "--base-url")
        _run(app, slug, _scrapy_settings(app), args)

    return command


for _slug, _what in (
    ("euctr", "EU Clinical Trials Register"),
    ("gsk", "GSK Clinical Study Register"),
    ("takeda", "Takeda clinical trials"),
):
    _registry_command(_slug, _what)


# An http(s) address with a host: anything else Scrapy refuses with a traceback.
_HTTP = re.compile(r"https?://[^/?#\s]+")


def _http_address(url: str, option: str) -> str:
    """The address, or a usage error naming the option."""
    if not _HTTP.match(url):
        raise click.BadParameter(
            f"{url!r} is not an http(s) address, e.g. https://clinicaltrials.gov/api/v2", param_hint=option
        )
    return url


def _run(app: AppContext, spider: str, scrapy_settings: Any, args: dict[str, Any]) -> None:
    """Crawl with a progress count on stderr, then say what happened (exit 1 if cut short)."""
    # A store that is read-only or busy says so here, as for `ingest`; inside the crawl it could only
    # stop it. (A crawl shared through Redis waits for the lock batch by batch instead.)
    with app.catalog(writes=True).write_lock():
        pass
    exit_with(app, crawl_summary(app, _crawl(app, spider, scrapy_settings, args)))


def _crawl(app: AppContext, spider: str, scrapy_settings: Any, args: dict[str, Any]) -> dict[str, Any]:
    from crawler.run import run_spider

    with app.progress(None, "crawling") as advance:
        return run_spider(spider, scrapy_settings, {k: v for k, v in args.items() if v}, on_item=lambda: advance(1))


def _scrapy_settings(app: AppContext, api_url: str | None = None) -> Any:
    """Scrapy's settings for a crawl into this data directory, logging as verbosely as asked."""
    from crawler.run import crawl_settings

    log_level = "DEBUG" if app.verbose > 1 else "INFO" if app.verbose else "WARNING"
    settings = crawl_settings(str(app.settings.data_dir), api_url, log_level)
    if app.settings.engine:  # --engine as well as TRIALS_ENGINE: the pipeline writes where searches read
        settings.set("TRIALS_ENGINE", app.settings.engine, priority="cmdline")
    return settings


@click.command()
@pass_app
def reindex(app: AppContext) -> None:
    """Rebuild the search index from the record store (after an upgrade, or to be sure)."""
    count = app.catalog().reindex()
    app.info(f"indexed {count} records")


@click.command()
@output_options
@click.option("--all", "show_all", is_flag=True, help="Also failures resolved since (the document was stored later).")
@pass_app
def failures(app: AppContext, fmt: str, show_all: bool) -> None:
    """Documents that could not be fetched or parsed, with the error; their raw bytes are kept.

    A failure is resolved, and no longer listed, once the same document or trial is stored.
    """
    rows = [f.to_dict() for f in app.catalog().store.failures.list(include_resolved=show_all)]
    columns = ["id", "at", "source", "location", "record_id", "http_status", "error"]
    emit_rows(rows, fmt, [*columns, "resolved_at"] if show_all or fmt != "table" else columns)


COMMANDS = [ingest, crawl, reindex, failures]
