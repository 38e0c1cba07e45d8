"""The web app through FastAPI's TestClient: every route, errors, escaping, security headers, read-only."""

from __future__ import annotations

import asyncio
import html
import math
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from search_cli.commands.serve import bind
from tests.conftest import Trials, shared
from tests.webdata import EUDRACT, LISTING_URL, served
from web.app import CSP, create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

SEED = "NCT04077684"


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def cli(web_data: Path) -> Trials:
    return Trials(web_data)


def seed_criteria() -> tuple[list[str], list[str]]:
    """Inclusion and exclusion lines as the seed page shows them (an oracle independent of our parser)."""
    text = next(shared("seed").glob("*.txt")).read_text()
    inc = text.split("Inclusion Criteria", 1)[1].split("Exclusion Criteria", 1)[0]
    exc = text.split("Exclusion Criteria", 1)[1].split("Clear my responses", 1)[0]
    return [x for x in inc.splitlines() if x.strip()], [x for x in exc.splitlines() if x.strip()]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def tags(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


# -- JSON API: the same answers as the CLI's --json -------------------------------------------


def test_api_search_is_the_cli_search(client: TestClient, cli: Trials) -> None:
    got = client.get("/api/search", params={"q": "low-dose IL-2", "condition": "lupus", "limit": 5}).json()
    want = cli.json("search", "low-dose IL-2", "--condition", "lupus", "--limit", "5")
    assert [r["nct_id"] for r in got["results"]] == [r["nct_id"] for r in want]
    assert SEED in [r["nct_id"] for r in got["results"]]
    assert got["total"] >= len(got["results"]) and got["page"] == 1
    # Record field names, as --json, plus the score.
    assert set(want[0]) <= set(got["results"][0]) and "matched_synonyms" in got["results"][0]


def test_api_search_pages_do_not_overlap(client: TestClient, cli: Trials) -> None:
    page1 = client.get("/api/search", params={"condition": "lupus", "limit": 5}).json()
    page2 = client.get("/api/search", params={"condition": "lupus", "limit": 5, "page": 2}).json()
    want = [r["nct_id"] for r in cli.json("search", "--condition", "lupus", "--limit", "10")]
    assert [r["nct_id"] for r in page1["results"] + page2["results"]] == want


def test_api_search_reports_synonyms_that_matched(client: TestClient) -> None:
    got = client.get("/api/search", params={"condition": "SLE", "status": "recruiting"}).json()
    seed = next(r for r in got["results"] if r["nct_id"] == SEED)
    assert "SLE" not in " ".join(seed["conditions"]).split()  # the record says "Systemic Lupus Erythematosus"
    assert "sle (as systemic lupus erythematosus)" in [t.lower() for t in seed["matched_synonyms"]]
    page = client.get("/search", params={"condition": "SLE"}).text
    assert re.search(r"Matched SLE \(as systemic lupus erythematosus\)", page, re.I)


def test_api_trial_by_any_id_is_cli_show(client: TestClient, cli: Trials) -> None:
    got = client.get(f"/api/trials/{SEED}").json()
    assert got == cli.json("show", SEED)
    assert {s["url"] for s in got["sources"]} >= {LISTING_URL}
    by_eudract = client.get(f"/api/trials/{EUDRACT}")
    assert by_eudract.status_code == 200 and by_eudract.json()["nct_id"] == "NCT00770497"


def test_api_similar_is_cli_similar(client: TestClient, cli: Trials) -> None:
    got = client.get(f"/api/trials/{SEED}/similar", params={"limit": 5}).json()
    want = cli.json("similar", SEED, "--limit", "5")
    assert [(r["nct_id"], r["shares"]) for r in got] == [(r["nct_id"], r["shares"]) for r in want]
    # The earlier low-dose IL-2 SLE study of the same sponsor shares condition, drug and sponsor.
    assert got[0]["nct_id"] == "NCT02084238" and {"condition", "intervention", "sponsor"} <= set(got[0]["shares"])


def test_api_history_and_diff_are_the_cli_s(client: TestClient, cli: Trials) -> None:
    trial = "NCT02798588"  # several dated downloads in ctgov/xml_versions
    assert client.get(f"/api/trials/{trial}/history").json() == cli.json("history", trial)
    got = client.get(f"/api/trials/{trial}/diff", params={"from": 1, "to": 2}).json()
    assert got == cli.json("diff", trial, "--from", "1", "--to", "2")
    assert got  # the versions differ


def test_api_changes_is_cli_changes(client: TestClient, cli: Trials) -> None:
    got = client.get("/api/changes", params={"since": "2017-01-01", "event": "status", "limit": 50}).json()
    want = cli.json("changes", "--since", "2017-01-01", "--event", "status", "--limit", "50")
    assert got["events"] == want and want
    assert all(e["type"] == "status" and e["date"] >= "2017-01-01" for e in got["events"])


def test_changes_of_a_field_that_makes_no_events_are_said(client: TestClient, cli: Trials) -> None:
    """As `trials changes --field status` warns; the API and the page gave an empty list without a word."""
    asked = {"since": "2017-01-01", "field": "status", "limit": 50}
    got = client.get("/api/changes", params=asked).json()
    [note] = got["notes"]
    assert got["events"] == [] and note.startswith("changes of status make no events")
    named = "Fields that make events: overall_status, enrollment, start_date"
    assert named in note and named in cli("changes", "--since", "2017-01-01", "--field", "status").stderr
    fine = client.get("/api/changes", params={**asked, "field": "overall_status"}).json()
    assert fine["notes"] == [] and fine["events"]  # the shape is the same either way
    assert set(fine) == set(got) == {"page", "limit", "more", "events", "notes"}
    page = client.get("/changes", params=asked).text
    assert f'<p class="warn">{note}</p>' in html.unescape(page)
    evil = client.get("/changes", params={**asked, "field": EVIL}).text
    assert "changes of &lt;script&gt;" in evil and EVIL not in evil


def test_api_changes_reads_since_as_the_cli(client: TestClient, cli: Trials) -> None:
    """Before: the API refused what `trials changes --since` takes ("March 2017", "7d") with a pattern error."""
    for since in ("March 2017", "3000d", "2017-01-01T10:00:00Z"):
        got = client.get("/api/changes", params={"since": since, "limit": 50})
        assert got.status_code == 200, since
        want = cli.json("changes", "--since", since, "--limit", "50")
        assert got.json()["events"] == want and want
    # Every stored event was recorded after 2000; none after 2999.
    everything = client.get("/api/changes", params={"recorded_since": "2000-01-01", "limit": 50}).json()["events"]
    assert everything == cli.json("changes", "--recorded-since", "2000-01-01", "--limit", "50") and everything
    assert client.get("/api/changes", params={"recorded_since": "2999-01-01"}).json()["events"] == []
    bad = client.get("/api/changes", params={"since": "2021-02-29"})
    assert bad.status_code == 422 and "since" in bad.text


def test_api_match_reads_the_patient_and_is_cli_match(client: TestClient, cli: Trials) -> None:
    text = "I am 34, female, with systemic lupus erythematosus; my doctor mentioned low-dose IL-2"
    got = client.post("/api/match", json={"text": text, "limit": 5}).json()
    assert got["patient"] == {
        "age": 34.0,
        "age_source": "text",
        "sex": "F",
        "sex_source": "text",
        "place": None,
        "notes": [],
    }
    want = cli.json("match", "--text", text, "--limit", "5")
    assert [r["nct_id"] for r in got["results"]] == [r["nct_id"] for r in want]
    edited = client.post("/api/match", json={"text": text, "age": 80, "sex": "M"}).json()
    assert edited["patient"]["age"] == 80 and edited["patient"]["sex_source"] == "given"


def test_api_match_says_what_it_could_not_read(client: TestClient, cli: Trials) -> None:
    """An unknown ZIP code, a decade for an age, an age over 120: said, on the page and by the CLI."""
    text = "I live in 99999, in my 40s, with systemic lupus erythematosus"
    got = client.post("/api/match", json={"text": text, "status": ["any"]}).json()
    zip_note = "place not read: '99999' is not a known US ZIP code; trials anywhere are shown"
    decade = "age 45 read from “in my 40s”; give the exact age if a trial's age limit falls in it"
    assert got["patient"]["place"] is None and got["patient"]["age"] == 45
    assert got["patient"]["notes"] == [decade, f"{zip_note} (give a place in the Near box)"]
    said = cli("match", "--text", text, "--status", "any").stderr
    assert f"note: {decade}" in said and f"note: {zip_note} (give --near or --country)" in said
    page = client.post("/match", data={"text": "I am 130 years old with SLE"}).text
    assert "“130 years old”: an age over 120, not read; give the age if that is wrong" in page


def test_api_match_reads_a_country_the_text_names(client: TestClient, cli: Trials) -> None:
    """ "a trial in China" is the trials with a site in China, as `--country CN` and the place box's "China"."""
    text = "systemic lupus erythematosus, looking for a trial in China"
    got = client.post("/api/match", json={"text": text, "status": ["any"]}).json()
    assert got["patient"]["place"] == {"written": "China", "label": "China (CN)", "source": "text", "country": "CN"}
    # The place narrows; as a word it is left out of the description (as "I live near Beijing").
    rest = text.replace("China", " ")
    boxed = client.post("/api/match", json={"text": rest, "status": ["any"], "near": "China"}).json()
    assert [r["nct_id"] for r in got["results"]] == [r["nct_id"] for r in boxed["results"]]
    assert got["results"] and all("China" in {loc["country"] for loc in r["locations"]} for r in got["results"])
    everywhere = client.post("/api/match", json={"text": text, "status": ["any"], "near": ""}).json()
    assert len(everywhere["results"]) > len(got["results"])
    assert [r["nct_id"] for r in got["results"]] == [
        r["nct_id"] for r in cli.json("match", "--text", rest, "--status", "any", "--country", "CN")
    ]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_api_match_looks_near_the_place_the_patient_names(client: TestClient, cli: Trials) -> None:
    text = "I am 34, female, with systemic lupus erythematosus, and I live near Beijing"
    got = client.post("/api/match", json={"text": text, "status": ["any"]}).json()
    place = got["patient"]["place"]
    assert (place["label"], place["source"], place["within_km"]) == ("Beijing, CN", "text", 100.0)
    beijing = (39.9042, 116.4074)  # the oracle's own coordinates, not the gazetteer's
    assert got["results"], "the seed trial is in Beijing"
    for r in got["results"]:
        sites = [(loc["lat"], loc["lon"]) for loc in r["locations"] if loc["lat"] is not None]
        assert min(_km(beijing, s) for s in sites) <= 101, r["nct_id"]
        assert r["distance_km"] == pytest.approx(min(_km((place["lat"], place["lon"]), s) for s in sites), abs=1)
    want = cli.json("match", "--text", text, "--status", "any")
    assert [r["nct_id"] for r in got["results"]] == [r["nct_id"] for r in want]
    # An empty place is "anywhere": trials far from Beijing come back.
    anywhere = client.post("/api/match", json={"text": text, "status": ["any"], "near": ""}).json()
    assert anywhere["patient"]["place"] is None
    assert len(anywhere["results"]) > len(got["results"])
    given = client.post("/api/match", json={"text": text, "near": "Xyzzyville"})
    assert given.status_code == 422 and given.json()["detail"][0]["param"] == "near"
    page = client.post(
        "/match",
        content=b"text=I+am+34+with+SLE%2C+living+near+Beijing&open=1",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ).text
    assert re.search(r"place <strong>within 100 km of Beijing, CN</strong>\s*\(read from your words\)", page)
    assert 'name="near" maxlength="200" placeholder="city, postal code or lat,lon" value="Beijing"' in page
    cleared = client.post(
        "/match",
        content=b"text=I+am+34+with+SLE%2C+living+near+Beijing&open=1&near_shown=1&near=",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ).text
    assert "place <strong>anywhere</strong>" in cleared


def test_api_stats_is_cli_stats(client: TestClient, cli: Trials) -> None:
    assert client.get("/api/stats").json() == cli.json("stats")
    assert client.get("/api/stats", params={"by": "country", "limit": 5}).json() == cli.json(
        "stats", "--by", "country", "--limit", "5"
    )


# -- errors: 404, 422 naming the parameter, never a traceback ----------------------------------


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/search?age=abc", "age"),
        ("/api/search?age=200", "age"),
        ("/api/search?status=bogus", "status"),
        ("/api/search?sex=X", "sex"),
        ("/api/search?phase=9", "phase"),
        ("/api/search?page=0", "page"),
        ("/api/search?limit=100000", "limit"),
        ("/api/search?q=" + "x" * 600, "q"),
        ("/api/changes?since=the+day+before", "since"),
        ("/api/changes?event=bogus", "event"),
        ("/api/stats?by=colour", "by"),
        ("/api/trials/NCT02798588/diff?from=99", "from"),
        ("/api/trials/NCT02798588/similar?limit=0", "limit"),
    ],
)
def test_bad_parameters_get_422_naming_them(client: TestClient, url: str, param: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"].startswith(f"{param}:") and body["detail"][0]["param"] == param
    assert "Traceback" not in r.text


def test_bad_match_body_gets_422(client: TestClient) -> None:
    for body, param in (
        ({"text": ""}, "text"),
        ({"text": "x", "sex": "Q"}, "sex"),
        ({"text": "x", "limit": 0}, "limit"),
    ):
        r = client.post("/api/match", json=body)
        assert r.status_code == 422 and r.json()["detail"][0]["param"] == param


def test_unknown_trial_is_404_in_json_and_html(client: TestClient) -> None:
    for url in ("/api/trials/NCT99999999", "/api/trials/NCT99999999/similar", "/api/trials/NCT99999999/history"):
        r = client.get(url)
        assert r.status_code == 404 and "trials crawl ctgov" in r.json()["error"]
    page = client.get("/trials/NCT99999999")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "NCT99999999" in page.text and "Traceback" not in page.text
    assert client.get("/watches/nobody.atom").status_code == 404


def test_a_failure_inside_a_route_is_a_500_without_the_trace(web_data: Path) -> None:
    with Catalog(load(web_data)) as catalog:
        app = create_app(load(web_data), catalog)
        catalog.store.close()  # every read now fails inside the library
        with TestClient(app, raise_server_exceptions=False) as c:
            for url in (f"/api/trials/{SEED}", f"/trials/{SEED}"):
                r = c.get(url)
                assert r.status_code == 500
                assert "Traceback" not in r.text and "sqlite" not in r.text.lower()


# -- safety: escaping, CSP, no inline scripts, read-only ----------------------------------------

EVIL = '<script>alert("x")</script>'


def test_user_strings_come_back_inert_in_html(client: TestClient) -> None:
    for url, params in (
        ("/search", {"q": EVIL, "condition": EVIL}),
        ("/changes", {"field": EVIL, "since": "2020-01-01"}),
        ("/search", {"status": EVIL}),  # a 422 page quoting the bad value
    ):
        r = client.get(url, params=params)
        assert EVIL not in r.text and "&lt;script&gt;" in r.text, url
    r = client.post(
        "/match", content=f"text={EVIL}".encode(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200 and EVIL not in r.text and "&lt;script&gt;" in r.text


def test_user_strings_come_back_inert_in_json(client: TestClient) -> None:
    r = client.get("/api/search", params={"status": EVIL})
    assert r.status_code == 422 and "<script>" not in r.text and "\\u003cscript\\u003e" in r.text
    assert EVIL in r.json()["error"]  # escaped on the wire, intact once parsed


def test_every_page_has_the_csp_and_no_inline_script_or_style(client: TestClient) -> None:
    pages = ["/", "/search?condition=lupus", f"/trials/{SEED}", f"/trials/{SEED}/similar", f"/trials/{SEED}/history"]
    pages += ["/match", "/changes", "/watches", "/trials/NCT99999999"]
    for url in pages:
        r = client.get(url)
        assert r.headers["content-security-policy"] == CSP and "'unsafe-inline'" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        for tag, attrs in tags(r.text).tags:
            assert tag != "style" and "style" not in attrs, (url, tag)
            assert not any(a.startswith("on") for a in attrs), (url, tag, attrs)
            if tag == "script":
                assert attrs.get("src", "").startswith("/static/"), url  # type: ignore[union-attr]
            if tag in ("link", "script", "img"):
                assert not re.match(r"(https?:)?//", attrs.get("src") or attrs.get("href") or ""), (url, attrs)


def test_static_files_and_their_licence_are_served(client: TestClient) -> None:
    for name in ("app.js", "style.css", "print.css", "LICENSE.txt"):
        assert client.get(f"/static/{name}").status_code == 200
    assert "print.css" in client.get(f"/trials/{SEED}").text


def test_serving_writes_nothing_and_needs_no_write_lock(web_data: Path) -> None:
    with Catalog(load(web_data)) as writer, writer.write_lock():  # a crawl is writing meanwhile
        app = create_app(load(web_data))
        store = app.state.catalog.store
        before = store.snapshot()
        with TestClient(app) as c:
            for url in (f"/trials/{SEED}", "/search?q=lupus", "/watches/lupus-il2.atom", "/api/stats", "/changes"):
                assert c.get(url).status_code == 200, url
            assert c.post("/api/match", json={"text": "lupus"}).status_code == 200
            assert store.snapshot() == before


# -- patient pages ----------------------------------------------------------------------------


def test_search_page_speaks_plainly_and_pages_keep_the_query(client: TestClient) -> None:
    r = client.get("/search", params={"condition": "lupus", "age": "34", "sex": "F", "limit": 2})
    assert r.status_code == 200
    assert "Looking for participants" in r.text and "updated" in r.text
    assert re.search(r"\d+ trials? open to patients, for age 34, women", r.text)
    nxt = re.search(r'<a rel="next" href="([^"]+)"', r.text)
    assert nxt is not None
    href = nxt.group(1).replace("&amp;", "&")
    assert "condition=lupus" in href and "age=34" in href and "page=2" in href
    assert client.get(href).status_code == 200
    # The default shows only trials open to patients; status=any shows finished ones too.
    closed = client.get("/search", params={"condition": "lupus", "status": "any", "limit": 100}).text
    assert (
        "Finished" in closed
        and "Finished" not in client.get("/search", params={"condition": "lupus", "limit": 100}).text
    )


def test_trial_page_has_what_the_seed_page_has_and_more(client: TestClient) -> None:
    r = client.get(f"/trials/{SEED}")
    assert r.status_code == 200
    page = tags(r.text)
    text = " ".join(" ".join(page.text).split())
    for want in (
        "Efficacy and Safety of Low-dose IL-2 in Patients With SLE",
        "Looking for participants",
        "Dec 31, 2024",  # end date
        "Participants needed 500",
        "Peking University People's Hospital",
        "How to take part",
        "Similar trials to consider",
        "What changed",
        "not a medical decision",
    ):
        assert want in text, want
    # The seed's keyword tags (from the listing page, filling what the registry lacks).
    for tag in ("corticosteroids", "interleukin-2", "mycophenolate"):
        assert tag in text
    # One Yes / No / Not sure group per criterion, as many as the seed page lists, none inside a form.
    inc, exc = seed_criteria()
    radios = [a for t, a in page.tags if t == "input" and a.get("type") == "radio"]
    assert len(radios) == 3 * (len(inc) + len(exc))
    assert {a["value"] for a in radios} == {"yes", "no", "unsure"}
    assert "<form" not in r.text.split('class="checklist"', 1)[1].split("</section>", 1)[0]
    # Every source record is linked.
    hrefs = {a.get("href") for t, a in page.tags if t == "a"}
    assert LISTING_URL in hrefs and "https://clinicaltrials.gov/show/NCT04077684" in hrefs


def test_trial_page_warns_when_an_open_trial_is_stale(client: TestClient) -> None:
    # The stored registry record of the seed's trial was last updated in 2020 and still says Recruiting.
    assert "may no longer be looking for participants" in client.get(f"/trials/{SEED}").text


def test_any_id_leads_to_the_trial_page(client: TestClient) -> None:
    r = client.get(f"/trials/{EUDRACT}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].endswith("/trials/NCT00770497")
    assert "euctr" in client.get(r.headers["location"]).text


def test_similar_section_lists_open_trials_with_what_they_share(client: TestClient) -> None:
    r = client.get(f"/trials/{SEED}/similar")
    assert r.status_code == 200 and 'class="similar-list"' in r.text
    api = client.get(
        f"/api/trials/{SEED}/similar",
        params={"status": "recruiting,not_yet_recruiting,enrolling_by_invitation,available", "limit": 6},
    ).json()
    assert api, "open similar trials exist in this corpus"
    for s in api:
        assert f"/trials/{s['nct_id']}" in r.text
    assert "Same condition" in r.text


def test_match_page_shows_what_it_understood(client: TestClient) -> None:
    form = "text=I+am+34%2C+female%2C+with+SLE&open=1"
    r = client.post("/match", content=form.encode(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    assert re.search(r"age <strong>34</strong>\s*\(read from your words\)", r.text)
    assert 'value="34"' in r.text and '<option value="F" selected>' in r.text
    assert client.get("/match").status_code == 200
    bad = client.post("/match", content=b"text=", headers={"content-type": "application/x-www-form-urlencoded"})
    assert bad.status_code == 422 and "text" in bad.text


# -- researcher pages and feeds ----------------------------------------------------------------


def test_history_page_shows_versions_and_diffs(client: TestClient) -> None:
    trial = "NCT02798588"
    h = client.get(f"/api/trials/{trial}/history").json()
    r = client.get(f"/trials/{trial}/history")
    assert r.status_code == 200
    assert r.text.count('class="version"') == len(h["versions"])
    summaries = [e["summary"] for v in h["versions"] for e in v["events"]]
    page = html.unescape(r.text)
    assert summaries and all(s in page for s in summaries)


def test_changes_page_filters_as_the_cli(client: TestClient, cli: Trials) -> None:
    r = client.get("/changes", params={"since": "2017-01-01", "event": "status", "limit": 10})
    want = cli.json("changes", "--since", "2017-01-01", "--event", "status", "--limit", "10")
    rows = re.findall(r'<a href="/trials/(NCT\d+)/history">', r.text)
    assert rows == [e["nct_id"] for e in want]


def test_watch_feed_is_atom_at_a_stable_url(client: TestClient, cli: Trials) -> None:
    assert "/watches/lupus-il2.atom" in client.get("/watches").text
    r = client.get("/watches/lupus-il2.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    want = cli.json("watch", "run", "lupus-il2", "--dry-run")[0]
    assert len(entries) == len(want["new_matches"]) + sum(len(c["events"]) for c in want["changed"])
    assert any(SEED in (e.findtext("a:title", "", ns)) for e in entries)


# -- the command -------------------------------------------------------------------------------


def test_serve_binds_localhost_and_answers(web_data: Path) -> None:
    with served(web_data) as base:
        assert base.startswith("http://127.0.0.1:")
        r = httpx.get(f"{base}/api/trials/{SEED}", timeout=30)
        assert r.status_code == 200 and r.json()["nct_id"] == SEED
        assert "Looking for participants" in httpx.get(f"{base}/trials/{SEED}", timeout=30).text


@pytest.mark.slow  # starts uvicorn worker processes
def test_serve_with_two_worker_processes(web_data: Path) -> None:
    with served(web_data, "--workers", "2") as base:
        answers = {httpx.get(f"{base}/api/trials/{SEED}", timeout=30).json()["nct_id"] for _ in range(6)}
        assert answers == {SEED}


def test_served_connections_send_without_waiting_for_acks() -> None:
    """TCP_NODELAY on every connection the listening socket accepts (asyncio sets it, as uvicorn serves
    it): without, an answer written in two parts waited for the client's delayed ACK, 40 ms a request."""

    async def accepted_nodelay() -> int:
        sock = bind("127.0.0.1", 0)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        async with await asyncio.start_server(handle, sock=sock):
            _, client = await asyncio.open_connection(*sock.getsockname())
            found = await seen
            client.close()
        return found

    assert asyncio.run(accepted_nodelay()) != 0


def test_serve_without_data_says_what_to_do(tmp_path: Path) -> None:
    r = Trials(tmp_path / "empty")("serve", ok=False)
    assert r.exit_code == 1 and "trials ingest" in r.output


def test_search_near_a_place_shows_the_nearest_site(client: TestClient) -> None:
    """The place search of the patient issue, on the page and in the API, as `trials search --near`."""
    api = client.get("/api/search", params={"condition": "lupus", "near": "Beijing, China", "within": "50"})
    assert api.status_code == 200, api.text
    rows = api.json()["results"] if isinstance(api.json(), dict) else api.json()
    assert "NCT04077684" in {r["nct_id"] for r in rows}
    for r in rows:
        assert r["nearest_site"] is not None and r["distance_km"] <= 50
    near = api.json()["near"]  # which place it was taken to be, with the oracle's own coordinates of Beijing
    assert (near["written"], near["label"], near["within_km"]) == ("Beijing, China", "Beijing, CN", 50.0)
    assert _km((near["lat"], near["lon"]), (39.9042, 116.4074)) < 10
    assert "near" not in client.get("/api/search", params={"condition": "lupus"}).json()
    page = client.get("/search", params={"condition": "lupus", "near": "Beijing, China", "within": "50"})
    assert page.status_code == 200 and "km away" in page.text and "within 50 km of" in page.text
    unknown = client.get("/api/search", params={"near": "Atlantisville Qq"})
    assert unknown.status_code == 422 and "near" in unknown.text


def test_fresh_and_country_filters(client: TestClient) -> None:
    everything = client.get("/api/search", params={"status": "any", "limit": "100"}).json()
    fresh = client.get("/api/search", params={"fresh": "true", "limit": "100"}).json()
    rows = lambda body: body["results"] if isinstance(body, dict) else body  # noqa: E731
    assert all(not r["freshness"]["stale"] for r in rows(fresh))
    assert len(rows(fresh)) <= len(rows(everything))
    china = rows(client.get("/api/search", params={"country": "China", "status": "any", "limit": "100"}).json())
    assert china and all(any(loc.get("country") == "China" for loc in r["locations"]) for r in china)
