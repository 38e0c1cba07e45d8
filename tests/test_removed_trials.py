"""A trial the registry no longer has is not offered as recruiting, nor matched to a patient, and where it
is shown (a search without a status, its page), it says it left the registry."""

from __future__ import annotations

import csv
import html
import io
import json

from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from tests.conftest import FIXTURES, SHARED, Trials
from web.app import create_app
from web.present import date_words

SEED = "NCT04077684"  # recruiting, low-dose IL-2 in SLE, Beijing
OTHER = "NCT02084238"  # completed, the earlier low-dose IL-2 SLE study of the same sponsor


def test_a_removed_trial_leaves_status_searches_and_matches(trials: Trials) -> None:
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml"))
    asked = ("search", "--condition", "lupus", "--status", "recruiting", "--json")
    assert SEED in {r["nct_id"] for r in json.loads(trials(*asked).stdout)}
    patient = ("match", "--text", "I am 34, female, with SLE", "--json")
    assert SEED in {r["nct_id"] for r in json.loads(trials(*patient).stdout)}
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:  # a --full crawl's 404 for it
        assert w.mark_removed(SEED, "404 when asked by id")
    assert SEED not in {r["nct_id"] for r in json.loads(trials(*asked).stdout)}
    assert SEED not in {r["nct_id"] for r in json.loads(trials(*patient).stdout)}
    # Without a status it is still found, and shown, as the history of what the registry had.
    assert SEED in {r["nct_id"] for r in json.loads(trials("search", "--condition", "lupus", "--json").stdout)}
    assert trials.json("show", SEED)["nct_id"] == SEED


def test_a_removed_trial_says_so_wherever_it_is_shown(trials: Trials) -> None:
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml"))
    assert trials.json("show", SEED)["removed_from_registry"] is None
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:  # as the crawl's pipeline marks a 404 on --full
        assert w.mark_removed(SEED, "404 when asked by id")
    [event] = trials.json("changes", "--since", "2000-01-01", "--event", "removed")
    since = event["date"]
    said = f"No longer listed on ClinicalTrials.gov since {since}: the registry's last record is shown"
    gone = {"since": since, "registry": "ClinicalTrials.gov", "reason": event["summary"]}

    shown = trials("show", SEED).stdout
    assert shown.splitlines()[3] == said and shown.count(said) == 2  # under the title, and in how to take part
    assert trials.json("show", SEED)["removed_from_registry"] == gone
    assert trials.json("show", OTHER)["removed_from_registry"] is None
    [row] = csv.DictReader(io.StringIO(trials("show", SEED, "--csv").stdout))
    assert json.loads(row["removed_from_registry"]) == gone

    # A search without a status still finds it, and every result line says so.
    found = {r["nct_id"]: r["removed_from_registry"] for r in trials.json("search", "--condition", "lupus")}
    assert found == {SEED: gone, OTHER: None}
    [line] = [x for x in trials("search", "--condition", "lupus").stdout.splitlines() if SEED in x]
    assert f"recruiting (no longer listed since {since})" in line
    matched = trials.json("match", "--text", "I am 34, female, with SLE", "--status", "any")
    assert {r["nct_id"]: r["removed_from_registry"] for r in matched}[SEED] == gone
    [line] = [x for x in trials("match", "--text", "34F with SLE", "--status", "any").stdout.splitlines() if SEED in x]
    assert f"(no longer listed since {since})" in line

    # The web: the trial page, the API's trial (as `show --json`), search results, a patient's matches.
    with TestClient(create_app(load(trials.data_dir)), raise_server_exceptions=False) as web:
        on_page = (
            f"No longer listed on ClinicalTrials.gov since {date_words(since)}: the registry's last record is shown"
        )
        page = html.unescape(web.get(f"/trials/{SEED}").text)
        assert page.count(on_page) == 2
        assert on_page.split(" since")[0] not in html.unescape(web.get(f"/trials/{OTHER}").text)
        assert web.get(f"/api/trials/{SEED}").json() == trials.json("show", SEED)
        results = web.get("/api/search", params={"condition": "lupus"}).json()["results"]
        assert {r["nct_id"]: r["removed_from_registry"] for r in results} == found
        assert on_page in html.unescape(web.get("/search", params={"condition": "lupus", "status": "any"}).text)
        assert on_page not in html.unescape(web.get("/search", params={"condition": "lupus"}).text)  # open only
        patient = web.post("/api/match", json={"text": "I am 34, female, with SLE", "status": ["any"]}).json()
        assert {r["nct_id"]: r["removed_from_registry"] for r in patient["results"]}[SEED] == gone
        assert on_page in html.unescape(web.post("/match", data={"text": "I am 34, female, with SLE"}).text)


