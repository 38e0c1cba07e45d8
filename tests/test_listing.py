"""Listing pages: the seed's trial-finder page, crawled from a fixture site, agrees with the registry."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from devtools.sitemock import StaticSite
from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.merge import merged
from indexer.parsers import ParseError, parse
from tests.conftest import FIXTURES, ROOT, Trials, shared

SITE = FIXTURES / "listing" / "site"
TRIAL_PAGE = next((SITE / "clinical-trials" / "listings" / "NCT04077684").glob("*.html"))


def crawl(data_dir: Path, *urls: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), "crawl", "listing", *urls],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"},
    )


def test_listing_page_agrees_with_the_registry_xml() -> None:
    [page] = parse(TRIAL_PAGE.read_bytes(), source="listing")
    [registry] = parse(shared("ctgov", "xml", "NCT04077684.xml").read_bytes())
    for field in (
        "nct_id",
        "overall_status",
        "lead_sponsor",
        "enrollment",
        "conditions",
        "completion_date",
        "brief_title",
    ):
        assert getattr(page, field) == getattr(registry, field), field
    assert [i.name for i in page.interventions] == [i.name for i in registry.interventions] == ["Interleukin-2"]
    assert (len(page.eligibility.inclusion), len(page.eligibility.exclusion)) == (6, 14)
    assert (page.eligibility.min_age_years, page.eligibility.max_age_years) == (18, 75)
    assert page.eligibility.provenance == {"age": "criteria: age:18 to 75 years, weight 45-80Kg"}
    assert {"corticosteroids", "cyclophosphamide", "immunosuppressive agents"} <= set(page.keywords)
    text = json.dumps(page.to_dict())
    assert "Lorem ipsum" not in text and "Sign up" not in text and "Clear my responses" not in text


def test_parser_uses_headings_and_labels_not_markup() -> None:
    """The same page in other markup (dl lists, divs, other classes) parses the same."""
    html = TRIAL_PAGE.read_text(encoding="utf-8")
    redesigned = (
        html.replace('<table class="details">', "<dl>")
        .replace("</table>", "</dl>")
        .replace("<tr><th>", "<dt>")
        .replace("</th><td>", "</dt><dd>")
        .replace("</td></tr>", "</dd>")
        .replace("<h2>", '<h3 class="x">')
        .replace("</h2>", "</h3>")
        .replace("<h3>", "<h4>")
        .replace("</h3>\n<ul>", "</h4>\n<ul>")
        .replace('class="listing-facts"', 'class="k9"')
    )
    assert parse(redesigned.encode(), source="listing") == parse(html.encode(), source="listing")


def test_a_page_without_an_id_is_an_error() -> None:
    body = TRIAL_PAGE.read_text(encoding="utf-8").replace("NCT04077684", "")
    with pytest.raises(ParseError, match="no trial identifier"):
        parse(body.encode(), source="listing")


@pytest.mark.slow
def test_crawl_of_the_fixture_site(data_dir: Path) -> None:
    with StaticSite(SITE) as site:
        proc = crawl(data_dir, f"{site.url}/browse/", f"{site.url}/sitemap.xml")
        paths = Counter(e["path"] for e in site.log)
    # Finished, with some pages failed: the documented partial-failure exit code, and one line saying so.
    assert proc.returncode == 3, proc.stderr
    assert "`trials failures` lists what failed" in proc.stderr
    assert "/private/admin" not in paths  # robots.txt
    assert paths["/browse/page-2.html"] == 1 and paths[f"/{TRIAL_PAGE.relative_to(SITE).as_posix()}"] == 1
    assert "4 failed" in proc.stderr and "1 without eligibility criteria" in proc.stderr
    t = Trials(data_dir)
    failures = {f["location"].split(site.url)[1]: f["error"] for f in t.json("failures")}
    assert failures == {
        "/clinical-trials/listings/NCT09999999/gone": "HTTP 404 (not found)",
        "/clinical-trials/listings/NCT02084238/low-dose-il-2-interleukin-2-treatment-in-sle": "HTTP 404 (not found)",
        "/clinical-trials/listings/NCT00000001/truncated.html": "truncated page: no closing </html>",
        "/clinical-trials/listings/NCT00000004/moved": "max redirections reached",
    }
    shown = t.json("show", "NCT04077684")
    assert (shown["overall_status"], shown["lead_sponsor"], shown["enrollment"]) == (
        "RECRUITING",
        "Peking University People's Hospital",
        500,
    )
    assert shown["conditions"] == ["Systemic Lupus Erythematosus"]
    assert [i["name"] for i in shown["interventions"]] == ["Interleukin-2"]
    e = shown["eligibility"]
    assert (len(e["inclusion"]), len(e["exclusion"]), e["min_age_years"], e["max_age_years"]) == (6, 14, 18, 75)
    assert shown["completion_date"] == "2024-12-31" and "lupus" in shown["keywords"]
    assert t.json("show", "NCT00000003")["lead_sponsor"] == "Hôpital Édouard Herriot, Lyon"  # ISO-8859-1 page


@pytest.mark.slow
def test_revisits_are_conditional(data_dir: Path) -> None:
    with StaticSite(SITE) as site:
        first = crawl(data_dir, f"{site.url}/browse/")
        assert first.returncode == 3, first.stderr  # the fixture site's broken pages: a partial crawl
        site.log.clear()
        proc = crawl(data_dir, f"{site.url}/browse/")
        answers = {e["path"]: (e["status"], e["conditional"]) for e in site.log}
    assert proc.returncode == 3  # the site's broken pages fail again: partial, as on the first visit
    assert answers[f"/{TRIAL_PAGE.relative_to(SITE).as_posix()}"] == (304, True)
    assert "0 new, 0 updated" in proc.stderr


def test_one_trial_from_two_sources(data_dir: Path) -> None:
    [page] = parse(TRIAL_PAGE.read_bytes(), source="listing", source_url="https://listing.example/trial")
    [registry] = parse(shared("ctgov", "xml", "NCT04077684.xml").read_bytes())
    later = dataclasses.replace(registry, overall_status="COMPLETED", last_update_posted="2025-01-15")
    with Catalog(load(data_dir)) as c:
        write_records(c, [page])
        assert c.store.get("NCT04077684").source == "listing"  # provisional, so it can be found
        write_records(c, [later])
        found = merged(c.store, "NCT04077684")
        view = found.to_dict() if found else None
        assert c.store.resolve("2018PHB041-01") == "NCT04077684"  # the sponsor's protocol id
    assert view is not None and view["source"] == "ctgov_xml"
    assert [s["source"] for s in view["sources"]] == ["ctgov_xml", "listing"]
    assert view["keywords"][:1] == ["corticosteroids"] and view["provenance"]["keywords"] == "listing"
    [status] = [d for d in view["disagreements"] if d["field"] == "overall_status"]
    assert [(v["source"], v["value"], v["date"]) for v in status["values"]] == [
        ("ctgov_xml", "COMPLETED", "2025-01-15"),
        ("listing", "RECRUITING", "2022-03-02"),
    ]
    assert len(Trials(data_dir).json("search", "--condition", "lupus")) == 1  # one row per trial
    text = Trials(data_dir)("show", "2018PHB041-01").stdout
    assert "disagree on overall_status" in text and "listing says RECRUITING (2022-03-02)" in text


def test_keyword_tags_written_as_links_in_a_block_are_kept() -> None:
    """Tag chips are often links in a div, not list items: the same tags either way."""
    html = TRIAL_PAGE.read_text(encoding="utf-8")
    chips = re.sub(
        r'<ul class="listing-tags">(.*?)</ul>',
        lambda m: '<div class="chips">' + re.sub(r"</?li>", "", m.group(1)) + "</div>",
        html,
        flags=re.S,
    )
    assert chips != html
    [as_list], [as_chips] = parse(html.encode(), source="listing"), parse(chips.encode(), source="listing")
    assert as_chips.keywords == as_list.keywords and "interleukin-2" in as_chips.keywords
    assert len(as_chips.keywords) == 7


def test_a_listing_page_never_replaces_the_registry_record_in_the_index(data_dir: Path) -> None:
    """The trial's indexed document stays the registry's: its sites and coordinates still find it."""
    trials = Trials(data_dir)
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml" / "NCT04077684.xml"))
    before = trials.json("search", "Beijing", "--condition", "lupus")
    [page] = parse(TRIAL_PAGE.read_bytes(), source="listing", source_url="http://listing.test/x")
    with Catalog(load(data_dir)) as c:
        write_records(c, [page])
    assert [r["nct_id"] for r in before] == ["NCT04077684"]
    assert trials.json("search", "Beijing", "--condition", "lupus") == before


@pytest.mark.slow
def test_a_dead_link_the_site_keeps_fails_one_crawl_only(data_dir: Path, tmp_path: Path) -> None:
    site_dir = tmp_path / "site"
    shutil.copytree(SITE, site_dir)
    page = TRIAL_PAGE.relative_to(SITE).as_posix()
    (site_dir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{{ROOT}}/{page}</loc></url><url><loc>{{ROOT}}/clinical-trials/listings/NCT09999999/gone</loc>"
        "</url></urlset>",
        encoding="utf-8",
    )
    with StaticSite(site_dir) as site:
        first = crawl(data_dir, f"{site.url}/sitemap.xml")
        again = crawl(data_dir, f"{site.url}/sitemap.xml")
        asked = Counter(e["path"] for e in site.log)
    assert first.returncode == 3, first.stderr  # a page the sitemap lists is gone: this crawl's news
    assert "2 failed" in first.stderr  # and the page links to an earlier trial's page, gone as well
    # The next night the site still lists it: no rerun can fetch it, so it does not fail the crawl again.
    assert again.returncode == 0, again.stderr
    assert "0 failed" in again.stderr and "2 dead links seen before" in again.stderr
    assert "already gone (404/410) on an earlier crawl" in again.stderr
    assert asked["/clinical-trials/listings/NCT09999999/gone"] == 2  # asked again each time: it may come back
    failures = Trials(data_dir).json("failures")
    assert sorted(f["location"].split(site.url)[1] for f in failures) == [
        "/clinical-trials/listings/NCT02084238/low-dose-il-2-interleukin-2-treatment-in-sle",
        "/clinical-trials/listings/NCT09999999/gone",
    ]
