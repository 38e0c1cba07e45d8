"""EU CTR pages read field by field against the page's own text (read here with lxml, not the parser)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import lxml.html
import pytest

from indexer.parsers import parse
from indexer.parsers.html import criteria
from tests.conftest import FIXTURES, Trials
from tests.test_registry_pages import record, texts


def test_euctr_lead_in_sentence_is_not_a_criterion() -> None:
    page = (FIXTURES / "euctr" / "EUCTR_2009-016529-32_EE.html").read_text(encoding="utf-8")
    cells = lxml.html.fromstring(page).xpath("//td[@class='first'][.='E.3' or .='E.4']/following-sibling::td[2]//td")
    # Each item is a "-" line after the <br>; the first line introduces the list.
    items = [
        [part.strip().lstrip("-") for part in re.split(r"<br\s*/?>", lxml.html.tostring(cell, encoding="unicode"))[1:]]
        for cell in cells
    ]
    items = [[" ".join(lxml.html.fromstring(f"<p>{x}</p>").text_content().split()) for x in group] for group in items]
    assert [len(x) for x in items] == [3, 9]
    r = record("euctr", "EUCTR_2009-016529-32_EE.html")
    assert texts(r.eligibility.inclusion) == items[0] and texts(r.eligibility.exclusion) == items[1]


def test_euctr_soft_hyphens_are_not_kept_inside_words() -> None:
    page = (FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html").read_text("utf-8")
    assert "allo&not;graft" in page  # the page's Word soft hyphen
    r = record("euctr", "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html")
    words = " ".join(texts(r.eligibility.inclusion) + texts(r.eligibility.exclusion))
    assert "\u00ac" not in words and "allograft" in words and "immunosuppressive" in words


def euctr_rows(name: str) -> list[tuple[str, str, str]]:
    """(code, label, value) of an EU CTR protocol page's three-cell rows, read with lxml."""
    page = lxml.html.fromstring((FIXTURES / "euctr" / name).read_bytes())
    out = []
    for tr in page.xpath("//tr[td[@class='first']]"):
        first, second, third = (" ".join(td.text_content().split()) for td in tr.xpath("./td")[:3])
        out.append((first, second, third))
    return out


DE_PAGE = "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html"


def test_euctr_one_intervention_per_active_substance_with_its_own_trade_names() -> None:
    # Ten IMP blocks (four strengths of Certican, two of Cellcept, ...) of five substances (CAS numbers).
    rows = euctr_rows(DE_PAGE)
    cas = [value for code, _, value in rows if code == "D.3.9.1"]
    inns = {value for code, _, value in rows if code == "D.3.8"}
    r = record("euctr", DE_PAGE)
    assert len(cas) == 10 and len(r.interventions) == len(set(cas)) == 5
    assert {i.name for i in r.interventions} <= inns
    by_name = {i.name: i for i in r.interventions}
    assert "Certican" in by_name["Everolimus"].other_names
    assert "Certican" not in by_name["Tacrolimus Monohydrate"].other_names  # another IMP's trade name
    assert {i.description for i in r.interventions} == {"IMP role: Test", "IMP role: Comparator"}


def test_euctr_outside_eu_page_countries_and_child_ages() -> None:
    name = "EUCTR_2011-005852-33_3rd.html"
    page = lxml.html.fromstring((FIXTURES / "euctr" / name).read_bytes())
    listed = [
        " ".join(td.text_content().split())
        for td in page.xpath("//tr[td[@class='first']='E.8.6.3']/td[@class='third']//td")
    ]
    rows = euctr_rows(name)
    first_authorised = next(value for code, _, value in rows if code == "H.4.1")
    yes = [label for code, label, value in rows if code.startswith("F.1") and value == "Yes"]
    assert listed == ["Benin", "Burkina Faso", "Congo", "Nigeria", "Togo"] and first_authorised in listed
    assert yes == ["Trial has subjects under 18", "Newborns (0-27 days)", "Infants and toddlers (28 days-23 months)"]
    r = record("euctr", name)
    assert [loc.country for loc in r.locations] == listed
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == (0, round(23 / 12, 4))
    assert r.eligibility.provenance["max_age_years"] == "EU CTR section F.1.1.4"
    assert [i.name for i in r.interventions] == ["artemether-lumefantrine"]  # one product, two substances
    assert {"ARTEMETHER", "LUMEFANTRINE"} <= set(r.interventions[0].other_names)


def test_euctr_prematurely_ended_is_terminated() -> None:
    rows = euctr_rows("EUCTR_2009-016529-32_EE.html")
    assert ("P.", "End of Trial Status", "Prematurely Ended") in rows
    assert record("euctr", "EUCTR_2009-016529-32_EE.html").overall_status == "TERMINATED"


