"""Trial-finder pages in five other sites' markups: each agrees with the registry record of the same trial.

The pages (tests/fixtures/listing/finders/site, written by make_pages.py) carry the real text of five
ClinicalTrials.gov records; the oracle is the same record read here with the standard library's json.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import TextResponse

from crawler.items import RawDocument
from crawler.spiders.listing import ListingSpider, trial_id_in
from devtools.sitemock import StaticSite
from indexer.parsers import ParseError, parse
from indexer.record import Criterion, TrialRecord
from tests.conftest import FIXTURES, Trials, shared
from tests.fixtures.listing.finders.make_pages import URLS
from tests.test_listing import crawl

FINDERS = FIXTURES / "listing" / "finders"
SITE = FINDERS / "site"
# Page, its address on the finder site, and what the page states besides title, status, sponsor,
# enrollment, conditions, ages and criteria (which every one of them states).
PAGES: dict[str, tuple[str, str, set[str]]] = {
    "NCT04856215": (
        "clinical-trials/listings/NCT04856215/90y-labelled-anti-cd66-ab-in-childhood-leukaemia.html",
        "https://www.centerwatch.example/clinical-trials/listings/NCT04856215/90y-labelled-anti-cd66-ab",
        {"interventions", "sites", "site_status"},
    ),
    "NCT05870995": (
        "trial/NCT05870995.html",
        "https://trialfinder.example/trial/NCT05870995",
        {
            "interventions",
            "sex",
            "healthy",
            "phases",
            "study_type",
            "start_date",
            "sites",
            "site_status",
            "state_zip",
            "site_contacts",
            "contacts",
        },
    ),
    "NCT04600544": (
        "study.html",
        "https://registry.example/study?id=NCT04600544",
        {"sex", "study_type", "sites", "site_status", "zip", "contacts"},
    ),
    "NCT05883553": (
        "studies/epithesis-versus-prosthesis-7781.html",
        "https://findastudy.example/studies/epithesis-versus-prosthesis-7781",  # no id: only in a registry link
        {"interventions", "sex", "healthy", "phases", "sites", "site_status", "state_zip", "contacts"},
    ),
    "NCT05774990": (
        "research-studies/mold-infections-in-children-with-leukaemia.html",
        "https://kids.example/research-studies/mold-infections-in-children-with-leukaemia",
        {"sex", "study_type", "sites", "zip", "contacts"},
    ),
}
_UNITS = {"year": 1.0, "years": 1.0, "month": 1 / 12, "months": 1 / 12}


def registry(nct: str) -> dict[str, Any]:
    return json.loads((FINDERS / "registry" / f"{nct}.json").read_text(encoding="utf-8"))["protocolSection"]  # type: ignore[no-any-return]


def page(nct: str) -> TrialRecord:
    path, url, _ = PAGES[nct]
    [record] = parse((SITE / path).read_bytes(), source="listing", source_url=url)
    return record


def years(value: str | None) -> float | None:
    if value is None:
        return None
    number, unit = value.split()
    return float(number) * _UNITS[unit.lower()]


def registry_items(text: str) -> dict[str, list[str]]:
    """The registry's criteria lines under each heading, one leading list marker and markdown escapes off."""
    out: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    kind = "inclusion"
    for line in text.splitlines():
        if m := re.fullmatch(r"\s*(Inclusion|Exclusion) Criteria:\s*", line):
            kind = m.group(1).lower()
        elif line.strip():
            item = re.sub(r"^\s*(?:[*-]|\d{1,2}\.|[a-z]\))\s+", "", line.strip())
            out[kind].append(re.sub(r"\\(.)", r"\1", item))
    return out


def flat(items: tuple[Criterion, ...]) -> list[str]:
    return [t for c in items for t in (c.text, *flat(c.children))]


def tidy(name: str | None) -> str | None:
    return name.strip(" ,") if name else name


