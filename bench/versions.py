"""Change tracking cost: re-ingest of an unchanged corpus, and versions written when 10% of records changed."""

from __future__ import annotations

import json
import random
import re
import tempfile
from pathlib import Path

from bench.common import SHARED, Timer, one_core, report
from indexer.catalog import Catalog
from indexer.config import load
from indexer.ingest.files import iter_documents

FOLDERS = ("v2", "xml", "xml_2021")


def change_json(body: bytes, rng: random.Random) -> bytes:
    """A later registry version of an API v2 study: status, enrollment, dates and one more site."""
    study = json.loads(body)
    p = study["protocolSection"]
    status = p["statusModule"]
    status["overallStatus"] = rng.choice(["RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED"])
    status["lastUpdatePostDateStruct"] = {"date": "2026-11-01", "type": "ACTUAL"}
    enrollment = p.setdefault("designModule", {}).setdefault("enrollmentInfo", {"count": 0})
    enrollment["count"] = int(enrollment.get("count") or 0) + rng.randint(1, 50)
    p.setdefault("contactsLocationsModule", {}).setdefault("locations", []).append(
        {"facility": f"New Site {rng.randint(1, 10**6)}", "city": "Lyon", "country": "France"}
    )
    return json.dumps(study).encode()


def change_xml(body: bytes, rng: random.Random) -> bytes:
    text = body.decode("utf-8")
    text = re.sub(
        r"<overall_status>[^<]*</overall_status>",
        f"<overall_status>{rng.choice(['Recruiting', 'Completed', 'Terminated'])}</overall_status>",
        text,
    )
    text = re.sub(
        r"<last_update_posted([^>]*)>[^<]*</last_update_posted>",
        r"<last_update_posted\1>November 1, 2026</last_update_posted>",
        text,
    )
    return text.encode("utf-8")


def main() -> None:
    one_core()
    rng = random.Random(3)
    docs = [(loc, b) for loc, b in iter_documents([SHARED / "ctgov" / f for f in FOLDERS]) if isinstance(b, bytes)]
    changed_idx = set(rng.sample(range(len(docs)), len(docs) // 10))
    later = [
        (loc, (change_json if loc.endswith(".json") else change_xml)(body, rng) if i in changed_idx else body)
        for i, (loc, body) in enumerate(docs)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(load(Path(tmp) / "data"))
        with Timer() as first, catalog.writer() as w:
            for loc, body in docs:
                w.add_document(body, loc)
        with Timer() as same, catalog.writer() as w_same:
            for loc, body in docs:
                w_same.add_document(body, loc)
        with Timer() as tenth, catalog.writer() as w_changed:
            for loc, body in later:
                w_changed.add_document(body, loc)
        written = w_changed.stats.counts["updated"]
        events = catalog.store.snapshot().events - catalog.store.count()  # less each trial's "new" event
        catalog.close()
    report(
        "versions",
        {
            "one_core": True,
            "documents": len(docs),
            "first_ingest_s": round(first.seconds, 3),
            "unchanged_reingest_s": round(same.seconds, 3),
            "unchanged_speedup": round(first.seconds / same.seconds, 1),
            "changed_documents": len(changed_idx),
            "ingest_with_10pct_changed_s": round(tenth.seconds, 3),
            "versions_written": written,
            "versions_per_s_of_run": round(written / tenth.seconds),
            "documents_per_s_of_run": round(len(docs) / tenth.seconds),
            "events_derived": events,
            "outcomes": dict(w_changed.stats.counts),
        },
    )


if __name__ == "__main__":
    main()
