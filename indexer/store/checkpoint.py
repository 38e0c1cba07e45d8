"""WAL checkpoints on a thread of their own while a writer commits batch after batch."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.store.db import Database, explain

# The writer's own connection still checkpoints once the WAL holds this many pages (SQLite's default is
# 1,000): a safety net should the thread fall behind, far above what one batch writes (about 4,000).
WRITER_AUTOCHECKPOINT = 20_000
# ... and its page cache holds a whole batch (KiB, as PRAGMA cache_size takes it negative): with SQLite's
# default of 2 MB, a batch's 16 MB of new pages spilled into the WAL before its commit, and the index pages
# its next statements needed were read back in, a third of the writer's SQL CPU. Pages are taken as used,
# and given back when the writer is done.
WRITER_CACHE_KIB = 65_536


class Checkpointer:
    """Copies committed WAL pages into the database file after each commit, on its own connection.

    A checkpoint cost the writer thread 37 us a record, most of the batch's commit; here it runs beside
    the next batch's parsing (SQLite releases the GIL). PASSIVE: it never waits for or blocks a writer
    or reader, and copies what it can; the WAL starts over when the writer next writes and finds every
    page copied. A failure (disk full) is raised to the writer as its next transaction begins, or at close.
    """

    def __init__(self, path: Path):
        self._path = path
        try:
            self._conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA synchronous=NORMAL")  # as the writer's: sync at checkpoints only
        except sqlite3.Error as exc:
            raise explain(exc, path) from exc
        self._wake = threading.Event()
        self._stopping = False
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="trials-wal", daemon=True)
        self._thread.start()

    def begin(self) -> None:
        """A transaction begins: a checkpoint that failed since stops it before it writes anything."""
        self.check()

    def committed(self) -> None:
        """A transaction committed: copy its pages."""
        self._wake.set()

    def close(self) -> None:
        """Stop the thread (after the checkpoint it is running, if any); `check()` then says if one failed."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self._conn.close()

    def check(self) -> None:
        """Raise the failure of a checkpoint since the last call, if one failed."""
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _run(self) -> None:
        from indexer.threads import name_native_thread

        name_native_thread("trials-wal")  # 15 bytes at most
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:
                self._failure = explain(exc, self._path)
                return


@contextmanager
def beside(db: Database) -> Iterator[None]:
    """A Checkpointer for `db`'s writes while the block runs; the writer's own checkpoints as before after it."""
    if db.readonly:
        yield
        return
    checkpointer = Checkpointer(db.path)
    db.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT}")
    cache = db.one("PRAGMA cache_size")
    db.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
    db.watcher = checkpointer
    try:
        yield
    finally:
        db.watcher = None
        db.execute(f"PRAGMA cache_size={int(cache)}")
        db.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
        checkpointer.close()
    checkpointer.check()  # after a normal exit: a failure of the last checkpoint is the run's
