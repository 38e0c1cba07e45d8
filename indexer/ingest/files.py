"""Bulk ingest: files, folders and .zip archives of API v2 JSON and legacy XML, in path order."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.catalog import Catalog, IngestStats

# Registry documents; anything else in a folder (INDEX.csv, README) is not looked at.
DOCUMENT_SUFFIXES = (".json", ".xml", ".html", ".htm")


def _is_document(name: str) -> bool:
    return name.lower().endswith(DOCUMENT_SUFFIXES)


def count_documents(paths: Iterable[Path]) -> int:
    return sum(1 for _ in _walk(paths))


def _walk(paths: Iterable[Path], named: bool = True) -> Iterator[tuple[Path, str | None]]:
    """`named`: the user named these paths, so a file is read whatever its name (its bytes say its format)."""
    for path in paths:
        if path.is_dir():
            # Sorted, so that dated version files (NCT…/2017-01-18.xml) arrive oldest first.
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from _walk(children, named=False)
        elif path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    names = sorted(zf.namelist())
            except (zipfile.BadZipFile, OSError):
                yield path, ""  # read again in iter_documents, where its failure is said
                continue
            for name in names:
                if _is_document(name):
                    yield path, name
        elif path.is_file():
            if named or _is_document(path.name):
                yield path, None
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A document that could not be read at all (too large, a damaged archive); counted as a failure."""

    error: str


def _read_file(path: Path, limit: int) -> bytes | Unreadable:
    try:
        if path.stat().st_size > limit:
            return Unreadable(f"larger than the {limit // 2**20} MB limit (TRIALS_MAX_DOCUMENT_MB)")
        return path.read_bytes()
    except OSError as exc:
        return Unreadable(f"cannot be read: {exc.strerror or exc}")


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | Unreadable:
    try:
        with archive.open(name) as member:
            # Read at most one byte past the limit: a member may claim any size, and a small archive
            # can expand to gigabytes.
            body = member.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        return Unreadable(f"damaged archive member: {exc}")
    except RuntimeError as exc:  # zipfile's word for an encrypted member (no password is given)
        return Unreadable(f"archive member cannot be read: {exc}")
    if len(body) > limit:
        return Unreadable(f"expands past the {limit // 2**20} MB limit (TRIALS_MAX_DOCUMENT_MB)")
    return body


def iter_documents(paths: Iterable[Path], limit: int = 200 * 2**20) -> Iterator[tuple[str, bytes | Unreadable]]:
    """(location, bytes) of every registry document under `paths`; zip members as `a.zip!name`.

    A document that cannot be read comes as Unreadable, with why; the walk goes on.
    """
    open_zip: tuple[Path, zipfile.ZipFile] | None = None
    try:
        for path, member in _walk(paths):
            if member is None:
                yield str(path), _read_file(path, limit)
                continue
            if open_zip is None or open_zip[0] != path:
                if open_zip:
                    open_zip[1].close()
                    open_zip = None
                try:
                    open_zip = (path, zipfile.ZipFile(path))
                except (zipfile.BadZipFile, OSError) as exc:
                    yield str(path), Unreadable(f"not a readable zip archive: {exc}")
                    continue
            yield f"{path}!{member}", _read_member(open_zip[1], member, limit)
    finally:
        if open_zip:
            open_zip[1].close()


def ingest_paths(catalog: Catalog, paths: Iterable[Path], progress: Callable[[int], None] | None = None) -> IngestStats:
    """Parse, store and index every document; bad ones are counted, logged and kept."""
    paths = list(paths)
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
    limit = catalog.settings.max_document_mb * 2**20
    named = {str(p) for p in paths if p.is_file()}  # read whatever their name: a .csv is skipped, and said
    with catalog.writer(progress) as w:
        for location, body in iter_documents(paths, limit):
            if isinstance(body, Unreadable):
                w.fail(location, body.error)
            elif w.add_document(body, location).status == "skipped" and location in named:
                w.stats.unread_named.append(location)
    return w.stats
