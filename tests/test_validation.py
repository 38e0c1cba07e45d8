"""Every parser refuses values of the wrong type or out of range, naming the field; good records pass."""

from __future__ import annotations

import json
from typing import Any

import pytest

from indexer.parsers import ParseError, parse, parse_document
from tests.conftest import FIXTURES

STUDY = json.loads((FIXTURES / "ctgov" / "NCT00057759.json").read_bytes())


def _study(change: Any) -> bytes:
    study = json.loads(json.dumps(STUDY))
    change(study["protocolSection"])
    return json.dumps(study).encode()


def _set(path: str, value: Any) -> Any:
    def change(section: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            section = section.setdefault(p, {})
        section[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("identificationModule.briefTitle", 12345), "brief_title should be text"),
        (_set("identificationModule.nctId", "../../x"), "not a trial id"),
        (_set("identificationModule.nctId", "nct00057759"), "not a trial id"),
        (_set("identificationModule.nctId", 57759), "no identificationModule.nctId"),
        (_set("designModule.enrollmentInfo.count", 10**30), "enrollment"),
        (_set("identificationModule", ["a list"]), "unexpected structure"),
        (_set("conditionsModule.conditions", "lupus"), "conditions should be a list"),
        (_set("conditionsModule.conditions", [1, 2]), r"conditions\[0\] should be text"),
        (_set("statusModule", "RECRUITING"), "unexpected structure"),
        (_set("descriptionModule.briefSummary", "x\x00y"), "brief_summary is not registry text"),
        (_set("contactsLocationsModule.locations", [{"geoPoint": {"lat": "north", "lon": 1}}]), "lat"),
    ],
)
def test_ctgov_type_confusions_are_refused_by_name(change: Any, field: str) -> None:
    with pytest.raises(ParseError, match=field):
        parse(_study(change), source="ctgov")


def test_one_bad_study_of_a_page_fails_alone() -> None:
    good = json.loads(_study(lambda s: None))
    bad = json.loads(_study(_set("identificationModule.briefTitle", ["a", "list"])))
    bad["protocolSection"]["identificationModule"]["nctId"] = "NCT99999999"
    page = json.dumps({"studies": [good, "not a study", bad]}).encode()
    parsed = parse_document(page, source="ctgov")
    assert [r.nct_id for r in parsed.records] == ["NCT00057759"]
    assert [(f.record_id, f.where) for f in parsed.failures] == [(None, "studies[1]"), ("NCT99999999", "studies[2]")]
    assert "brief_title" in parsed.failures[1].error and json.loads(parsed.failures[1].raw or b"")["protocolSection"]


def test_legacy_xml_out_of_range_and_bad_ids_are_refused() -> None:
    xml = (FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes()
    huge = xml.replace(b">500</enrollment>", b">100000000000000000000000000000</enrollment>")
    assert huge != xml
    with pytest.raises(ParseError, match="enrollment"):
        parse(huge, source="ctgov_xml")
    with pytest.raises(ParseError, match="not a trial id"):
        parse(xml.replace(b"<nct_id>NCT04077684</nct_id>", b"<nct_id>../../etc</nct_id>"), source="ctgov_xml")


def test_register_ids_never_become_paths() -> None:
    page = (FIXTURES / "takeda" / "takedaclinicaltrials.com_browse_summary_073-011.html").read_bytes()
    hostile = page.replace(b"073-011", b"../../073 011\x1b[31m").replace(b"NCT02024971", b"")
    [record] = parse(hostile, source="takeda")
    assert record.nct_id.startswith("TAKEDA") and "/" not in record.nct_id and "\x1b" not in record.nct_id


def test_good_records_of_every_source_pass() -> None:
    for folder in ("ctgov", "ctgov_xml", "euctr", "gsk", "takeda"):
        for path in sorted((FIXTURES / folder).glob("*")):
            if path.suffix in (".json", ".xml", ".html") and not path.name.endswith(".expected.json"):
                assert parse(path.read_bytes(), source=folder), path
