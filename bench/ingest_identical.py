"""Does a write-path change keep every output? Ingest every real document twice, dump the store, compare.

    python -m bench.ingest_identical dump OUT     # on one commit, then on the other
    python -m bench.ingest_identical crawl-dump OUT   # the same for `trials crawl ctgov`, twice
    python -m bench.ingest_identical compare OLD OUT

The dump holds every stored table (timestamps masked, zstd columns decompressed, rows sorted), each
record's search document, a set of searches, and both passes' outcome counts; `sizes.json` beside it
(not compared) holds the data directory's size and the compressed bytes, for changes of compression.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import search_cli  # noqa: F401  (the CLI's GC policy, as `trials ingest` runs)
from bench.common import SHARED
from indexer.catalog import Catalog
from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.index.tantivy_schema import fields
from indexer.ingest.files import iter_documents

# Every registry folder there is (the other registries' pages and exports included).
FOLDERS = sorted(p for d in ("ctgov", "registries") for p in (SHARED / d).iterdir() if p.is_dir())
# Columns holding the time of the run, not anything the documents say.
TIMESTAMPS = {"updated_at", "recorded_at", "resolved_at", "last_run_at", "created_at", "ran_at", "first_failed_at"}
# ... and, for a crawl, when each document was fetched.
CRAWL_TIMESTAMPS = {"fetched_at"}
STAND_IN = re.compile(r"http://127\.0\.0\.1:[0-9]+")
FETCHED = re.compile(r'(fetched_at\\":\\")[0-9T:.Z+-]+')
STAND_IN_JSON = re.compile(rb"http://127\.0\.0\.1:[0-9]+")
FETCHED_JSON = re.compile(rb'("fetched_at": ?")[0-9T:.Z+-]+')
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

SEARCHES = [
    *(
        SearchQuery(text=t, limit=50, every_word=every)
        for t in (
            "cancer",
            "breast cancer",
            "lupus",
            "low dose interleukin-2 lupus",
            "diabetes insulin",
            "covid-19 vaccine",
            "Beijing",
            "pembrolizumab",
            "heart failure",
            "asthma in children",
            "leukaemia",
            "HIV",
            "stroke rehabilitation",
        )
        for every in (False, True)
    ),
    SearchQuery(conditions=("Breast Cancer",), limit=50),
    SearchQuery(conditions=("Lupus Erythematosus, Systemic",), limit=50),
    SearchQuery(drugs=("metformin",), limit=50),
    SearchQuery(statuses=("RECRUITING",), limit=100),
    SearchQuery(countries=("France",), limit=100),
    SearchQuery(age=70, sex="FEMALE", text="cancer", limit=100),
    SearchQuery(age=17.5, text="asthma", limit=100),
    SearchQuery(near=(40.71, -74.0), within_km=100, limit=100),
    SearchQuery(near=(48.85, 2.35), within_km=300, sort="distance", limit=100),
    SearchQuery(phases=("PHASE3",), limit=100),
    SearchQuery(text="tumor", sort="updated", limit=100),
    SearchQuery(sponsor="Pfizer", limit=50),
    SearchQuery(study_types=("OBSERVATIONAL",), fresh=True, limit=100),
    SearchQuery(ids=("NCT04077684", "NCT02084238", "NCT03556007"), limit=10),
]


def _value(column: str, value: Any) -> Any:
    if (column in TIMESTAMPS or column in CRAWL_TIMESTAMPS) and value is not None:
        return "<time>"
    if isinstance(value, bytes):
        if value.startswith(ZSTD_MAGIC):
            from indexer.store.blobs import unpack

            value = unpack(value)
        # A stored record's JSON holds when and where it was fetched (the stand-in's port): masked, as above.
        value = FETCHED_JSON.sub(rb"\1<time>", STAND_IN_JSON.sub(b"http://stand-in", value))
        return "sha256:" + hashlib.sha256(value).hexdigest() if len(value) > 64 else "hex:" + value.hex()
    return value


def _compressed(value: Any) -> int:
    return len(value) if isinstance(value, bytes) and value.startswith(ZSTD_MAGIC) else 0


def _ingest_twice(catalog: Catalog, docs: list[tuple[str, bytes]]) -> list[dict[str, int]]:
    counts = []
    for _ in range(2):
        with catalog.writer() as w:
            for location, body in docs:
                w.add_document(body, location)
        counts.append(dict(sorted(w.stats.counts.items())))
    return counts


def _lines(catalog: Catalog, passes: list[dict[str, int]], sizes: dict[str, int]) -> Iterator[str]:
    yield "# outcomes " + json.dumps(passes)
    for table, columns, rows in catalog.store.table_rows():
        yield f"# table {table} {columns} {len(rows)} rows"
        for row in rows:
            sizes[table] = sizes.get(table, 0) + sum(_compressed(v) for v in row)
            yield json.dumps([_value(c, v) for c, v in zip(columns, row, strict=True)], default=str)
    assert not catalog.store.pending_index(), "records left unindexed"
    ids = sorted(r.nct_id for r in catalog.store.iter_records())
    yield f"# search documents {len(ids)}"
    for nct_id, record in sorted(catalog.store.get_many(ids).items()):
        doc = {k: v.hex() if isinstance(v, bytes) else v for k, v in fields(record).items()}
        yield nct_id + " " + json.dumps(doc, sort_keys=True, default=repr)
    yield f"# searches {len(SEARCHES)}"
    for query in SEARCHES:
        result, _ = catalog.search(query)
        hits = [(h.nct_id, round(h.score, 4), h.site, h.distance_km) for h in result.hits]
        yield json.dumps([repr(query), result.total, result.total_is_estimate, result.some_words, hits])


def dump(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    data = out / "data"
    docs = [(loc, body) for loc, body in iter_documents(FOLDERS) if isinstance(body, bytes)]
    catalog = Catalog(load(data))
    passes = _ingest_twice(catalog, docs)
    sizes: dict[str, int] = {}
    with (out / "dump.txt").open("w") as f:
        for line in _lines(catalog, passes, sizes):
            f.write(line + "\n")
    catalog.close()
    sizes["data_dir_bytes"] = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    sizes["sqlite_bytes"] = sum(p.stat().st_size for p in data.glob("*.sqlite*"))
    (out / "sizes.json").write_text(json.dumps(sizes, indent=1) + "\n")
    shutil.rmtree(data)
    print(f"{len(docs)} documents, outcomes {passes}; {sizes['sqlite_bytes']:,} bytes of store")


def crawl_dump(out: Path) -> None:
    """`trials crawl ctgov` of every real API v2 study from the stand-in, pages of 250; then again after a
    third of them changed status (with a non-ASCII `whyStopped`) and a fifth gained a condition."""
    from devtools.mockserver import MockRegistry, MockState, load_studies

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    data = out / "data"
    studies = load_studies([SHARED / "ctgov" / "v2"])
    trials = str(Path(sys.executable).with_name("trials"))
    passes: list[dict[str, int]] = []
    with MockRegistry(MockState(studies, max_page_size=250)) as mock:
        for n in range(2):
            if n:
                for i, study in enumerate(studies[k] for k in sorted(studies)):
                    section = study["protocolSection"]
                    if i % 3 == 0:
                        section["statusModule"]["overallStatus"] = "TERMINATED"
                        section["statusModule"]["whyStopped"] = "Financement arrêté — 资金不足"
                    if i % 5 == 0:
                        conditions = section.setdefault("conditionsModule", {}).setdefault("conditions", [])
                        conditions.append("Névralgie du trijumeau")
            argv = [trials, "--data-dir", str(data), "crawl", "ctgov", "--since", "1900-01-01"]
            done = subprocess.run(
                [*argv, "--api-url", mock.url, "--page-size", "250"],
                env={**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"},
                capture_output=True,
                text=True,
            )
            passes.append({"exit": done.returncode})
            print(done.stderr.strip()[-300:])
    catalog = Catalog(load(data))
    with (out / "dump.txt").open("w") as f:
        for line in _lines(catalog, passes, {}):
            # The stand-in's port, and the fetch time the record JSON holds, differ between runs.
            f.write(FETCHED.sub(r"\1<time>", STAND_IN.sub("http://stand-in", line)) + "\n")
    catalog.close()
    shutil.rmtree(data)
    print(f"{len(studies)} studies crawled twice, exits {passes}")


def compare(old: Path, new: Path) -> bool:
    a = (old / "dump.txt").read_text().splitlines()
    b = (new / "dump.txt").read_text().splitlines()
    if a == b:
        print(f"identical: {len(a)} lines (tables, search documents, searches)")
        return True
    section = ""
    shown = 0
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        section = x if x.startswith("# ") else section
        if x != y and shown < 10:
            print(f"line {i} in {section[:120]}:\n- {x[:300]}\n+ {y[:300]}")
            shown += 1
    if len(a) != len(b):
        print(f"{len(a)} lines against {len(b)}")
    return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("dump").add_argument("out", type=Path)
    sub.add_parser("crawl-dump").add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.out)
    elif args.cmd == "crawl-dump":
        crawl_dump(args.out)
    else:
        sys.exit(0 if compare(args.old, args.new) else 1)


if __name__ == "__main__":
    main()
