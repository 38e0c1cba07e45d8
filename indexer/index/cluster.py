"""Search index on an Elasticsearch or OpenSearch cluster: a versioned index behind an alias."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from indexer.discover.synonyms import Synonyms
from indexer.geo.near import nearest
from indexer.index import cluster_dsl as dsl
from indexer.index.document import Hit, SearchQuery, SearchResult
from indexer.index.engines import Adapter, EngineError, EngineUnavailable
from indexer.record import TrialRecord

log = logging.getLogger(__name__)


def _hit(h: dict[str, Any], q: SearchQuery, scored: bool) -> Hit:
    """One answer; with --near, its nearest counted site from the stored points (the engine checked
    the distance; the point is found again here to say which site it was)."""
    source = h["_source"]
    score = float(h["_score"] or 0.0) if scored else 0.0
    if q.near is None:
        return Hit(source["nct_id"], score)
    sites = [
        (i, p["lat"], p["lon"]) for i, p in zip(source.get("geo_site") or [], source.get("geo") or [], strict=True)
    ]
    best = nearest(sites, *q.near)
    return Hit(source["nct_id"], score, best[0] if best else None, best[1] if best else None)


MAX_CHUNK_BYTES = 5 * 1024 * 1024  # per bulk request: well under the default 100 MB http.max_content_length
MAX_CHUNK_DOCS = 1000
RETRIES = 6
BULK_IN_FLIGHT = 2  # concurrent bulk requests while rebuilding: the node works while we serialise
BACKOFF = 1.0  # seconds, doubled per retry


@dataclass
class BulkReport:
    """What one bulk write to a cluster did: trials indexed, failed and requests sent."""

    indexed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (nct id, reason)
    requests: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class ClusterIndex:
    """`alias` always names one complete index; a rebuild fills a new one, then swaps the alias atomically."""

    def __init__(self, adapter: Adapter, synonyms: Synonyms):
        self.adapter = adapter
        self.alias = adapter.url.alias
        self.synonyms = synonyms
        self.report = BulkReport()
        current = self._current()
        if current is None:
            self._create_and_point(self._new_name(), [])  # empty: the catalog fills it from the store
            self.needs_rebuild = True
        else:
            self.needs_rebuild = self._mapping_version(current) != dsl.MAPPING_VERSION

    # -- lifecycle ------------------------------------------------------------
    def _new_name(self) -> str:
        return f"{self.alias}-v{dsl.MAPPING_VERSION}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _current(self) -> str | None:
        try:
            found = self.adapter.request("GET", f"/_alias/{self.alias}")
        except EngineError as exc:
            if exc.status == 404:
                return None
            raise
        names = sorted(found)
        return names[-1] if names else None

    def _mapping_version(self, index: str) -> int | None:
        found = self.adapter.request("GET", f"/{index}/_mapping")
        meta = found.get(index, {}).get("mappings", {}).get("_meta", {})
        return meta.get("trialscout_mapping")  # type: ignore[no-any-return]

    def _create_and_point(self, name: str, old: list[str]) -> None:
        self.adapter.request("PUT", f"/{name}", body=dsl.index_body(self.synonyms))
        self._swap(name, old)

    def _swap(self, name: str, old: list[str]) -> None:
        # One _aliases call: searches see the old index or the new one, never none or both.
        actions: list[dict[str, dict[str, Any]]] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": name, "alias": self.alias, "is_write_index": True}})
        self.adapter.request("POST", "/_aliases", body={"actions": actions})

    def rebuild(self, records: Iterable[TrialRecord]) -> int:
        """Fill a new index from `records`, then point the alias at it and drop the old one."""
        old = self._current()
        name = self._new_name()
        body = dsl.index_body(self.synonyms)
        # Nobody searches the new index until the swap: no refreshes, no fsync per request.
        body["settings"].update({"refresh_interval": "-1", "translog.durability": "async"})
        self.adapter.request("PUT", f"/{name}", body=body)
        report = self._bulk(
            name,
            (({"index": {"_index": name, "_id": r.nct_id}}, dsl.document(r)) for r in records),
            in_flight=BULK_IN_FLIGHT,
        )
        self.adapter.request(
            "PUT", f"/{name}/_settings", body={"index": {"refresh_interval": "1s", "translog.durability": "request"}}
        )
        self.adapter.request("POST", f"/{name}/_refresh")
        self._swap(name, [old] if old else [])
        if old:
            self.adapter.request("DELETE", f"/{old}")
        self.needs_rebuild = False
        return report.indexed

    def close(self) -> None:
        pass

    # -- writes -------------------------------------------------------------
    def upsert(self, records: Sequence[TrialRecord]) -> None:
        self._bulk(self.alias, (({"index": {"_index": self.alias, "_id": r.nct_id}}, dsl.document(r)) for r in records))

    def delete(self, ids: Sequence[str]) -> None:
        self._bulk(self.alias, (({"delete": {"_index": self.alias, "_id": i}}, None) for i in ids))

    def commit(self) -> None:
        self.adapter.request("POST", f"/{self.alias}/_refresh")

    def _bulk(
        self, index: str, actions: Iterable[tuple[dict[str, Any], dict[str, Any] | None]], in_flight: int = 1
    ) -> BulkReport:
        """Streaming: chunks bounded by bytes and count, at most `in_flight` requests at once, so
        memory stays flat whatever the corpus size."""
        report = BulkReport()
        chunk: list[bytes] = []
        ids: list[str] = []
        size = 0
        with ThreadPoolExecutor(max_workers=in_flight) as pool:
            pending: list[Future[None]] = []

            def send(chunk: list[bytes], ids: list[str]) -> None:
                while len(pending) >= in_flight:  # back-pressure: wait for a request to finish
                    pending.pop(0).result()
                pending.append(pool.submit(self._send, chunk, ids, report))

            for action, doc in actions:
                lines = orjson.dumps(action) + b"\n" + (orjson.dumps(doc) + b"\n" if doc is not None else b"")
                if chunk and (size + len(lines) > MAX_CHUNK_BYTES or len(chunk) >= MAX_CHUNK_DOCS):
                    send(chunk, ids)
                    chunk, ids, size = [], [], 0
                chunk.append(lines)
                ids.append(next(iter(action.values()))["_id"])
                size += len(lines)
            if chunk:
                send(chunk, ids)
            for future in pending:
                future.result()
        self.report = report
        for nct_id, reason in report.failed:
            log.error("not indexed in %s: %s: %s", index, nct_id, reason)
        return report

    def _send(self, chunk: list[bytes], ids: list[str], report: BulkReport) -> None:
        """One bulk request; documents refused with 429, and the whole request on no answer, are retried."""
        local = BulkReport()
        try:
            self._send_chunk(chunk, ids, local)
        finally:
            with report.lock:  # requests may run in parallel threads
                report.indexed += local.indexed
                report.failed.extend(local.failed)
                report.requests += local.requests
                report.retries += local.retries

    @staticmethod
    def _sleep(attempt: int) -> None:
        time.sleep(BACKOFF * 2 ** (attempt - 1))

    def _send_chunk(self, chunk: list[bytes], ids: list[str], report: BulkReport) -> None:
        pending = list(range(len(chunk)))
        for attempt in range(RETRIES + 1):
            if attempt:
                report.retries += 1
                self._sleep(attempt)
            try:
                report.requests += 1
                answer = self.adapter.bulk(b"".join(chunk[i] for i in pending))
            except EngineUnavailable as exc:
                log.warning("bulk request failed (%s); retrying", exc)
                continue
            except EngineError as exc:
                if exc.status in (429, 502, 503, 504):
                    log.warning("bulk request refused (%s); retrying", exc)
                    continue
                raise
            retry = []
            for i, item in zip(pending, answer["items"], strict=True):
                result = next(iter(item.values()))
                status = result.get("status", 500)
                if status == 429:
                    retry.append(i)
                elif status >= 300 and not (status == 404 and "delete" in item):
                    report.failed.append((ids[i], str(result.get("error", {}).get("reason", status))))
                else:
                    report.indexed += 1
            pending = retry
            if not pending:
                return
        report.failed.extend((ids[i], "still refused after retries") for i in pending)

    # -- reads --------------------------------------------------------------
    def count(self) -> int:
        return int(self.adapter.request("GET", f"/{self.alias}/_count")["count"])

    def doc_freq(self, word: str) -> int:
        # Exact: the documents that have it in any text field (one request, as a search).
        return self.search(SearchQuery(text=word, limit=1)).total

    def search(self, q: SearchQuery) -> SearchResult:
        answer = self.adapter.request("POST", f"/{self.alias}/_search", body=dsl.search_body(q))
        scored = q.has_scoring_terms and q.sort == "relevance"
        hits = [_hit(h, q, scored) for h in answer["hits"]["hits"]]
        total = answer["hits"]["total"]
        return SearchResult(hits, int(total["value"] if isinstance(total, dict) else total))

    def explain(self, q: SearchQuery, nct_id: str) -> dict[str, list[str]]:
        body, names = dsl.explain_body(q, nct_id)
        answer = self.adapter.request("POST", f"/{self.alias}/_search", body=body)
        matched: dict[str, list[str]] = {}
        for hit in answer["hits"]["hits"]:
            for name in hit.get("matched_queries", []):
                field_name, label = names[name]
                if label not in matched.setdefault(field_name, []):
                    matched[field_name].append(label)
        return matched
