"""The shared crawl's pure parts: a plan published in Redis reads back the same, and crawlers' shares merge."""

from __future__ import annotations

from indexer.ingest.plan import CrawlPlan, CrawlProgress
from indexer.ingest.relay_messages import StreamDocument, merge_progress, plan_from_json, plan_to_json, progress_facts


def test_a_published_plan_reads_back_the_same() -> None:
    plans = [
        CrawlPlan("ctgov", {"condition": "lupus", "status": "RECRUITING"}, (), "2024-01-01", True, (), True),
        CrawlPlan("ctgov", {}, ("NCT04077684", "NCT02084238"), None, False, (), True),
        CrawlPlan("ctgov", {"term": "cancer"}, (), None, False, ("NCT00000102",), False),
        CrawlPlan("ctgov", {"term": "a", "status": "RECRUITING"}, (), "2024-01-01", True, (), True, ("NCT00000102",)),
    ]
    for plan in plans:
        assert plan_from_json(plan_to_json(plan)) == plan
        assert plan_from_json(plan_to_json(plan)).key == plan.key


def test_shares_merge_into_the_whole_crawl() -> None:
    first = CrawlProgress(pages=2, studies=20, total_count=35, seen_ids={"NCT1", "NCT2"}, gone=["NCT9"])
    second = CrawlProgress(pages=1, studies=10, seen_ids={"NCT3"}, gone=["NCT9"], problems=["page 4 failed"])
    merged = merge_progress([progress_facts(first), progress_facts(second)])
    assert (merged.pages, merged.studies, merged.total_count) == (3, 30, 35)
    assert merged.seen_ids == {"NCT1", "NCT2", "NCT3"} and merged.gone == ["NCT9"]
    assert merged.problems == ["page 4 failed"]
    assert (merged.outside, merged.left) == (0, set())
    merged.check_total()
    assert merged.problems[-1] == "the registry announced 35 studies and 30 arrived"


def test_a_stream_entry_keeps_its_bytes_and_fields() -> None:
    doc = StreamDocument("failed", "ctgov", "http://x/studies?q=1", "host:42", b"\xff\x00{", "", "HTTP 503", "", 503)
    fields = {k.encode(): v if isinstance(v, bytes) else str(v).encode() for k, v in doc.fields().items()}
    assert StreamDocument.from_fields(fields) == doc


def test_shares_of_a_widened_crawl_merge_what_they_left_out() -> None:
    first = CrawlProgress(studies=5, seen_ids={"NCT1"}, outside=3, left={"NCT7"}, outside_newest="2026-11-02")
    second = CrawlProgress(studies=4, seen_ids={"NCT2"}, outside=2, left={"NCT8"}, outside_newest="2026-11-30")
    merged = merge_progress([progress_facts(first), progress_facts(second)])
    assert (merged.outside, merged.left, merged.seen_ids) == (5, {"NCT7", "NCT8"}, {"NCT1", "NCT2"})
    assert merged.outside_newest == "2026-11-30"
