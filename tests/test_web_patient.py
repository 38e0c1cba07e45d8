"""What a patient sees on the web: contacts, the nearest sites, staleness, places, and answers that agree."""

from __future__ import annotations

import html
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.geo import gazetteer
from indexer.geo.distance import km
from tests.conftest import shared
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

SEED = "NCT04077684"
MANY_SITES = "NCT02465060"  # 1,218 sites in the legacy XML: far more than the page lists


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


def _page_text(response_text: str) -> str:
    return html.unescape(response_text)


def test_the_trial_page_shows_the_central_contact_and_the_responsible_investigator(client: TestClient) -> None:
    # The oracle: the registry's own XML, read with the standard library.
    root = ET.parse(shared("ctgov", "xml", f"{SEED}.xml")).getroot()
    contact, official = root.find("overall_contact"), root.find("overall_official")
    assert contact is not None and official is not None
    page = _page_text(client.get(f"/trials/{SEED}").text)
    assert "Contacts" in page and "Responsible investigators" in page
    for value in (contact.findtext("last_name"), contact.findtext("phone"), contact.findtext("email")):
        assert value and value in page
    for value in (official.findtext("last_name"), official.findtext("affiliation")):
        assert value and value in page
    assert "principal investigator" in page


def test_the_trial_page_lists_the_sites_nearest_the_place_searched_from(client: TestClient, web_data: Path) -> None:
    with Catalog(load(web_data)) as c:
        record = c.get(MANY_SITES)
    assert record is not None
    located = [loc for loc in record.locations if loc.lat is not None and loc.lon is not None]
    assert len(located) > 100
    # The site that comes last in the page's default order (by country, city, facility) is the target.
    target = max(located, key=lambda loc: (loc.country or "", loc.city or "", loc.facility or ""))
    assert target.lat is not None and target.lon is not None
    plain = _page_text(client.get(f"/trials/{MANY_SITES}").text)
    near = f"{target.lat},{target.lon}"
    page = _page_text(client.get(f"/trials/{MANY_SITES}?near={quote(near)}").text)
    assert target.facility and target.facility not in plain.split("Study centers")[1].split("</ul>")[0]
    listed = page.split("Study centers")[1].split("</ul>")[0]
    assert "nearest" in page.split("Study centers")[1][:80]
    assert target.facility in listed.split("km away")[0]  # the first site listed
    # Distances rise down the list, and agree with an independent great-circle computation.
    shown = [float(x) for x in re.findall(r'class="distance">([\d.]+) km away', listed)]
    assert shown == sorted(shown) and shown[0] == 0
    second = sorted(located, key=lambda loc: km(target.lat, target.lon, loc.lat, loc.lon))[len(shown) - 1]  # type: ignore[arg-type]
    assert abs(shown[-1] - km(target.lat, target.lon, second.lat, second.lon)) < 1  # type: ignore[arg-type]
    # A place the gazetteer does not know leaves the page whole, with a note.
    unknown = client.get(f"/trials/{MANY_SITES}?near=Nowhereville%20Xyz")
    assert unknown.status_code == 200 and "not sorted by distance" in unknown.text


def test_search_and_match_results_link_to_the_trial_with_the_place(client: TestClient) -> None:
    page = client.get("/search?condition=lupus&near=Beijing").text
    assert f'href="/trials/{SEED}?near=Beijing"' in page
    matched = client.post(
        "/match", data={"text": "recruiting lupus trials with low-dose IL-2 near Beijing, I am 34", "open": "1"}
    ).text
    assert f'href="/trials/{SEED}?near=' in matched
    # The seed trial's completion date has passed: the match page warns as the search page does.
    first = matched.split('class="result"')[1]
    assert SEED in first and "may no longer be looking" in first


def test_json_answers_say_how_fresh_each_trial_is(client: TestClient) -> None:
    matched = client.post("/api/match", json={"text": "woman, 34, lupus, low-dose IL-2", "status": ["any"]}).json()
    assert matched["results"] and all("stale" in r["freshness"] for r in matched["results"])
    similar = client.get(f"/api/trials/{SEED}/similar").json()
    assert similar and all("stale" in r["freshness"] for r in similar)