@pytest.mark.parametrize("nct", sorted(PAGES))
def test_finder_page_agrees_with_the_registry(nct: str) -> None:
    r, s, states = page(nct), registry(nct), PAGES[nct][2]
    ident, des, elig, cl = (
        s["identificationModule"],
        s["designModule"],
        s["eligibilityModule"],
        s["contactsLocationsModule"],
    )
    assert r.nct_id == ident["nctId"]
    assert r.brief_title == ident["briefTitle"]  # not the site's logo nor its <title> suffix
    assert r.overall_status == s["statusModule"]["overallStatus"]
    assert r.lead_sponsor == s["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    assert r.enrollment == des["enrollmentInfo"]["count"]
    assert sorted(r.conditions) == sorted(s["conditionsModule"]["conditions"])
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == (
        years(elig.get("minimumAge")),
        years(elig.get("maximumAge")),
    )
    expected = registry_items(elig["eligibilityCriteria"])
    assert flat(r.eligibility.inclusion) == expected["inclusion"]  # nested items once, in order
    assert flat(r.eligibility.exclusion) == expected["exclusion"]
    if "interventions" in states:
        ivs = s["armsInterventionsModule"]["interventions"]
        assert [(i.type, i.name) for i in r.interventions][-1][1] == ivs[0]["name"]
    if "sex" in states:
        assert r.eligibility.sex == elig["sex"]
    if "healthy" in states:
        assert r.eligibility.healthy_volunteers is elig["healthyVolunteers"]
    if "phases" in states:
        assert list(r.phases) == des["phases"]
    if "study_type" in states:
        assert r.study_type == des["studyType"]
    if "start_date" in states:
        assert r.start_date == s["statusModule"]["startDateStruct"]["date"]
    sites = cl["locations"]
    assert [(x.facility, x.city, x.country) for x in r.locations] == [
        (x["facility"], x["city"], x["country"]) for x in sites
    ]
    if "site_status" in states:
        assert [x.status for x in r.locations] == [x.get("status") for x in sites]
    if "state_zip" in states:
        assert [(x.state, x.zip) for x in r.locations] == [(x.get("state"), x.get("zip")) for x in sites]
    if "zip" in states:
        assert [x.zip for x in r.locations] == [x.get("zip") for x in sites]
    if "site_contacts" in states:
        assert [(tidy(c.name), c.phone, c.email) for x in r.locations for c in x.contacts] == [
            (tidy(x["contacts"][0]["name"]), x["contacts"][0]["phone"], x["contacts"][0]["email"]) for x in sites
        ]
    if "contacts" in states:
        central = cl["centralContacts"]
        got = [(c.name, c.phone, c.email) for c in r.central_contacts]
        assert got == [(c["name"], c["phone"], c["email"]) for c in central][: len(got)] and got


def test_furniture_stays_out_of_every_field() -> None:
    """Cookie banners, notes widgets, sign-up boxes, footers, forms and self-check buttons are no trial data."""
    for nct in PAGES:
        text = json.dumps(page(nct).to_dict(), ensure_ascii=False)
        for furniture in (
            "cookies", "Accepted", "Lorem ipsum", "555-0100", "you@example.org", "Sign up", "TrialFinder Inc",
            "Find a Study Network", "all systems normal", "Clear my responses", "Not Sure", "CenterWatch", "Send",
        ):  # fmt: skip
            assert furniture not in text, (nct, furniture)


def test_the_id_is_read_from_a_registry_link_when_the_page_has_no_id_label() -> None:
    path, _, _ = PAGES["NCT05883553"]
    body = (SITE / path).read_bytes()
    assert b"NCT05883553" in body and b"NCT number" not in body and b"Trial ID" not in body
    [record] = parse(body, source="listing", source_url="https://findastudy.example/studies/x-7781")
    assert record.nct_id == "NCT05883553"


def _page(facts: str, criteria: str = "") -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>A trial | Some Finder</title></head><body><main>"
        f"<h1>Low-dose IL-2 in SLE</h1>{facts}{criteria}</main></body></html>"
    ).encode()


