"""Every real record in ../shared/data/ctgov/{v2,xml,xml_2021} ingests, and its export agrees with the source.

The checks read the source with the standard library, independently of the parsers under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.ingest.files import ingest_paths
from tests.conftest import shared

FOLDERS = ("v2", "xml", "xml_2021")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], Any]:
    with Catalog(load(tmp_path_factory.mktemp("corpus"))) as c:
        stats = ingest_paths(c, [shared("ctgov", f) for f in FOLDERS])
        records = {r.nct_id: r.to_dict() for r in c.store.iter_records()}
        return records, stats


def _age(text: str | None) -> float | None:
    if not text or not (m := re.match(r"(\d+)\s*(Year|Month|Week|Day|Hour|Minute)", text)):
        return None
    unit = {
        "Year": 1.0,
        "Month": 1 / 12,
        "Week": 7 / 365.25,
        "Day": 1 / 365.25,
        "Hour": 1 / 8766,
        "Minute": 1 / 525960,
    }[m.group(2)]
    return unit * int(m.group(1))


def _close(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) < 0.001)


@pytest.mark.slow
def test_every_record_ingests(exported: tuple[dict[str, dict[str, Any]], Any]) -> None:
    records, stats = exported
    files = sum(len(list(shared("ctgov", f).glob("NCT*"))) for f in FOLDERS)
    assert stats["failed"] == 0 and stats["skipped"] == 0
    assert stats["new"] + stats["updated"] + stats["historical"] + stats["unchanged"] == files
    assert len(records) > 2700


@pytest.mark.slow
def test_v2_exports_agree_with_source(exported: tuple[dict[str, dict[str, Any]], Any]) -> None:
    records, _ = exported
    checked = 0
    for path in sorted(shared("ctgov", "v2").glob("NCT*.json")):
        src = json.loads(path.read_bytes())["protocolSection"]
        rec = records[src["identificationModule"]["nctId"]]
        if rec["source"] != "ctgov":
            continue  # a newer legacy-XML copy of the same study won
        elig = src.get("eligibilityModule", {})
        assert rec["brief_title"] == src["identificationModule"].get("briefTitle")
        assert rec["overall_status"] == src["statusModule"]["overallStatus"]
        assert rec["enrollment"] == src.get("designModule", {}).get("enrollmentInfo", {}).get("count")
        # The record keeps them sorted (their order means nothing): compare as sets.
        assert sorted(rec["conditions"]) == sorted(set(src.get("conditionsModule", {}).get("conditions", [])))
        assert rec["phases"] == src.get("designModule", {}).get("phases", [])
        assert rec["lead_sponsor"] == src["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
        assert _close(rec["eligibility"]["min_age_years"], _age(elig.get("minimumAge")))
        assert _close(rec["eligibility"]["max_age_years"], _age(elig.get("maximumAge")))
        assert rec["eligibility"]["sex"] == elig.get("sex")
        assert len(rec["interventions"]) == len(src.get("armsInterventionsModule", {}).get("interventions", []))
        assert len(rec["locations"]) == len(src.get("contactsLocationsModule", {}).get("locations", []))
        checked += 1
    assert checked > 1000


def _status(text: str) -> str:
    return "UNKNOWN" if text == "Unknown status" else re.sub(r"[^A-Za-z]+", "_", text).strip("_").upper()


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["xml", "xml_2021"])
def test_xml_exports_agree_with_source(exported: tuple[dict[str, dict[str, Any]], Any], folder: str) -> None:
    records, _ = exported
    checked = 0
    for path in sorted(shared("ctgov", folder).glob("NCT*.xml")):
        root = ET.parse(path).getroot()
        rec = records[root.findtext("id_info/nct_id")]
        if rec["source"] != "ctgov_xml" or rec["fetched_at"] != _download(root):
            continue  # another copy of this study was newer
        assert rec["brief_title"] == root.findtext("brief_title").strip()
        assert rec["overall_status"] == _status(root.findtext("overall_status"))
        enrollment = root.findtext("enrollment")
        assert rec["enrollment"] == (int(enrollment) if enrollment else None)
        assert sorted(rec["conditions"]) == sorted({c.text.strip() for c in root.findall("condition")})
        assert rec["lead_sponsor"] == root.findtext("sponsors/lead_sponsor/agency").strip()
        assert _close(rec["eligibility"]["min_age_years"], _age(root.findtext("eligibility/minimum_age")))
        assert _close(rec["eligibility"]["max_age_years"], _age(root.findtext("eligibility/maximum_age")))
        gender = root.findtext("eligibility/gender")
        # Pre-2017 records say "Both" for what the API calls ALL.
        assert rec["eligibility"]["sex"] == ({"BOTH": "ALL"}.get(gender.upper(), gender.upper()) if gender else None)
        assert len(rec["interventions"]) == len(root.findall("intervention"))
        assert len(rec["locations"]) == len(root.findall("location"))
        checked += 1
    assert checked > 400


def _download(root: ET.Element) -> str | None:
    text = root.findtext("required_header/download_date") or ""
    m = re.search(r"on (\w+) (\d+), (\d{4})", text)
    if not m:
        return None
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return f"{m.group(3)}-{months.index(m.group(1)) + 1:02d}-{int(m.group(2)):02d}"


@pytest.mark.slow
def test_criteria_are_split_for_nearly_every_record(exported: tuple[dict[str, dict[str, Any]], Any]) -> None:
    records, _ = exported
    with_text = [r for r in records.values() if r["eligibility"]["criteria_text"]]
    no_inclusion = [r["nct_id"] for r in with_text if not r["eligibility"]["inclusion"]]
    assert len(no_inclusion) <= 0.002 * len(with_text), no_inclusion[:10]
    said_exclusion = [
        r for r in with_text if re.search(r"exclusion criteria\s*:?\s*\n\s*\S", r["eligibility"]["criteria_text"], re.I)
    ]
    missed = [r["nct_id"] for r in said_exclusion if not r["eligibility"]["exclusion"]]
    assert len(missed) <= 0.01 * len(said_exclusion), missed[:10]


def test_shared_data_folder_layout() -> None:
    assert Path(shared("ctgov", "v2")).is_dir()
