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


def test_an_unknown_zip_code_is_said() -> None:
    said = place_said("I live in 99999 and have lupus")
    assert said.read is None
    assert said.note == "place not read: '99999' is not a known US ZIP code; trials anywhere are shown"
    known = place_said("I live in 02115 and have lupus")
    assert known.read is not None and known.read.place is not None and known.note == ""
