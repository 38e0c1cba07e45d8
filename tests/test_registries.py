"""Other registries' real pages: EU CTR, GSK, Takeda; their spiders; records linked by shared ids."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.sitemock import StaticSite
from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.merge import merged
from indexer.parsers import euctr, gsk, parse, sniff, takeda
from tests.conftest import FIXTURES, ROOT, Trials
from tests.webdata import one_trial_two_registers


def one(folder: str, name: str) -> object:
    [record] = parse((FIXTURES / folder / name).read_bytes(), source=folder)
    return record


@pytest.mark.parametrize(
    "page",
    sorted((FIXTURES / "euctr").glob("*.html"))
    + sorted((FIXTURES / "gsk").glob("*.html"))
    + sorted((FIXTURES / "takeda").glob("*.html")),
    ids=lambda p: p.name,
)
def test_every_registry_page_parses_with_ids_status_sponsor(page: Path) -> None:
    assert sniff(page.read_bytes(), page.name) == page.parent.name
    for r in parse(page.read_bytes(), source=page.parent.name):
        assert r.nct_id and r.lead_sponsor and (r.secondary_ids or r.org_study_id)
        if "search" in page.name:
            continue  # a result card carries no criteria, and one outside the EU/EEA no status
        assert r.overall_status or "3rd" in page.name  # outside-EU protocol pages carry no status
        no_exclusion = page.parent.name == "gsk" or "no_E4" in page.name
        assert r.eligibility.inclusion and (r.eligibility.exclusion or no_exclusion)


def test_euctr_protocol_page() -> None:
    r = one("euctr", "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html")
    assert (r.nct_id, r.org_study_id, r.lead_sponsor) == ("EUCTR2015-000590-12", "CRAD001HDE53", "Novartis Pharma GmbH")
    assert r.overall_status == "COMPLETED" and r.phases == ("PHASE3",) and r.enrollment == 744
    assert (len(r.eligibility.inclusion), len(r.eligibility.exclusion)) == (7, 20)
    # The youngest group it includes is F.1.2 "Adults (18-64 years)" (F.1.1: no subjects under 18).
    assert r.eligibility.min_age_years == 18 and r.eligibility.provenance == {"min_age_years": "EU CTR section F.1.2"}
    assert r.conditions == ("liver transplantation",) and r.interventions[0].name == "Everolimus"


def test_euctr_search_results_page() -> None:
    [card] = euctr.parse_document(
        (FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_search_query_2015-000590-12.html").read_bytes()
    )
    assert card.secondary_ids == ("2015-000590-12",) and card.org_study_id == "CRAD001HDE53"
    # The card's own address (a search for it), not its protocol page's, whose record it must not replace.
    assert (
        card.source_url == "https://www.clinicaltrialsregister.eu/ctr-search/search?query=eudract_number:2015-000590-12"
    )
    assert [(loc.country, loc.status) for loc in card.locations] == [("Germany", "COMPLETED")]  # the DE link


def test_gsk_and_takeda_link_their_nct_ids() -> None:
    g = gsk.parse_document((FIXTURES / "gsk" / "gsk-clinicalstudyregister.com_study_100006.html").read_bytes())[0]
    assert (g.nct_id, g.org_study_id, g.overall_status, g.phases) == ("NCT00069459", "100006", "COMPLETED", ("PHASE1",))
    assert g.first_submitted == "2009-05-15" and g.last_update_posted == "2017-02-06"
    assert len(g.locations) == 49 and g.locations[0].city == "Anchorage"
    t = takeda.parse_document(
        (FIXTURES / "takeda" / "takedaclinicaltrials.com_browse_summary_ATS_20K023.html").read_bytes()
    )[0]
    assert (t.nct_id, t.org_study_id) == ("NCT00770497", "ATS K023")
    assert "2006-004028-35" in t.secondary_ids  # its EudraCT number
    assert (t.eligibility.min_age_years, t.eligibility.max_age_years) == (30, 75)


def test_records_sharing_an_id_are_one_trial(data_dir: Path) -> None:
    tk, eu = one_trial_two_registers()
    with Catalog(load(data_dir)) as c:
        write_records(c, [tk])
        write_records(c, [eu])
        assert c.store.resolve("2006-004028-35") == "NCT00770497"
        found = merged(c.store, "NCT00770497")
        view = found.to_dict() if found else None
    assert view is not None and {s["source"] for s in view["sources"]} == {"takeda", "euctr"}
    sponsors = next(d for d in view["disagreements"] if d["field"] == "lead_sponsor")
    assert {v["source"] for v in sponsors["values"]} == {"takeda", "euctr"}
    assert len(Trials(data_dir).json("search", "--limit", "100")) == 1


@pytest.mark.slow
def test_registry_spiders_crawl_local_copies(data_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "browse" / "summary").mkdir(parents=True)
    (site / "ctr-search" / "trial" / "2015-000590-12").mkdir(parents=True)
    shutil.copy(
        FIXTURES / "takeda" / "takedaclinicaltrials.com_browse_summary_073-011.html",
        site / "browse" / "summary" / "073-011.html",
    )
    shutil.copy(
        FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html",
        site / "ctr-search" / "trial" / "2015-000590-12" / "DE.html",
    )
    shutil.copy(
        FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_search_query_2015-000590-12.html",
        site / "search.html",
    )
    env = {**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"}
    with StaticSite(site) as server:
        for args in (
            ["takeda", "073-011", "--base-url", server.url],
            ["euctr", "--start-url", f"{server.url}/search.html"],
        ):
            proc = subprocess.run(
                [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), "crawl", *args],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=env,
                timeout=300,
            )
            assert proc.returncode == 0 and "1 new" in proc.stderr, proc.stderr
    t = Trials(data_dir)
    assert t.json("show", "NCT02024971")["lead_sponsor"] == "Takeda"
    assert t.json("show", "2015-000590-12")["nct_id"] == "EUCTR2015-000590-12"  # by its EudraCT number
