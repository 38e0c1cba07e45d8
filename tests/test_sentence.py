"""A search's words read as a patient writes them: the place, age, sex and status they state become filters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import load
from indexer.discover.sentence import Sentence, _may_state_age, read_sentence
from tests.conftest import Trials
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

GUIDE = "recruiting lupus trials with low-dose IL-2 near Beijing, I am 34"  # the developers' guide's patient


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("words", "text", "near", "age", "sex", "recruiting"),
    [
        (GUIDE, "lupus trials with low-dose IL-2", "Beijing", 34.0, None, True),
        ("I am a 45 year old woman with breast cancer living in Boston, MA", "with breast cancer", "Boston, MA",
         45.0, "F", False),
        ("type 2 diabetes 65 years old", "type 2 diabetes", None, 65.0, None, False),
        ("breast cancer, 52F, near 02115", "breast cancer", "02115", 52.0, "F", False),
        ("psoriasis, woman, 34", "psoriasis", None, 34.0, "F", False),
        ("trials now enrolling for asthma in France", "trials for asthma", "France", None, None, True),
        ("lupus, Paris", "lupus", "Paris", None, None, False),
        ("Im 34 f with lupus", "with lupus", None, 34.0, "F", False),
        ("45 M COPD", "COPD", None, 45.0, "M", False),
        ("trials for my mother who is 80 with Alzheimer disease near Boston", "trials with Alzheimer disease",
         "Boston", 80.0, "F", False),
        ("asthma trial for my daughter, aged 12", "asthma trial", None, 12.0, "F", False),
        # A major city after a bare "in" (a smaller town or an eponym is not read: test_place_said.py).
        ("breast cancer trials in Boston for a 45 year old woman", "breast cancer trials", "Boston", 45.0, "F",
         False),
        ("recruiting depression studies in Los Angeles", "depression studies", "Los Angeles", None, None, True),
        # A decade, as `trials match` reads it (its middle, or its early or late part).
        ("lupus, I am in my 60s", "lupus", None, 65.0, None, False),
        ("COPD trials, I'm in my early sixties, female", "COPD trials", None, 62.0, "F", False),
        ("trials for my mother who is in her 80s with Alzheimer disease", "trials with Alzheimer disease", None,
         85.0, "F", False),
    ],
)  # fmt: skip
def test_what_the_words_state_is_read_and_taken_out(
    words: str, text: str, near: str | None, age: float | None, sex: str | None, recruiting: bool
) -> None:
    said = read_sentence(words)
    assert (said.text, said.near, said.age, said.sex, said.recruiting) == (text, near, age, sex, recruiting)
    assert said.changed


@pytest.mark.parametrize(
    "words",
    [
        "lupus",
        "male breast cancer",  # a condition, not the patient's sex
        "not yet recruiting lupus",  # another status: left to the status box
        "children aged 6 to 12 with asthma",  # the trial's ages, not the patient's
        "smoked for 20 years lung cancer",
        "asthma in children",
        "HER2 3+ breast cancer stage 3",
        "Alzheimer disease in Down syndrome",
        "trials in Huntington's disease",
        "imatinib in Philadelphia chromosome-positive leukemia",  # a chromosome named after the city
        "testosterone in Male hypogonadism",
        "Pembrolizumab in Mobile Health Apps",
        "low-dose IL-2",
        "I am 34 weeks pregnant with preeclampsia",  # weeks of pregnancy, no age
        "baby aged 6 months eczema",  # months: `trials match` reads those; a search leaves them as words
        "woman, 60 kg, obesity",
        "IL-2 0.5 M units lupus",  # a dose, not "0.5 M" (a male of half a year)
        "I was diagnosed with lupus in my 20s",  # an age then, not now
        "my husband was 50 when diagnosed",  # an age then, not now
    ],
)
def test_words_that_state_no_filter_are_searched_as_they_are(words: str) -> None:
    assert read_sentence(words) == Sentence(words)


@pytest.mark.parametrize(
    ("words", "may"),
    [
        ("low dose interleukin-2 lupus", False),  # a name's number: no age phrase compiled for it
        ("COVID-19 vaccine in HER2-positive breast cancer, CD19 CAR-T", False),
        ("HbA1c above 7.5%", True),  # a dose or a measure starts a word: compiled, and read as no age
        ("type 2 diabetes 65 years old", True),
        ("breast cancer, 52F", True),
        ("age34 asthma", True),  # "age" before the number: the age phrase reads it
        ("34-year-old with COPD", True),
    ],
)
def test_only_a_number_that_starts_a_word_may_state_an_age(words: str, may: bool) -> None:
    assert _may_state_age(words) is may
    # Every age the reader finds is behind the gate: the gate never hides one.
    assert read_sentence(words).age is None or may


def test_what_was_given_is_not_read_again() -> None:
    said = read_sentence(GUIDE, place=False, age=False, status=False)
    assert (said.near, said.age, said.recruiting) == (None, None, False)  # the boxes given win
    # The place and age stay words; "recruiting" goes as a word either way: no trial's text says it of itself.
    assert said.text == "lupus trials with low-dose IL-2 near Beijing, 34"


def test_the_cli_reads_the_guides_patient_as_its_options_say_it(web_data: Path) -> None:
    trials = Trials(web_data)
    explicit = trials.json(
        "search", "lupus trials with low-dose IL-2", "--status", "recruiting", "--near", "Beijing", "--age", "34"
    )
    assert [r["nct_id"] for r in explicit] == ["NCT04077684"]  # the seed's trial: recruiting, in Beijing
    result = trials("search", GUIDE, "--json")
    assert [r["nct_id"] for r in json.loads(result.stdout)] == ["NCT04077684"]
    assert "read from the words: status recruiting; age 34 (“I am 34”); near Beijing" in result.stderr
    # An option given wins over the words: `--status any` keeps every status; the place is still read.
    every = {r["nct_id"]: r["overall_status"] for r in trials.json("search", GUIDE, "--status", "any")}
    asked = trials.json("search", "lupus trials with low-dose IL-2", "--near", "Beijing", "--age", "34")
    assert every == {r["nct_id"]: r["overall_status"] for r in asked}
    assert every["NCT02084238"] == "COMPLETED"  # low-dose IL-2 for lupus in Beijing, finished


def test_the_page_and_the_api_read_it_as_the_cli_does(web_data: Path, client: TestClient) -> None:
    api = client.get("/api/search", params={"q": GUIDE}).json()
    assert [r["nct_id"] for r in api["results"]] == ["NCT04077684"]
    assert api["read"] == ["status recruiting", "age 34 (“I am 34”)", "near Beijing"]
    assert api["text"] == "lupus trials with low-dose IL-2" and api["near"]["label"] == "Beijing, CN"
    page = client.get("/search", params={"q": GUIDE})
    assert page.status_code == 200
    assert "Read from your words: status recruiting; age 34 (“I am 34”); near Beijing" in page.text
    assert 'name="near" value="Beijing"' in page.text and 'name="age" type="number"' in page.text
    # The place box given: the words' place is left alone (as words, they then match no trial well).
    boxed = client.get("/api/search", params={"q": GUIDE, "near": "Boston"}).json()
    assert "near Beijing" not in boxed["read"] and boxed["near"]["written"] == "Boston"


@pytest.mark.parametrize(
    ("words", "text", "near"),
    [
        ("Diabetes in China and India", "Diabetes", "China and India"),
        ("asthma trials in France, Germany or Italy", "asthma trials", "France, Germany or Italy"),
        ("lupus in the United States and Canada, I am 40", "lupus", "United States and Canada"),
        ("breast cancer in France and my sister", "breast cancer and my sister", "France"),  # one country
    ],
)
def test_countries_named_together_are_the_place(words: str, text: str, near: str) -> None:
    said = read_sentence(words)
    assert (said.text, said.near) == (text, near)


def test_a_place_box_naming_countries_searches_a_site_in_any(web_data: Path, client: TestClient) -> None:
    said = "breast cancer in France, Germany or Italy"
    result = Trials(web_data)("search", said, "--json", "--limit", "100")
    found = json.loads(result.stdout)
    assert "read from the words: near France, Germany or Italy" in result.stderr
    # Oracle: the records' own sites. Each result has a site in one of the three, and the three countries
    # searched one at a time find the same trials together.
    wanted = {"France", "Germany", "Italy"}
    assert found and all(wanted & {loc["country"] for loc in r["locations"]} for r in found)
    alone = set()
    for country in sorted(wanted):
        alone |= {
            r["nct_id"]
            for r in Trials(web_data).json("search", "breast cancer", "--country", country, "--limit", "100")
        }
    assert {r["nct_id"] for r in found} == alone
    # The place box (--near, the page's Near) reads the list as the words do; the API says what it read.
    near = Trials(web_data).json("search", "breast cancer", "--near", "France, Germany or Italy", "--limit", "100")
    assert {r["nct_id"] for r in near} == alone
    api = client.get("/api/search", params={"q": said, "limit": "100", "status": "any"}).json()
    assert api["read"] == ["near France, Germany or Italy"] and api["text"] == "breast cancer"
    assert {r["nct_id"] for r in api["results"]} == alone
    page = client.get("/search", params={"q": said, "status": "any"}).text
    assert 'name="near" value="France, Germany or Italy"' in page  # in the box, to change or clear


@pytest.mark.parametrize(
    ("words", "text", "near", "others"),
    [
        ("asthma near Boston or Chicago", "asthma", "Boston", "Chicago"),
        ("lupus trials near Boston or New York", "lupus trials", "Boston", "New York"),  # the city or the state
        ("asthma trials in Toronto, Ottawa or Montreal, I am 34", "asthma trials", "Toronto", "Ottawa and Montreal"),
    ],
)
def test_cities_after_the_place_are_said_not_searched_as_words(words: str, text: str, near: str, others: str) -> None:
    # A search measures from one place: "or Chicago" left as words made every trial near Boston need
    # "Chicago" in its text, as a site there or a word.
    said = read_sentence(words)
    assert (said.text, said.near) == (text, near)
    assert f"near {near} (one place at a time: search again for {others})" in said.read
