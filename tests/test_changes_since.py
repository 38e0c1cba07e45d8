"""`trials changes --since` as a cron line writes it, and a script reading its rows told when there are more."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from indexer.history.changes import since_date
from tests.conftest import FIXTURES, Trials

VERSIONS = FIXTURES / "ctgov_xml_versions" / "NCT02798588"  # real downloads, 2016-08 to 2018-05


@pytest.fixture
def tracked(trials: Trials) -> Trials:
    trials("--quiet", "ingest", str(VERSIONS))
    return trials


@pytest.mark.parametrize(
    ("given", "day"),
    [
        ("today", "2026-12-01"),
        ("yesterday", "2026-11-30"),
        ("Yesterday", "2026-11-30"),
        ("7d", "2026-11-24"),
        ("7 days ago", "2026-11-24"),
        ("2w", "2026-11-17"),
        ("1 week", "2026-11-24"),
        ("2026-12-01T04:30:00Z", "2026-12-01"),
        ("2026-12-01 04:30", "2026-12-01"),
        # Half past midnight in Paris is still the day before in UTC: that day is asked for too.
        ("2026-12-01T00:30:00+01:00", "2026-11-30"),
        ("2026-12-01T23:30:00-05:00", "2026-12-01"),
        ("2026-12", "2026-12"),
        ("March 2017", "2017-03"),
    ],
)
def test_the_forms_a_cron_line_writes(given: str, day: str) -> None:
    assert since_date(given, today=date(2026, 12, 1)) == day


@pytest.mark.parametrize("given", ["2021-02-29", "2026-04-31", "2026-12-01T25:00", "someday", "7x", ""])
def test_what_is_no_day_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        since_date(given, today=date(2026, 12, 1))


def test_days_back_select_the_events_of_those_days(tracked: Trials) -> None:
    every = tracked.json("changes", "--since", "2000-01-01", "--limit", "1000")
    # Days back from today (UTC) to the middle of the real downloads' dates, counted here by hand.
    start = date(2017, 6, 1)
    back = (datetime.now(UTC).date() - start).days
    recent = tracked.json("changes", "--since", f"{back}d", "--limit", "1000")
    expected = [e for e in every if e["date"] >= start.isoformat()]
    assert recent == expected and 0 < len(recent) < len(every)
    none = tracked("changes", "--since", "yesterday")
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    assert none.exit_code == 0 and none.stdout == "" and f"no changes since {yesterday}" in none.stderr


def test_more_events_than_the_limit_are_said_even_when_quiet(tracked: Trials) -> None:
    for fmt in ("--csv", "--ndjson", "--json"):
        cut = tracked("--quiet", "changes", "--since", "2000-01-01", "--limit", "2", fmt)
        assert "there are more: --limit shows more" in cut.stderr, fmt
    whole = tracked("--quiet", "changes", "--since", "2000-01-01", "--limit", "1000", "--csv")
    assert whole.stderr == "" and len(whole.stdout.splitlines()) > 3


def test_a_field_that_makes_no_events_is_said_not_to_rather_than_no_changes(tracked: Trials) -> None:
    # The real downloads changed the trial's last-update date in every version; it makes no event.
    diffs = [tracked.json("diff", "NCT02798588", "--to", str(n)) for n in (2, 3, 4)]
    assert all(any(c["field"] == "last_update_posted" for c in d) for d in diffs)
    said = tracked("--quiet", "changes", "--since", "2000-01-01", "--field", "last_update_posted", "--csv")
    assert said.exit_code == 0 and said.stdout.splitlines() == ["id,date,nct_id,version,type,field,old,new,summary"]
    assert "changes of last_update_posted make no events" in said.stderr and "trials diff ID" in said.stderr
    sites = tracked("--quiet", "changes", "--since", "2000-01-01", "--field", "locations", "--limit", "1000")
    assert sites.stderr == "" and "site" in sites.stdout


def test_recorded_since_finds_what_a_late_run_brought_whatever_the_registry_dates(trials: Trials) -> None:
    # A crawl that catches up after nights of outage stores versions the registry dated days ago:
    # `--since yesterday` misses them, `--recorded-since yesterday` lists them (here: 2016-2018 downloads).
    start = datetime.now(UTC).replace(microsecond=0)
    trials("--quiet", "ingest", str(VERSIONS))
    every = trials.json("changes", "--since", "2000-01-01", "--limit", "1000")
    assert every and max(e["date"] for e in every) < "2019"
    assert trials.json("changes", "--since", "yesterday") == []
    assert trials.json("changes", "--recorded-since", "yesterday", "--limit", "1000") == every
    stamp = start.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert trials.json("changes", "--recorded-since", stamp, "--limit", "1000") == every
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert trials.json("changes", "--recorded-since", later) == []
    both = trials.json("changes", "--recorded-since", "today", "--since", "2018-01-01", "--limit", "1000")
    assert both == [e for e in every if e["date"] >= "2018-01-01"] and both
    neither = trials("changes", ok=False)
    assert neither.exit_code == 2 and "--recorded-since" in neither.stderr
