"""Places: the offline gazetteer, geocoding at ingest, distances, and the CLI's place options."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import pytest

from indexer.geo import gazetteer
from indexer.geo.distance import bounding_box, km
from indexer.geo.geocode import geocode
from indexer.geo.in_text import patient_place, place_in_text
from indexer.parsers import parse
from indexer.store.gazetteer import GazetteerStore
from tests.conftest import FIXTURES, Trials, run_trials, shared


def test_distance_and_bounding_box() -> None:
    # Boston to New York, about 306 km by great circle.
    assert km(42.3601, -71.0589, 40.7128, -74.0060) == pytest.approx(306, abs=2)
    lo, hi, lons = bounding_box(42.36, -71.06, 50)
    assert lo < 42.36 < hi and len(lons) == 1
    # Every point on the circle is inside the box.
    for bearing_lat, bearing_lon in ((42.36 + 0.449, -71.06), (42.36, -71.06 + 0.608), (42.36, -71.06 - 0.608)):
        assert km(42.36, -71.06, bearing_lat, bearing_lon) <= 50.5
        assert lo <= bearing_lat <= hi and any(w <= bearing_lon <= e for w, e in lons)
    _, _, across = bounding_box(0.0, 179.9, 100)  # crosses the antimeridian: two ranges
    assert len(across) == 2 and any(w <= -179.5 <= e for w, e in across)
    assert bounding_box(89.9, 0.0, 100)[2] == [(-180.0, 180.0)]  # a pole: every longitude


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("Beijing, China", 39.9, 116.4),
        ("Boston, MA", 42.36, -71.06),
        ("Boston, Massachusetts", 42.36, -71.06),
        ("02115", 42.34, -71.09),
        ("São Paulo", -23.55, -46.63),
        ("42.5,-71.25", 42.5, -71.25),
    ],
)
def test_places_users_name(text: str, lat: float, lon: float) -> None:
    place = gazetteer.resolve(text)
    assert km(place.lat, place.lon, lat, lon) < 15


def test_unknown_places_get_suggestions() -> None:
    with pytest.raises(gazetteer.UnknownPlace, match="Did you mean: Springfield"):
        gazetteer.resolve("Springfeld, IL")
    with pytest.raises(gazetteer.UnknownPlace, match="not a country or US state"):
        gazetteer.resolve("Paris, Narnia")
    with pytest.raises(gazetteer.UnknownPlace, match="latitude"):
        gazetteer.resolve("95,10")


def test_legacy_xml_sites_are_geocoded() -> None:
    """About 90% of the XML sites' cities are in the gazetteer (the issue's measurement)."""
    total = located = 0
    for path in sorted(shared("ctgov", "xml").glob("NCT*.xml"))[:200]:
        for r in parse(path.read_bytes()):
            for loc in geocode(r).locations:
                if loc.city:
                    total += 1
                    located += loc.geo_source == "gazetteer"
    assert total > 500 and located / total >= 0.9


def test_geocoding_changes_only_a_sites_coordinates_and_their_source() -> None:
    for path in sorted(shared("ctgov", "xml").glob("NCT*.xml"))[:100]:
        for r in parse(path.read_bytes()):
            sites = geocode(r).locations
            assert len(sites) == len(r.locations)
            for before, after in zip(r.locations, sites, strict=True):
                asked = before.lat is None and (before.city or before.zip)
                point = gazetteer.locate(before.city, before.state, before.zip, before.country) if asked else None
                if point is None:
                    assert after == before
                else:
                    assert after == dataclasses.replace(before, lat=point[0], lon=point[1], geo_source="gazetteer")


def test_registry_coordinates_are_kept_and_marked() -> None:
    [r] = parse((FIXTURES / "ctgov" / "NCT00057759.json").read_bytes())
    located = [loc for loc in r.locations if loc.lat is not None]
    assert located and all(loc.geo_source == "registry" for loc in located)
    assert geocode(r).locations == r.locations


def test_cli_place_errors_and_sex_spellings(tmp_path: Path) -> None:
    trials = Trials(tmp_path)
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml"))
    bad = trials("search", "--near", "Xyzzyville", ok=False)
    assert bad.exit_code == 2 and "not a place the gazetteer knows" in bad.output
    assert trials("search", "--sort", "distance", ok=False).exit_code == 2
    for sex in ("F", "f", "female", "FEMALE"):
        assert [r["nct_id"] for r in trials.json("search", "--sex", sex)] == [
            r["nct_id"] for r in trials.json("search", "--sex", "F")
        ]
    assert trials("search", "--sex", "x", ok=False).exit_code == 2


def test_show_lists_how_to_take_part(tmp_path: Path) -> None:
    trials = Trials(tmp_path)
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml" / "NCT04077684.xml"))
    out = trials("show", "NCT04077684", "--near", "Beijing, China").output
    part = out[out.index("How to take part") :]
    assert "Xia Zhang (contact), 8615201303563, haoxiamei@163.com" in part
    assert "Peking University People's Hospital, Beijing, 100044, China  [recruiting;" in part
    assert "probably stale: completion date 2024-12-31 has passed" in part
    csv_out = trials("--quiet", "search", "--near", "Beijing", "--csv").output
    assert "distance_km" in csv_out.splitlines()[0] and "NCT04077684" in csv_out


def test_piped_tables_are_never_cut(tmp_path: Path) -> None:
    trials = Trials(tmp_path)
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml"))
    out = trials("search", "--condition", "lupus").output
    assert (
        "Efficacy and Safety of Low-dose IL-2 in Patients With SLE: a Multicenter, Randomised, Placebo-controlled Trial"
        in out
    )
    assert "UPDATED" in out.splitlines()[0] and "2020-03-27" in out


def test_contact_details_are_never_logged(tmp_path: Path) -> None:
    trials = Trials(tmp_path)
    logged = trials("-vv", "ingest", str(FIXTURES / "ctgov_xml" / "NCT04077684.xml")).output
    logged += trials("-vv", "search", "lupus", "--near", "Beijing").output
    logged += trials("-vv", "reindex").output
    assert "NCT04077684" in logged
    for detail in ("haoxiamei@163.com", "8615201303563", "Xia Zhang"):
        assert detail not in logged


# Patients' words, and the place a reader takes them to name (None: no place).
PLACES_IN_WORDS = [
    ("I am 34, female, with SLE, living near Beijing", "Beijing, CN"),
    ("52 year old man with type 2 diabetes in Boston, MA", "Boston, MA, US"),
    ("my daughter is 9 and has leukemia, we live in Paris", "Paris, FR"),
    ("I'm a 67 y/o woman with metastatic breast cancer (HER2+), near 02115", "Boston, MA 02115"),
    ("45F with lupus nephritis, living in Seoul, South Korea", "Seoul, KR"),
    ("Patient is a 34-year-old woman from Jordan who comes to clinic", None),  # where she comes from
    ("58 yo man from Houston with prostate cancer", None),
    ("I live in New York City and have asthma", "New York City, NY, US"),
    ("treated at Mayo Clinic in Rochester, Minnesota", "Rochester, MN, US"),
    ("Patient with HIV, CD4 count 200, living in Johannesburg, South Africa.", "Johannesburg, ZA"),
    ("she lives in Germany", "Germany (DE)"),
    ("Recurrent glioblastoma. I live in the UK", "UK (GB)"),
    ("Diagnosed in March 2019 with Crohn's disease", None),
    ("in Down syndrome patients", None),
    ("she was treated in Germany last year", None),
    ("I have been in remission since May", None),
    ("relapsing MS, seen in the ER twice", None),
    ("from 2015 to 2019 I took methotrexate", None),
    ("A 62-year-old man presents with chest pain", None),
    # A major city written as a clause of its own, after the first clause.
    ("female, 67, breast cancer, metastatic, Paris", "Paris, FR"),
    ("34F, SLE, low-dose IL-2, Beijing.", "Beijing, CN"),
    ("45 year old woman, lupus nephritis, Lyon, France", "Lyon, FR"),
    ("I am 60, prostate cancer; Houston, TX", "Houston, TX, US"),
    ("female, 50, lupus, Rio", "Rio de Janeiro, BR"),  # the major city of the name, not Río, GR
    ("34F, SLE, Calcutta", "Kolkata, IN"),  # not Calcutta, ZA (36,000 people)
    ("man, 60, prostate cancer, Annapolis", None),  # no city of 100,000 people is called so
    ("Madison, 34, lupus", None),  # the first clause: often the patient's own name
    ("woman, 30, Graves", None),  # an eponym, no city of 100,000 people
    ("male 50, Crohn's, Down", None),
    ("relapsing MS, ER", None),
]


@pytest.mark.parametrize(("text", "label"), PLACES_IN_WORDS)
def test_the_place_a_patient_names(text: str, label: str | None) -> None:
    found = place_in_text(text)
    assert (found.label if found else None) == label
    if found is not None:
        assert found.source == "text" and found.written in text


def test_a_country_where_a_place_is_asked_for_is_that_country() -> None:
    for name, code in (("China", "CN"), ("India", "IN"), ("Jordan", "JO"), ("Mexico", "MX")):
        with pytest.raises(gazetteer.CountryNotPlace) as found:
            gazetteer.resolve(name)
        assert found.value.country == code
    # A city of that very name and 100,000 people or more is the place.
    assert gazetteer.resolve("Singapore").label == "Singapore, SG"
    # As a clause of its own in a patient's words, and as the place given: the country, never a crash.
    read = place_in_text("female, 45, lupus, Mexico")
    assert read is not None and read.country == "MX" and read.place is None
    given = patient_place("lupus", "China")
    assert given is not None and given.country == "CN" and given.source == "given"


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("London, UK", "London, GB"),  # a country's common code, not a US state
        ("London, GB", "London, GB"),
        ("Boston MA", "Boston, MA, US"),  # no comma, a state's code in capitals
        ("Salt Lake City UT", "Salt Lake City, UT, US"),
        ("Paris, TX", "Paris, TX, US"),
    ],
)
def test_places_as_people_write_them(written: str, label: str) -> None:
    assert gazetteer.resolve(written).label == label


@pytest.mark.parametrize("state", ["Texas", "California"])
def test_a_us_state_is_no_point_and_says_what_to_give(state: str) -> None:
    with pytest.raises(gazetteer.UnknownPlace, match="is a US state, not a place: name a city or a ZIP code"):
        gazetteer.resolve(state)  # was "California, MD" (a town of 13,000), or a guess at "Texca, MX"


def test_a_state_s_name_that_is_a_city_or_a_country_is_read_as_before() -> None:
    assert gazetteer.resolve("New York").label == "New York City, NY, US"
    assert gazetteer.resolve("Washington").label.startswith("Washington")
    with pytest.raises(gazetteer.CountryNotPlace):
        gazetteer.resolve("Georgia")  # the country


@pytest.mark.parametrize("typed", ["i", "x", "1", "ab"])
def test_a_letter_or_two_is_no_place(typed: str) -> None:
    with pytest.raises(gazetteer.UnknownPlace):
        gazetteer.resolve(typed)  # was Makhachkala, Darhan, Saqqez, Ibb: other names of theirs


def test_a_metropolis_s_abbreviation_and_short_names_still_read() -> None:
    assert gazetteer.resolve("NY").label == "New York City, NY, US"
    assert gazetteer.resolve("Ibb").label == "Ibb, YE"


@functools.cache
def _package_cities(package_rows: Any, min_population: int) -> list[tuple[Any, ...]]:
    return list(package_rows(min_population)[0])


@pytest.mark.parametrize("name", ["springfield", "san jose", "paris", "london", "portland", "cordoba"])
def test_a_names_cities_are_each_once_most_populous_first(name: str) -> None:
    """The gazetteer's cities of a name, against the package rows it was built from."""
    from indexer.geo import gazetteer
    from indexer.geo.names import place_key
    from indexer.geo.sources import package_rows

    key = place_key(name)
    expected = {row[1:] for row in _package_cities(package_rows, gazetteer.MIN_POPULATION) if row[0] == key}
    found = gazetteer.store().cities(key)
    assert len(found) == len(set(found)) == len(expected) >= 2
    assert set(found) == expected
    assert [c[3] for c in found] == sorted((c[3] for c in found), reverse=True)
    for code in {c[1] for c in found}:
        assert gazetteer.store().cities(key, code) == [c for c in found if c[1] == code]


