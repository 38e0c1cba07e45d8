"""Any id of a trial leads to it (`RecordStore.resolve`), through the id table kept with every write."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.store import RecordStore
from tests.webdata import EUDRACT, LISTING_URL

pytest_plugins = ("tests.webdata",)  # the web_data fixture: real XML, a listing page, Takeda and EU CTR


def test_every_id_of_every_trial_resolves_to_a_trial_that_has_it(web_data: Path) -> None:
    store = RecordStore(web_data / "trials.sqlite", readonly=True)
    try:
        # The oracle: each id with the trials that give it, by the kind that wins a clash, from the records.
        owners: dict[str, list[tuple[int, str]]] = {}
        for r in store.iter_records():
            owners.setdefault(r.nct_id.lower(), []).append((-1, r.nct_id))  # NCT ids in any case
            if r.org_study_id is not None:
                owners.setdefault(r.org_study_id, []).append((1, r.nct_id))
            for i in r.secondary_ids:
                owners.setdefault(i, []).append((2, r.nct_id))
        for r in store.iter_records():
            for s in store.sources_for(r.nct_id):
                owners.setdefault(s.source_url or s.nct_id, []).append((0, r.nct_id))
                for i in s.secondary_ids:
                    owners.setdefault(i, []).append((3, r.nct_id))
        assert len(owners) > 1000
        assert any(len({n for _, n in o}) > 1 for o in owners.values())  # ids two trials share
        for any_id, found in owners.items():
            assert store.resolve(f" {any_id} ") == min(found)[1], any_id
        assert store.resolve(LISTING_URL) == "NCT04077684" and store.resolve(EUDRACT) == "NCT00770497"
        assert store.resolve("2018PHB041-01") == "NCT04077684"
        assert store.resolve("NCT99999999") is None and store.resolve("no such id") is None
    finally:
        store.close()


def test_ids_follow_the_record_as_it_changes(data_dir: Path, web_data: Path) -> None:
    with Catalog(load(web_data)) as c:
        seed = c.get("NCT04077684")
    assert seed is not None and seed.org_study_id == "2018PHB041-01"
    with Catalog(load(data_dir)) as c:
        write_records(c, [seed])
        assert c.store.resolve("2018PHB041-01") == "NCT04077684"
        write_records(c, [dataclasses.replace(seed, org_study_id="PHB-2", secondary_ids=("X-1",))])
        assert c.store.resolve("2018PHB041-01") is None
        assert c.store.resolve("PHB-2") == c.store.resolve("X-1") == "NCT04077684"
        with c.store.transaction():
            c.store.drop_history("NCT04077684")
        assert c.store.resolve("PHB-2") is None and c.store.resolve("X-1") is None
