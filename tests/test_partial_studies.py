"""A study fetched with a `fields=` selection never replaces, nor adds a version to, the whole record."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.catalog import Catalog
from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.ingest.files import ingest_paths
from indexer.parsers import parse
from tests.conftest import FIXTURES, Trials, shared

TRIAL = "NCT05869903"
WHOLE = shared("ctgov", "v2", f"{TRIAL}.json")
# A real search tool's page of the same trial (and 49 others): identification, sponsor, description,
# interventions, outcomes and sites only; no status, conditions, design, eligibility or derivedSection.
PARTIAL_PAGE = shared("ctgov", "v2_pages", "bharatraja__studies.json")


def test_a_fields_selection_parses_as_a_partial_source_and_a_whole_study_as_the_registry() -> None:
    page = json.loads(PARTIAL_PAGE.read_bytes())
    assert all("derivedSection" not in s and "statusModule" not in s["protocolSection"] for s in page["studies"])
    assert {r.source for r in parse(PARTIAL_PAGE.read_bytes())} == {"ctgov_partial"}
    assert {r.source for r in parse((FIXTURES / "ctgov" / "partial_fields.json").read_bytes())} == {"ctgov_partial"}
    assert [r.source for r in parse(WHOLE.read_bytes())] == ["ctgov"]
    # Every whole study of the corpus stays the registry's (its exports and single studies alike).
    for path in (FIXTURES / "ctgov").glob("NCT*.json"):
        if not path.name.endswith(".expected.json"):
            assert [r.source for r in parse(path.read_bytes())] == ["ctgov"], path


def _whole_fields(data_dir: Path) -> tuple[object, ...]:
    with Catalog(load(data_dir)) as c:
        r = c.store.get(TRIAL)
        assert r is not None
        return (r.source, r.overall_status, r.conditions, r.eligibility.inclusion, len(r.locations))


def test_a_partial_copy_after_the_whole_record_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [WHOLE])
    before = _whole_fields(data_dir)
    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [PARTIAL_PAGE])
        assert [v.version for v in c.store.history(TRIAL)] == [1]
        assert [e.type for e in c.store.events.query(ids=[TRIAL])] == ["new"]
        found = c.search_ids(SearchQuery(conditions=("Obesity",), limit=50))
        assert TRIAL in {h.nct_id for h in found.hits}
        # The partial copy is kept beside it, as another source of the trial.
        assert [s.source for s in c.store.sources_for(TRIAL)] == ["ctgov_partial"]
    assert _whole_fields(data_dir) == before
    assert before[0] == "ctgov" and before[1] and before[2] and before[3]


def test_the_whole_record_replaces_a_partial_copy_without_change_events(data_dir: Path) -> None:
    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [PARTIAL_PAGE])
        partial = c.store.get(TRIAL)
        assert partial is not None and partial.source == "ctgov_partial" and partial.overall_status is None
        ingest_paths(c, [WHOLE])
        whole = c.store.get(TRIAL)
        assert whole is not None and whole.source == "ctgov" and whole.overall_status == "NOT_YET_RECRUITING"
        assert [v.version for v in c.store.history(TRIAL)] == [1]
        # No "status none -> NOT_YET_RECRUITING", no criteria "added": the registry's record is first seen.
        assert [e.type for e in c.store.events.query(ids=[TRIAL])] == ["new"]


def test_criteria_a_download_left_out_are_no_warning(trials: Trials) -> None:
    # None of the page's 50 studies has an eligibility module: the selection did not ask for one.
    page = json.loads(PARTIAL_PAGE.read_bytes())
    assert all("eligibilityModule" not in s["protocolSection"] for s in page["studies"])
    result = trials("ingest", str(PARTIAL_PAGE))
    assert "no eligibility criteria" not in result.stderr and "without eligibility criteria" not in result.stderr
    assert " 50 new" in result.stderr
    # A registry page that has no criteria is still named (EU CTR's 2015-000590-12 search page).
    euctr = FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_search_query_2015-000590-12.html"
    assert "no eligibility criteria" in trials("ingest", str(euctr)).stderr