def test_labels_run_into_their_values_as_the_seed_text_shows_them() -> None:
    """The seed's text: "Clinical Study IdentifierNCT04077684", "SponsorPeking University People's Hospital"."""
    seed = shared("seed", "000_11a1eb4b2c3c5646.txt").read_text(encoding="utf-8")
    details = seed[seed.index("\nDetails\n") + 9 : seed.index("\nEligibility")].strip().splitlines()
    assert "Clinical Study IdentifierNCT04077684" in details
    [r] = parse(_page("".join(f"<div>{line}</div>" for line in details)), source="listing")
    assert (r.nct_id, r.lead_sponsor, r.last_update_posted) == (
        "NCT04077684",
        "Peking University People's Hospital",
        "2022-03-02",
    )
    assert [i.name for i in r.interventions] == ["Interleukin-2"]


def test_a_page_with_a_eudract_number_and_no_nct_id_gets_the_eu_register_id() -> None:
    """A finder copying an EU-only trial: no NCT id is invented; the EudraCT number is the trial's id, as
    the euctr parser makes it, so the two link."""
    [r] = parse(_page("<p><b>EudraCT Number:</b> 2005-002909-23</p><p><b>Status:</b> Completed</p>"), source="listing")
    assert (r.nct_id, r.overall_status) == ("EUCTR2005-002909-23", "COMPLETED")


def test_a_page_with_only_an_isrctn_is_that_trial(data_dir: Path) -> None:
    """UK finders cite the ISRCTN register's id: the trial is stored, shown and found by it."""
    [r] = parse(_page("<p>Trial ID: ISRCTN71224766</p><p>Status: Recruiting</p>"), source="listing")
    assert (r.nct_id, r.secondary_ids, r.overall_status) == ("ISRCTN71224766", (), "RECRUITING")
    page = data_dir.parent / "isrctn.html"
    page.write_bytes(_page("<p>Trial ID: ISRCTN71224766</p>"))
    trials = Trials(data_dir)
    trials("--quiet", "ingest", str(page))  # an HTML page no registry claims: a listing page
    assert trials.json("show", "ISRCTN71224766")["brief_title"] == "Low-dose IL-2 in SLE"
    assert trial_id_in("https://finder.example/trial/ISRCTN71224766") == "ISRCTN71224766"


def test_a_page_with_no_trial_id_is_an_error() -> None:
    with pytest.raises(ParseError, match="no trial identifier"):
        parse(_page("<p>Sponsor: Somebody</p>"), source="listing")


def test_a_criteria_text_block_under_a_bold_heading_is_split_by_the_registry_splitter() -> None:
    block = (
        "<p><b>Eligibility</b></p><p>Inclusion Criteria:<br>1. Age over 18;<br>2. Presence of lumbar MRI scans;"
        "<br>Exclusion Criteria:<br>1. Prior surgeries at any level of the lumbar spine;</p><p><b>Locations</b></p>"
        "<p>Institute of Cytology and Genetics<br>Novosibirsk 630090, Russian Federation</p>"
    )
    [r] = parse(_page("<p>Trial ID: NCT04600544</p>", block), source="listing")
    assert flat(r.eligibility.inclusion) == ["Age over 18;", "Presence of lumbar MRI scans;"]
    assert flat(r.eligibility.exclusion) == ["Prior surgeries at any level of the lumbar spine;"]
    assert [(x.facility, x.city, x.zip, x.country) for x in r.locations] == [
        ("Institute of Cytology and Genetics", "Novosibirsk", "630090", "Russian Federation")
    ]


@pytest.mark.parametrize(
    ("value", "limits"),
    [
        ("18 Years to 75 Years", (18, 75)),  # ClinicalTrials.gov's own wording
        ("6 Months to 17 Years", (0.5, 17)),
        ("16 - 65", (16, 65)),
        ("18+", (18, None)),
        ("18 and over", (18, None)),
        ("18 Years and older (Adult, Older Adult)", (18, None)),
        ("Up to 17 years", (None, 17)),  # as the registry's "17 Years" maximum
        ("Under 65 years", (None, 64)),
        ("Child, Adult", (None, None)),
    ],
)
def test_age_label_values(value: str, limits: tuple[float | None, float | None]) -> None:
    [r] = parse(_page(f"<p>Trial ID: NCT04600544</p><dl><dt>Ages eligible</dt><dd>{value}</dd></dl>"), source="listing")
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == limits


