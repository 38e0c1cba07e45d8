"""Places as people type them in a search's place box, read the same way by `--near` and the web's `near`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import load
from indexer.geo import gazetteer
from indexer.geo.typed import given_place
from tests.conftest import Trials
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


def _ids(rows: list[dict[str, object]]) -> list[object]:
    return [r["nct_id"] for r in rows]


# -- a country typed as the place: a country filter, on the CLI as on the web -------------------------------


@pytest.mark.parametrize(("typed", "code"), [("China", "CN"), ("Mexico", "MX"), ("UK", "GB")])
def test_a_country_as_the_place_is_a_country_filter_everywhere(
    web_data: Path, client: TestClient, typed: str, code: str
) -> None:
    trials = Trials(web_data)
    by_country = _ids(trials.json("search", "--country", code, "--status", "any", "--limit", "100"))
    assert by_country  # the real records have sites there
    near = trials("search", "--near", typed, "--status", "any", "--limit", "100", "--json")
    assert near.exit_code == 0 and _ids(json.loads(near.stdout)) == by_country  # was exit 2, "not a place"
    said = trials("search", "--near", typed, "--status", "any").output
    assert f"with a site in {typed} ({code}): a country, searched as --country" in said
    web = client.get("/api/search", params={"near": typed, "status": "any", "limit": 100}).json()
    assert _ids(web["results"]) == by_country
    assert web["near"] == {
        "written": typed,
        "label": f"{typed} ({code})",
        "lat": None,
        "lon": None,
        "within_km": None,
        "country": code,
        "also": None,
    }
    page = client.get("/search", params={"near": typed, "status": "any"})
    assert (
        page.status_code == 200
        and f"{typed} ({code}) is a country: these are the trials with a site in it" in page.text
    )


def test_a_country_as_the_place_in_the_other_commands(web_data: Path) -> None:
    trials = Trials(web_data)
    by_distance = trials("search", "--near", "China", "--sort", "distance", "--status", "any", "--json")
    assert by_distance.exit_code == 0 and "no point to sort by distance from: best match first" in by_distance.output
    best = trials.json("search", "--near", "China", "--status", "any")
    assert _ids(json.loads(by_distance.stdout)) == _ids(best)
    shown = trials("show", "NCT04077684", "--near", "China")
    assert (
        shown.exit_code == 0 and "'China' is a country, not a place: sites are listed without distances" in shown.output
    )
    assert " km" not in shown.stdout
    for command in (("similar", "NCT04077684"), ("match", "--text", "lupus, 40")):
        assert trials(*command, "--near", "China", "--status", "any").exit_code == 0


# -- places as patients type them in the place box ------------------------------------------------------

TYPED = [
    ("21401", "Annapolis, MD 21401"),
    ("02115-1234", "Boston, MA 02115"),
    ("  BOSTON  ", "Boston, MA, US"),
    ("Boston MA", "Boston, MA, US"),
    ("Toronto", "Toronto, ON, CA"),
    ("Beijing", "Beijing, CN"),
    ("Cincinatti", "Cincinnati, OH, US"),  # a misspelling GeoNames knows
    # As people write a town with its state or country, with or without commas, and more.
    ("near Lyon France", "Lyon, FR"),  # was unknown
    ("Lyon France", "Lyon, FR"),
    ("Cleveland Ohio", "Cleveland, OH, US"),
    ("London UK", "London, GB"),
    ("Sydney New South Wales", "Sydney, NSW, AU"),
    ("Paris, TX, USA", "Paris, TX, US"),  # was "'TX, USA' is not a country or US state"
    ("In Salah", "In Salah, DZ"),  # a town's own "In" is no filler word
    # A US address: its ZIP code, else its town and state.
    ("Houston TX 77030", "Houston, TX 77030"),
    ("Bethesda, MD 20892", "Bethesda, MD 20892"),
    ("Boston, MA 02115, USA", "Boston, MA 02115"),
    ("Houston TX 99999", "Houston, TX, US"),
    # Two letters that are a US state's code: the US city known by them.
    ("LA", "Los Angeles, CA, US"),  # was Laos
    ("DC", "Washington, DC, US"),  # was "too short"
    ("Washington D.C.", "Washington, DC, US"),
    ("near China", "China (CN)"),  # a country: searched as one
]

REFUSED = [
    ("TX", 'is a US state, not a place: name a city or a ZIP code in it (e.g. "Houston, TX")'),  # was unknown
    ("MA", '(e.g. "Boston, MA"); for Morocco (MA), name the country'),  # was Morocco
    ("CA", '(e.g. "Los Angeles, CA"); for Canada (CA), name the country'),  # was Canada
    ("near Texas", "'Texas' is a US state, not a place"),
    ("near me", "this search cannot know where you are"),
    ("Chicgo", "is not a place the gazetteer knows. Did you mean: Chicago, US"),
    ("Xyzzyville", "'Xyzzyville' is not a place the gazetteer knows"),
    ("00000", "'00000' is not a known US ZIP code"),
]


@pytest.mark.parametrize(("typed", "label"), TYPED)
def test_places_as_patients_type_them(typed: str, label: str) -> None:
    assert given_place(typed).label == label


@pytest.mark.parametrize(("typed", "said"), REFUSED)
def test_what_names_no_place_says_what_to_give(typed: str, said: str) -> None:
    with pytest.raises(gazetteer.UnknownPlace) as refused:
        given_place(typed)
    assert said in str(refused.value)


def test_the_cli_and_the_web_read_a_place_box_alike(web_data: Path, client: TestClient) -> None:
    trials = Trials(web_data)
    for typed, label in TYPED:
        cli = trials("search", "lupus", "--near", typed, ok=False)
        web = client.get("/api/search", params={"q": "lupus", "near": typed})
        assert (cli.exit_code, web.status_code) == (0, 200) and label in cli.output
        assert web.json()["near"]["label"] == label
    for typed, said in REFUSED:
        cli = trials("search", "lupus", "--near", typed, ok=False)
        web = client.get("/api/search", params={"q": "lupus", "near": typed})
        assert (cli.exit_code, web.status_code) == (2, 422)  # a value to fix: usage, as --country Narnia
        assert said in cli.output and said in web.json()["detail"][0]["message"]
        assert "Traceback" not in cli.output
    page = client.get("/trials/NCT04077684", params={"near": "Houston TX 77030"})
    assert page.status_code == 200 and "nearest Houston, TX 77030 first" in page.text


# -- a far larger place known by the name only among its other names is said too --------------------------


@pytest.mark.parametrize(
    ("typed", "label", "also"),
    [
        ("Rio", "Río, GR", "Rio de Janeiro, BR"),
        ("Calcutta", "Calcutta, ZA", "Kolkata, IN"),
        ("Madras", "Madras, OR, US", "Chennai, IN"),
        ("Pekin", "Pekin, IL, US", "Beijing, CN"),
        ("Sidney", "Sidney, OH, US", "Sydney, NSW, AU"),
        ("Annapolis", "Annapolis, MD, US", None),  # Simão Dias, BR is no larger
        ("Islamabad", "Islamabad, PK", None),  # Chattogram, BD: not ten times as many people
        ("Paris", "Paris, FR", None),
        ("Bombay", "Mumbai, IN", None),  # the other name chose the place itself
    ],
)
def test_a_far_larger_place_of_that_other_name_is_said(typed: str, label: str, also: str | None) -> None:
    place = gazetteer.resolve(typed)
    assert (place.label, place.also) == (label, also)


def test_the_cli_and_the_web_say_the_far_larger_place(web_data: Path, client: TestClient) -> None:
    said = Trials(web_data)("search", "lupus", "--near", "Calcutta").output
    assert "within 100 km of Calcutta, ZA (or did you mean Kolkata, IN? name it so)" in said
    near = client.get("/api/search", params={"q": "lupus", "near": "Calcutta"}).json()["near"]
    assert (near["label"], near["also"]) == ("Calcutta, ZA", "Kolkata, IN")
    page = client.get("/search", params={"q": "lupus", "near": "Calcutta"}).text
    assert "within 100 km of Calcutta, ZA (or did you mean Kolkata, IN? name it so)" in page
    assert gazetteer.resolve("Kolkata").label == "Kolkata, IN"  # naming it so finds it
