"""A crawl shared through Redis: its keys, the stream of fetched documents, and each crawler's facts."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import redis

from indexer.ingest.plan import CrawlPlan
from indexer.ingest.relay_messages import StreamDocument, plan_from_json, plan_to_json

# A crawler or writer whose heartbeat is this old is gone (killed, machine down): its share is lost.
HEARTBEAT_TTL = 15.0
HEARTBEAT_EVERY = 3.0
GROUP = "writers"
# How long the crawl's outcome stays in Redis for processes that ask after the writer finished.
RESULT_TTL = 7 * 24 * 3600


class RelayError(RuntimeError):
    """Redis cannot be reached, or the crawl's keys say this process must not take part; the message says why."""


def text(value: bytes | str | None) -> str:
    """A Redis reply as text (the client returns bytes: bodies are bytes)."""
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def connect(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RelayError(f"cannot reach Redis at {_safe(url)} ({exc}); check --redis-url and that Redis runs") from exc
    return client


def _shown(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(args.items()) if v) or "nothing"


def _safe(url: str) -> str:
    """The URL without a password: credentials are never printed."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


class Relay:
    """The keys of one shared crawl, `trialscout:{crawl_id}:*`, and what crawlers and the writer do with them."""

    def __init__(self, client: redis.Redis, crawl_id: str):
        self.r = client
        self.crawl_id = crawl_id

    def key(self, name: str) -> str:
        return f"trialscout:{self.crawl_id}:{name}"

    # -- what the crawl is -------------------------------------------------------------------
    def post_query(self, spider: str, args: Mapping[str, Any]) -> None:
        """The first crawler names the crawl's query; the others must ask for the same."""
        wanted = json.dumps({"spider": spider, "args": dict(args)}, sort_keys=True)
        self.r.set(self.key("query"), wanted, nx=True)
        current = text(self.r.get(self.key("query")))
        if current and current != wanted:
            theirs = json.loads(current)
            raise RelayError(
                f"crawl {self.crawl_id} is a {theirs['spider']} crawl of {_shown(theirs['args'])}, not "
                f"{_shown(args)}: give the same query, or another --crawl-id"
            )

    def query(self) -> tuple[str, dict[str, Any]] | None:
        raw = self.r.get(self.key("query"))
        if raw is None:
            return None
        data = json.loads(raw)
        return data["spider"], data["args"]

    def publish_plan(self, plan: CrawlPlan) -> CrawlPlan:
        """The writer's plan, set once: a writer restarted mid-crawl keeps the one the crawlers use."""
        self.r.set(self.key("plan"), plan_to_json(plan), nx=True)
        published = self.plan()
        assert published is not None
        return published

    def plan(self) -> CrawlPlan | None:
        raw = self.r.get(self.key("plan"))
        return plan_from_json(raw) if raw is not None else None

    def wait(self, what: Callable[[], Any], timeout: float, *, stop: threading.Event | None = None) -> Any:
        """Poll `what` until it returns something other than None (or the crawl was aborted)."""
        deadline = time.monotonic() + timeout
        while True:
            value = what()
            if value is not None or time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                return value
            if (reason := self.aborted()) is not None:
                raise RelayError(f"the crawl's writer stopped it: {reason}")
            time.sleep(0.2)

    # -- who takes part ----------------------------------------------------------------------
    def claim_store(self, identity: str) -> None:
        """One store per crawl: a writer of another data directory would split the crawl between two stores."""
        self.r.set(self.key("store"), identity, nx=True)
        owner = text(self.r.get(self.key("store")))
        if owner != identity:
            raise RelayError(
                f"crawl {self.crawl_id} is stored in {owner}, not here ({identity}): run this crawler with --stream "
                "(it stores nothing itself), or use another --crawl-id"
            )

    def take_writer(self, me: str) -> str | None:
        """Take the writer's lease: None when taken, else who holds it. A dead writer of this host is replaced."""
        ttl = int(HEARTBEAT_TTL * 1000)
        if self.r.set(self.key("writer"), me, nx=True, px=ttl):
            return None
        holder = text(self.r.get(self.key("writer")))
        host, _, pid = holder.rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            with self.r.pipeline() as pipe:  # replace exactly that dead holder, not a writer that just took over
                try:
                    pipe.watch(self.key("writer"))  # type: ignore[no-untyped-call]
                    if text(pipe.get(self.key("writer"))) == holder:
                        pipe.multi()
                        pipe.set(self.key("writer"), me, px=ttl)
                        pipe.execute()
                        return None
                except redis.WatchError:
                    pass
        return holder or None

    def register(self, name: str) -> None:
        with self.r.pipeline() as pipe:
            pipe.hset(self.key("crawlers"), name, json.dumps({"state": "running"}))
            pipe.set(self.key(f"alive:{name}"), name, px=int(HEARTBEAT_TTL * 1000))
            pipe.execute()

    def crawlers(self) -> dict[str, dict[str, Any]]:
        return {text(k): json.loads(v) for k, v in self.r.hgetall(self.key("crawlers")).items()}

    def alive(self, name: str) -> bool:
        return bool(self.r.exists(self.key(f"alive:{name}")))

    @contextmanager
    def heartbeat(self, name: str, key: str) -> Iterator[None]:
        """Keep `key` (a crawler's alive mark, the writer's lease) set while the block runs."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_EVERY):
                # Only while it exists: a mark that expired (the writer judged us gone) or that the
                # writer removed with the finished crawl stays so. A failure is said by the next
                # command of the process that needs Redis.
                with suppress(redis.RedisError):
                    self.r.set(self.key(key), name, px=int(HEARTBEAT_TTL * 1000), xx=True)

        thread = threading.Thread(target=beat, name=f"heartbeat {key}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def done(self, name: str, facts: Mapping[str, Any]) -> None:
        """A crawler finished its share: what it sent and what it saw, for the writer to judge the crawl."""
        self.r.hset(self.key("crawlers"), name, json.dumps({"state": "done", **facts}))

    # -- documents ---------------------------------------------------------------------------
    def send(self, doc: StreamDocument) -> None:
        with self.r.pipeline() as pipe:  # MULTI: the entry and the backlog it adds, together
            pipe.xadd(self.key("docs"), doc.fields())  # type: ignore[arg-type]
            pipe.incrby(self.key("backlog"), len(doc.body) + len(doc.url) + 64)
            pipe.execute()

    def backlog(self) -> int:
        """Bytes sent and not yet stored: crawlers wait while it is over the limit."""
        return int(self.r.get(self.key("backlog")) or 0)

    def aborted(self) -> str | None:
        raw = self.r.get(self.key("abort"))
        return text(raw) if raw is not None else None

    def stored(self, name: str) -> Counter[str]:
        """What the writer committed of one crawler's documents (documents, and records by status)."""
        prefix = f"{name}/"
        return Counter(
            {
                text(k)[len(prefix) :]: int(v)
                for k, v in self.r.hgetall(self.key("stored")).items()
                if text(k).startswith(prefix)
            }
        )

    def result(self) -> dict[str, Any] | None:
        raw = self.r.get(self.key("result"))
        return json.loads(raw) if raw is not None else None

    def pending_requests(self) -> int:
        """Requests left in scrapy-redis's shared queue (a sorted set by default, a list for FIFO/LIFO queues)."""
        key = self.key("requests")
        kind = self.r.type(key)
        if kind == b"zset":
            return int(self.r.zcard(key))
        if kind == b"list":
            return int(self.r.llen(key))
        return 0

    def reset(self) -> None:
        """Forget a finished crawl's keys, so that the same crawl id crawls afresh next time."""
        names = [k for k in self.r.scan_iter(match=f"trialscout:{self.crawl_id}:*") if not k.endswith(b":result")]
        if names:
            self.r.delete(*names)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
