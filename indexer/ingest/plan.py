"""The plan of one crawl (what to ask for, what a complete run records) and the progress it makes."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from indexer.clock import today_iso
from indexer.identifiers import is_nct
from indexer.normalize import iso_date
from indexer.store import RecordStore

# The registry's update dates are days, and a record posted late on the high-water day may not
# have been visible yet: asking again from the day before costs little and misses nothing.
OVERLAP = timedelta(days=1)
# The query parameters that name a ctgov query (its key); `since` and ids are not part of it.
CTGOV_QUERY = ("condition", "intervention", "term", "status")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def query_key(spider: str, query: Mapping[str, str]) -> str:
    canonical = json.dumps({"spider": spider, **{k: v for k, v in sorted(query.items()) if v}}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CrawlPlan:
    """What one crawl asks the registry for.

    `query` holds the search (condition, intervention, term, status: comma-separated API enums);
    `ids` are fetched one by one instead. `since` limits the search to records updated on or after
    that day. A `full` crawl's results are the query's members: former members it does not return
    (`verify_ids`) are then asked for by id, and a 404 records them as removed. An incremental crawl
    of a query with a status is `widened` (see Membership): `members` are then the query's members.
    """

    spider: str
    query: Mapping[str, str] = field(default_factory=dict)
    ids: tuple[str, ...] = ()
    since: str | None = None
    incremental: bool = False  # `since` came from the query's high-water mark
    verify_ids: tuple[str, ...] = ()
    distributed: bool = False
    members: tuple[str, ...] = ()  # a widened crawl's: the trials the query returned before

    @property
    def statuses(self) -> frozenset[str]:
        return frozenset(s for s in self.query.get("status", "").split(",") if s)

    @property
    def widened(self) -> bool:
        """An incremental search asked without its status filter, the others and the date range kept.

        With the filter, a member whose status left it (a trial that closed) would never be returned
        again, and its closure never stored: the answer is sorted by Membership instead.
        """
        return self.incremental and bool(self.query.get("status"))

    @property
    def key(self) -> str | None:
        """The query's crawl-state key; None for a crawl by id, which has no state."""
        return query_key(self.spider, self.query) if self.query and not self.ids else None

    @property
    def full(self) -> bool:
        return not self.since and not self.ids


def _real_date(text: str) -> bool:
    """YYYY-MM-DD and a day of the calendar (not 2024-13-01)."""
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def plan_ctgov(
    store: RecordStore | None,
    *,
    condition: str | None = None,
    intervention: str | None = None,
    term: str | None = None,
    statuses: Iterable[str] = (),
    since: str | None = None,
    ids: Iterable[str] = (),
    full: bool = False,
    distributed: bool = False,
) -> CrawlPlan:
    """A ctgov crawl: by id, or a search that resumes from its high-water mark unless `full` or `since`.

    Raises ValueError naming a bad argument. `store` may be None (no state: a full crawl).
    """
    id_list = tuple(dict.fromkeys(i.strip().upper() for i in ids if i.strip()))
    bad = [i for i in id_list if not is_nct(i)]
    if bad:
        raise ValueError(f"not NCT ids: {', '.join(bad)}")
    if since is not None and not _real_date(since):
        raise ValueError(f"since must be YYYY-MM-DD, not {since!r}")
    status = ",".join(s.strip().upper() for s in statuses if s.strip())
    query = {k: v for k, v in zip(CTGOV_QUERY, (condition, intervention, term, status), strict=True) if v}
    if id_list:
        return CrawlPlan("ctgov", query, id_list, since)
    if not query and not since:
        raise ValueError("say what to crawl: a condition, intervention, term, status, since date or ids")
    plan = CrawlPlan("ctgov", query, (), since, distributed=distributed)
    key = plan.key
    if store is None or key is None:
        return plan
    # A distributed crawl's plan is made once, by its writer from the store, and shared by its crawlers.
    if since is None and not full:
        state = store.crawls.get(key)
        if state is not None and state.high_water:
            mark = (date.fromisoformat(state.high_water[:10]) - OVERLAP).isoformat()
            members = tuple(sorted(store.crawls.members(key))) if status else ()
            return CrawlPlan("ctgov", query, (), mark, incremental=True, distributed=distributed, members=members)
    if since is None and not distributed:
        # Former members are checked by id once every page is in; no crawler of a distributed crawl
        # sees every page, so a distributed crawl only adds members (`finish`).
        return CrawlPlan("ctgov", query, (), None, verify_ids=tuple(sorted(store.crawls.members(key))))
    return plan