def test_an_unknown_place_on_the_match_form_keeps_what_was_typed(client: TestClient) -> None:
    text = "lupus, I am 34, <b>bold</b>"
    answer = client.post("/match", data={"text": text, "near": "Nowhereville Xyz", "near_shown": "1", "open": "1"})
    assert answer.status_code == 422
    assert "Nowhereville" in answer.text and html.escape(text, quote=False) in answer.text
    assert "<b>bold</b>" not in answer.text


def test_a_country_typed_as_a_place_searches_that_country(client: TestClient) -> None:
    by_country = client.get("/api/search?country=China&limit=1").json()["total"]
    as_place = client.get("/api/search?near=China&limit=1").json()["total"]
    assert by_country > 0 and as_place == by_country
    assert "with a site in CN" in client.get("/search?near=China").text


def test_age_minus_zero_is_age_zero(client: TestClient) -> None:
    zero = client.get("/api/search?age=0&limit=1").json()["total"]
    assert zero > 0 and client.get("/api/search?age=-0&limit=1").json()["total"] == zero


def test_changes_pages_cover_every_event_once(client: TestClient, web_data: Path) -> None:
    with Catalog(load(web_data)) as c:
        every = [e.id for e in c.store.events.query(since="1900")]
    assert len(every) > 60
    seen, page = [], 1
    while True:
        answer = client.get(f"/api/changes?since=1900&limit=25&page={page}").json()
        seen += [e["id"] for e in answer["events"]]
        if not answer["more"]:
            break
        page += 1
    assert seen == every and page == -(-len(every) // 25)


def test_the_history_page_shows_changed_values_as_written(client: TestClient) -> None:
    page = client.get("/trials/NCT00023673/history").text
    assert "\\u003e" not in page and "\\u0026" not in page and "\\u0027" not in page
    assert "&gt; 20 Gy" in page  # escaped once, for HTML: the browser shows "> 20 Gy"


def test_a_missing_index_answers_503_not_500(web_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(web_data, data)
    shutil.rmtree(data / "index")
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as c:
        answer = c.get(f"/api/trials/{SEED}/similar")
    assert answer.status_code == 503 and "index" in answer.json()["error"]


def test_a_gazetteer_that_cannot_be_made_answers_503_saying_to_search_without_a_place(
    web_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # TRIALS_GAZETTEER_DIR naming a file: the gazetteer cannot be built there
    monkeypatch.setenv("TRIALS_GAZETTEER_DIR", str(blocked))
    monkeypatch.setattr(gazetteer, "_STORE", None)  # as in a server started with that setting
    with TestClient(create_app(load(web_data, web_cache_mb=0)), raise_server_exceptions=False) as c:
        page = c.get("/search", params={"condition": "lupus", "near": "Timbuktu"})
        answer = c.get("/api/search", params={"condition": "lupus", "near": "Timbuktu"})
        without = c.get("/api/search", params={"condition": "lupus"})
    assert page.status_code == answer.status_code == 503
    assert "search without a place" in answer.json()["error"] and "search without a place" in page.text
    assert without.status_code == 200 and without.json()["total"] > 0
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged and all(r.exc_info is None for r in logged)  # the fix, not a traceback, in the log
    assert any("TRIALS_GAZETTEER_DIR" in r.getMessage() for r in logged)


def test_a_watch_feed_served_twice_is_the_same_feed(client: TestClient) -> None:
    first = client.get("/watches/lupus-il2.atom")
    time.sleep(1.1)  # the clock moves on; the data does not
    second = client.get("/watches/lupus-il2.atom")
    assert first.status_code == 200 and b"<entry>" in first.content
    assert first.content == second.content


def test_similar_over_the_api_takes_the_places_and_freshness_of_the_cli(client: TestClient) -> None:
    everywhere = client.get(f"/api/trials/{SEED}/similar?limit=50&status=any").json()
    in_china = client.get(f"/api/trials/{SEED}/similar?limit=50&status=any&country=China").json()
    near = client.get(f"/api/trials/{SEED}/similar?limit=50&status=any&near=Beijing&within=100").json()
    assert len(everywhere) > len(in_china) > 0
    assert all("China" in {loc["country"] for loc in r["locations"]} for r in in_china)
    assert near and all(r["distance_km"] is not None and r["distance_km"] <= 100 for r in near)
    assert client.get(f"/api/trials/{SEED}/similar?near=Nowhereville%20Xyz").status_code == 422


def test_search_sorts_as_the_cli_does(client: TestClient) -> None:
    found = client.get("/api/search?condition=lupus&status=any&sort=updated&limit=50").json()["results"]
    dates = [r["last_update_posted"] or "" for r in found]
    assert len(dates) > 5 and dates == sorted(dates, reverse=True)
    near = client.get("/api/search?condition=lupus&status=any&near=Beijing&sort=distance&limit=50").json()
    distances = [r["distance_km"] for r in near["results"]]
    assert distances and distances == sorted(distances)
    # Nearest first without a place is best match first, as without `sort`.
    plain = client.get("/api/search?condition=lupus&status=any&limit=50").json()["results"]
    no_place = client.get("/api/search?condition=lupus&status=any&limit=50&sort=distance").json()["results"]
    assert [r["nct_id"] for r in no_place] == [r["nct_id"] for r in plain]


def test_the_search_form_keeps_filters_it_has_no_field_for(client: TestClient) -> None:
    url = "/search?condition=lupus&condition=nephritis&phase=2&sponsor=Peking&country=China&status=completed"
    page = client.get(url).text
    for name, value in (("condition", "nephritis"), ("phase", "PHASE2"), ("sponsor", "Peking"), ("country", "CN")):
        assert f'type="hidden" name="{name}" value="{value}"' in page, name
    assert '<option value="completed" selected>' in page
    # Submitting the form again (its fields and hidden fields, as a browser would) gives the same search.
    shared_url = client.get("/search?condition=lupus&condition=nephritis&phase=2&status=completed").text
    resubmitted = client.get(
        "/search?condition=lupus&q=&near=&within=&age=&sex=&status=completed&condition=nephritis&phase=PHASE2"
    ).text
    counts = [re.search(r'class="count"[^>]*>([\d,]+) trial', p) for p in (shared_url, resubmitted)]
    assert counts[0] and counts[1] and counts[0].group(1) == counts[1].group(1) != "0"


def test_a_page_past_the_last_says_so(client: TestClient) -> None:
    page = client.get("/search?condition=lupus&page=50").text
    assert "past the last page" in page and "page=1" in page


def test_odd_requests_get_answers_that_name_the_problem(client: TestClient) -> None:
    every = client.get("/api/search?status=any&limit=1").json()["total"]
    assert client.get("/api/search?status=any,recruiting&limit=1").json()["total"] == every
    bad_json = client.post("/api/match", content=b"not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 422 and bad_json.json()["detail"][0]["param"] == "body"
    # A value a pattern refuses is said in words, not as the pattern.
    for url, param, words in (
        ("/api/search?q=lupus&sex=x", "sex", "use F, M, female or male"),
        ("/api/search?sort=best", "sort", "use relevance, distance or updated"),
    ):
        refused = client.get(url)
        assert refused.status_code == 422 and refused.json()["error"] == f"{param}: {words}" + (
            " (any case)" if param == "sex" else ""
        ), url
    refused = client.post("/api/match", json={"text": "lupus", "sex": "other"})
    assert refused.status_code == 422 and refused.json()["error"] == "sex: use F, M, female or male (any case)"
    nan = client.get("/api/search?age=nan")
    assert nan.status_code == 422 and "finite" in nan.json()["error"]
    for url in ("/", f"/trials/{SEED}", "/api/search?q=lupus", "/trials/NCT99999999"):
        head, get = client.head(url), client.get(url)
        assert head.status_code == get.status_code and head.content == b"", url
        assert head.headers["content-type"] == get.headers["content-type"], url


def test_an_id_several_trials_give_lists_them_to_choose_from(client: TestClient) -> None:
    grant = "P30CA006973"  # a cancer center's grant number, listed by several trials
    # The oracle: the registry's XML files that list it among their ids.
    expected = sorted(
        p.stem
        for p in shared("ctgov", "xml").glob("*.xml")
        if any(e.text == grant for e in ET.parse(p).getroot().iter("secondary_id"))
    )
    assert len(expected) > 1
    answer = client.get(f"/api/trials/{grant}")
    assert answer.status_code == 300 and answer.json()["trials"] == expected
    page = client.get(f"/trials/{grant}")
    assert page.status_code == 300 and all(f'href="/trials/{t}"' in page.text for t in expected)


def test_a_country_typed_as_the_place_is_not_kept_as_a_hidden_filter(client: TestClient) -> None:
    page = client.get("/search?condition=lupus&near=China").text
    assert 'name="country"' not in page and "with a site in CN" in page
    both = client.get("/search?condition=lupus&near=China&country=Japan").text
    assert '<input type="hidden" name="country" value="JP">' in both and 'value="CN"' not in both


def test_a_patient_s_match_is_never_cached(client: TestClient) -> None:
    text = "I am 34, female, with SLE"
    for answer in (
        client.post("/match", data={"text": text, "open": "1"}),
        client.post("/match", data={"text": text, "near": "Nowhereville Xyz", "near_shown": "1"}),  # the 422 too
        client.post("/api/match", json={"text": text}),
    ):
        assert answer.headers["cache-control"] == "no-store", answer.status_code
    assert "no-store" not in client.get("/search?condition=lupus").headers.get("cache-control", "")


def test_the_web_reads_sex_and_phase_as_the_cli_does(client: TestClient) -> None:
    for spelled in ("F", "f", "female", "Female", "woman"):
        assert (
            client.get(f"/api/search?sex={spelled}&limit=1").json()["total"]
            == client.get("/api/search?sex=F&limit=1").json()["total"]
        )
        assert client.post("/api/match", json={"text": "lupus", "sex": spelled}).json()["patient"]["sex"] == "F"
    assert client.get("/api/search?sex=x").status_code == 422
    both = client.get("/api/search?phase=1&phase=2&limit=1").json()["total"]
    assert client.get("/api/search?phase=1/2&limit=1").json()["total"] == both
    assert client.get("/api/search?phase=I/II&limit=1").json()["total"] == both
    assert (
        client.get("/api/search?phase=II&limit=1").json()["total"]
        == client.get("/api/search?phase=2&limit=1").json()["total"]
    )
    assert client.get("/api/search?phase=n/a&limit=1").status_code == 200


def test_an_id_typed_as_the_search_finds_that_trial(client: TestClient) -> None:
    for typed in ("NCT04077684", "nct04077684", "2018PHB041-01"):  # its NCT id, any case; its sponsor's id
        found = client.get(f"/api/search?q={typed}&status=any").json()
        assert [r["nct_id"] for r in found["results"]] == ["NCT04077684"], typed
    assert client.get("/api/search?q=NCT04077684&country=FR&status=any").json()["total"] == 0  # other filters hold


def test_a_match_with_nothing_about_the_condition_near_the_place_says_so(client: TestClient) -> None:
    """Alzheimer's disease in London: the trials there (COPD, asthma) share only "disease"; none is listed,
    and the answer says that trials were left out, and the page what to try."""
    text = "My mother is 80 and has Alzheimer's disease. She lives in London."
    answer = client.post("/api/match", json={"text": text, "status": ["any"]}).json()
    assert answer["results"] == [] and answer["not_shown"] > 0
    assert answer["patient"]["place"]["label"] == "London, GB"
    page = _page_text(client.post("/match", content=f"text={quote(text)}").text)
    assert "No trial about what you describe within 100 km of London, GB: try a larger distance" in page
    # Anywhere, the text finds its trials (NCT00495820: apathy in Alzheimer's dementia).
    anywhere = client.post("/api/match", json={"text": text, "status": ["any"], "near": ""}).json()
    assert "NCT00495820" in [r["nct_id"] for r in anywhere["results"]]
