"""Crawls shared through Redis: crawlers that send what they fetch, and the one writer that stores it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import click

from indexer.catalog import Catalog
from indexer.config import Settings
from indexer.ingest.plan import CrawlPlan
from indexer.ingest.relay import Relay, RelayError, connect, this_process
from indexer.ingest.relay_writer import RelayWriter, store_identity
from search_cli.context import AppContext
from search_cli.outcomes import incremental_line

log = logging.getLogger(__name__)


def query_args(plan: CrawlPlan, full: bool) -> dict[str, Any]:
    """The crawl's query as `plan_ctgov` takes it: what every crawler of the crawl must agree on."""
    q = plan.query
    return {
        "condition": q.get("condition"),
        "intervention": q.get("intervention"),
        "term": q.get("term"),
        "statuses": [s for s in q.get("status", "").split(",") if s],
        "since": plan.since,
        "ids": list(plan.ids),
        "full": full,
    }


def crawl_shared(
    app: AppContext,
    plan: CrawlPlan,
    full: bool,
    redis_url: str,
    crawl_id: str,
    *,
    stream_only: bool,
    crawl: Callable[[CrawlPlan, str], dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Join crawl `crawl_id`: this process crawls its share and, if it holds the store and no other
    process writes the crawl, also runs the crawl's writer in a thread. Returns this crawler's stats
    and, when it was the writer, the whole crawl's.
    """
    me = this_process()
    settings = app.settings
    try:
        relay = Relay(connect(redis_url), crawl_id)
        relay.post_query(plan.spider, query_args(plan, full))
        if not stream_only:
            relay.claim_store(store_identity(settings.db_path))
        relay.register(me)
    except RelayError as exc:
        raise click.ClickException(str(exc)) from None
    writer: WriterThread | None = None
    with relay.heartbeat(me, f"alive:{me}"):
        if not stream_only and relay.take_writer(me) is None:
            app.info(f"this process stores crawl {crawl_id} (the documents of every crawler of it)")
            writer = WriterThread(settings, redis_url, crawl_id, me)
            writer.start()
        try:
            shared = relay.wait(relay.plan, settings.stream_wait)
        except RelayError as exc:
            raise click.ClickException(str(exc)) from None
        if shared is None:
            raise click.ClickException(
                f"no writer published the plan of crawl {crawl_id} within {settings.stream_wait:g}s: start "
                f"`trials ingest --from-redis URL --crawl-id {crawl_id}` where the store is, or run one crawler "
                "there without --stream"
            )
        if shared.incremental:
            app.info(incremental_line(shared))
        stats = crawl(shared, me)
    if writer is None:
        return stats, None
    if writer.is_alive():
        app.info(f"waiting for the other crawlers of crawl {crawl_id} to finish")
    writer.join()
    return stats, writer.stats


class WriterThread(threading.Thread):
    """The crawl's writer beside this process's own crawl; its catalog is its own (SQLite is per thread)."""

    def __init__(self, settings: Settings, redis_url: str, crawl_id: str, me: str):
        super().__init__(name=f"writer of {crawl_id}", daemon=True)
        self.settings, self.redis_url, self.crawl_id, self.me = settings, redis_url, crawl_id, me
        self.stats: dict[str, Any] = {}

    def run(self) -> None:
        try:
            catalog = Catalog(self.settings)
            relay = Relay(connect(self.redis_url), self.crawl_id)
        except Exception as exc:  # reported as the crawl's outcome, not lost with the thread
            self.stats = {"trialscout/fatal": str(exc) or type(exc).__name__}
            return
        try:
            self.stats = RelayWriter(catalog, relay, self.me, wait=self.settings.stream_wait).run()
        except Exception as exc:
            log.error("the writer of crawl %s failed", self.crawl_id, exc_info=True)
            self.stats = {"trialscout/fatal": f"the writer failed: {exc}"}
        finally:
            catalog.close()


def write_from_redis(app: AppContext, redis_url: str, crawl_id: str, expect: int) -> dict[str, Any]:
    """`trials ingest --from-redis`: the crawl's writer, in this process, until the crawl is settled."""
    me = this_process()
    settings = app.settings
    try:
        relay = Relay(connect(redis_url), crawl_id)
        relay.claim_store(store_identity(settings.db_path))
        deadline = time.monotonic() + settings.stream_wait
        told = False
        while (holder := relay.take_writer(me)) is not None:
            if time.monotonic() > deadline:
                raise RelayError(f"crawl {crawl_id} is being written by {holder}; stop it first")
            if not told:
                app.info(f"waiting for the writer {holder} of crawl {crawl_id} to stop (or its lease to expire)")
                told = True
            time.sleep(1)
    except RelayError as exc:
        raise click.ClickException(str(exc)) from None
    app.info(f"storing crawl {crawl_id} from Redis; waiting for its crawlers")
    with app.progress(None, "storing") as advance:
        return RelayWriter(
            app.catalog(writes=True), relay, me, expect=expect, wait=settings.stream_wait, progress=advance
        ).run()
