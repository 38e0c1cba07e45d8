"""Age limits admit the whole of a maximum's last unit: "17 Years" takes patients until their 18th birthday."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.agelimits import admits
from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.discover import matching
from indexer.discover.criteria_match import FAILS, MEETS, check_item
from indexer.discover.facts import Facts
from indexer.discover.patient import Patient, read_age
from indexer.history.leaving import explain
from indexer.index.document import SearchQuery
from indexer.normalize import age_years
from indexer.parsers import parse
from tests.conftest import Trials, shared
from web.app import create_app

# The length of each unit in years, as the oracle counts it (a year of 365.25 days).
UNIT = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def test_a_maximum_admits_its_whole_last_year_a_minimum_its_whole_value() -> None:
    assert [admits(None, 17.0, age) for age in (17.0, 17.5, 17.99, 18.0, 18.5)] == [True, True, True, False, False]
    assert [admits(18.0, None, age) for age in (17.0, 17.99, 18.0, 18.01)] == [False, False, True, True]
    assert admits(18.0, 65.0, 65.9) and not admits(18.0, 65.0, 66.0)


def _limits() -> list[str]:
    """Every maximum age the real records state in years, months, weeks or days (hours: too few to matter)."""
    found: set[str] = set()
    for path in [*shared("ctgov", "xml").glob("NCT*.xml"), *shared("ctgov", "xml_2021").glob("NCT*.xml")]:
        found.update(re.findall(r"<maximum_age>([^<]+)</maximum_age>", path.read_text(encoding="utf-8")))
    for path in shared("ctgov", "v2").glob("NCT*.json"):
        found.update(re.findall(r'"maximumAge": "([^"]+)"', path.read_text(encoding="utf-8")))
    return sorted(v for v in found if re.fullmatch(r"\d+ (Year|Month|Week|Day)s?", v))


def test_every_real_maximum_admits_until_the_end_of_its_unit() -> None:
    limits = _limits()
    assert {"17 Years", "4 Months", "1 Month", "2 Weeks", "5 Days"} <= set(limits)
    for written in limits:
        count, unit = written.split()
        end = (int(count) + 1) * UNIT[unit.lower().rstrip("s")]
        limit = age_years(written)
        # Just before the end of the last unit is in ("28 Days" reads as 4 weeks: a week, not a day, more).
        assert admits(None, limit, end - 1 / 365.25), written
        assert admits(None, limit, int(count) * UNIT[unit.lower().rstrip("s")]), written
        if not (unit.startswith("Day") and int(count) % 7 == 0):
            assert not admits(None, limit, end + 1e-6), written


@pytest.mark.parametrize(
    ("text", "age"),
    [("I am 17 and a half", 17.5), ("a 17½-year-old girl", 17.5), ("aged 17.5", 17.5), ("age 17.", 17.0)],
)
def test_half_years_are_read(text: str, age: float) -> None:
    assert read_age(text) == age


# NCT00003728: children with ALL, maximum 17 Years; NCT00002504: adults, minimum 18 Years;
# NCT00004278: newborns, maximum 1 Month; NCT02708238: infants, maximum 4 Months.
FILES = ("NCT00003728", "NCT00002504", "NCT00004278", "NCT02708238")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("ages")
    with Catalog(load(data)) as c:
        write_records(c, [r for n in FILES for r in parse(shared("ctgov", "xml", f"{n}.xml").read_bytes())])
    return data


def _found(data: Path, age: float) -> set[str]:
    with Catalog(load(data)) as c:
        result, _ = c.search(SearchQuery(age=age, limit=50))
    return {h.nct_id for h in result.hits}


@pytest.mark.parametrize(
    ("age", "child", "adult"), [(17.0, True, False), (17.5, True, False), (17.99, True, False), (18.0, False, True)]
)
def test_search_by_age_at_the_year_boundary(data: Path, age: float, child: bool, adult: bool) -> None:
    found = _found(data, age)
    assert ("NCT00003728" in found, "NCT00002504" in found) == (child, adult)


def test_search_by_age_at_month_boundaries(data: Path) -> None:
    month, week = UNIT["month"], UNIT["week"]
    assert "NCT00004278" in _found(data, month + 3 * week)  # 1 Month admits a baby of 1 month and 3 weeks
    assert "NCT00004278" not in _found(data, 2 * month + 0.001)
    assert "NCT02708238" in _found(data, 4.9 * month)
    assert "NCT02708238" not in _found(data, 5 * month + 0.001)


def test_cli_web_and_match_admit_seventeen_and_a_half(data: Path) -> None:
    trials = Trials(data)
    assert "NCT00003728" in {r["nct_id"] for r in trials.json("search", "--age", "17.5")}
    assert "NCT00003728" not in {r["nct_id"] for r in trials.json("search", "--age", "18")}
    with TestClient(create_app(load(data))) as client:
        found = client.get("/api/search", params={"age": "17.99"}).json()["results"]
        assert "NCT00003728" in {r["nct_id"] for r in found}
    with Catalog(load(data)) as c:
        patient = matching.read_patient("I am 17 and a half with acute lymphoblastic leukemia")
        assert patient.age == 17.5
        assert "NCT00003728" in {m.record.nct_id for m in matching.match(c, patient, limit=10)}


def test_criteria_and_watches_read_limits_the_same_way(data: Path) -> None:
    facts = Facts(frozenset(), frozenset(), frozenset(), None)
    item = "Patients aged 1 to 17 years"
    assert check_item("inclusion", item, Patient("", age=17.5), facts).verdict == MEETS
    assert check_item("inclusion", item, Patient("", age=18.0), facts).verdict == FAILS
    with Catalog(load(data)) as c:
        child = c.get("NCT00003728")
    assert child is not None
    assert explain(SearchQuery(age=18.0), child, []).text == "no longer matches: maximum age is 17"
    assert not explain(SearchQuery(age=17.5), child, []).text.startswith("no longer matches: maximum")