@pytest.mark.parametrize(
    ("label", "value", "field", "expected"),
    [
        ("Target enrollment", "1,200", "enrollment", 1200),
        ("Number of participants", "500 participants", "enrollment", 500),
        ("Study status", "Active, not recruiting", "overall_status", "ACTIVE_NOT_RECRUITING"),
        ("Trial phase", "Phase II/III", "phases", ("PHASE2", "PHASE3")),
        ("Phase", "Not Applicable", "phases", ("NA",)),
        ("Study type", "Interventional (Clinical Trial)", "study_type", "INTERVENTIONAL"),
        ("Start date", "February 1, 2023", "start_date", "2023-02-01"),
        ("Lead sponsor", "Novosibirsk State University", "lead_sponsor", "Novosibirsk State University"),
    ],
)
def test_labels_finders_print(label: str, value: str, field: str, expected: object) -> None:
    """Each in three layouts: a bold label with its value beside it, inline "Label: value", upper-case dt/dd."""
    for facts in (
        f"<p><strong>{label}</strong> {value}</p>",
        f"<ul><li>{label}: {value}</li></ul>",
        f"<dl><dt>{label.upper()}:</dt><dd>{value}</dd></dl>",
    ):
        [r] = parse(_page(f"<p>Trial ID: NCT04600544</p>{facts}"), source="listing")
        assert getattr(r, field) == expected, facts


_SEXES = [("All", "ALL"), ("Both", "ALL"), ("Male and female", "ALL"), ("Female", "FEMALE"), ("Women only", "FEMALE")]


@pytest.mark.parametrize(("value", "sex"), [*_SEXES, ("Male", "MALE")])
def test_sex_and_gender_labels(value: str, sex: str) -> None:
    for label in ("Sex", "Gender", "Sexes eligible"):
        [r] = parse(_page(f"<p>Trial ID: NCT04600544</p><p><b>{label}:</b> {value}</p>"), source="listing")
        assert r.eligibility.sex == sex, (label, value)


def test_sections_under_headings_of_every_kind() -> None:
    """Criteria under a bold paragraph, a section-title div, an ARIA heading or a <strong> label, the same."""
    items = "<ul><li>Age over 18;<ul><li>MRI scans of the lumbar spine</li></ul></li></ul>"
    excl = "<ul><li>Prior surgeries at any level of the lumbar spine;</li></ul>"
    for inc_h, exc_h in (
        ("<p><b>Inclusion criteria</b></p>", "<p><b>Exclusion criteria</b></p>"),
        ('<div class="section-title">Inclusion Criteria</div>', '<div class="section-title">Exclusion Criteria</div>'),
        (
            '<div role="heading" aria-level="4">Inclusion Criteria</div>',
            '<span role="heading">Exclusion Criteria</span>',
        ),
        ("<strong>INCLUSION CRITERIA:</strong>", "<strong>EXCLUSION CRITERIA:</strong>"),
    ):
        [r] = parse(_page("<p>Trial ID: NCT04600544</p>", inc_h + items + exc_h + excl), source="listing")
        assert [(c.text, [x.text for x in c.children]) for c in r.eligibility.inclusion] == [
            ("Age over 18;", ["MRI scans of the lumbar spine"])
        ], inc_h
        assert flat(r.eligibility.exclusion) == ["Prior surgeries at any level of the lumbar spine;"], exc_h


