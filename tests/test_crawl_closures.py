"""An incremental crawl of a query with --status sees its members close, and adds no trial outside it."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from devtools.mockserver import MockRegistry, MockState, load_studies
from tests.conftest import run_trials, shared
from tests.test_crawl import crawl, stored_ids
from tests.test_distributed import crawlers, redis_url  # noqa: F401 (redis_url: a fixture)

pytestmark = pytest.mark.slow  # real crawls in subprocesses

QUERY = ("--condition", "diabetes", "--status", "recruiting")


def _is_diabetes(study: dict[str, Any]) -> bool:
    # query.cond as the stand-in reads it: the conditions and the registry's condition terms.
    return (
        "diabetes"
        in json.dumps(
            [
                study["protocolSection"].get("conditionsModule"),
                study.get("derivedSection", {}).get("conditionBrowseModule"),
            ]
        ).lower()
    )


def _status(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["statusModule"]["overallStatus"])


def _updated(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"])


def _new_version(study: dict[str, Any], day: str, status: str | None = None, **ident: str) -> dict[str, Any]:
    """The study as the registry serves it after an update posted on `day`."""
    changed = copy.deepcopy(study)
    module = changed["protocolSection"]["statusModule"]
    module["lastUpdatePostDateStruct"]["date"] = day
    if status:
        module["overallStatus"] = status
    changed["protocolSection"]["identificationModule"].update(ident)
    return changed


def _json(data_dir: Path, *args: str) -> Any:
    proc = run_trials(data_dir, "--quiet", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_incremental_crawl_with_a_status_records_a_member_closing_and_adds_nothing_outside(data_dir: Path) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    diabetes = {n for n, s in studies.items() if _is_diabetes(s)}
    recruiting = sorted(n for n in diabetes if _status(studies[n]) == "RECRUITING")
    completed = sorted(n for n in diabetes if _status(studies[n]) == "COMPLETED")
    not_yet = sorted(n for n in diabetes if _status(studies[n]) == "NOT_YET_RECRUITING")
    assert len(recruiting) >= 2 and completed and not_yet
    state = MockState(dict(studies))
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, *QUERY)
        assert code == 0, err
        assert stored_ids(data_dir) == set(recruiting)
        added = run_trials(
            data_dir, "--quiet", "watch", "add", "open", "--condition", "diabetes", "--status", "recruiting"
        )
        assert added.returncode == 0, added.stderr
        _json(data_dir, "watch", "run", "open")  # its first run: what matches now

        # The registry's next versions: a member closes, an unrelated trial of the condition changes,
        # and one opens. All three are updated after the first crawl's high-water mark.
        closing, unrelated, opening = recruiting[0], completed[0], not_yet[0]
        # After every update of the condition's trials served so far.
        day = (date.fromisoformat(max(_updated(studies[n]) for n in diabetes)) + timedelta(days=3)).isoformat()
        state.studies[closing] = _new_version(studies[closing], day, "COMPLETED")
        state.studies[unrelated] = _new_version(studies[unrelated], day, briefTitle="A retitled trial")
        state.studies[opening] = _new_version(studies[opening], day, "RECRUITING")
        state.log.clear()
        code, err = crawl(data_dir, m, *QUERY)
        assert code == 0, err

        assert stored_ids(data_dir) == {*recruiting, opening}  # the unrelated trial is not added
        [event] = [
            e
            for e in _json(data_dir, "changes", "--since", "2000-01-01", "--event", "status")
            if e["nct_id"] == closing
        ]
        assert (event["old"], event["new"], event["date"]) == ("RECRUITING", "COMPLETED", day)
        versions = _json(data_dir, "history", closing)["versions"]
        assert len(versions) == 2 and versions[-1]["date"] == day
        assert {"field": "overall_status", "old": "RECRUITING", "new": "COMPLETED"} in versions[-1]["changes"]
        # Asked without the status filter, the condition and the update-date range kept.
        [asked] = [e["params"] for e in state.log if e["path"] == "/api/v2/studies"]
        since = (date.fromisoformat(max(_updated(studies[n]) for n in recruiting)) - timedelta(days=1)).isoformat()
        assert "filter.overallStatus" not in asked
        assert asked["query.cond"] == "diabetes"
        assert asked["filter.advanced"] == f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
        assert asked["pageSize"] == "1000"  # the wider answer comes in pages of the same size
        # Not stored: every other diabetes trial updated since, not recruiting and not a member before.
        outside = {
            n for n in diabetes - set(recruiting)
            if _updated(state.studies[n]) >= since and _status(state.studies[n]) != "RECRUITING"
        }  # fmt: skip
        assert unrelated in outside
        fetched = {n for n in diabetes if _updated(state.studies[n]) >= since}
        assert f"without the status filter: keeping RECRUITING and the {len(recruiting)} trials" in err
        assert "1 left the query's status" in err
        assert f"{len(outside)} of the {len(fetched)} studies fetched were outside the query" in err

        [run] = _json(data_dir, "watch", "run", "open")
        assert [(f["nct_id"], f["new"]) for f in run["left"]] == [(closing, "COMPLETED")]
        assert [f["nct_id"] for f in run["new_matches"]] == [opening]

        # The closed trial left the query's members: its later updates are no longer the query's.
        later = (date.fromisoformat(day) + timedelta(days=2)).isoformat()
        state.studies[closing] = _new_version(state.studies[closing], later, "TERMINATED")
        code, err = crawl(data_dir, m, *QUERY)
        assert code == 0, err
        assert len(_json(data_dir, "history", closing)["versions"]) == 2
        since = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
        fetched = {n for n in diabetes if _updated(state.studies[n]) >= since}
        outside = {n for n in fetched if _status(state.studies[n]) != "RECRUITING"}
        assert closing in outside and unrelated in outside
        assert f"{len(outside)} of the {len(fetched)} studies fetched were outside the query" in err
        assert stored_ids(data_dir) == {*recruiting, opening}
        # The answer was complete up to its newest study, the closed one's not stored: the next run
        # asks from there, not again for the range it covered.
        state.log.clear()
        code, err = crawl(data_dir, m, *QUERY)
        assert code == 0, err
        [asked] = [e["params"] for e in state.log if e["path"] == "/api/v2/studies"]
        since = (date.fromisoformat(later) - timedelta(days=1)).isoformat()
        assert asked["filter.advanced"] == f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"


def test_a_shared_crawl_of_a_query_with_a_status_records_a_member_closing(tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    data_dir = tmp_path / "data"
    studies = load_studies([shared("ctgov", "v2")])
    diabetes = {n for n, s in studies.items() if _is_diabetes(s)}
    recruiting = sorted(n for n in diabetes if _status(studies[n]) == "RECRUITING")
    unrelated = min(n for n in diabetes if _status(studies[n]) == "COMPLETED")
    state = MockState(dict(studies), delay=0.05)
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, *QUERY)
        assert code == 0, err
        closing = recruiting[0]
        # After every update of the condition's trials served so far.
        day = (date.fromisoformat(max(_updated(studies[n]) for n in diabetes)) + timedelta(days=3)).isoformat()
        state.studies[closing] = _new_version(studies[closing], day, "TERMINATED")
        state.studies[unrelated] = _new_version(studies[unrelated], day, briefTitle="A retitled trial")
        state.log.clear()
        # Two processes: the crawl's writer plans it from the store, and both crawl by that plan.
        results = crawlers(data_dir, m, redis_url, *QUERY)
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-1500:] for r in results]
    assert stored_ids(data_dir) == set(recruiting)
    versions = _json(data_dir, "history", closing)["versions"]
    assert len(versions) == 2
    assert {"field": "overall_status", "old": "RECRUITING", "new": "TERMINATED"} in versions[-1]["changes"]
    assert sum("1 left the query's status" in r.stderr for r in results) >= 1
    assert all("filter.overallStatus" not in e["params"] for e in state.log if e["path"] == "/api/v2/studies")


def test_a_full_crawl_stores_a_member_that_closed_and_no_longer_checks_it(data_dir: Path) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    recruiting = sorted(n for n, s in studies.items() if _is_diabetes(s) and _status(s) == "RECRUITING")
    state = MockState(dict(studies))
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, *QUERY)
        assert code == 0, err
        closing = recruiting[-1]
        state.studies[closing] = _new_version(studies[closing], "2026-11-30", "COMPLETED")
        state.log.clear()
        code, err = crawl(data_dir, m, *QUERY, "--full")
        assert code == 0, err
        # The full search no longer returns it: asked for by id, stored with its new status.
        assert [e["path"] for e in state.log if "/studies/" in e["path"]] == [f"/api/v2/studies/{closing}"]
        assert "1 left the query's status" in err
        assert {"field": "overall_status", "old": "RECRUITING", "new": "COMPLETED"} in _json(
            data_dir, "history", closing
        )["versions"][-1]["changes"]
        state.log.clear()
        code, err = crawl(data_dir, m, *QUERY, "--full")  # no longer the query's: not asked for again
        assert code == 0, err
        assert not [e for e in state.log if "/studies/" in e["path"]]
