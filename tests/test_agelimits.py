"""Age limits admit the whole of a maximum's last unit: "17 Years" takes patients until their 18th birthday."""

from __future__ import annotations

import re
from fractions import Fraction
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

# The length of each unit in years, as the oracle counts it (a year of 365.25 days), exactly.
UNIT = {
    "year": Fraction(1),
    "month": Fraction(1, 12),
    "week": Fraction(28, 1461),
    "day": Fraction(4, 1461),
    "hour": Fraction(1, 8766),
}
DAY, MONTH = float(UNIT["day"]), float(UNIT["month"])


def test_a_maximum_admits_its_whole_last_year_a_minimum_its_whole_value() -> None:
    assert [admits(None, 17.0, age) for age in (17.0, 17.5, 17.99, 18.0, 18.5)] == [True, True, True, False, False]
    assert [admits(18.0, None, age) for age in (17.0, 17.99, 18.0, 18.01)] == [False, False, True, True]
    assert admits(18.0, 65.0, 65.9) and not admits(18.0, 65.0, 66.0)


@pytest.mark.parametrize(
    ("written", "end"),
    [
        # The record keeps only years: 1.0 is "1 Year" and "12 Months", read as months (not until age 2).
        ("12 Months", 13 * MONTH),
        ("1 Year", 13 * MONTH),
        ("24 Months", 25 * MONTH),  # not until age 3
        ("2 Years", 25 * MONTH),
        ("3 Years", 4.0),  # whole years from 3: years
        ("17 Years", 18.0),
        # Whole weeks are whole days, read as days: the day after, never a week after.
        ("7 Days", 8 * DAY),
        ("14 Days", 15 * DAY),
        ("28 Days", 29 * DAY),
        ("2 Weeks", 15 * DAY),
        ("12 Weeks", 85 * DAY),
        ("365 Days", 366 * DAY),  # not until 13 months
        ("16 Months", 488 * DAY),  # 487 days to the day
        ("1 Month", 2 * MONTH),
        ("4 Months", 5 * MONTH),
        ("35 Months", 36 * MONTH),
    ],
)
def test_an_ambiguous_maximum_ends_at_the_narrower_reading(written: str, end: float) -> None:
    limit = age_years(written)
    assert admits(None, limit, end - 1e-6) and not admits(None, limit, end + 1e-6), written


def _limits() -> list[str]:
    """Every maximum age the real ClinicalTrials.gov records state (legacy XML, API v1 and v2, exports,
    pages, versions; the other registries' parsers give whole years from 3 only) in a unit."""
    found: set[str] = set()
    limit = re.compile(r'<maximum_age>([^<]+)</maximum_age>|"[Mm]aximumAge": ?"([^"]+)"')
    for root in (shared("ctgov"), shared("registries", "ctrdata_demo")):
        for path in root.rglob("*"):
            if path.suffix in (".xml", ".json"):
                found.update(a or b for a, b in limit.findall(path.read_text(encoding="utf-8")))
    return sorted(v for v in found if re.fullmatch(r"\d+ (Year|Month|Week|Day|Hour)s?", v))


def _end(written: str) -> Fraction:
    """Where a maximum stops admitting, by the rule: whole years from 3 are years; otherwise the narrowest
    end among the units the limit is a whole number of (days, months, years; weeks are days), its own
    unit (hours) when none."""
    count, unit = int(written.split()[0]), written.split()[1].lower().rstrip("s")
    if unit == "year" and count >= 3:
        return count + 1 + Fraction(0)
    value = count * UNIT[unit]
    whole = [UNIT[u] for u in ("day", "month", "year") if (value / UNIT[u]).denominator == 1]
    return min((value / size + 1) * size for size in whole or [UNIT[unit]])


def test_every_real_maximum_admits_until_the_end_of_its_narrower_reading() -> None:
    limits = _limits()
    assert {"17 Years", "4 Months", "1 Month", "1 Year", "2 Weeks", "28 Days", "5 Days", "48 Hours"} <= set(limits)
    for written in limits:
        count, unit = int(written.split()[0]), written.split()[1].lower().rstrip("s")
        limit, exact = age_years(written), _end(written)
        end = float(exact)
        assert limit is not None
        assert admits(None, limit, float(count * UNIT[unit])), written  # the limit itself, as ever
        assert admits(None, limit, end - 1e-6) and not admits(None, limit, end + 1e-6), written
        # Never beyond the end of the limit's own last unit (hours: a day, when a whole number of days).
        assert exact <= (count + 1) * UNIT[unit] or unit == "hour", written


@pytest.mark.parametrize(
    ("text", "age"),
    [("I am 17 and a half", 17.5), ("a 17½-year-old girl", 17.5), ("aged 17.5", 17.5), ("age 17.", 17.0)],
)
def test_half_years_are_read(text: str, age: float) -> None:
    assert read_age(text) == age


# NCT00003728: children with ALL, maximum 17 Years; NCT00002504: adults, minimum 18 Years;
# NCT00004278: newborns, maximum 1 Month; NCT02708238: infants, maximum 4 Months; NCT00004401: maximum
# 1 Year (12 months); NCT00004644: maximum 28 Days.
FILES = ("NCT00003728", "NCT00002504", "NCT00004278", "NCT02708238", "NCT00004401", "NCT00004644")


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
    month, week = MONTH, float(UNIT["week"])
    assert "NCT00004278" in _found(data, month + 3 * week)  # 1 Month admits a baby of 1 month and 3 weeks
    assert "NCT00004278" not in _found(data, 2 * month + 0.001)
    assert "NCT02708238" in _found(data, 4.9 * month)
    assert "NCT02708238" not in _found(data, 5 * month + 0.001)


def test_search_reads_an_ambiguous_maximum_as_its_narrower_end(data: Path) -> None:
    # "1 Year" is 12 months: until 13 months, not the 2nd birthday; "28 Days" until day 29, not 35.
    assert "NCT00004401" in _found(data, 12.9 * MONTH)
    assert "NCT00004401" not in _found(data, 13 * MONTH + 0.001)
    assert "NCT00004644" in _found(data, 28.5 * DAY)
    assert "NCT00004644" not in _found(data, 30 * DAY)


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