@dataclass
class CrawlProgress:
    """What a crawl received, kept by the spider and read by the pipeline and the command.

    `problems` names every way the query's results are known to be incomplete (a page that failed
    or could not be read, a repeated page token, fewer studies than the registry announced).
    """

    pages: int = 0
    studies: int = 0  # studies the pages held, read or not
    total_count: int | None = None  # what the first page announced
    seen_ids: set[str] = field(default_factory=set)
    gone: list[str] = field(default_factory=list)  # former members the registry answered 404 for
    problems: list[str] = field(default_factory=list)
    outside: int = 0  # studies of a widened search outside the query: not stored
    outside_newest: str | None = None  # the newest registry update date among them
    left: set[str] = field(default_factory=set)  # members a widened search returned in another status

    def check_total(self) -> None:
        if self.total_count is not None and self.studies < self.total_count:
            self.problems.append(f"the registry announced {self.total_count} studies and {self.studies} arrived")

    @property
    def complete(self) -> bool:
        return not self.problems


def finish(store: RecordStore, plan: CrawlPlan, progress: CrawlProgress, high_water: str | None) -> None:
    """Record a complete crawl of a query: its high-water mark, and its members (a full crawl replaces them)."""
    key = plan.key
    if key is None:
        return
    # A run the user limited with --since saw only part of the query: the mark stays where a run of the
    # whole query left it (none yet: the next plain run fetches everything), else the records updated
    # before that date and after the mark would never be asked for.
    covered = plan.incremental or not plan.since
    # The answer was complete up to its newest study, stored or not: else a narrow query whose members
    # are not updated for a while would ask for an ever longer range of others' updates every night.
    newest = max(filter(None, [high_water, progress.outside_newest]), default=None)
    store.crawls.finish(
        key,
        plan.spider,
        dict(plan.query),
        newest if covered else None,
        progress.seen_ids,
        full=plan.full and not plan.distributed,
        # A member that closed was stored (its new status is its event) and is no longer the query's: later
        # updates of it are not asked for, and a full run does not check it by id.
        gone=[*progress.gone, *sorted(progress.left)],
    )


def query_stats(progress: CrawlProgress) -> dict[str, int]:
    """The crawl's counts of what it fetched and did not store as the query's (crawl_summary says them)."""
    stats = {"trialscout/studies": progress.studies}
    if progress.outside:
        stats["trialscout/outside_query"] = progress.outside
    if progress.left:
        stats["trialscout/left_query"] = len(progress.left)
    return stats


def left_status(plan: CrawlPlan, study: Any) -> bool:
    """A study the query's status filter would not return (False when there is none, or it cannot be read)."""
    status = _id_and_status(study)[1]
    return bool(plan.statuses) and status is not None and status not in plan.statuses


def _id_and_status(study: Any) -> tuple[str | None, str | None]:
    section = study.get("protocolSection") if isinstance(study, dict) else None
    if not isinstance(section, dict):
        return None, None
    ident, status = section.get("identificationModule"), section.get("statusModule")
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    overall = status.get("overallStatus") if isinstance(status, dict) else None
    return (nct_id if isinstance(nct_id, str) else None), (overall if isinstance(overall, str) else None)


def _update_date(study: dict[str, Any]) -> str | None:
    """The study's last update date as its record has it (last_update_posted)."""
    struct = study["protocolSection"]["statusModule"].get("lastUpdatePostDateStruct")
    day = struct.get("date") if isinstance(struct, dict) else None
    return iso_date(day) if isinstance(day, str) else None


@dataclass(frozen=True, slots=True)
class Membership:
    """Which studies of a widened search's page are the query's: those in its status, and its members.

    Members are the query's own (what its runs stored), not every trial in the store: other queries and
    ingests own theirs, and the crawlers of a shared crawl have no store to ask, only the plan.
    """

    statuses: frozenset[str]
    members: frozenset[str]

    @classmethod
    def of(cls, plan: CrawlPlan) -> Membership | None:
        return cls(plan.statuses, frozenset(plan.members)) if plan.widened else None

    def sort(self, studies: list[Any], progress: CrawlProgress) -> list[Any]:
        """The studies to store, noting in `progress` the query's ids, the members that left and those outside."""
        kept = []
        for study in studies:
            nct_id, status = _id_and_status(study)
            if status is None or status in self.statuses:
                # A study whose status cannot be read is kept: the writer records why, and the run is incomplete.
                kept.append(study)
                if nct_id:
                    progress.seen_ids.add(nct_id)
            elif nct_id in self.members:
                kept.append(study)
                progress.left.add(nct_id)
            else:
                progress.outside += 1
                day = _update_date(study)
                if day and (progress.outside_newest or "") < day:
                    progress.outside_newest = day
        return kept


def default_crawl_id(plan: CrawlPlan) -> str:
    """The name processes of one distributed crawl share unless told: the query and today's date."""
    return f"{query_key(plan.spider, {**plan.query, 'since': plan.since or ''})}:{today_iso()}"
