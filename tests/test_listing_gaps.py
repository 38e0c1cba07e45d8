"""Listing pages' gaps: a generic <h1>, one-line conditions lists, and sites only in JSON-LD.

The two pages (tests/fixtures/listing/site/clinical-trials/listings/NCT02472431 and NCT04265963) are
hand-written in two finders' markups around real records' text; the oracle is each record read here
with the standard library's json.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup

from indexer.parsers import parse
from indexer.parsers.listing_conditions import conditions
from indexer.parsers.listing_jsonld import trial_node, trial_sites
from indexer.record import Location, TrialRecord
from tests.conftest import FIXTURES

LISTINGS = FIXTURES / "listing" / "site" / "clinical-trials" / "listings"
PAGES = {
    "NCT02472431": "adrc-erectile-dysfunction.html",  # h1 "Trial details", og:title, studyLocation array
    "NCT04265963": "cd123-car-t-aml.html",  # h1 "Clinical Trial", JSON-LD name, one `location` Place
}


def registry(nct: str) -> dict[str, Any]:
    path = FIXTURES / "listing" / "finders" / "registry" / f"{nct}.json"
    return json.loads(path.read_text(encoding="utf-8"))["protocolSection"]  # type: ignore[no-any-return]


def page(nct: str) -> TrialRecord:
    body = (LISTINGS / nct / PAGES[nct]).read_bytes()
    [record] = parse(body, source="listing", source_url=f"https://trials.example/{nct}")
    return record


@pytest.mark.parametrize("nct", sorted(PAGES))
def test_a_generic_h1_gives_way_to_the_trials_own_title(nct: str) -> None:
    assert page(nct).brief_title == registry(nct)["identificationModule"]["briefTitle"]


@pytest.mark.parametrize("nct", sorted(PAGES))
def test_a_one_line_conditions_field_is_its_conditions_with_mesh_headings_whole(nct: str) -> None:
    assert list(page(nct).conditions) == registry(nct)["conditionsModule"]["conditions"]


@pytest.mark.parametrize("nct", sorted(PAGES))
def test_sites_only_in_json_ld_are_read(nct: str) -> None:
    fields = ("facility", "city", "state", "zip", "country")
    assert [tuple(getattr(x, f) for f in fields) for x in page(nct).locations] == [
        tuple(x.get(f) for f in fields) for x in registry(nct)["contactsLocationsModule"]["locations"]
    ]


# Real records' conditions (ClinicalTrials.gov v2, ../shared/data/ctgov/v2/<id>.json), as a finder writes
# them on one line: joined by ", ". MeSH inverted headings among them must come back whole.
REAL_LISTS = {
    "NCT04265963": ["Leukemia", "Leukemia, Myeloid", "Leukemia, Myeloid, Acute"],
    "NCT03884829": ["AML, Adult", "Myelodysplastic Syndromes", "ALL, Adult", "CML, Refractory", "CLL, Refractory"],
    "NCT04939922": [
        "Headache Disorders, Primary",
        "Headache Disorders, Secondary",
        "Migraine",
        "Tension-Type Headache",
        "Cluster Headache",
        "Vertigo, Constant",
        "Vestibular Migraine",
        "Fibromyalgia",
    ],
    "NCT01468519": ["Diabetes Mellitus, Type 2", "Erectile Dysfunction"],
    "NCT02770235": ["Diabetes Mellitus, Non-Insulin-Dependent", "Erectile Dysfunction"],
    "NCT05615454": [
        "Erectile Dysfunction Due to Diseases Classified Elsewhere",
        "Multiple Sclerosis, Relapsing-Remitting",
    ],
    "NCT00814736": ["Prostatic Hyperplasia", "Urinary Bladder, Overactive", "Erectile Dysfunction"],
    # Lists whose names end in a modifier themselves: a part with a head noun starts a condition.
    "NCT05587465": ["Spinal Lumbar Stenosis", "Claudication, Intermittent"],
    "NCT05971329": ["Radiculopathy, Cervical", "Myelopathy Cervical", "Neurological Abnormality", "Disc Disease"],
    "NCT03835182": ["Radiculopathy", "Low Back Pain, Mechanical", "Herniated Disk Lumbar"],
}


@pytest.mark.parametrize("nct", sorted(REAL_LISTS))
def test_a_comma_list_of_conditions_splits_at_the_names_not_inside_mesh_headings(nct: str) -> None:
    assert conditions(", ".join(REAL_LISTS[nct])) == REAL_LISTS[nct]


@pytest.mark.parametrize(
    "heading",
    ["Carcinoma, Non-Small-Cell Lung", "Lymphoma, B-Cell", "Lupus Erythematosus, Systemic", "Anemia, Sickle Cell"],
)
def test_one_mesh_inverted_heading_stays_one_condition(heading: str) -> None:
    assert conditions(heading) == [heading]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Lupus, Lupus Nephritis, SLE", ["Lupus", "Lupus Nephritis", "SLE"]),
        ("Influenza, COVID-19", ["Influenza", "COVID-19"]),  # a hyphen with a number: a name, no modifier
        ("Nausea, Vomiting", ["Nausea", "Vomiting"]),
        ("Lymphoma (Hodgkin, Non-Hodgkin), Myeloma", ["Lymphoma (Hodgkin, Non-Hodgkin)", "Myeloma"]),
        ("Lupus Erythematosus, Systemic; Lupus Nephritis", ["Lupus Erythematosus, Systemic", "Lupus Nephritis"]),
    ],
)
def test_names_split_at_commas_between_them(line: str, names: list[str]) -> None:
    assert conditions(line) == names


@pytest.mark.parametrize(
    ("value", "site"),
    [
        (  # a bare PostalAddress, its country a Country object
            {
                "@type": "PostalAddress",
                "addressLocality": "Boston",
                "addressRegion": "MA",
                "postalCode": "02115",
                "addressCountry": {"@type": "Country", "name": "United States"},
            },
            Location(city="Boston", state="MA", zip="02115", country="United States"),
        ),
        (  # a Place whose address is text, street first
            {"@type": "Place", "name": "Mayo Clinic", "address": "200 First St SW, Rochester, MN 55905"},
            Location(facility="Mayo Clinic", city="Rochester", state="MN", zip="55905", country="United States"),
        ),
        ({"@type": "Country", "name": "France"}, Location(country="France")),
        ("Lyon, France", Location(city="Lyon", country="France")),
        ("Hôpital Édouard Herriot", Location(facility="Hôpital Édouard Herriot")),
    ],
)
def test_json_ld_sites_in_each_shape(value: Any, site: Location) -> None:
    assert trial_sites({"@type": "MedicalTrial", "location": [value]}) == (site,)


def test_json_ld_sites_named_by_reference_in_a_graph() -> None:
    # Graph-style JSON-LD (as SEO plugins write it): the trial points at its site and the site at its
    # address by "@id".
    page = """<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "MedicalTrial", "@id": "#trial", "name": "A trial", "location": [{"@id": "#site"}]},
      {"@type": "Hospital", "@id": "#site", "name": "Royal Free Hospital", "address": {"@id": "#address"}},
      {"@type": "PostalAddress", "@id": "#address", "addressLocality": "London", "postalCode": "NW3 2QG",
       "addressCountry": "United Kingdom"}]}</script></head><body></body></html>"""
    node = trial_node(BeautifulSoup(page, "lxml"))
    assert trial_sites(node) == (
        Location(facility="Royal Free Hospital", city="London", zip="NW3 2QG", country="United Kingdom"),
    )


def test_an_h1_that_is_the_sites_name_is_no_title() -> None:
    # The site's name as the main part's <h1>, the trial's title only in <title> before "| Site".
    title = registry("NCT04265963")["identificationModule"]["briefTitle"]
    body = f"""<!DOCTYPE html><html><head><title>{title} | Cancer Trials Finder</title></head><body>
    <main><h1>Cancer Trials Finder</h1><p>Trial ID: NCT04265963</p><p>Status: Recruiting</p></main>
    </body></html>"""
    [record] = parse(body.encode(), source="listing", source_url="https://trials.example/NCT04265963")
    assert record.brief_title == title
