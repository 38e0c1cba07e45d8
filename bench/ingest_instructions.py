"""Instructions a record costs, for cachegrind: run twice (with and without the records) and subtract.

    valgrind --tool=cachegrind --cache-sim=no python -m bench.ingest_instructions xml ingest
    valgrind --tool=cachegrind --cache-sim=no python -m bench.ingest_instructions xml ingest --none

`ingest`: a store warmed with 20 documents, then every 4th document of the folders through a writer
(parse, geocode, store, derived tables, the index and its commit). `index`: the same records parsed
and geocoded first, then only the embedded index's upsert and commit. `--none` does all but those
records' ingest (or indexing): the figure is the difference, divided by the records.
Run with PYTHONHASHSEED=0: set and dict orders then repeat from run to run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import search_cli  # noqa: F401  (the CLI's GC policy, as `trials ingest` runs)
from bench.common import SHARED
from indexer.catalog import Catalog
from indexer.config import load
from indexer.geo.geocode import geocode
from indexer.index.tantivy_index import TantivyIndex
from indexer.ingest.files import iter_documents
from indexer.parsers import parse_document
from indexer.record import TrialRecord

KINDS = {"xml": ("xml", "xml_2021", "xml_versions"), "v2": ("v2", "v2_exports", "v2_pages")}
WARM = 20
EVERY = 4


def documents(kind: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """(the warm-up documents, every EVERY-th of the rest)."""
    docs = [(loc, b) for loc, b in iter_documents(SHARED / "ctgov" / f for f in KINDS[kind]) if isinstance(b, bytes)]
    return docs[:WARM], docs[WARM::EVERY]


def records(docs: list[tuple[str, bytes]]) -> list[TrialRecord]:
    return [geocode(r) for loc, body in docs for r in parse_document(body, filename=loc).records]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("part", choices=("ingest", "index"))
    ap.add_argument("--none", action="store_true", help="everything but the measured records")
    args = ap.parse_args()
    warm, measured = documents(args.kind)
    with tempfile.TemporaryDirectory() as tmp:
        if args.part == "ingest":
            catalog = Catalog(load(Path(tmp) / "data"))
            with catalog.writer() as w:
                for loc, body in warm:
                    w.add_document(body, loc)
            if not args.none:
                with catalog.writer() as w:
                    for loc, body in measured:
                        w.add_document(body, loc)
            count = catalog.store.count()
            catalog.close()
        else:
            index = TantivyIndex(Path(tmp) / "index")
            index.rebuild(records(warm))
            todo = records(measured)
            if not args.none:
                index.upsert(todo)
                index.commit()
            index.close()
            count = len(todo)
    print(f"{args.kind} {args.part}: {len(measured)} documents, {count} records")


if __name__ == "__main__":
    main()
