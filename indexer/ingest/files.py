"""Bulk ingest: files, folders and .zip archives of API v2 JSON and legacy XML, in path order."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from indexer.catalog import Catalog, IngestStats

# Registry documents; anything else in a folder (INDEX.csv, README) is not looked at.
DOCUMENT_SUFFIXES = (".json", ".xml", ".html", ".htm")


def _is_document(name: str) -> bool:
    return name.lower().endswith(DOCUMENT_SUFFIXES)


def count_documents(paths: Iterable[Path]) -> int:
    return sum(1 for _ in _walk(paths))


def _walk(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    for path in paths:
        if path.is_dir():
            # Sorted, so that dated version files (NCT…/2017-01-18.xml) arrive oldest first.
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from _walk(children)
        elif path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                for name in sorted(zf.namelist()):
                    if _is_document(name):
                        yield path, name
        elif path.is_file():
            if _is_document(path.name):
                yield path, None
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")


def iter_documents(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """(location, bytes) of every registry document under `paths`; zip members as `a.zip!name`."""
    open_zip: tuple[Path, zipfile.ZipFile] | None = None
    try:
        for path, member in _walk(paths):
            if member is None:
                yield str(path), path.read_bytes()
                continue
            if open_zip is None or open_zip[0] != path:
                if open_zip:
                    open_zip[1].close()
                open_zip = (path, zipfile.ZipFile(path))
            yield f"{path}!{member}", open_zip[1].read(member)
    finally:
        if open_zip:
            open_zip[1].close()


def ingest_paths(catalog: Catalog, paths: Iterable[Path], progress: Callable[[int], None] | None = None) -> IngestStats:
    """Parse, store and index every document; bad ones are counted, logged and kept."""
    paths = list(paths)
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
    with catalog.writer(progress) as w:
        for location, body in iter_documents(paths):
            w.add_document(body, location)
    return w.stats
