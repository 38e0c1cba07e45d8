"""What crosses Redis in a shared crawl: the stream's entries, the crawl's plan and each crawler's progress."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from indexer.ingest.plan import CrawlPlan, CrawlProgress


@dataclass(frozen=True, slots=True)
class StreamDocument:
    """One entry of the crawl's stream: what a crawler fetched, for the writer to store.

    kind: "raw" (a document), "failed" (a response that could not be framed; `error` says why),
    "gone" (a former member the registry answered 404 for: `record_id` names it). A "raw" document's
    `record_id` names the trial whose page it was fetched as, if any (RawDocument.trial_id).
    """

    kind: str
    source: str
    url: str
    crawler: str
    body: bytes = b""
    fetched_at: str = ""
    error: str = ""
    record_id: str = ""
    http_status: int = 0

    def fields(self) -> dict[str, bytes | str | int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_fields(cls, raw: Mapping[bytes, bytes]) -> StreamDocument:
        text = {k.decode(): v for k, v in raw.items()}
        return cls(
            kind=text["kind"].decode(),
            source=text["source"].decode(),
            url=text["url"].decode(),
            crawler=text["crawler"].decode(),
            body=text.get("body", b""),
            fetched_at=text.get("fetched_at", b"").decode(),
            error=text.get("error", b"").decode(),
            record_id=text.get("record_id", b"").decode(),
            http_status=int(text.get("http_status", b"0") or 0),
        )


def plan_to_json(plan: CrawlPlan) -> str:
    return json.dumps({**dataclasses.asdict(plan), "query": dict(plan.query)}, sort_keys=True)


def plan_from_json(text: bytes | str) -> CrawlPlan:
    data = json.loads(text)
    return CrawlPlan(
        data["spider"], data["query"], tuple(data["ids"]), data["since"], data["incremental"],
        tuple(data["verify_ids"]), data["distributed"], tuple(data.get("members", ())),
    )  # fmt: skip


def progress_facts(progress: CrawlProgress) -> dict[str, Any]:
    return {
        "pages": progress.pages,
        "studies": progress.studies,
        "total_count": progress.total_count,
        "seen_ids": sorted(progress.seen_ids),
        "gone": progress.gone,
        "problems": progress.problems,
        "outside": progress.outside,
        "outside_newest": progress.outside_newest,
        "left": sorted(progress.left),
    }


def merge_progress(facts: list[Mapping[str, Any]]) -> CrawlProgress:
    """The whole crawl's progress from each crawler's share of it."""
    merged = CrawlProgress()
    for f in facts:
        merged.pages += f.get("pages", 0)
        merged.studies += f.get("studies", 0)
        if f.get("total_count") is not None:
            merged.total_count = f["total_count"]  # only the crawler that fetched page 1 knows it
        merged.seen_ids.update(f.get("seen_ids", ()))
        merged.gone.extend(i for i in f.get("gone", ()) if i not in merged.gone)
        merged.problems.extend(f.get("problems", ()))
        merged.outside += f.get("outside", 0)
        newest = max(filter(None, [merged.outside_newest, f.get("outside_newest")]), default=None)
        merged.outside_newest = newest
        merged.left.update(f.get("left", ()))
    return merged
