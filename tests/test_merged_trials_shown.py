"""What the web page, the JSON API, `history` and `stats` say of a trial merged into another."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.parsers import parse_document
from tests.conftest import FIXTURES, Trials
from tests.test_merged_trials import BEFORE, EUDRACT, NCT, NOW, PROVISIONAL, URL, _crawl, _found, _stats_count
from web.app import create_app


def test_the_web_page_of_the_merged_trials_id_says_it_was_merged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _crawl(data, BEFORE)
    _crawl(data, NOW)
    with Catalog(load(data)) as c:
        (event,) = [e for e in c.store.events.for_trial(PROVISIONAL) if e.type == "merged"]
    assert event.date is not None
    on = datetime.date.fromisoformat(event.date[:10])
    said = f"{PROVISIONAL} was merged into {NCT} on {on:%b} {on.day}, {on.year}: the same trial"
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        led = client.get(f"/trials/{PROVISIONAL.lower()}", params={"near": "Boston"}, follow_redirects=False)
        assert led.status_code == 307
        page = client.get(led.headers["location"])
        assert page.url.path == f"/trials/{NCT}" and page.url.params["near"] == "Boston"
        assert said in html.unescape(re.sub(r"<[^>]+>", "", page.text))
        # The NCT trial's own address says nothing of it, nor does an address naming a trial never merged.
        assert "was merged into" not in client.get(f"/trials/{NCT}").text
        forged = client.get(f"/trials/{NCT}", params={"merged": "<b>NCT00000000</b>"})
        assert forged.status_code == 200 and "was merged into" not in forged.text and "NCT00000000" not in forged.text


def test_the_api_of_the_merged_trials_id_says_it_was_merged_and_where_it_went(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _crawl(data, BEFORE)
    _crawl(data, NOW)
    with Catalog(load(data)) as c:
        (event,) = [e for e in c.store.events.for_trial(PROVISIONAL) if e.type == "merged"]
    shown = Trials(data).json("show", NCT)
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        moved = client.get(f"/api/trials/{PROVISIONAL.lower()}", follow_redirects=False)
        assert moved.status_code == 308 and moved.headers["location"] == f"/api/trials/{NCT}"
        assert moved.json() == {"nct_id": PROVISIONAL, "merged_into": NCT, "merged_on": event.date, "merged_via": []}
        followed = client.get(f"/api/trials/{PROVISIONAL}")
        assert followed.status_code == 200 and followed.url.path == f"/api/trials/{NCT}" and followed.json() == shown
        # Another id of the NCT trial (the EudraCT number its page gives) names it, and was never merged.
        other = client.get(f"/api/trials/{EUDRACT}", follow_redirects=False)
        assert other.status_code == 200 and other.json() == shown


def test_stats_count_the_versions_of_the_trials_it_counts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    trials = Trials(data)
    # Five real downloads of one trial, four versions (two downloads alike).
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml_versions" / "NCT02798588"))
    _crawl(data, BEFORE)
    _crawl(data, NOW)
    # The oracle: the versions `trials history` lists of each trial a search finds; the merged trial's
    # own history (its version, then the merge) is kept, and is no trial's of those counted.
    found = _found(trials)
    assert sorted(found) == sorted([NCT, "NCT02798588"])
    versions = sum(len([v for v in trials.json("history", t)["versions"] if v["version"]]) for t in found)
    assert versions == 4 + 1 and trials.json("history", PROVISIONAL)["versions"][0]["version"] == 1
    counts = {r["what"]: r["count"] for r in trials.json("stats")}
    assert (counts["records"], counts["versions"]) == (2, versions)
    assert _stats_count(trials, "versions") == versions
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        assert client.get("/api/stats").json() == trials.json("stats")


def test_the_history_of_the_merged_trials_id_is_its_own_on_the_web_as_in_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _crawl(data, BEFORE)
    _crawl(data, NOW)
    trials = Trials(data)
    own = trials.json("history", PROVISIONAL)
    assert own["nct_id"] == PROVISIONAL and [v["version"] for v in own["versions"]] == [1, None]
    assert own["versions"][-1]["events"][0]["summary"] == f"merged into {NCT}"
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        assert client.get(f"/api/trials/{PROVISIONAL.lower()}/history").json() == own
        page = html.unescape(re.sub(r"<[^>]+>", "", client.get(f"/trials/{PROVISIONAL}/history").text))
        assert f"History of {PROVISIONAL}" in page and f"merged into {NCT}" in page and "No longer listed" not in page
        # The NCT trial's history is its own, without the merged trial's version.
        assert client.get(f"/api/trials/{NCT}/history").json() == trials.json("history", NCT)


def test_the_diff_of_the_merged_trials_id_is_of_its_own_versions_as_its_history_says(tmp_path: Path) -> None:
    # The page changed once before it named the NCT trial (its status, as the register had it later):
    # the merged trial's history holds that change, and `trials diff` of its id, as its history
    # suggests, and the "last diff" its history page links to show it, not the NCT trial's.
    data = tmp_path / "data"
    ended = BEFORE.replace(b'<p class="">Completed</p>', b'<p class="">Terminated</p>')
    (was,), (now,) = (parse_document(body, source_url=URL).records for body in (BEFORE, ended))
    assert (was.overall_status, now.overall_status) == ("COMPLETED", "TERMINATED")
    for body in (BEFORE, ended, NOW):
        _crawl(data, body)
    trials = Trials(data)
    assert [v["version"] for v in trials.json("history", PROVISIONAL)["versions"]] == [1, 2, None]
    asked = trials.json("diff", PROVISIONAL.lower())
    assert {"field": "overall_status", "old": "COMPLETED", "new": "TERMINATED"} in asked
    assert trials.json("diff", PROVISIONAL, "--from", "1", "--to", "2") == asked
    assert trials.json("diff", NCT) == []  # the NCT trial has one version
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        page = client.get(f"/trials/{PROVISIONAL}/history").text
        assert f'href="/api/trials/{PROVISIONAL}/diff"' in page
        assert client.get(f"/api/trials/{PROVISIONAL}/diff").json() == asked
        assert client.get(f"/api/trials/{PROVISIONAL}/diff", params={"to": 2}).json() == asked
        assert client.get(f"/api/trials/{NCT}/diff").json() == []
