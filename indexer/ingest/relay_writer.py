"""The one writer of a crawl shared through Redis: stores the stream's documents, then settles the crawl once."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import redis

from indexer.catalog import BatchWriter, Catalog
from indexer.index.base import IndexUnavailable
from indexer.index.engines import EngineError
from indexer.ingest import plan as crawl_plan
from indexer.ingest.plan import query_stats
from indexer.ingest.relay import GROUP, RESULT_TTL, Relay, RelayError, text
from indexer.ingest.relay_messages import StreamDocument, merge_progress
from indexer.store import StoreBusy, StoreError

log = logging.getLogger(__name__)

# What stops the writer: the store, the disk or the index failed (as in a crawl), or Redis did.
WRITE_FAILURES = (StoreError, StoreBusy, IndexUnavailable, EngineError, OSError, redis.RedisError, RelayError)
# Entries read at a time: each read is committed (one transaction per crawler in it) before it is acknowledged.
READ_COUNT = 32
Entry = tuple[bytes, dict[bytes, bytes] | None]


def store_identity(db_path: Path) -> str:
    """Which store a crawl is written to: this host's file, so that two stores never split one crawl."""
    return f"{socket.gethostname()}:{db_path.resolve()}"


class RelayWriter:
    """Stores every document the crawl's crawlers send, acknowledging each read only after it committed.

    Entries delivered to a writer that died are claimed and stored again (they come back
    "unchanged" if that writer had committed them). The crawl ends when at least `expect` crawlers
    registered, each either finished its share or stopped beating, and the stream is empty; the writer
    then decides, once, whether the crawl was complete, and only then advances the query's state.
    """

    def __init__(
        self,
        catalog: Catalog,
        relay: Relay,
        me: str,
        *,
        expect: int = 1,
        wait: float = 600.0,
        stop: threading.Event | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.catalog = catalog
        self.relay = relay
        self.me = me
        self.expect = max(1, expect)
        self.wait_for = wait
        self.stop = stop or threading.Event()
        self.progress = progress
        self.docs: str = relay.key("docs")

    def run(self) -> dict[str, Any]:
        """Store the crawl, settle it, and return its stats (the keys crawler.outcome reads)."""
        try:
            with self.relay.heartbeat(self.me, "writer"):
                self.relay.r.delete(self.relay.key("abort"))
                plan = self._plan()
                try:
                    self.relay.r.xgroup_create(self.docs, GROUP, id="0", mkstream=True)
                except redis.ResponseError as exc:
                    if "BUSYGROUP" not in str(exc):
                        raise
                with self.catalog.writer(track_updates=True) as writer:
                    writer.max_last_update = text(self.relay.r.get(self.relay.key("high_water"))) or None
                    self._drain(writer)
                    high_water = writer.max_last_update
                if self.stop.is_set():
                    return {"trialscout/fatal": "the writer was stopped; run it again to resume"}
                stats = self._settle(plan, high_water)
        except WRITE_FAILURES as exc:
            reason = str(exc) or type(exc).__name__
            log.error("stopping crawl %s: %s", self.relay.crawl_id, reason)
            # The crawlers stop too; what was sent and not stored stays in Redis for the next writer.
            with suppress(redis.RedisError):
                self.relay.r.set(self.relay.key("abort"), reason)
            return {"trialscout/fatal": reason}
        try:
            self.relay.reset()
        except redis.RedisError as exc:
            log.warning("crawl %s settled, and its keys could not be removed from Redis: %s", self.relay.crawl_id, exc)
        return stats

    def _plan(self) -> crawl_plan.CrawlPlan:
        """The crawl's plan, computed once from this store's crawl state and published for the crawlers."""
        published = self.relay.plan()
        if published is not None:
            return published
        query = self.relay.wait(self.relay.query, self.wait_for, stop=self.stop)
        if query is None:
            raise RelayError(
                f"no crawler joined crawl {self.relay.crawl_id} within {self.wait_for:g}s: start `trials crawl ctgov "
                f"... --redis-url URL --crawl-id {self.relay.crawl_id} --stream` on the crawling machines"
            )
        spider, args = query
        if spider != "ctgov":
            raise RelayError(f"crawl {self.relay.crawl_id} is a {spider} crawl; only ctgov crawls are shared")
        try:
            plan = crawl_plan.plan_ctgov(self.catalog.store, **args, distributed=True)
        except ValueError as exc:
            raise RelayError(f"crawl {self.relay.crawl_id}: {exc}") from None
        if plan.incremental:
            log.info("crawl %s is incremental: records updated since %s", self.relay.crawl_id, plan.since)
        return self.relay.publish_plan(plan)

    def _drain(self, writer: BatchWriter) -> None:
        # Entries a writer that died had read and not acknowledged: they are ours now (one writer per crawl).
        cursor = b"0-0"
        while True:
            claim: Any = self.relay.r.xautoclaim(
                self.docs, GROUP, self.me, min_idle_time=0, start_id=cursor, count=READ_COUNT
            )
            cursor, claimed = claim[0], claim[1]
            if claimed:
                log.info("storing %d documents a stopped writer had not acknowledged", len(claimed))
                self._store(writer, claimed)
            if cursor in (b"0-0", "0-0"):
                break
        while not self.stop.is_set():
            reply: Any = self.relay.r.xreadgroup(GROUP, self.me, {self.docs: ">"}, count=READ_COUNT, block=1000)
            entries = reply[0][1] if reply else []
            if entries:
                self._store(writer, entries)
            elif self._ended():
                return

    def _store(self, writer: BatchWriter, entries: Sequence[Entry]) -> None:
        """Commit the entries, then acknowledge them; one transaction per crawler, whose share is counted."""
        by_crawler: dict[str, list[StreamDocument]] = {}
        size = 0
        for _, fields in entries:
            if not fields:
                continue  # deleted after it was delivered: already stored and acknowledged
            doc = StreamDocument.from_fields(fields)
            by_crawler.setdefault(doc.crawler, []).append(doc)
            size += len(doc.body) + len(doc.url) + 64
        done: dict[str, Counter[str]] = {}
        for name, docs in by_crawler.items():
            before = Counter(writer.stats.counts)
            for doc in docs:
                self._add(writer, doc)
            writer.flush()
            delta = Counter(writer.stats.counts)
            delta.subtract(before)
            delta["entries"] = len(docs)
            delta["documents"] = sum(d.kind == "raw" for d in docs)
            done[name] = delta
        # Committed: only now are the entries acknowledged (and dropped), and counted for their crawlers.
        ids = [entry_id for entry_id, _ in entries]
        with self.relay.r.pipeline() as pipe:
            pipe.xack(self.docs, GROUP, *ids)
            pipe.xdel(self.docs, *ids)
            pipe.decrby(self.relay.key("backlog"), size)
            for name, delta in done.items():
                for key, value in delta.items():
                    if value:
                        pipe.hincrby(self.relay.key("stored"), f"{name}/{key}", value)
            if writer.max_last_update:
                pipe.set(self.relay.key("high_water"), writer.max_last_update)
            pipe.execute()
        if self.progress:
            self.progress(len(ids))

    def _add(self, writer: BatchWriter, doc: StreamDocument) -> None:
        if doc.kind == "raw":
            writer.add_document(
                doc.body, doc.url, source=doc.source, source_url=doc.url, fetched_at=doc.fetched_at or None,
                trial_id=doc.record_id or None,
            )  # fmt: skip
        elif doc.kind == "failed":
            writer.fail(
                doc.url, doc.error, raw=doc.body, source=doc.source, record_id=doc.record_id or None,
                http_status=doc.http_status or None,
            )  # fmt: skip
        elif doc.kind == "gone":
            writer.mark_removed(doc.record_id, "404 when asked by id")
        else:
            writer.fail(doc.url, f"unknown stream entry kind {doc.kind!r}", raw=doc.body, source=doc.source)

    def _ended(self) -> bool:
        """Every crawler that joined finished or is gone, enough joined, and nothing is left to store."""
        crawlers = self.relay.crawlers()
        if len(crawlers) < self.expect:
            return False
        if any(c["state"] != "done" and self.relay.alive(name) for name, c in crawlers.items()):
            return False
        return int(self.relay.r.xlen(self.docs)) == 0

    def _settle(self, plan: crawl_plan.CrawlPlan, high_water: str | None) -> dict[str, Any]:
        crawlers = self.relay.crawlers()
        finished = {n: c for n, c in crawlers.items() if c["state"] == "done"}
        progress = merge_progress([c.get("progress", {}) for c in finished.values()])
        if not plan.ids:
            progress.check_total()
        problems = list(progress.problems)
        gone = sorted(set(crawlers) - set(finished))
        if gone:
            problems.append(
                f"{len(gone)} crawler(s) stopped without finishing their share ({', '.join(gone)}), "
                "so what they had not fetched is missing"
            )
        per_crawler = {name: self.relay.stored(name) for name in crawlers}
        for name, c in finished.items():
            if per_crawler[name]["entries"] < c.get("sent", 0):
                problems.append(f"{name} sent {c['sent']} documents and {per_crawler[name]['entries']} were stored")
        left = self.relay.pending_requests()
        if left:
            problems.append(f"{left} requests were left in the shared queue")
        totals: Counter[str] = Counter()
        for counts in per_crawler.values():
            totals.update(counts)
        if totals["failed"]:
            problems.append(f"{totals['failed']} documents or studies failed")
        stats: dict[str, Any] = {
            f"trialscout/records/{k}": v for k, v in totals.items() if k not in ("entries", "documents")
        }
        stats["trialscout/documents"] = totals["documents"]
        stats["trialscout/crawlers"] = len(crawlers)
        if totals["removed"]:
            stats["trialscout/removed"] = totals["removed"]
        stats.update(query_stats(progress))
        if problems:
            stats["trialscout/incomplete"] = "; ".join(problems)
            log.warning("crawl state not advanced (%s); the next run asks for the same again", "; ".join(problems))
        elif plan.key is not None:
            with self.catalog.write_lock():
                crawl_plan.finish(self.catalog.store, plan, progress, high_water)
        result = {"stats": stats, "crawlers": {n: dict(c) for n, c in per_crawler.items()}}
        self.relay.r.set(self.relay.key("result"), json.dumps(result), ex=RESULT_TTL)
        return stats
