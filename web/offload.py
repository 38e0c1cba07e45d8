"""Slow answers (similar trials) worked out on a thread of their own, so quick pages do not queue behind them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from indexer.catalog import Catalog
from indexer.config import Settings

T = TypeVar("T")


class Offload:
    """One thread with a catalog of its own (an SQLite connection stays on the thread that opened it).

    A worker's event loop answers one request at a time: a search page arriving behind a similar
    section (50-130 ms at 100,000 trials) waited for all of it. On this thread, similar overlaps the
    quick pages instead: tantivy and SQLite release the interpreter lock while they work, and Python
    hands the lock over every few milliseconds while similar runs its own code.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._pool: ThreadPoolExecutor | None = None  # made when needed: an app may be started again after close
        self._catalog: Catalog | None = None

    def _ready(self) -> Catalog:
        if self._catalog is None:
            self._catalog = Catalog(self.settings)
        self._catalog.catch_up()  # as the answer cache does for the event loop's catalog
        return self._catalog

    async def run(self, work: Callable[[Catalog], T]) -> T:
        """`work(catalog)` on the thread, awaited without holding up the event loop."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trials-similar")
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: work(self._ready()))

    def close(self) -> None:
        def close_catalog() -> None:
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None

        if self._pool is not None:
            self._pool.submit(close_catalog).result()
            self._pool.shutdown()
            self._pool = None
