"""Tumour markers: what a patient states ("HER2-negative") against what a trial asks, and the trials listed last."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import load
from indexer.discover.markers import asked, patient_markers
from tests.conftest import Trials
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

POS, NEG = "positive", "negative"


@pytest.mark.parametrize(
    ("said", "markers"),
    [
        ("55 year old woman with HER2-negative metastatic breast cancer", {"HER2": NEG}),
        # TREC 2021 topic 25's words (../shared/data/bench/trec2021-dev/topics.jsonl)
        ("The tumor was HER2-positive and ER/PR negative.", {"HER2": POS, "ER": NEG, "PR": NEG, "HR": NEG}),
        ("ER+/PR+/HER2- breast cancer", {"ER": POS, "PR": POS, "HER2": NEG, "HR": POS}),
        ("triple negative breast cancer", {"ER": NEG, "PR": NEG, "HER2": NEG, "HR": NEG}),
        ("hormone receptor positive, HER2 negative", {"HR": POS, "HER2": NEG}),
        ("HER2 3+ by IHC", {"HER2": POS}),
        ("HER2 1+ by IHC", {"HER2": NEG}),
        ("negative for HER2", {"HER2": NEG}),
        ("lung adenocarcinoma, EGFR wild-type", {"EGFR": NEG}),
        ("no EGFR mutation", {"EGFR": NEG}),
        ("EGFR exon 19 deletion", {"EGFR": POS}),
        ("ALK-positive NSCLC", {"ALK": POS}),
        ("KRAS G12C mutant colorectal cancer", {"KRAS": POS}),
        # No marker: the kidneys' eGFR, a heart rate, an estrogen receptor drug
        ("creatinine 0.9 mg/dL with eGFR >60 mL/min", {}),
        ("HR 80 bpm, BP 120/80", {}),
        ("she takes tamoxifen", {}),
    ],
)
def test_what_a_patient_says_of_their_markers(said: str, markers: dict[str, str]) -> None:
    assert patient_markers(said) == markers


# Items of the real records in ../shared/data/ctgov, verbatim, each labelled by reading it.
@pytest.mark.parametrize(
    ("item", "required"),
    [
        ("HER2 overexpression 3+ by immunohistochemistry (IHC) or fluorescence in situ hybridization (FISH)",
         {"HER2": POS}),
        ("HER-2 positive (pre-entry requirement for registration)", {"HER2": POS}),
        ("Tumors over-expressing Her-2", {"HER2": POS}),
        ("Patients who have overexpression of the her-2/neu oncogene are eligible for the study.", {"HER2": POS}),
        ("Tumor must show the presence of the HER2neu gene amplification by Fluorescence In-Situ Hybridization",
         {"HER2": POS}),
        ("Patients must have histologically confirmed ER+ and/or PR+, HER2-, early invasive breast cancer.",
         {"HR": POS, "HER2": NEG}),
        ("ER-negative and PgR-negative", {"ER": NEG, "PR": NEG, "HR": NEG}),
        ("HER2/neu-positive OR negative", {}),  # either: no requirement
        ("Estrogen receptor (ER)-positive OR ER-negative", {}),
        ("HER2/neu positive or negative tumors are eligible. HER2 positivity must be documented by FISH.", {}),
        ("patients should be with triple negative or Her2 positive breast cancer", {}),  # alternatives
        ("Local testing of EGFR with no EGFR exon 19 deletion or EGFR L858 R mutation", {"EGFR": NEG}),
        ("EGFR, ALK gene wild type;", {"EGFR": NEG, "ALK": NEG}),
        ("Cohort A: HER2-positive", {}),
        ("Subprotocol J (HER2 amplification)", {}),
    ],
)  # fmt: skip
def test_what_an_item_asks_of_every_participant(item: str, required: dict[str, str]) -> None:
    assert asked(item) == required


HER2_NEGATIVE = "55 year old woman with HER2-negative metastatic breast cancer"


def test_trials_asking_the_other_status_come_last_and_say_why(web_data: Path) -> None:
    trials = Trials(web_data)
    found = trials.json("match", "--text", HER2_NEGATIVE, "--status", "any", "--limit", "30")
    ids = [r["nct_id"] for r in found]
    # NCT00006228's conditions say "HER2-positive Breast Cancer", an inclusion item "HER2 overexpression
    # 3+": read by hand, it is not for this patient.
    assert "NCT00006228" in ids
    flagged = [i for i, r in enumerate(found) if r["marker_conflicts"]]
    assert ids.index("NCT00006228") in flagged
    assert flagged == list(range(len(found) - len(flagged), len(found)))  # after every other trial
    row = found[ids.index("NCT00006228")]
    assert row["marker_conflicts"] == ["asks HER2 positive; you said HER2 negative"]
    # Without the marker the same trial is ranked by its score alone, ahead of others.
    plain = trials.json("match", "--text", "55 year old woman with metastatic breast cancer", "--status", "any",
                        "--limit", "30")  # fmt: skip
    assert not any(r["marker_conflicts"] for r in plain)
    plain_ids = [r["nct_id"] for r in plain]
    assert plain_ids.index("NCT00006228") < len(plain_ids) - 1


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


def test_the_match_page_and_api_say_it(client: TestClient) -> None:
    api = client.post("/api/match", json={"text": HER2_NEGATIVE, "status": ["any"], "limit": 30}).json()
    flagged = {r["nct_id"]: r["marker_conflicts"] for r in api["results"] if r["marker_conflicts"]}
    assert flagged["NCT00006228"] == ["asks HER2 positive; you said HER2 negative"]
    page = client.post("/match", data={"text": HER2_NEGATIVE, "status": "any"})
    assert page.status_code == 200
    assert "Likely not for you: this trial asks HER2 positive; you said HER2 negative" in page.text
    assert json.dumps(api["results"][-1]["marker_conflicts"]) != "[]"  # the last listed is one of them


def test_an_alternative_sub_items_marker_is_not_checked_against_the_patient() -> None:
    """NCT00918892 groups its samples "into following 4 categories", each a sub-item with its markers
    ("ER-negative/PR-negative/HER2-positive"): one category among four, asked of nobody in particular. The
    checklist shows none of them failed, as the ranking (marker_conflicts) reads them."""
    from indexer.discover.criteria_match import FAILS, check_criteria, check_item, marker_conflicts
    from indexer.discover.facts import Facts
    from indexer.discover.patient import read_patient
    from indexer.parsers import parse_document
    from tests.conftest import shared

    path = shared("ctgov", "xml_2021", "NCT00918892.xml")
    [record] = parse_document(path.read_bytes(), filename=str(path)).records
    facts = Facts(frozenset(), frozenset(), frozenset(), None, markers=(("HER2", NEG),))
    summary = check_criteria(record, read_patient(HER2_NEGATIVE), facts)
    assert not [c.text for c in summary.checks if c.verdict == FAILS and "HER2" in c.text]
    assert marker_conflicts(record, {"HER2": NEG}) == ()
    # The same item as an item of its own, asked of everyone, fails, as before.
    [item] = [c.text for c in summary.checks if c.text == "ER-negative/PR-negative/HER2-positive"]
    assert check_item("inclusion", item, read_patient(HER2_NEGATIVE), facts).verdict == FAILS
