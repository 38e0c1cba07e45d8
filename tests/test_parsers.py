"""Parsers against saved real documents, each with its expected output beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from indexer.parsers import NotATrial, ParseError, parse
from tests.conftest import shared
from tests.regen_expected import documents, expected_path, render


@pytest.mark.parametrize("doc", documents(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parser_output_matches_expected_file(doc: Path) -> None:
    assert render(doc) == expected_path(doc).read_text(encoding="utf-8")


def test_seed_trial_from_legacy_xml(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    [r] = parse((FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    assert r.nct_id == "NCT04077684"
    assert r.overall_status == "RECRUITING"
    assert r.lead_sponsor == "Peking University People's Hospital"
    assert r.enrollment == 500 and r.enrollment_type == "ESTIMATED"
    assert r.phases == ("PHASE2",)
    assert r.conditions == ("Systemic Lupus Erythematosus",)
    assert [(i.name, i.other_names) for i in r.interventions] == [("Interleukin-2", ("Human recombinant IL-2",))]
    assert len(r.eligibility.inclusion) == 6 and len(r.eligibility.exclusion) == 14
    assert r.eligibility.inclusion[2].text == "age:18 to 75 years, weight 45-80Kg"
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == (18, 75)
    assert r.eligibility.sex == "ALL" and r.eligibility.healthy_volunteers is False
    assert r.start_date == "2019-09-10" and r.completion_date == "2024-12-31"
    assert r.fetched_at == "2020-07-28"  # the XML's download date
    assert r.condition_mesh == ("Lupus Erythematosus, Systemic",)
    assert r.locations[0].city == "Beijing" and r.locations[0].status == "RECRUITING"


def test_v2_study_fields() -> None:
    from tests.conftest import FIXTURES

    [r] = parse((FIXTURES / "ctgov" / "NCT00544076.json").read_bytes())
    assert r.overall_status == "TERMINATED" and r.why_stopped
    assert r.has_results is True
    [r] = parse((FIXTURES / "ctgov" / "NCT00080808.json").read_bytes())
    assert r.eligibility.sex == "MALE" and r.eligibility.min_age_years is None
    assert r.eligibility.max_age_years == 65
    assert "NCI PDQ" not in r.secondary_ids and "CDR0000355366" in r.secondary_ids
    assert r.start_date == "2001-08"  # month precision kept
    assert r.interventions[0].other_names == ("Prostaglandin E1", "PGE1")
    assert "Prostatic Neoplasms" in r.condition_mesh and "Neoplasms" in r.condition_mesh_ancestors


def test_search_page_and_export_array_give_every_study() -> None:
    from tests.conftest import FIXTURES

    page = json.loads((FIXTURES / "ctgov" / "search_page.json").read_bytes())
    records = parse((FIXTURES / "ctgov" / "search_page.json").read_bytes())
    assert [r.nct_id for r in records] == [
        s["protocolSection"]["identificationModule"]["nctId"] for s in page["studies"]
    ]
    assert len(parse((FIXTURES / "ctgov" / "export.json").read_bytes())) == 1


@pytest.mark.parametrize("body", [b'{"foo": 1}', b"<rss><channel/></rss>", b"hello"])
def test_documents_that_are_not_trials(body: bytes) -> None:
    with pytest.raises(NotATrial):
        parse(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"protocolSection": {"identificationModule": {}}}',
        b'{"studies": [{"protocolSection": ',
        b"<clinical_study><id_info>",
    ],
)
def test_malformed_trials_are_errors(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse(body)


def test_xml_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
        f"<brief_title>&x;</brief_title></clinical_study>"
    ).encode()
    [r] = parse(body)
    assert "TOP-SECRET" not in json.dumps(r.to_dict())


def test_legacy_xml_criteria_dedent_is_textwrap_dedent_then_unwrap() -> None:
    """The one-pass dedent against the standard library's, on real blocks and on edge cases."""
    import textwrap

    from indexer.parsers.criteria import unwrap
    from indexer.parsers.ctgov_xml import _dedent

    cases = [
        "\n        Inclusion Criteria:\n\n          - Age 18\n            or more\n   \n        Exclusion:\n",
        "  a\n\t\tb\n    \n  c",
        "x\n  y",
        "   \r\n     z\r\n",
        "\n\n    only\n\n",
        " \u00a0 nbsp-indented\n  two",
    ]
    for path in sorted(shared("ctgov", "xml").glob("*.xml"))[:200]:
        found = etree.fromstring(path.read_bytes()).find("eligibility/criteria/textblock")
        if found is not None and found.text:
            cases.append(found.text)
    for text in cases:
        assert _dedent(text) == unwrap(textwrap.dedent(text.expandtabs(4))).strip("\n"), text[:60]