def test_euctr_search_page_gives_each_result_with_its_protocols() -> None:
    page = (FIXTURES / "euctr" / "derived_search_three_results.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    ids = tree.xpath("//table[@class='result']//input[@name='enchx']/@value")
    sponsors = [
        " ".join(td.text_content().split()).removeprefix("Sponsor Name:").strip()
        for td in tree.xpath("//table[@class='result']//td[span[@class='label']='Sponsor Name:']")
    ]
    records = parse(page.encode(), source="euctr")
    assert [r.secondary_ids[0] for r in records] == ids and len(ids) == 3
    assert [r.lead_sponsor for r in records] == sponsors
    two = records[1]
    assert [(loc.country, loc.status) for loc in two.locations] == [
        ("Estonia", "TERMINATED"),
        ("United Kingdom", "ONGOING"),
    ]
    assert two.overall_status == "ONGOING"  # still running in one country
    assert (two.eligibility.sex, two.eligibility.min_age_years, two.eligibility.max_age_years) == ("FEMALE", 18, 64)
    outside = records[2]
    assert outside.locations == () and outside.overall_status is None
    assert (outside.eligibility.min_age_years, outside.eligibility.max_age_years) == (0, round(23 / 12, 4))


def test_euctr_ongoing_page_without_exclusion_in_latin1() -> None:
    name = "derived_EUCTR_2015-000590-12_DE_ongoing_no_E4_latin1.html"
    raw = (FIXTURES / "euctr" / name).read_bytes()
    assert b"charset=ISO-8859-1" in raw
    sponsor = re.search(r'Name of Sponsor</td><td class="third">([^<]+)<', raw.decode("iso-8859-1"))
    assert sponsor and "ä" in sponsor.group(1)
    r = record("euctr", name)
    assert r.lead_sponsor == sponsor.group(1) and r.overall_status == "ONGOING"
    assert r.eligibility.exclusion == () and len(r.eligibility.inclusion) == 7
    assert r.eligibility.criteria_text and "Exclusion" not in r.eligibility.criteria_text.split("\n")[-1]
    assert not r.eligibility.criteria_text.rstrip().endswith("Exclusion Criteria:")


@pytest.mark.parametrize(
    "name",
    [
        "EUCTR_2005-002909-23_PT.html",
        "EUCTR_2009-016529-32_EE.html",
        "EUCTR_2011-005852-33_3rd.html",
        "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html",
    ],
)
def test_euctr_page_read_from_a_file_names_its_own_address(name: str) -> None:
    # Each member state's protocol is a page of its own; read from a file (no URL given), its record still
    # gets the address it was recorded from (in the file name), so two countries' pages are two sources.
    m = re.search(r"(\d{4}-\d{6}-\d{2})_(\w+)\.html$", name)
    assert m
    expected = f"https://www.clinicaltrialsregister.eu/ctr-search/trial/{m.group(1)}/{m.group(2)}"
    assert record("euctr", name).source_url == expected


def test_search_results_and_protocol_pages_are_separate_sources(trials: Trials, tmp_path: Path) -> None:
    # Ingested together, the search page's card for 2009-016529-32 must not replace its EE protocol page.
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("EUCTR_2009-016529-32_EE.html", "derived_search_three_results.html"):
        shutil.copy(FIXTURES / "euctr" / name, folder / name)
    trials("ingest", str(folder))
    shown = trials.json("show", "2009-016529-32")
    assert {s["url"] for s in shown["sources"]} == {
        "https://www.clinicaltrialsregister.eu/ctr-search/trial/2009-016529-32/EE",
        "https://www.clinicaltrialsregister.eu/ctr-search/search?query=eudract_number:2009-016529-32",
    }
    assert len(shown["eligibility"]["inclusion"]) == 3  # the protocol page's criteria are kept


@pytest.mark.parametrize(
    "name",
    [
        "EUCTR_2005-002909-23_PT.html",
        "EUCTR_2009-016529-32_EE.html",
        "EUCTR_2011-005852-33_3rd.html",
        DE_PAGE,
    ],
)
def test_euctr_design_dates_supporters_and_results(name: str) -> None:
    rows = euctr_rows(name)
    answer = {code: value for code, _, value in reversed(rows) if code.startswith("E.8.1")}
    page = lxml.html.fromstring((FIXTURES / "euctr" / name).read_bytes())
    [entered] = page.xpath("//td[starts-with(., 'Date on which this record was first entered')]/following-sibling::td")
    sponsor = next(value for code, _, value in rows if code == "B.1.1")
    support = {value for code, _, value in rows if code in ("B.1.1", "B.4.1") and value} - {sponsor}
    results_link = page.xpath("//a[@href='results' or substring(@href, string-length(@href) - 7) = '/results']")
    r = record("euctr", name)
    assert r.first_submitted == entered.text_content().strip()
    assert set(r.collaborators) == support
    assert r.has_results is bool(results_link)
    assert r.design.allocation == {"Yes": "RANDOMIZED"}.get(answer["E.8.1.1"], r.design.allocation)
    if answer["E.8.1.1"] != "Yes":
        assert r.design.allocation != "RANDOMIZED"
    expected_masking = "DOUBLE" if answer["E.8.1.4"] == "Yes" else "SINGLE" if answer["E.8.1.3"] == "Yes" else None
    expected_masking = expected_masking or ("NONE" if answer["E.8.1.2"] == "Yes" else None)
    assert r.design.masking == expected_masking
    assert r.design.intervention_model == ("PARALLEL" if answer["E.8.1.5"] == "Yes" else None)


def _criteria_fields(name: str) -> tuple[str, str]:
    record_ = json.loads((FIXTURES / "euctr_text" / name).read_text(encoding="utf-8"))
    return record_["e3_principal_inclusion_criteria"], record_["e4_principal_exclusion_criteria"]


def test_numbered_list_typed_into_one_line_is_one_item_per_number() -> None:
    e3, e4 = _criteria_fields("2016-004489-24-DE.json")
    inclusion, _ = criteria(e3, kind="inclusion")
    _, exclusion = criteria(e4, kind="exclusion")
    # Numbered 1 to 5 and 1 to 12 (the text's "criterion 5 parenchymous" and "2.5" are no items).
    assert [len(inclusion), len(exclusion)] == [5, 12]
    assert inclusion[0].text == "Is less than 18 years of age."
    assert exclusion[-1].text.startswith("Application of any topical hemostatic agent")
    assert all(c.text[:1].isupper() for c in inclusion + exclusion)


def test_dash_list_typed_into_one_line_is_one_item_per_dash() -> None:
    e3, _ = _criteria_fields("2022-000099-20-DE.json")
    inclusion, _ = criteria(e3, kind="inclusion")
    expected = [" ".join(part.split()) for part in e3.removeprefix("- ").split(" - ")]
    assert [c.text for c in inclusion] == expected and len(expected) == 3


def test_euctr_statuses_the_register_no_longer_follows_are_unknown() -> None:
    # The register's own wording for a UK protocol after 2020 and one moved to CTIS: no status of the trial.
    import indexer.parsers.euctr_fields as fields

    assert fields.status("GB - no longer in EU/EEA") == fields.status("Trial now transitioned") == "UNKNOWN"
    assert fields.status("Temporarily Halted") == "SUSPENDED" and fields.status("Not Authorised") == "WITHDRAWN"


def test_euctr_a5_identifiers_link_the_trial() -> None:
    # The DE page has no A.5 rows; newer protocol pages carry them in this form after A.4.1.
    page = (FIXTURES / "euctr" / DE_PAGE).read_text(encoding="utf-8")
    rows = "".join(
        f'<tr class="tricell">\n<td class="first">{code}</td><td class="second">{label}</td>'
        f'<td class="third">{value}</td>\n</tr>\n'
        for code, label, value in (
            ("A.5.1", "ISRCTN (International Standard Randomised Controlled Trial) Number", "ISRCTN12345678"),
            ("A.5.2", "US NCT (ClinicalTrials.gov registry) number", "NCT02641275"),
            ("A.5.3", "WHO Universal Trial Reference Number (UTRN)", "U1111-1169-1234"),
        )
    )
    anchor = '<tr class="tricell">\n<td class="first">A.7</td>'
    assert page.count(anchor) == 1
    [r] = parse(page.replace(anchor, rows + anchor).encode(), source="euctr")
    assert r.nct_id == "NCT02641275"
    assert r.secondary_ids == ("2015-000590-12", "ISRCTN12345678", "U1111-1169-1234")


@pytest.mark.parametrize("name", ["EUCTR_2005-002909-23_PT.html", "EUCTR_2011-005852-33_3rd.html", DE_PAGE])
def test_euctr_end_points_are_the_outcomes(name: str) -> None:
    rows = {code: value for code, _, value in reversed(euctr_rows(name))}

    def squeezed(pairs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        # lxml runs text across a <br> together ("weeks.•"); the parser puts a space there.
        return [(re.sub(r"\s+", "", m), t) for m, t in pairs]

    r = record("euctr", name)
    primary = [(rows["E.5.1"], rows.get("E.5.1.1") or None)]
    assert squeezed([(o.measure, o.time_frame) for o in r.primary_outcomes]) == squeezed(primary)
    secondary = [(rows["E.5.2"], rows.get("E.5.2.1") or None)] if rows.get("E.5.2") else []
    assert squeezed([(o.measure, o.time_frame) for o in r.secondary_outcomes]) == squeezed(secondary)
