"""What a finished crawl amounts to for the person or scheduler that ran it: an exit code and one line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1  # nothing could be fetched, or the store, the disk or the index failed
EXIT_PARTIAL = 3  # the crawl finished, and some documents failed or the query is incomplete


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a crawl ended: its exit code and the line to say on stderr."""

    code: int
    message: str | None  # one line for stderr; None when all went well


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


def _answers(stats: Mapping[str, Any]) -> int:
    """Successful answers from the sites crawled (robots.txt aside), whether or not they held a document."""

    def ok(prefix: str) -> int:
        return sum(
            v for k, v in stats.items() if k.startswith(prefix) and k[len(prefix) :].isdigit()
            and int(k[len(prefix) :]) < 400 and isinstance(v, int)
        )  # fmt: skip

    return ok("downloader/response_status_count/") - ok("robotstxt/response_status_count/")


def final_stats(crawler: Any) -> dict[str, Any]:
    """A Scrapy crawler's stats once its process stopped. A second interrupt stops the reactor without
    closing the spider, so Scrapy records no reason: the crawl did not finish, and must not exit 0."""
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    stats.setdefault("finish_reason", "forced stop")
    return stats


def outcome(stats: Mapping[str, Any]) -> Outcome:
    fatal = stats.get("trialscout/fatal")
    if fatal:
        return Outcome(EXIT_FAILED, f"the crawl stopped: {fatal}")
    documents = _count(stats, "trialscout/documents")
    failed = _count(stats, "trialscout/records/failed")
    gone = _count(stats, "trialscout/records/still_gone")  # dead links an earlier crawl met already
    answers = _answers(stats)
    if documents == 0 and (failed or gone) and answers <= 0:  # a dead start address fails every time
        first = stats.get("trialscout/first_error") or "every request failed"
        if str(first).startswith(("HTTP 404", "HTTP 410")):  # the registry answered: it has none of them
            return Outcome(
                EXIT_FAILED,
                f"the registry has none of what was asked for ({first}); check the ids or the query. "
                "`trials failures` lists each request",
            )
        return Outcome(
            EXIT_FAILED,
            f"nothing could be fetched ({first}); check the network and the registry's address, then run "
            "the crawl again. `trials failures` lists each request",
        )
    reason = stats.get("finish_reason")
    if reason not in (None, "finished"):
        return Outcome(EXIT_FAILED, f"the crawl stopped early ({reason}); run it again to resume")
    incomplete = stats.get("trialscout/incomplete")
    if failed or incomplete:
        what = incomplete or f"{failed} documents failed"
        return Outcome(
            EXIT_PARTIAL,
            f"incomplete: {what}. `trials failures` lists what failed; run the same crawl again to complete it",
        )
    if gone:
        return Outcome(
            EXIT_OK,
            f"{gone} pages the site still links to were already gone (404/410) on an earlier crawl: "
            "`trials failures` lists them; nothing to run again",
        )
    # An empty search page is a document, but no study: say so, as for no document at all.
    studies = sum(_count(stats, f"trialscout/records/{k}") for k in ("new", "updated", "unchanged", "historical"))
    if (documents == 0 or studies == 0) and (outside := _count(stats, "trialscout/outside_query")):
        return Outcome(EXIT_OK, f"stored nothing: the {outside} studies updated since were all outside the query")
    if documents == 0 or studies == 0:
        return Outcome(EXIT_OK, "fetched nothing: the registry returned no study for this crawl")
    return Outcome(EXIT_OK, None)
