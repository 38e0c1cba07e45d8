"""Places qualified by a Canadian province or territory or an Australian state or territory ("Toronto, ON",
"Sydney, NSW"), wherever places are read: --near, the web's near, and a patient's own words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import load
from indexer.geo import gazetteer
from indexer.geo.distance import km
from indexer.geo.in_text import place_in_text
from tests.conftest import Trials
from web import params
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

# Where each place is (an atlas's coordinates, rounded), and a namesake elsewhere that the region rules out.
PLACES = [
    ("Toronto, ON", 43.65, -79.38),
    ("Vancouver BC", 49.28, -123.12),
    ("Sydney, NSW", -33.87, 151.21),
    ("Melbourne, VIC", -37.81, 144.96),
    ("Melbourne VIC", -37.81, 144.96),
    ("London, ON", 42.98, -81.25),  # not London, GB
    ("Windsor, ON", 42.30, -83.02),  # not Windsor, GB
    ("Kingston, ON", 44.23, -76.49),  # not Kingston, JM
    ("Newcastle, NSW", -32.93, 151.78),  # not Newcastle upon Tyne
    ("Perth, WA", -31.95, 115.86),  # WA: Western Australia here ...
    ("Seattle, WA", 47.61, -122.33),  # ... and Washington there
    ("Sydney, NS", 46.14, -60.19),  # Sydney, Nova Scotia
    ("Darwin, NT", -12.46, 130.84),  # NT: the Northern Territory ...
    ("Yellowknife, NT", 62.45, -114.37),  # ... and the Northwest Territories
    ("Hobart TAS", -42.88, 147.33),
    ("Brisbane, QLD", -27.47, 153.03),
    ("Adelaide, SA", -34.93, 138.60),
    ("Canberra, ACT", -35.28, 149.13),
    ("Calgary, AB", 51.05, -114.07),
    ("Montreal, QC", 45.50, -73.57),
    ("Halifax, Nova Scotia", 44.65, -63.57),
    ("Brisbane, Queensland", -27.47, 153.03),
    ("Toronto, CA", 43.65, -79.38),  # Canada, not California
]


@pytest.mark.parametrize(("written", "lat", "lon"), PLACES)
def test_a_province_or_state_qualifies_the_city(written: str, lat: float, lon: float) -> None:
    place = gazetteer.resolve(written)
    assert km(place.lat, place.lon, lat, lon) < 20


def test_labels_name_the_province_or_state() -> None:
    assert gazetteer.resolve("Toronto, ON").label == "Toronto, ON, CA"
    assert gazetteer.resolve("Sydney, New South Wales").label == "Sydney, NSW, AU"


@pytest.mark.parametrize("typed", ["ON", "BC", "QC", "NSW", "VIC", "ACT", "Queensland", "Tasmania", "Alberta"])
def test_a_province_or_state_alone_is_no_place(typed: str) -> None:
    # "VIC" and "ACT" are airport codes GeoNames gives Vicenza and Waco as other names.
    with pytest.raises(gazetteer.UnknownPlace):
        gazetteer.resolve(typed)


def test_the_refusals_that_were_right_stay() -> None:
    for typed in ("i", "ab", "Texas"):
        with pytest.raises(gazetteer.UnknownPlace):
            gazetteer.resolve(typed)
    assert gazetteer.resolve("NY").label == "New York City, NY, US"
    with pytest.raises(gazetteer.UnknownPlace, match="not a country or US state"):
        gazetteer.resolve("Toronto, Narnia")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I live in London, ON and have lupus", "London, ON, CA"),
        ("we are near Vancouver BC", "Vancouver, BC, CA"),
        ("female, 50, breast cancer, Sydney, NSW", "Sydney, NSW, AU"),
        ("I am 61, living in Melbourne, VIC, with myeloma", "Melbourne, VIC, AU"),
        ("living near Perth WA", "Perth, WA, AU"),
        ("in ON since 2010", None),  # two capitals alone name no place
        ("seen in the ER, NSW", None),
    ],
)
def test_the_place_a_patient_names_with_a_province_or_state(text: str, label: str | None) -> None:
    found = place_in_text(text)
    assert (found.label if found else None) == label


def test_cli_near_reads_provinces_and_states(web_data: Path) -> None:
    trials = Trials(web_data)
    for place in ("Toronto, ON", "Sydney NSW"):
        assert trials("search", "--near", place, "--json").exit_code == 0
    refused = trials("search", "--near", "NSW", ok=False)
    assert refused.exit_code == 2 and 'e.g. "Sydney, NSW"' in refused.output
    said = trials("match", "--text", "I am 40 with lupus and live in Kingston, ON", ok=False)
    assert said.exit_code == 0 and "Kingston, ON, CA" in said.output


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


def test_web_near_reads_provinces_and_states(client: TestClient) -> None:
    near = client.get("/api/search", params={"near": "Melbourne, VIC"}).json()["near"]
    assert near["label"] == "Melbourne, VIC, AU" and km(near["lat"], near["lon"], -37.81, 144.96) < 20
    page = client.get("/search", params={"near": "Toronto, ON"})
    assert page.status_code == 200 and "Toronto, ON, CA" in page.text
    read = client.post("/api/match", json={"text": "lupus, 34, I live in Halifax, NS", "status": ["any"]}).json()
    assert read["patient"]["place"]["label"] == "Halifax, NS, CA"


# -- a place asked for with a country: looked up in that country -----------------------------------------


def test_a_country_asked_for_is_where_the_place_is_looked_up() -> None:
    texas = gazetteer.resolve("Paris", ("US",))
    assert texas.label == "Paris, TX, US" and km(texas.lat, texas.lon, 33.66, -95.56) < 20
    assert km(*_point(gazetteer.resolve("Paris", ("FR",))), 48.86, 2.35) < 20
    assert gazetteer.resolve("Toronto", ("CA",)).label == "Toronto, ON, CA"
    assert gazetteer.resolve("Hong Kong", ("CN",)).label == "Hong Kong, HK"  # as the registry files it


def test_a_country_without_the_place_says_so_with_the_places_it_has() -> None:
    with pytest.raises(gazetteer.UnknownPlace) as refused:
        gazetteer.resolve("Beijing", ("US",))
    assert "not a place the gazetteer knows in United States (US)" in str(refused.value)
    assert "Beijing, CN elsewhere" in str(refused.value)
    with pytest.raises(gazetteer.UnknownPlace, match="Did you mean: Paris, US"):
        gazetteer.resolve("Pariss", ("US",))
    with pytest.raises(gazetteer.UnknownPlace, match="not in United States"):
        gazetteer.resolve("Paris, France", ("US",))
    with pytest.raises(gazetteer.UnknownPlace, match="a US ZIP code, not a place in France"):
        gazetteer.resolve("02115", ("FR",))


def _point(place: gazetteer.Place) -> tuple[float, float]:
    return place.lat, place.lon


def test_cli_near_with_a_country(web_data: Path) -> None:
    trials = Trials(web_data)
    found = trials.json("search", "--near", "Paris", "--country", "US", "--within", "250")
    assert found and all(r["nearest_site"]["country"] == "United States" for r in found)
    assert all(r["distance_km"] <= 250 for r in found)
    refused = trials("search", "--near", "Beijing", "--country", "US", ok=False)
    assert refused.exit_code == 2 and "in United States (US)" in refused.output and "Beijing, CN" in refused.output


def test_web_near_with_a_country(client: TestClient) -> None:
    near = client.get("/api/search", params={"near": "Paris", "country": "US"}).json()["near"]
    assert near["label"] == "Paris, TX, US"
    refused = client.get("/api/search", params={"near": "Beijing", "country": "US"})
    assert refused.status_code == 422 and "Beijing, CN" in refused.text
    page = client.get("/search", params={"near": "Paris", "country": "United States"})
    assert page.status_code == 200 and "Paris, TX, US" in page.text


# -- a name that is also a country, a US state or a province, with countries asked for -------------------
# Read in the countries asked for first: never another country, never one more country to search.

IN_COUNTRY = [
    ("Jordan", "US", "Jordan, MN, US", 44.67, -93.63),  # the country's name: a town of it in the US
    ("Victoria", "US", "Victoria, TX, US", 28.81, -97.00),  # an Australian state's name: Victoria, Texas
    ("Paris", "US", "Paris, TX, US", 33.66, -95.56),
    ("Paris", "FR", "Paris, FR", 48.86, 2.35),
    ("London", "CA", "London, ON, CA", 42.98, -81.25),
    ("Victoria", "CA", "Victoria, BC, CA", 48.43, -123.37),
]


@pytest.mark.parametrize(("written", "country", "label", "lat", "lon"), IN_COUNTRY)
def test_a_name_is_read_in_the_countries_asked_for(
    written: str, country: str, label: str, lat: float, lon: float
) -> None:
    place = gazetteer.resolve(written, (country,))
    assert place.label == label and km(place.lat, place.lon, lat, lon) < 20


@pytest.mark.parametrize(
    ("written", "country", "said"),
    [
        ("Georgia", "US", 'is a US state, not a place: name a city or a ZIP code in it (e.g. "Atlanta, GA")'),
        ("Victoria", "AU", 'is a province or state, not a place: name a city in it (e.g. "Melbourne, VIC")'),
        ("NT", "CA", 'e.g. "Yellowknife, NT"'),  # the Northwest Territories, not the Northern Territory
        ("Jordan", "FR", "names Jordan (JO), not a country asked for"),  # and no town of the name in France
        ("Texas", "FR", "not a place the gazetteer knows in France (FR)"),  # a US state only with the US
    ],
)
def test_a_name_the_countries_asked_for_do_not_have_as_a_place_is_refused(
    written: str, country: str, said: str
) -> None:
    with pytest.raises(gazetteer.UnknownPlace) as refused:
        gazetteer.resolve(written, (country,))
    assert not isinstance(refused.value, gazetteer.CountryNotPlace) and said in str(refused.value)


def test_a_country_named_among_those_asked_for_is_still_that_country() -> None:
    for within in (("JO",), ("US", "JO")):
        with pytest.raises(gazetteer.CountryNotPlace) as found:
            gazetteer.resolve("Jordan", within)
        assert found.value.country == "JO"
    with pytest.raises(gazetteer.CountryNotPlace):
        gazetteer.resolve("Georgia", ("GE",))


def test_web_where_never_adds_a_country() -> None:
    jordan = params.where("Jordan", 50, ["US"], False)
    assert jordan.countries == ("US",) and jordan.near_label == "Jordan, MN, US" and jordan.near is not None
    both = params.where("Jordan", 50, ["US", "Jordan"], False)
    assert both.countries == ("US", "JO") and both.near is None  # the country asked for, no point in it
    with pytest.raises(params.BadParameter, match="is a US state"):
        params.where("Georgia", 50, ["US"], False)
    alone = params.where("Jordan", 50, [], False)
    assert alone.countries == ("JO",) and alone.near is None  # no country asked for: the country, as before


def test_cli_reads_a_name_in_the_country_asked_for(web_data: Path) -> None:
    trials = Trials(web_data)
    for command in (("search",), ("similar", "NCT04077684"), ("match", "--text", "lupus, 40")):
        for near, said in (("Jordan", "Jordan, MN, US"), ("Victoria", "Victoria, TX, US")):
            found = trials(*command, "--near", near, "--country", "US", "--within", "20000", ok=False)
            assert found.exit_code == 0, found.output
            if command == ("search",):
                assert said in found.output
        refused = trials(*command, "--near", "Georgia", "--country", "US", ok=False)
        assert refused.exit_code == 2 and "is a US state" in refused.output
        refused = trials(*command, "--near", "Victoria", "--country", "AU", ok=False)
        assert refused.exit_code == 2 and "is a province or state" in refused.output


def test_web_reads_a_name_in_the_country_asked_for(client: TestClient) -> None:
    everywhere = client.get("/api/search", params={"country": "US", "status": "any"}).json()["total"]
    for near, label in (("Jordan", "Jordan, MN, US"), ("Victoria", "Victoria, TX, US")):
        asked = {"near": near, "country": "US", "within": 20000, "status": "any"}
        found = client.get("/api/search", params=asked).json()
        assert found["near"]["label"] == label and found["total"] == everywhere  # the US, and only the US
        page = client.get("/search", params=asked)
        assert page.status_code == 200 and label in page.text
        assert "in JO" not in page.text and 'value="JO"' not in page.text
    for near, country in (("Georgia", "US"), ("Victoria", "AU")):
        assert client.get("/api/search", params={"near": near, "country": country}).status_code == 422
    similar = client.get("/api/trials/NCT04077684/similar", params={"near": "Jordan", "country": "US"})
    assert similar.status_code == 200
    assert client.get("/api/trials/NCT04077684/similar", params={"near": "Georgia", "country": "US"}).status_code == 422