def test_a_trial_listed_again_and_dropped_again_is_marked_again(trials: Trials) -> None:
    versions = sorted((SHARED / "ctgov" / "xml_versions" / "NCT02798588").glob("*.xml"))
    trials("--quiet", "ingest", *map(str, versions[:3]))
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:
        assert w.mark_removed("NCT02798588", "404 when asked by id")
        assert not w.mark_removed("NCT02798588", "404 when asked by id")  # already marked
    trials("--quiet", "ingest", str(versions[3]))  # the registry lists it again: a newer version
    assert trials.json("show", "NCT02798588")["removed_from_registry"] is None
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:
        assert w.mark_removed("NCT02798588", "404 when asked by id")
    removed = trials.json("changes", "--since", "2000-01-01", "--event", "removed")
    assert [e["nct_id"] for e in removed] == ["NCT02798588", "NCT02798588"]
    assert trials.json("show", "NCT02798588")["removed_from_registry"] is not None


def test_an_older_download_loaded_after_a_removal_does_not_list_it_again(trials: Trials) -> None:
    versions = sorted((SHARED / "ctgov" / "xml_versions" / "NCT02798588").glob("*.xml"))
    trials("--quiet", "ingest", str(versions[-1]))
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:
        assert w.mark_removed("NCT02798588", "404 when asked by id")
    # Older snapshots arrive afterwards (an archive loaded late): history, not the registry listing it again.
    trials("--quiet", "ingest", *map(str, versions[:-1]))
    assert len([v for v in trials.json("history", "NCT02798588")["versions"] if v["version"]]) >= 3
    assert trials.json("show", "NCT02798588")["removed_from_registry"] is not None
    asked = ("search", "--status", "any", "--limit", "100")
    assert "NCT02798588" in {r["nct_id"] for r in trials.json(*asked)}
    status = trials.json("show", "NCT02798588")["overall_status"].lower().replace("_", " ")
    assert "NCT02798588" not in {r["nct_id"] for r in trials.json("search", "--status", status)}


def test_history_dates_each_removal_after_the_version_it_ended_in_every_format(trials: Trials) -> None:
    versions = sorted((SHARED / "ctgov" / "xml_versions" / "NCT02798588").glob("*.xml"))
    trials("--quiet", "ingest", *map(str, versions[:3]))
    before = [v["version"] for v in trials.json("history", "NCT02798588")["versions"]]
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:
        assert w.mark_removed("NCT02798588", "404 when asked by id")
    trials("--quiet", "ingest", str(versions[3]))  # listed again
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:
        assert w.mark_removed("NCT02798588", "404 when asked by id")
    found = trials.json("changes", "--since", "2000-01-01", "--event", "removed")
    days = sorted({e["date"] for e in found})
    assert len(found) == 2 and len(days) == 1  # both found today

    entries = trials.json("history", "NCT02798588")["versions"]
    assert [v["version"] for v in entries] == [*before, None, len(before) + 1, None]
    removals = [v for v in entries if v["version"] is None]
    assert [v["date"] for v in removals] == days * 2
    assert all(v["fetched_at"].endswith("Z") and [e["type"] for e in v["events"]] == ["removed"] for v in removals)
    text = trials("history", "NCT02798588").stdout
    assert text.count(f"removed  {days[0]}  (found ") == 2 and "?" not in text
    rows = list(csv.DictReader(io.StringIO(trials("history", "NCT02798588", "--csv").stdout)))
    gone = [r for r in rows if not r["version"]]
    assert [(r["date"], r["field"], r["old"], r["new"]) for r in gone] == [(days[0], "nct_id", "NCT02798588", "")] * 2
    lines = [json.loads(x) for x in trials("history", "NCT02798588", "--ndjson").stdout.splitlines()]
    assert [x for x in lines if x["version"] is None] == [
        {"nct_id": "NCT02798588", "version": None, "date": days[0], "source": None, "field": "nct_id",
         "old": "NCT02798588", "new": None}
    ] * 2  # fmt: skip
