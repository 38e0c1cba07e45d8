"""Compressing large source documents on a thread of their own, while the writer parses them."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from indexer.store.blobs import compressor
from indexer.threads import name_native_thread

# A crawled API page (1,000 studies, about 12 MB) took the writer thread 57 ms of zstd, a fifth of
# what parsing it takes. zstd releases the GIL, so on its own thread it runs beside the parsing.
# Small documents are not worth the hand-over: the writer compresses those itself.
BACKGROUND_BYTES = 1_000_000


class BackgroundPacker:
    """One worker thread, started with the first large document and stopped by `close`."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._compressor = compressor()  # a zstd compressor must not be shared between threads

    def start(self, body: bytes) -> Future[bytes] | None:
        """The compressed body to come, or None if `body` is small (the store compresses it then)."""
        if len(body) < BACKGROUND_BYTES:
            return None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, "trialscout-pack", name_native_thread, ("trials-pack",))
        return self._pool.submit(self._compressor.compress, body)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
