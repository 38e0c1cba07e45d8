"""Places as people type them in a search's place box, read the same way by `--near` and the web's `near`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import load
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
    }
    page = client.get("/search", params={"near": typed, "status": "any"})
    assert page.status_code == 200 and f"“{typed}” is a country: these are the trials with a site in it" in page.text


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
