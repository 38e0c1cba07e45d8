"""Older downloads of a trial loaded after a watch ran fill in its history; to the watch they are no news.

NCT02798588's real downloads: 2016-08-16 (not yet recruiting, updated 2016-06-08), 2017-01-18 (start date
moved, updated 2016-12-23), 2018-05-11 (recruiting, enrollment 20 -> 27, updated 2018-03-23)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from indexer.catalog import Catalog
from indexer.config import load
from indexer.history.watches import Watches
from indexer.index.document import SearchQuery
from indexer.store import RecordStore
from indexer.store.watches import RunRecord
from tests.conftest import FIXTURES, Trials

STUDY = "NCT02798588"


def download(date: str) -> str:
    return str(FIXTURES / "ctgov_xml_versions" / STUDY / f"{date}.xml")


def watching_from(trials: Trials, date: str) -> None:
    """The watch's first run saw the trial as the download of `date` had it."""
    trials("--quiet", "ingest", download(date))
    trials("watch", "add", "coma", "--condition", "coma")
    [first] = trials.json("watch", "run", "coma")
    assert [r["nct_id"] for r in first["new_matches"]] == [STUDY]


def changed(run: dict[str, Any]) -> list[str]:
    return [e["summary"] for c in run["changed"] for e in c["events"]]


def test_older_downloads_after_a_run_are_history_not_news(trials: Trials) -> None:
    watching_from(trials, "2018-05-11")
    store = RecordStore(trials.data_dir / "trials.sqlite", readonly=True)
    try:
        before = store.events.last_id()
    finally:
        store.close()
    trials("--quiet", "ingest", download("2016-08-16"), download("2017-01-18"))
    [run] = trials.json("watch", "run", "coma")
    assert (run["new_matches"], run["changed"], run["left"]) == ([], [], [])
    # The history has them, with what changed between them...
    history = trials.json("history", STUDY)
    assert [v["date"] for v in history["versions"]] == ["2016-06-08", "2016-12-23", "2018-03-23"]
    summaries = [e["summary"] for v in history["versions"] for e in v["events"]]
    assert "start date moved 2016-06 -> 2017-02" in summaries
    assert "status NOT_YET_RECRUITING -> RECRUITING" in summaries
    # ...and so do the registry's changes by date: they happened then, whenever they were loaded.
    dated = {(e["date"], e["summary"]) for e in trials.json("changes", "--since", "2016-12-01")}
    assert ("2016-12-23", "start date moved 2016-06 -> 2017-02") in dated
    # Every event of the trial was written (or rewritten) as the history arrived, each with an id never
    # given before: a watch's mark never goes back.
    store = RecordStore(trials.data_dir / "trials.sqlite", readonly=True)
    try:
        assert all(e.id > before for e in store.events.for_trial(STUDY))
    finally:
        store.close()


def test_news_is_reported_whatever_older_downloads_arrive_with_it(trials: Trials) -> None:
    watching_from(trials, "2017-01-18")
    trials("--quiet", "ingest", download("2018-05-11"), download("2016-08-16"))  # one newer, one older
    [run] = trials.json("watch", "run", "coma")
    assert [c["nct_id"] for c in run["changed"]] == [STUDY]
    assert "status NOT_YET_RECRUITING -> RECRUITING" in changed(run)
    assert not any(s.startswith(("first seen", "start date")) for s in changed(run))  # what the watch had seen
    [again] = trials.json("watch", "run", "coma")
    assert again["changed"] == []


def test_history_between_what_a_watch_saw_and_news_since_is_news(trials: Trials) -> None:
    watching_from(trials, "2016-08-16")
    trials("--quiet", "ingest", download("2018-05-11"))  # news, not reported yet...
    trials("--quiet", "ingest", download("2017-01-18"))  # ...when a download between the two arrives
    [run] = trials.json("watch", "run", "coma")
    # Both happened after the state the watch saw: the start date moved, then the trial opened.
    assert changed(run)[0] == "start date moved 2016-06 -> 2017-02"
    assert "status NOT_YET_RECRUITING -> RECRUITING" in changed(run)
    assert not any(s.startswith("first seen") for s in changed(run))


def test_a_store_from_before_schema_10_still_reports_what_its_watch_has_not_seen(tmp_path: Path) -> None:
    """The upgrade dates each stored version by its first event: a version stored after a watch's last run
    (here the study's fourth, 2018-03-23) stays news to it; the ones before are not."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(FIXTURES / "store_v8" / "trials.sqlite", data_dir / "trials.sqlite")  # schema 8, all 4 versions
    with Catalog(load(data_dir)) as catalog:  # opening it upgrades it
        assert catalog.store.get_meta("schema_version") == "14"
        catalog.reindex()
        by_version: dict[int | None, list[int]] = {}
        for e in catalog.store.events.for_trial(STUDY):
            by_version.setdefault(e.version, []).append(e.id)
        assert sorted(by_version) == [1, 2, 3, 4]
        watches = Watches(catalog)
        watches.add("coma", SearchQuery(conditions=("coma",)))
        seen = min(by_version[4]) - 1  # the last run saw everything before the fourth version
        record = RunRecord("coma", 1, "2018-01-01T00:00:00Z", seen, (STUDY,), (), (1, 0, 0))
        catalog.store.watches.remember([record], keep=100)
        run = watches.run("coma")
        assert [c.nct_id for c in run.changed] == [STUDY]
        assert sorted(e.id for e in run.changed[0].events) == sorted(by_version[4])


def test_the_upgrade_gives_new_events_ids_past_every_watch_mark(tmp_path: Path) -> None:
    """Before schema 10 deleting the newest events gave their ids out again, so a watch could have seen ids
    the store no longer holds. tests/fixtures/store_v8_watch_ahead is store_v8 with a watch "all" whose
    mark is 56, five past its last event (51), as such a store leaves it (the watch row added by hand).
    After the upgrade, new events get ids past that mark."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(FIXTURES / "store_v8_watch_ahead" / "trials.sqlite", data_dir / "trials.sqlite")
    with Catalog(load(data_dir)) as catalog:
        assert catalog.store.get_meta("schema_version") == "14"
        with catalog.writer() as w:
            assert w.mark_removed(STUDY, "404 when asked by id")
        assert min(e.id for e in catalog.store.events.for_trial(STUDY) if e.type == "removed") > 56