def test_legacy_xml_results_left_unbuilt_changes_nothing() -> None:
    """Records parsed with <clinical_results> left empty equal those of the whole tree (real documents
    with results), and a document whose results are not well-formed fails with the whole parse's error."""
    from indexer.parsers import ctgov_xml, ctgov_xml_tree

    with_results = [p.read_bytes() for p in sorted(shared("ctgov", "xml").glob("*.xml"))]
    with_results = [b for b in with_results if b"<clinical_results>" in b][:40]
    assert with_results
    for body in with_results:
        assert ctgov_xml_tree._without_results(body) is not None
        whole = ctgov_xml.parse_study(etree.fromstring(body, ctgov_xml_tree._PARSER))
        assert ctgov_xml.parse_document(body) == [whole]
    head = b'<?xml version="1.0" encoding="ISO-8859-1"?><clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>'
    fine = head + "<clinical_results><x>caf\xe9</x></clinical_results></clinical_study>".encode("latin-1")
    assert ctgov_xml_tree._without_results(fine) is not None and parse(fine)[0].has_results
    broken = [
        head + b"<clinical_results><x>&nbsp;</x></clinical_results></clinical_study>",  # undefined entity
        head + b"<clinical_results><x a='1' a='2'/></clinical_results></clinical_study>",
        head + b"<clinical_results><x></clinical_results></clinical_study>",
        head + b"<!-- <clinical_results> --><clinical_results/></clinical_results></clinical_study>",
        head + b"<?pi <clinical_results> ?><clinical_results/></clinical_results></clinical_study>",
    ]
    for body in broken:
        assert ctgov_xml_tree._without_results(body) is None
        with pytest.raises(etree.XMLSyntaxError) as whole:
            etree.fromstring(body, ctgov_xml_tree._PARSER)
        with pytest.raises(ParseError, match="invalid XML: ") as fast:
            parse(body)
        assert str(fast.value) == f"invalid XML: {whole.value}"


def test_legacy_xml_site_fields_are_the_first_of_their_tag() -> None:
    """A site's facility, name, address, city and status are the first of their tag, comments skipped."""
    body = b"""<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>
      <location><!-- a note --><status>Recruiting</status><status>Completed</status>
        <facility><!-- x --><name>First Hospital</name><name>Second</name>
          <address><city>Lyon</city><city>Paris</city><zip>69003</zip><country>France</country></address>
          <address><state>Rhone</state></address></facility>
        <facility><name>Other</name></facility>
        <investigator><last_name>Roux</last_name><role>Principal Investigator</role></investigator>
      </location>
      <location><facility><address><country>Spain</country></address></facility></location>
    </clinical_study>"""
    [r] = parse(body)
    first, second = r.locations
    assert (first.facility, first.city, first.state, first.zip, first.country, first.status) == (
        "First Hospital", "Lyon", None, "69003", "France", "RECRUITING",
    )  # fmt: skip
    assert [(c.name, c.role) for c in first.contacts] == [("Roux", "PRINCIPAL_INVESTIGATOR")]
    assert (second.facility, second.city, second.country, second.contacts) == (None, None, "Spain", ())