def test_a_cache_directory_that_cannot_hold_the_gazetteer_is_said_without_a_traceback(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # XDG_CACHE_HOME naming a file: the gazetteer's directory cannot be made
    env = {"XDG_CACHE_HOME": str(blocked), "TRIALS_GAZETTEER_DIR": ""}
    done = run_trials(tmp_path / "data", "search", "lupus", "--near", "Paris", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"the offline gazetteer cannot be made in {blocked}/trialscout" in done.stderr
    assert "TRIALS_GAZETTEER_DIR" in done.stderr


@pytest.mark.slow
def test_a_gazetteer_file_cut_short_is_built_again_not_blamed_on_the_store(tmp_path: Path) -> None:
    # The gazetteer is a cache file (the user's cache directory): one cut short (a copy or a sync that
    # stopped) failed every search near a place with "trials.sqlite is damaged ... move it aside", which
    # sent the user to throw away the record store.
    data = tmp_path / "data"
    Trials(data)("--quiet", "ingest", str(shared("ctgov", "xml")))
    built = gazetteer._file()
    gazetteer.store()  # this session's, whole
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / built.name).write_bytes(built.read_bytes()[:4096])
    env = {"TRIALS_GAZETTEER_DIR": str(cache)}
    done = run_trials(data, "search", "lupus", "--near", "Boston", "--within", "1000", "--status", "any", env=env)
    assert done.returncode == 0 and "damaged" not in done.stderr, done.stderr
    assert "NCT" in done.stdout and "Boston" in done.stdout
    again = GazetteerStore(cache / built.name)  # made again, whole
    assert again.whole() and again.cities("boston") == gazetteer.store().cities("boston")
    again.close()


@pytest.mark.slow
def test_a_gazetteer_file_others_can_change_is_not_searched(tmp_path: Path) -> None:
    # A shared cache directory (XDG_CACHE_HOME=/tmp): a gazetteer file others can write could have been
    # put there with places of their making; it is refused, naming the fix, not searched.
    data = tmp_path / "data"
    Trials(data)("--quiet", "ingest", str(shared("ctgov", "xml")))
    built = gazetteer._file()
    gazetteer.store()
    cache = tmp_path / "cache"
    cache.mkdir()
    planted = cache / built.name
    planted.write_bytes(built.read_bytes())
    planted.chmod(0o666)
    env = {"TRIALS_GAZETTEER_DIR": str(cache)}
    done = run_trials(data, "search", "lupus", "--near", "Boston", "--within", "1000", "--status", "any", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"the offline gazetteer {planted} belongs to another user or others can change it" in done.stderr
    assert "TRIALS_GAZETTEER_DIR" in done.stderr
    planted.chmod(0o644)  # the user's own file again: searched
    done = run_trials(data, "search", "lupus", "--near", "Boston", "--within", "1000", "--status", "any", env=env)
    assert done.returncode == 0 and "Boston" in done.stdout, done.stderr