def test_the_spider_finds_trial_pages_by_id_in_address_link_or_text() -> None:
    """A browse page's links to /trial/NCT..., /study?id=NCT..., a slugged page whose link names its id,
    and pagination by aria-label are followed; "About us" and other sites are not."""
    spider = ListingSpider(start_urls="http://finder.test/")
    home = TextResponse("http://finder.test/", body=(SITE / "index.html").read_bytes(), encoding="utf-8")
    two = TextResponse("http://finder.test/browse-2", body=(SITE / "browse-2.html").read_bytes(), encoding="utf-8")
    followed = [r.url for r in [*spider.parse_page(home), *spider.parse_page(two)] if isinstance(r, scrapy.Request)]
    assert sorted(followed) == sorted([*(f"http://finder.test{URLS[n]}" for n in PAGES), "http://finder.test/browse-2"])
    for nct, (path, _, _) in PAGES.items():
        page_response = TextResponse(
            f"http://finder.test{URLS[nct]}", body=(SITE / path).read_bytes(), encoding="utf-8"
        )
        stored = [d for d in spider.parse_page(page_response) if isinstance(d, RawDocument)]
        assert len(stored) == 1, nct
    assert not [d for d in spider.parse_page(home) if isinstance(d, RawDocument)]  # a browse page is no trial


@pytest.mark.slow
def test_crawl_of_a_finder_site_stores_every_trial_page(data_dir: Path) -> None:
    with StaticSite(SITE) as site:
        proc = crawl(data_dir, f"{site.url}/")
        paths = {e["path"] for e in site.log}
    assert proc.returncode == 0, proc.stderr
    assert "/about" not in paths
    t = Trials(data_dir)
    for nct in PAGES:
        shown = t.json("show", nct)
        assert (shown["nct_id"], shown["brief_title"]) == (nct, registry(nct)["identificationModule"]["briefTitle"])


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),  # the registry's own words
        ("Actively recruiting", "RECRUITING"),
        ("Open to enrollment", "RECRUITING"),
        ("Closed to enrollment", "ACTIVE_NOT_RECRUITING"),
        ("Coming soon", "NOT_YET_RECRUITING"),
        ("Invitation only", "ENROLLING_BY_INVITATION"),
        ("See website", None),  # no status: never an enum of the page's own making
    ],
)
def test_status_wording_of_finders(value: str, status: str | None) -> None:
    [r] = parse(_page(f"<p>Trial ID: NCT04600544</p><p><b>Recruitment status:</b> {value}</p>"), source="listing")
    assert r.overall_status == status


def test_facts_in_a_sidebar_outside_main_and_sites_as_cards_with_mail_links() -> None:
    """A key-facts sidebar beside <main>; conditions as link chips; a counted "Study locations (2)" heading;
    an email only in a mailto: link; a facility whose name has a status word in it."""
    body = (
        b"<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>Russian Disc Degeneration Study</h1>"
        b"<h2>Study locations (2)</h2>"
        b'<div class="card"><p>Open Heart Institute</p><p>Novosibirsk 630090, Russian Federation</p><p>Recruiting</p>'
        b'<p><a href="mailto:tsepilov@bionet.nsc.ru">Email the site</a></p></div>'
        b'<div class="card"><p>Institute of Cytology and Genetics</p><p>Moscow 127299, Russian Federation</p></div>'
        b"</main><aside><dl><dt>NCT ID</dt><dd>NCT04600544</dd><dt>Conditions</dt>"
        b'<dd><a href="/c/1">Intervertebral Disc Degeneration</a> '
        b'<a href="/c/2">Genetic Predisposition to Disease</a></dd>'
        b"<dt>Healthy volunteers</dt><dd>Accepted</dd></dl></aside></body></html>"
    )
    [r] = parse(body, source="listing")
    assert r.nct_id == "NCT04600544" and r.eligibility.healthy_volunteers is True
    assert r.conditions == ("Genetic Predisposition to Disease", "Intervertebral Disc Degeneration")
    assert [(x.facility, x.city, x.zip, x.status) for x in r.locations] == [
        ("Open Heart Institute", "Novosibirsk", "630090", "RECRUITING"),
        ("Institute of Cytology and Genetics", "Moscow", "127299", None),
    ]
    assert [c.email for c in r.locations[0].contacts] == ["tsepilov@bionet.nsc.ru"]


