"""Records a stopped write stored but did not index are said, not silently missed by searches and watches."""

from __future__ import annotations

import dataclasses
import json

from indexer.catalog import Catalog
from indexer.config import load
from tests.conftest import FIXTURES, Trials

STUDY = FIXTURES / "ctgov" / "NCT00057759.json"  # prostate cancer, sexual dysfunction


def _stored_not_indexed(trials: Trials) -> str:
    """A second trial committed to the store and not to the index, as a write killed in between leaves it."""
    trials("--quiet", "ingest", str(STUDY))
    with Catalog(load(trials.data_dir)) as c:
        record = c.store.get("NCT00057759")
        assert record is not None
        with c.store.transaction():
            c.store.put(dataclasses.replace(record, nct_id="NCT09999999", brief_title="A copy nobody indexed"))
    return "NCT09999999"


def test_a_search_says_what_it_cannot_see_and_how_to_mend_it(trials: Trials) -> None:
    missing = _stored_not_indexed(trials)
    result = trials("search", "--condition", "prostate cancer", "--json")
    assert [r["nct_id"] for r in json.loads(result.stdout)] == ["NCT00057759"]
    assert "1 stored trials are not in the search index yet" in result.stderr and "trials reindex" in result.stderr
    trials("watch", "add", "pc", "--condition", "prostate cancer")
    refused = trials("watch", "run", "pc", ok=False)
    assert refused.exit_code == 1 and "not in the search index" in refused.stderr
    assert "trials reindex" in refused.stderr  # the fix, named
    trials("reindex")
    after = trials("search", "--condition", "prostate cancer", "--json")
    assert {r["nct_id"] for r in json.loads(after.stdout)} == {"NCT00057759", missing}
    assert "not in the search index" not in after.stderr
    assert trials("watch", "run", "pc").exit_code == 0


def test_records_a_running_writer_has_not_indexed_yet_are_no_warning(trials: Trials) -> None:
    _stored_not_indexed(trials)
    with Catalog(load(trials.data_dir)) as c, c.write_lock():  # a crawl at work: its records are on their way
        assert c.unindexed() == 0
        result = trials("search", "--condition", "prostate cancer")
        assert "not in the search index" not in result.stderr
