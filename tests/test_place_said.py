"""The place a patient's words name: a country after "in", and a ZIP code the gazetteer does not know."""

from __future__ import annotations

import pytest

from indexer.discover.place_said import place_said
from indexer.geo.typed import given_place


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("I am looking for a trial in Germany for lupus", "Germany"),
        ("lupus, in France", "France"),
        ("asthma; trials in the United Kingdom please", "United Kingdom"),
    ],
)
def test_a_country_after_in_is_read_as_the_place_box_reads_it(text: str, written: str) -> None:
    read = place_said(text).read
    assert read is not None and (read.written, read.source, read.place) == (written, "text", None)
    assert read.country == given_place(written).country is not None
    assert written not in read.without(text)  # it narrows; as a word it would match trials naming it


@pytest.mark.parametrize(
    "text",
    [
        "I was born in Mexico and have lupus",  # where the patient was, not where to take part
        "diagnosed in France in 2019 with lupus",
        "relapse in MS",  # an abbreviation, no country
        "in March I had a relapse",
    ],
)
def test_no_country_where_the_patient_only_was(text: str) -> None:
    assert place_said(text) == place_said("lupus")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("lupus trials in Boston", "Boston, MA, US"),
        ("asthma trials in Toronto please", "Toronto, ON, CA"),
        ("depression studies in Los Angeles", "Los Angeles, CA, US"),
        ("lupus trials in Beijing, I am 34", "Beijing, CN"),
        ("psoriasis in Madison", "Madison, WI, US"),  # the most populous of the name, as the place box
        ("asthma trials in Mexico City", "Mexico City, MX"),  # not the country it starts with
    ],
)
def test_a_major_city_after_in_is_read(text: str, label: str) -> None:
    read = place_said(text).read
    assert read is not None and read.place is not None and read.place.label == label
    assert given_place(read.written).place == read.place  # what the place box will read it as


@pytest.mark.parametrize(
    "text",
    [
        "trials in Huntington's disease",  # an eponym
        "in Marburg virus disease",
        "imatinib in Philadelphia chromosome-positive leukemia",  # a disease word after the city
        "Aurora kinase inhibitors in Aurora kinase-driven tumours",
        "testosterone in Male hypogonadism",  # Malé, the Maldives' capital, is also a word of trials
        "Pembrolizumab in Mobile Health Apps",  # a longer name than the city's
        "cluster headache in CH. In addition",  # an abbreviation, then a sentence
        "lupus trials in Lund",  # a city of fewer than 100,000 people
        "in Day of Onset",  # the gazetteer's other names of cities ("day", "the") are not theirs
        "diagnosed in Chicago, now in remission",  # where the patient was
        "lung cancer trials in Ontario",  # the province, or Ontario, California: the words stay words
        "asthma in Victoria",  # the Australian state, or a city of the name
        "diabetes in New York",  # the state or the city
    ],
)
def test_no_city_after_in_where_none_is_meant(text: str) -> None:
    assert place_said(text).read is None


def test_an_unknown_zip_code_is_said() -> None:
    said = place_said("I live in 99999 and have lupus")
    assert said.read is None
    assert said.note == "place not read: '99999' is not a known US ZIP code; trials anywhere are shown"
    known = place_said("I live in 02115 and have lupus")
    assert known.read is not None and known.read.place is not None and known.note == ""