def test_a_us_site_written_city_state_zip_is_in_the_united_states() -> None:
    """US finders write "Boston, MA 02115" with no country: MA is Massachusetts, not Morocco."""
    body = (
        b"<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>A Lupus Study</h1>"
        b"<dl><dt>NCT ID</dt><dd>NCT04077684</dd></dl><h2>Study locations (2)</h2>"
        b'<div class="card"><p>Brigham and Women\'s Hospital</p><p>Boston, MA 02115</p></div>'
        b'<div class="card"><p>Methodist Hospital</p><p>Houston, TX</p></div>'
        b"</main></body></html>"
    )
    [r] = parse(body, source="listing")
    assert [(x.city, x.state, x.zip, x.country) for x in r.locations] == [
        ("Boston", "MA", "02115", "United States"),
        ("Houston", "TX", None, "United States"),
    ]


def test_facts_an_eligibility_section_states_before_its_criteria_are_no_criteria() -> None:
    """ClinicalTrials.gov's own layout, copied by finders: ages, sex and healthy volunteers, then the criteria."""
    elig = (
        "<h2>Eligibility</h2><p>Ages eligible: 18 Years to 75 Years</p><p>Sex: All</p>"
        "<p>Accepts healthy volunteers: No</p><h3>Inclusion Criteria</h3><ul><li>Age over 18;</li></ul>"
        "<h3>Exclusion Criteria</h3><ul><li>Prior surgeries at any level of the lumbar spine;</li></ul>"
    )
    [r] = parse(_page("<p>NCT ID: NCT04600544</p>", elig), source="listing")
    assert flat(r.eligibility.inclusion) == ["Age over 18;"]
    assert flat(r.eligibility.exclusion) == ["Prior surgeries at any level of the lumbar spine;"]
    e = r.eligibility
    assert (e.min_age_years, e.max_age_years, e.sex, e.healthy_volunteers) == (18, 75, "ALL", False)


@pytest.mark.parametrize(
    ("criteria", "inclusion", "exclusion"),
    [
        (  # one criterion a paragraph, one starting in lower case (NCT04856215's items do)
            "<h3>Inclusion Criteria</h3><p>be ≥ 0.5 year old and ≤ 18 years old;</p>"
            "<p>have a Karnofsky Performance Status ≥ 50 or Lansky Performance Status ≥ 30;</p>"
            "<h3>Exclusion Criteria</h3><p>patients with extensive chronic graft versus host disease (GVHD);</p>",
            ["be ≥ 0.5 year old and ≤ 18 years old;", "have a Karnofsky Performance Status ≥ 50 or Lansky "
             "Performance Status ≥ 30;"],
            ["patients with extensive chronic graft versus host disease (GVHD);"],
        ),
        (  # list items whose text is in a <p>, with a nested list
            "<h3>Inclusion Criteria</h3><ol><li><p>An underlying hematological malignancy including:</p>"
            "<ul><li><p>refractory ALL;</p></li><li>refractory AML;</li></ul></li>"
            "<li><p>be negative for human-anti-murine antibodies (HAMA).</p></li></ol>"
            "<h3>Exclusion Criteria</h3><ul><li>patients with isolated CNS disease relapse*;</li></ul>",
            ["An underlying hematological malignancy including:", "refractory ALL;", "refractory AML;",
             "be negative for human-anti-murine antibodies (HAMA)."],
            ["patients with isolated CNS disease relapse*;"],
        ),
        (  # the registry's text as it is, in a <pre>
            "<pre>Inclusion Criteria:\n\n* Age over 18;\n* Presence of lumbar MRI scans;\n\nExclusion Criteria:\n\n"
            "* Prior surgeries at any level of the lumbar spine;\n</pre>",
            ["Age over 18;", "Presence of lumbar MRI scans;"],
            ["Prior surgeries at any level of the lumbar spine;"],
        ),
    ],
)  # fmt: skip
def test_criteria_as_paragraphs_items_with_paragraphs_and_preformatted_text(
    criteria: str, inclusion: list[str], exclusion: list[str]
) -> None:
    [r] = parse(_page("<p>NCT ID: NCT04600544</p>", f"<h2>Eligibility</h2>{criteria}"), source="listing")
    assert (flat(r.eligibility.inclusion), flat(r.eligibility.exclusion)) == (inclusion, exclusion)


