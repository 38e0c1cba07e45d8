"""The CLI and the web read the shared filters (status, phase, sex) alike: one spelling, one answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import load
from tests.conftest import FIXTURES, Trials
from web.app import create_app

# (filter, the values as typed: repeated when more than one). Each is asked of `trials search` and of
# /api/search: both give the same trials, or both refuse it (exit 2, 422).
SPELLINGS = [
    ("status", ["any"]),
    ("status", ["ANY"]),
    ("status", ["any,recruiting"]),
    ("status", ["recruiting", "any"]),
    ("status", ["recruiting"]),
    ("status", ["Recruiting"]),
    ("status", ["not yet recruiting"]),
    ("status", ["Not_Yet_Recruiting"]),
    ("status", ["recruiting,completed"]),
    ("status", ["recruiting", "completed"]),
    ("status", ["Active, not recruiting"]),  # the registry's own label, comma and all
    ("status", ["Unknown status"]),
    ("status", ["completed", ""]),
    ("status", [" "]),
    ("status", ["recruting"]),
    ("status", ["open"]),
    ("phase", ["2"]),
    ("phase", ["phase 2"]),
    ("phase", ["II"]),
    ("phase", ["1/2"]),
    ("phase", ["I/II"]),
    ("phase", ["1", "2"]),
    ("phase", ["2,3"]),
    ("phase", ["early1"]),
    ("phase", ["Early Phase 1"]),
    ("phase", ["N/A"]),
    ("phase", [""]),
    ("phase", ["7"]),
    ("phase", ["any"]),
    ("sex", ["F"]),
    ("sex", ["female"]),
    ("sex", ["Woman"]),
    ("sex", [" f "]),
    ("sex", ["m"]),
    ("sex", ["MALE"]),
    ("sex", ["man"]),
    ("sex", [""]),
    ("sex", ["x"]),
    ("sex", ["any"]),
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("filters") / "data"
    Trials(data)("--quiet", "ingest", str(FIXTURES / "ctgov"), str(FIXTURES / "ctgov_xml"))
    return data


@pytest.fixture(scope="module")
def client(stored: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(stored)), raise_server_exceptions=False) as c:
        yield c


def _cli(stored: Path, name: str, values: list[str]) -> set[str] | None:
    asked = [arg for v in values for arg in (f"--{name}", v)]
    result = Trials(stored)("--quiet", "search", *asked, "--limit", "100", "--json", ok=False)
    if result.exit_code == 2:
        return None
    assert result.exit_code == 0, result.output
    return {r["nct_id"] for r in json.loads(result.stdout)}


def _web(client: TestClient, name: str, values: list[str]) -> set[str] | None:
    answer = client.get("/api/search", params=[*((name, v) for v in values), ("limit", "100")])
    if answer.status_code == 422:
        return None
    assert answer.status_code == 200, answer.text
    return {r["nct_id"] for r in answer.json()["results"]}


@pytest.mark.parametrize(("name", "values"), SPELLINGS)
def test_cli_and_web_read_a_filter_alike(stored: Path, client: TestClient, name: str, values: list[str]) -> None:
    assert _cli(stored, name, values) == _web(client, name, values)


def test_the_spellings_mean_what_they_say(stored: Path) -> None:
    every = _cli(stored, "status", [])
    assert every is not None and len(every) == 13
    recruiting = _cli(stored, "status", ["recruiting"])
    assert recruiting and recruiting < every
    assert _cli(stored, "status", ["any"]) == _cli(stored, "status", ["recruiting", "any"]) == every
    assert _cli(stored, "status", ["Not_Yet_Recruiting"]) == _cli(stored, "status", ["not yet recruiting"])
    assert _cli(stored, "status", ["Active, not recruiting"]) is not None
    assert _cli(stored, "status", ["recruting"]) is None and _cli(stored, "status", ["open"]) is None
    assert _cli(stored, "phase", ["I/II"]) == _cli(stored, "phase", ["1", "2"]) != every
    assert _cli(stored, "sex", [" f "]) == _cli(stored, "sex", ["Woman"]) != _cli(stored, "sex", ["man"])
    assert _cli(stored, "sex", [""]) == every and _cli(stored, "sex", ["any"]) is None


def test_match_takes_any_and_its_default_as_the_web_does(stored: Path, client: TestClient) -> None:
    text = "I am 34, female, with systemic lupus erythematosus"
    cli, found = Trials(stored), []
    for status in ([], ["any"], ["Completed"], ["", " "]):
        asked = [arg for v in status for arg in ("--status", v)]
        mine = [r["nct_id"] for r in cli.json("match", "--text", text, *asked)]
        web = client.post("/api/match", json={"text": text, "status": status}).json()
        assert mine == [m["nct_id"] for m in web["results"]], status
        found.append(set(mine))
    joinable, every, completed, blank = found
    assert joinable == blank == {"NCT04077684"} and every == joinable | completed == {"NCT04077684", "NCT02084238"}


def test_the_eu_registers_running_statuses_can_be_asked_for(tmp_path: Path, client: TestClient) -> None:
    """EU CTR's "Ongoing" and "Restarted" are kept as the register says them (whether such a trial recruits
    is not said): `--status ongoing` and `status=ongoing` find them; they were refused as no status."""
    data = tmp_path / "data"
    trials = Trials(data)
    trials("--quiet", "ingest", str(FIXTURES / "euctr" / "derived_EUCTR_2015-000590-12_DE_ongoing_no_E4_latin1.html"))
    found = trials.json("search", "--status", "ongoing")
    assert [(r["nct_id"], r["overall_status"]) for r in found] == [("EUCTR2015-000590-12", "ONGOING")]
    assert _cli(data, "status", ["restarted"]) == set() and _cli(data, "status", ["Ongoing"]) == {"EUCTR2015-000590-12"}
    assert client.get("/api/search", params={"status": "ongoing"}).status_code == 200
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as eu:
        page = eu.get("/trials/EUCTR2015-000590-12").text
    assert "it does not say whether it is looking for participants: ask the study team" in page
    assert "it is not looking for participants" not in page
