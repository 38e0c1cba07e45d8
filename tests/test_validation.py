"""Every parser refuses values of the wrong type or out of range, naming the field; good records pass."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from indexer.parsers import ParseError, parse, parse_document
from indexer.parsers.validate import MAX_TEXT, validate
from indexer.record import Contact
from tests.conftest import FIXTURES, Trials

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


def _wrong_values(record: Any, path: str = "") -> list[tuple[str, Any]]:
    """(field path, a copy of `record` with that one field given a value of the wrong type), for every
    field of the record and of the first item of each of its parts (locations, contacts, criteria...)."""
    out: list[tuple[str, Any]] = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        wrong: Any = [value] if not isinstance(value, list) else "text"  # no field holds a list
        out.append((f"{path}{f.name}", dataclasses.replace(record, **{f.name: wrong})))
        part = value[0] if isinstance(value, tuple) and value else value
        if dataclasses.is_dataclass(part) and not isinstance(part, type):
            for sub, changed in _wrong_values(part, f"{path}{f.name}."):
                inner: Any = (changed, *value[1:]) if isinstance(value, tuple) else changed
                out.append((sub, dataclasses.replace(record, **{f.name: inner})))
    return out


def test_every_field_of_every_part_is_checked() -> None:
    # The fast check (generated code) and the one that names the field must refuse the same values.
    [record] = parse((FIXTURES / "ctgov" / "NCT00057759.json").read_bytes(), source="ctgov")
    site = dataclasses.replace(record.locations[0], contacts=(Contact(name="A site contact", role="CONTACT"),))
    record = dataclasses.replace(
        record,
        eligibility=dataclasses.replace(record.eligibility, provenance={"min_age_years": "criteria"}),
        locations=(site, *record.locations[1:]),
        central_contacts=(Contact(name="A contact", phone="+1 555"),),
    )
    cases = _wrong_values(record)
    assert len(cases) > 60 and any(p.startswith("locations.contacts.") for p, _ in cases)
    for path, bad in cases:
        leaf = path.rsplit(".", 1)[-1]
        with pytest.raises(ParseError, match=rf"(^|\.){leaf}(\[0\])? (should|.* is not a trial id)"):
            validate(bad)
    assert validate(record) is record
    no_age = dataclasses.replace(record.eligibility, max_age_years=math.nan)
    with pytest.raises(ParseError, match="max_age_years should be a finite number"):
        validate(dataclasses.replace(record, eligibility=no_age))
    with pytest.raises(ParseError, match="enrollment should be a whole number"):
        validate(dataclasses.replace(record, enrollment=2**60))
    with pytest.raises(ParseError, match="lead_sponsor is not registry text"):
        validate(dataclasses.replace(record, lead_sponsor="x" * (MAX_TEXT + 1)))


@pytest.mark.parametrize(
    ("contacts", "secret"),
    [
        ({"centralContacts": [{"name": "Jane Roe", "email": ["jane.roe@example.org"]}]}, "jane.roe@example.org"),
        ({"centralContacts": [{"name": "Jane Roe", "phone": 6175550199}]}, "6175550199"),
        ({"overallOfficials": [{"name": {"email": "pi@example.org"}}]}, "pi@example.org"),
    ],
)
def test_a_contact_of_the_wrong_type_is_refused_without_its_value(
    trials: Trials, tmp_path: Path, contacts: dict[str, Any], secret: str
) -> None:
    path = tmp_path / "NCT00057759.json"
    path.write_bytes(_study(lambda s: s["contactsLocationsModule"].update(contacts)))
    with pytest.raises(ParseError) as refused:
        parse(path.read_bytes())
    assert "contact" in str(refused.value) and secret not in str(refused.value)
    result = trials("-v", "ingest", str(path), ok=False)
    assert "1 failed" in result.stderr and secret not in result.stderr
    assert secret not in trials("failures", "--json").stdout