def test_other_trials_cards_lend_this_trial_no_facts() -> None:
    """A "Similar trials" section of cards in dt/dd: their status, sponsor and id are another trial's (the
    page's own facts are inline "Label: value" lines, which the parser reads after dt/dd pairs)."""
    path, url, _ = PAGES["NCT05883553"]
    cards = (
        "<h2>Similar trials</h2><div class='card'><dl><dt>Status</dt><dd>Completed</dd><dt>Sponsor</dt>"
        "<dd>Ghent University</dd><dt>NCT number</dt><dd>NCT05191199</dd><dt>Enrollment</dt><dd>12</dd></dl></div>"
    )
    body = (SITE / path).read_text(encoding="utf-8").replace("</main>", cards + "</main>")
    [r] = parse(body.encode(), source="listing", source_url=url)
    s = registry("NCT05883553")
    assert (r.nct_id, r.overall_status, r.lead_sponsor, r.enrollment) == (
        "NCT05883553",
        s["statusModule"]["overallStatus"],
        s["sponsorCollaboratorsModule"]["leadSponsor"]["name"],
        s["designModule"]["enrollmentInfo"]["count"],
    )


def test_schema_org_json_ld_fills_what_the_page_text_does_not_say() -> None:
    """A page whose facts are only in its schema.org MedicalTrial JSON-LD (a broken JSON-LD block beside it
    is skipped); the visible criteria are still read from the page."""
    s = registry("NCT05870995")
    linked = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "TrialFinder"},
            {
                "@type": "MedicalTrial",
                "name": s["identificationModule"]["briefTitle"],
                "identifier": s["identificationModule"]["nctId"],
                "status": "https://schema.org/Recruiting",
                "sponsor": {"@type": "Organization", "name": s["sponsorCollaboratorsModule"]["leadSponsor"]["name"]},
                "healthCondition": [
                    {"@type": "MedicalCondition", "name": c} for c in s["conditionsModule"]["conditions"]
                ],
                "phase": "Phase 2",
            },
        ],
    }
    body = (
        '<!DOCTYPE html><html><head><title>TrialFinder</title><script type="application/ld+json">{broken</script>'
        f'<script type="application/ld+json">{json.dumps(linked)}</script></head><body><div id="app">'
        "<h2>Inclusion Criteria</h2><ul><li>patients without active infection</li></ul></div></body></html>"
    )
    [r] = parse(body.encode(), source="listing", source_url="https://trialfinder.example/t/8812")
    assert (r.nct_id, r.brief_title, r.overall_status, r.lead_sponsor, r.phases) == (
        "NCT05870995",
        s["identificationModule"]["briefTitle"],
        s["statusModule"]["overallStatus"],
        s["sponsorCollaboratorsModule"]["leadSponsor"]["name"],
        tuple(s["designModule"]["phases"]),
    )
    assert list(r.conditions) == sorted(s["conditionsModule"]["conditions"])
    assert flat(r.eligibility.inclusion) == ["patients without active infection"]


def test_a_finder_page_naming_a_register_is_read_as_the_listing_page_it_is() -> None:
    """A footer "Data from ClinicalTrials.gov and the EU Clinical Trials Register" made `trials ingest`
    read the page as the EU register's own, which found no protocol in it: a failure."""
    body = _page(
        "<p>Trial ID: NCT04077684</p><p>Status: Recruiting</p>",
        "<footer>Data from ClinicalTrials.gov and the EU Clinical Trials Register</footer>",
    )
    [r] = parse(body, filename="finder.html")
    assert (r.nct_id, r.source, r.overall_status) == ("NCT04077684", "listing", "RECRUITING")
    # A register's own page that cannot be read keeps the register parser's error, not the listing's.
    euctr_page = (FIXTURES / "euctr" / "EUCTR_2005-002909-23_PT.html").read_bytes()
    with pytest.raises(ParseError, match="truncated"):
        parse(euctr_page[: len(euctr_page) // 2], filename="cut.html")
