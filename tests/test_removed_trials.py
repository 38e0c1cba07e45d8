"""A trial the registry no longer has is not offered as recruiting, nor matched to a patient."""

from __future__ import annotations

import json

from indexer.catalog import Catalog
from indexer.config import load
from tests.conftest import FIXTURES, Trials

SEED = "NCT04077684"  # recruiting, low-dose IL-2 in SLE, Beijing


def test_a_removed_trial_leaves_status_searches_and_matches(trials: Trials) -> None:
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml"))
    asked = ("search", "--condition", "lupus", "--status", "recruiting", "--json")
    assert SEED in {r["nct_id"] for r in json.loads(trials(*asked).stdout)}
    patient = ("match", "--text", "I am 34, female, with SLE", "--json")
    assert SEED in {r["nct_id"] for r in json.loads(trials(*patient).stdout)}
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:  # a --full crawl's 404 for it
        assert w.mark_removed(SEED, "404 when asked by id")
    assert SEED not in {r["nct_id"] for r in json.loads(trials(*asked).stdout)}
    assert SEED not in {r["nct_id"] for r in json.loads(trials(*patient).stdout)}
    # Without a status it is still found, and shown, as the history of what the registry had.
    assert SEED in {r["nct_id"] for r in json.loads(trials("search", "--condition", "lupus", "--json").stdout)}
    assert trials.json("show", SEED)["nct_id"] == SEED
