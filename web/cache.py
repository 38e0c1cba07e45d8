"""Answers kept in memory while the data directory stays as it is: the server only reads it."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.catalog import Catalog

# Pages and API answers that depend on the request, the stored data and the day (how fresh a trial's
# entry is, "updated 3 years ago"), unlike a watch's feed: the ones people load most.
CACHED = ("/search", "/trials/", "/api/search", "/api/trials/")
MAX_ENTRY = 1 << 20  # a larger answer is served, not kept
# Says whether an answer came from the cache (benchmarks count them; so can an operator).
HIT, MISS = (b"x-cache", b"hit"), (b"x-cache", b"miss")


def today() -> str:
    """The day the pages count ages from (`present.ago` and `freshness` use the local date)."""
    return date.today().isoformat()


class ResponseCache:
    """GET answers (status 200) keyed on the whole request line and Host, dropped when the data changes.

    Which state of the data an answer was made from is the store's `data_version`, which another
    process's commit (an ingest, a crawl, a reindex) changes; the catalog then reads the data afresh
    too (`Catalog.catch_up`), cache or not.
    """

    def __init__(self, app: ASGIApp, catalog: Catalog, max_bytes: int):
        self.app = app
        self.catalog = catalog
        self.max_bytes = max_bytes
        self.size = 0
        self._seen: tuple[int, str] | None = None
        self._entries: OrderedDict[tuple[bytes, ...], tuple[Message, bytes]] = OrderedDict()

    def _key(self, scope: Scope) -> tuple[bytes, ...] | None:
        if scope["method"] != "GET" or not scope["path"].startswith(CACHED):
            return None
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        return (scope["path"].encode("utf-8", "surrogateescape"), scope.get("query_string", b""), host)

    def generation(self) -> tuple[int, str]:
        # The data's state and the day: an answer made yesterday says how old entries were yesterday.
        found = (self.catalog.catch_up(), today())
        if found != self._seen:
            self._entries.clear()
            self.size, self._seen = 0, found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        generation = self.generation()
        key = self._key(scope) if self.max_bytes > 0 else None
        if key is None:
            await self.app(scope, receive, send)
            return
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            kept, body = found
            await send({**kept, "headers": [*kept["headers"], HIT]})
            await send({"type": "http.response.body", "body": body})
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if message["status"] == 200:
                    message = {**message, "headers": [*message.get("headers", []), MISS]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, generation, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, keep)

    def _store(self, key: tuple[bytes, ...], generation: object, start: Message, body: bytes) -> None:
        if start.get("status") != 200 or len(body) > MAX_ENTRY or generation != self._seen:
            return
        old = self._entries.pop(key, None)  # two requests for it were answered at once
        self.size += len(body) - (len(old[1]) if old else 0)
        self._entries[key] = ({**start, "headers": list(start.get("headers", []))}, body)
        while self.size > self.max_bytes and self._entries:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.size -= len(dropped)
