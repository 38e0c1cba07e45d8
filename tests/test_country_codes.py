"""A listing page's JSON-LD site country given as an ISO code is named as the registry's records name it."""

from __future__ import annotations

import json

import pytest

from indexer.parsers import parse
from tests.conftest import FIXTURES, shared

LISTINGS = FIXTURES / "listing" / "site" / "clinical-trials" / "listings"
# Two real fixture pages, one naming its sites' country in a PostalAddress and in a Country object.
CHINA = (LISTINGS / "NCT04265963" / "cd123-car-t-aml.html").read_text()
RUSSIA = (LISTINGS / "NCT02472431" / "adrc-erectile-dysfunction.html").read_text()
URL = "https://cancertrials.example/clinical-trials/listings/x"


def _countries(page: str) -> list[str | None]:
    [record] = parse(page.encode(), source="listing", source_url=URL)
    return [site.country for site in record.locations]


def _registry_countries() -> set[str]:
    """Every country ClinicalTrials.gov's records in the shared data name their sites in."""
    names = set()
    for path in shared("ctgov", "v2").glob("NCT*.json"):
        module = json.loads(path.read_bytes()).get("protocolSection", {}).get("contactsLocationsModule", {})
        names |= {site["country"] for site in module.get("locations", []) if site.get("country")}
    return names


@pytest.mark.parametrize("code", ["CN", "CHN", "cn"])
def test_a_code_reads_as_the_country_the_page_names_otherwise(code: str) -> None:
    assert _countries(CHINA) == ["China"]
    assert _countries(CHINA.replace('"addressCountry": "China"', f'"addressCountry": "{code}"')) == ["China"]


def test_a_code_in_a_country_object_too() -> None:
    named = _countries(RUSSIA)
    assert named and set(named) == {"Russian Federation"}
    assert (
        _countries(RUSSIA.replace('"Russian Federation"}', '"RU"}').replace('"Russian Federation"', '"RUS"')) == named
    )


@pytest.mark.parametrize(
    ("code", "name"),
    [("US", "United States"), ("FR", "France"), ("KR", "Korea, Republic of"), ("GBR", "United Kingdom")],
)
def test_codes_read_as_the_registrys_names(code: str, name: str) -> None:
    assert name in _registry_countries()
    assert _countries(CHINA.replace('"addressCountry": "China"', f'"addressCountry": "{code}"')) == [name]


def test_a_short_name_that_is_no_code_stays_as_written() -> None:
    assert _countries(CHINA.replace('"addressCountry": "China"', '"addressCountry": "UK"')) == ["UK"]
