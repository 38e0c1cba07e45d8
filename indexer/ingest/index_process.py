"""The search index written by a process of its own, so a crawl's writer thread only stores (TRIALS_INDEX_PROCESS)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.index.base import IndexUnavailable, IndexWriteError
from indexer.store.schema import GONE

if TYPE_CHECKING:  # loaded by the index process only, not by every writer
    from indexer.index.tantivy_index import TantivyIndex
    from indexer.store import RecordStore

# The writer sends the ids of each batch after its store transaction commits. The index process reads
# those records (JSON and content hash) from the store, upserts them into tantivy, commits every
# INDEX_COMMIT_RECORDS records or INDEX_COMMIT_SECONDS, and answers with the (id, content hash) pairs
# it committed. The writer marks exactly those indexed in its next transaction: a record stored again
# meanwhile stays pending. A crash of either process leaves records pending, never lost: the next
# writer's `reconcile` indexes them, and an upsert replaces a document (no duplicates).
#
# Only the index process holds tantivy's writer while it runs. If it dies, the next send, answer or
# final flush raises IndexProcessDied, which stops the crawl with a message saying how to finish.
# How often the search index commits during a long write, here or in the writer's own process:
# records, or seconds, whichever comes first.
INDEX_COMMIT_RECORDS = 10_000
INDEX_COMMIT_SECONDS = 30.0
# Seconds the final flush waits for the index process's last commit before calling it stuck.
FINAL_WAIT = 600.0
# Tests only: the index process exits abruptly after this many records (a crash mid-crawl).
DIE_AFTER_ENV = "TRIALS_TEST_INDEX_PROCESS_DIES_AFTER"

_COMMIT = "commit"  # messages to the process: a list of ids, _COMMIT (answer even if empty) or None (stop)


class IndexProcessDied(IndexUnavailable):
    """The index process stopped; the records it did not commit stay pending in the store."""

    def __str__(self) -> str:
        return (
            f"{RuntimeError.__str__(self)}; every record is stored, and those not indexed are pending:"
            " run the crawl again (it indexes them first) or `trials reindex`"
        )


Answer = list[tuple[str, str]]  # (nct_id, content_hash) committed to the index


class IndexProcess:
    """The parent's handle: `send` ids after a store commit, `committed` takes answers, `finish` waits for all."""

    def __init__(self, db_path: Path, index_dir: Path):
        context = multiprocessing.get_context("spawn")  # no fork of a process with a reactor and threads
        self._conn, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_serve, args=(child, str(db_path), str(index_dir)), name="trials-index", daemon=True
        )
        self._process.start()
        child.close()
        self._answers: list[Answer] = []
        self._finals = 0  # answers to _COMMIT received
        self._changed = threading.Condition()
        self._dead: str | None = None
        self._write_error: str | None = None  # the index could not be written (a full disk): said as such
        # Answers are read on a thread: the process's send of a large answer never waits for our send.
        self._reader = threading.Thread(target=self._read, name="trials-index-answers", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def _read(self) -> None:
        while True:
            try:
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                break
            with self._changed:
                if kind in ("error", "write_error"):
                    self._dead = f"the index process failed: {payload}"
                    self._write_error = payload if kind == "write_error" else None
                    break
                self._answers.append(payload)
                self._finals += kind == "final"
                self._changed.notify_all()
        self._process.join(5)
        with self._changed:
            if self._dead is None:
                self._dead = f"the index process stopped (exit code {self._process.exitcode})"
            self._changed.notify_all()

    def _check(self) -> None:
        if self._write_error is not None:
            raise IndexWriteError(self._write_error)
        if self._dead is not None:
            raise IndexProcessDied(self._dead)

    def send(self, ids: list[str]) -> None:
        """Index these records, stored and committed (waits while the process is far behind)."""
        self._check()
        try:
            self._conn.send(ids)
        except OSError as exc:
            raise IndexProcessDied(f"the index process stopped ({exc})") from exc

    def committed(self) -> list[tuple[str, str]]:
        """The (id, content hash) pairs committed to the index since the last call."""
        with self._changed:
            answers, self._answers = self._answers, []
            if not answers:
                self._check()
        return [pair for answer in answers for pair in answer]

    def finish(self, timeout: float = FINAL_WAIT) -> list[tuple[str, str]]:
        """Commit whatever the process holds and wait for its answer; the pairs not yet taken."""
        with self._changed:
            wanted = self._finals + 1
        self.send(_COMMIT)  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._finals < wanted and self._dead is None:
                if not self._changed.wait(max(0.0, deadline - time.monotonic())):
                    raise IndexProcessDied(f"the index process did not commit within {timeout:.0f} s")
            if self._finals < wanted:
                self._check()
        return self.committed()

    def close(self) -> None:
        """Stop the process (after `finish`, or abandoning what it did not commit) and wait for it."""
        if self._process.is_alive():
            with contextlib.suppress(OSError):
                self._conn.send(None)
            self._process.join(60)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._conn.close()
        self._reader.join(10)


def _serve(conn: Connection, db_path: str, index_dir: str) -> None:
    """The index process: upsert the ids it is sent, commit and answer, until told to stop or orphaned."""
    from indexer.index.tantivy_index import TantivyIndex
    from indexer.store import RecordStore
    from indexer.threads import name_native_thread

    name_native_thread("trials-index")
    # Ctrl-C reaches the whole process group: the crawl stops gracefully and then tells us to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_after = int(os.environ.get(DIE_AFTER_ENV, "0") or 0)
    try:
        store = RecordStore(db_path, readonly=True)
        index = TantivyIndex(Path(index_dir))
        _loop(conn, store, index, die_after)
    except IndexWriteError as exc:  # its message says what to do
        with contextlib.suppress(OSError):
            conn.send(("write_error", str(exc)))
    except Exception as exc:  # told to the parent, which stops the crawl and says why
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _loop(conn: Connection, store: RecordStore, index: TantivyIndex, die_after: int) -> None:
    held: list[tuple[str, str]] = []
    done = 0
    since = time.monotonic()
    while True:
        wait = max(0.0, INDEX_COMMIT_SECONDS - (time.monotonic() - since)) if held else None
        if not conn.poll(wait):
            message: Any = _COMMIT if held else []  # time to commit what is held
            kind = "commit"
        else:
            try:
                message = conn.recv()
            except EOFError:
                return  # the writer is gone: what is held stays pending in the store, for its rerun
            if message is None:
                return
            kind = "final" if message == _COMMIT else "commit"
        if message != _COMMIT:
            rows = store.indexable(message)
            index.upsert([record for _, _, record in rows])
            held.extend((nct_id, digest) for nct_id, digest, _ in rows)
            # A trial sent with no record any more was merged into another: its document goes.
            gone = sorted(set(message) - {nct_id for nct_id, _, _ in rows})
            if gone:
                index.delete(gone)
                held.extend((nct_id, GONE) for nct_id in gone)
            done += len(rows)
            if die_after and done >= die_after:
                os._exit(3)
            if len(held) < INDEX_COMMIT_RECORDS:
                continue
        index.commit()
        conn.send((kind, held))
        held = []
        since = time.monotonic()
