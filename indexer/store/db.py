"""The SQLite connection: WAL for writers, read-only where the file cannot be written, errors in plain words."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol


class StoreError(RuntimeError):
    """A failure of the record store, with a message that says what to do."""


class StoreReadOnly(StoreError):
    """The data directory cannot be written (a shared, mounted copy, or its permissions)."""


class StoreDamaged(StoreError):
    """The SQLite file is not a database, or its pages are corrupt."""


class StoreFull(StoreError):
    """The disk holding the data directory is full."""


# Raw SQLite errors can still surface while a caller iterates over rows: callers map them with explain().
DATABASE_ERRORS = (sqlite3.Error,)


def explain(exc: sqlite3.Error, path: Path) -> StoreError:
    """The store error a raw SQLite error amounts to, with what the user can do about it."""
    text = str(exc).lower()
    if "full" in text or ("disk i/o error" in text and _out_of_space(exc, path)):
        from indexer.diskspace import no_space

        return StoreFull(no_space(path))
    if "readonly" in text or "read-only" in text:
        return StoreReadOnly(
            f"{path.parent} is read-only ({exc}); write to a data directory you can write "
            "(--data-dir or TRIALS_DATA), or fix its permissions"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreDamaged(
            f"{path} is damaged ({exc}). Restore it from a backup, or move it aside and harvest again "
            "(`trials ingest` / `trials crawl`); the search index is rebuilt from it with `trials reindex`"
        )
    if "locked" in text or "busy" in text:
        return StoreError(f"{path} stayed locked ({exc}); is another trials process stuck?")
    return StoreError(f"the record store {path} failed: {exc}")


def _out_of_space(exc: sqlite3.Error, path: Path) -> bool:
    # SQLite says "disk is full" for most writes, but a failure to grow its shared-memory file or
    # to sync is a plain I/O error: the space left on the disk tells.
    from indexer.diskspace import is_full

    return is_full(exc, path)


class CommitWatcher(Protocol):
    """Told of each write transaction (a Checkpointer): `begin` may raise what went wrong since the last."""

    def begin(self) -> None: ...

    def committed(self) -> None: ...


def _writable(path: Path) -> bool:
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return os.access(parent, os.W_OK)


class Database:
    """One SQLite file. Writers use `transaction()`; a read-only one refuses writes with a clear message."""

    def __init__(self, path: Path, *, readonly: bool | None = None):
        self.path = path
        self.readonly = not _writable(path) if readonly is None else readonly
        self.watcher: CommitWatcher | None = None
        try:
            if self.readonly:
                self._conn = self._open_readonly()
            else:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except (FileExistsError, NotADirectoryError):
                    raise StoreError(
                        f"{path.parent} is not a directory (a file is in its way); point --data-dir (or "
                        "TRIALS_DATA) at a directory"
                    ) from None
                self._conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
                self._use_wal()
                self._conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            raise explain(exc, path) from exc

    def _open_readonly(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise StoreReadOnly(
                f"{self.path.parent} holds no record store and cannot be written; "
                "point --data-dir (or TRIALS_DATA) at a data directory with records in it"
            )
        uri = self.path.resolve().as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # A WAL database whose -shm file cannot be created here: read it as an immutable file
            # (https://www.sqlite.org/uri.html#uriimmutable); nobody writes a directory we cannot write.
            conn.close()
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)
        return conn

    def _use_wal(self) -> None:
        # WAL persists in the file, so only a new database needs the switch. The switch ignores the
        # busy timeout, and two processes may create the database at once: retry while it is locked.
        for _ in range(300):
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.1)
        raise StoreError(f"{self.path} stayed locked for 30 s; is another trials process stuck?")

    def close(self) -> None:
        self._conn.close()

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, tuple(params) if not isinstance(params, tuple | dict) else params)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        try:
            return self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from exc

    def executescript(self, sql: str) -> None:
        try:
            self._conn.executescript(sql)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from exc

    def by_ids(self, select: str, ids: Iterable[str], params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows of `select` (`SELECT ... FROM table`) for these trial ids (its `nct_id` column), 500 ids a
        statement: SQLite caps a statement's parameters. `params` fill placeholders in `select`."""
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.execute(f"{select} WHERE nct_id IN ({marks})", [*params, *chunk])

    def one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def page_cache_kib(self) -> int:
        """The connection's page cache limit in KiB (SQLite's cache_size: negative is KiB, positive pages)."""
        size = int(self.one("PRAGMA cache_size"))
        return -size if size < 0 else size * int(self.one("PRAGMA page_size")) // 1024

    def require_writable(self) -> None:
        if self.readonly:
            raise StoreReadOnly(
                f"{self.path.parent} is read-only: this command writes. Use a data directory you can write "
                "(--data-dir or TRIALS_DATA), or fix its permissions"
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.require_writable()
        if self.watcher is not None:
            self.watcher.begin()
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (SQLITE_FULL does): a second ROLLBACK would only
            # mask the real error with "no transaction is active".
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        if self.watcher is not None:
            self.watcher.committed()
