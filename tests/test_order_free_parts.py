"""Sites, arms, interventions, outcomes and contacts reordered by the registry are no change and no version."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.history.diff import diff_records
from indexer.ingest.files import ingest_paths
from indexer.parsers.ctgov import parse_study
from indexer.record import Arm, Contact, Intervention, Location, TrialRecord
from indexer.record_hash import content_hash
from indexer.store import RecordStore
from indexer.store.schema import SCHEMA_VERSION
from tests.conftest import FIXTURES, Trials

STUDY = FIXTURES / "ctgov" / "NCT00057759.json"  # 30 sites, 2 arms, 2 interventions, 3 outcomes
PARTS = ("interventions", "arms", "primary_outcomes", "secondary_outcomes", "locations", "central_contacts",
         "overall_officials")  # fmt: skip
INNER = {Intervention: ("other_names", "arm_labels"), Arm: ("intervention_names",), Location: ("contacts",)}
# Made by Trialscout's schema-8 code (commit 61ef29a): NCT00057759 and NCT00080808 (API v2), the
# trials of tests/fixtures/ctgov_xml and ctgov_xml_versions and the pages of tests/fixtures/euctr,
# ingested and indexed. Their content hashes took every list in the registry's order.
V8 = FIXTURES / "store_v8" / "trials.sqlite"


def _sorted_by_json(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(sorted(values, key=orjson.dumps))


def _canonical(record: TrialRecord) -> TrialRecord:
    """The oracle: the record with every order-free list rebuilt in the order of its items' JSON."""
    fixed = {}
    for name in PARTS:
        parts = [
            dataclasses.replace(p, **{n: _sorted_by_json(getattr(p, n)) for n in INNER.get(type(p), ())})
            for p in getattr(record, name)
        ]
        fixed[name] = _sorted_by_json(tuple(parts))
    return dataclasses.replace(record, **fixed)


def _plain_hash(record: TrialRecord) -> str:
    """sha256 of the JSON before the fetch fields, the lists as they stand (the schema-8 hash)."""
    blob = orjson.dumps(record)
    return hashlib.sha256(blob[: blob.rindex(b',"source":')]).hexdigest()


def _shuffled(record: TrialRecord, rng: random.Random) -> TrialRecord:
    def shuffle(values: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(values)
        rng.shuffle(out)
        return tuple(out)

    fixed = {}
    for name in PARTS:
        parts = [
            dataclasses.replace(p, **{n: shuffle(getattr(p, n)) for n in INNER.get(type(p), ())})
            for p in getattr(record, name)
        ]
        fixed[name] = shuffle(tuple(parts))
    return dataclasses.replace(record, **fixed)


def _records() -> list[TrialRecord]:
    out = []
    for path in sorted(FIXTURES.glob("*/*.expected.json")):
        for data in json.loads(path.read_text()):
            if isinstance(data, dict) and "nct_id" in data:
                out.append(TrialRecord.from_dict(data))
    return out


def test_the_hash_is_the_canonical_orders_whatever_the_order() -> None:
    records = _records()
    assert len(records) > 20 and any(len(r.locations) > 5 for r in records)
    rng = random.Random(14)
    reordered = 0
    for record in records:
        canonical = _canonical(record)
        assert content_hash(record) == _plain_hash(canonical), record.nct_id
        for _ in range(5):
            shuffled = _shuffled(record, rng)
            reordered += shuffled != record
            assert content_hash(shuffled) == content_hash(record), record.nct_id
    assert reordered > 20  # the shuffles did reorder


def test_a_change_inside_an_order_free_list_still_changes_the_hash() -> None:
    record = parse_study(json.loads(STUDY.read_text()))
    sites = record.locations
    assert len(sites) > 2
    changed = [
        (sites[0], sites[1], *sites[2:]),
        (*sites, sites[0]),  # a site listed twice is not the same list
        sites[1:],
        (dataclasses.replace(sites[0], status="RECRUITING" if sites[0].status != "RECRUITING" else None), *sites[1:]),
    ]
    hashes = {content_hash(dataclasses.replace(record, locations=s)) for s in changed}
    assert content_hash(record) in hashes  # the first is a reordering
    assert len(hashes) == 4
    # Criteria are numbered: their order is content.
    inclusion = record.eligibility.inclusion
    assert len(inclusion) > 1
    swapped = dataclasses.replace(record.eligibility, inclusion=(inclusion[1], inclusion[0], *inclusion[2:]))
    assert content_hash(dataclasses.replace(record, eligibility=swapped)) != content_hash(record)


def _reversed_study(out: Path) -> Path:
    """The same download with every order-free list of the registry's JSON reversed."""
    study = json.loads(STUDY.read_text())
    section = study["protocolSection"]
    arms = section["armsInterventionsModule"]
    for key in ("armGroups", "interventions"):
        assert len(arms[key]) > 1
        arms[key].reverse()
    for item in (*arms["armGroups"], *arms["interventions"]):
        for key in ("interventionNames", "armGroupLabels", "otherNames"):
            item.get(key, []).reverse()
    outcomes = section["outcomesModule"]
    for key in ("primaryOutcomes", "secondaryOutcomes"):
        outcomes.get(key, []).reverse()
    assert len(outcomes["primaryOutcomes"]) + len(outcomes.get("secondaryOutcomes", [])) > 1
    section["contactsLocationsModule"]["locations"].reverse()
    out.write_text(json.dumps(study))
    return out


def test_a_reordered_download_is_unchanged_and_keeps_the_registrys_order(trials: Trials, tmp_path: Path) -> None:
    trials("--quiet", "ingest", str(STUDY))
    first = trials.json("show", "NCT00057759")
    result = trials("ingest", str(_reversed_study(tmp_path / "NCT00057759.json")))
    assert " 0 new, 0 updated" in result.stderr and " 1 unchanged" in result.stderr
    assert [v["version"] for v in trials.json("history", "NCT00057759")["versions"]] == [1]
    shown = trials.json("show", "NCT00057759")
    sites = json.loads(STUDY.read_text())["protocolSection"]["contactsLocationsModule"]["locations"]
    assert [s["facility"] for s in shown["locations"]] == [s.get("facility") for s in sites]  # as first listed
    assert shown["arms"] == first["arms"]


def test_a_diff_reports_no_reordering_of_order_free_lists() -> None:
    record = parse_study(json.loads(STUDY.read_text()))
    old = record.to_dict()
    new = {**old, "locations": old["locations"][::-1], "arms": old["arms"][::-1]}
    assert diff_records(old, new) == []
    site = {**old["locations"][0], "contacts": [{"name": "A"}, {"name": "B"}]}
    old_sites = {**old, "locations": [site, *old["locations"][1:]]}
    new_sites = {**old, "locations": [{**site, "contacts": site["contacts"][::-1]}, *old["locations"][1:]]}
    assert diff_records(old_sites, new_sites) == []
    inclusion = old["eligibility"]["inclusion"]
    moved = {**old, "eligibility": {**old["eligibility"], "inclusion": inclusion[::-1]}}
    assert [c.field for c in diff_records(old, moved)] == ["eligibility.inclusion"]


def test_a_schema_8_store_is_rehashed_and_a_reordered_download_stays_unchanged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(V8, data / "trials.sqlite")
    store = RecordStore(data / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "14"
        records = list(store.iter_records())
        assert len(records) == 10
        hashes = store.content_hashes(r.nct_id for r in records)
        assert all(hashes[r.nct_id] == content_hash(r) for r in records)
        assert any(hashes[r.nct_id] != _plain_hash(r) for r in records)  # the upgrade had hashes to change
        assert store.pending_index() == []  # the same content: nothing to index again
        versions = {r.nct_id: len(store.history(r.nct_id)) for r in records}
    finally:
        store.close()
    # Only the ClinicalTrials.gov study: the EU CTR parser reads more of its pages since schema 8 (products,
    # ages, countries, statuses), so those pages are rightly updated, not unchanged.
    again = [_reversed_study(tmp_path / "NCT00057759.json")]
    with Catalog(load(data)) as c:
        stats = ingest_paths(c, again)
        assert stats["new"] == stats["updated"] == 0, stats
        assert {r.nct_id: len(c.store.history(r.nct_id)) for r in records} == versions


def test_text_that_looks_like_the_json_around_it_is_read_as_text() -> None:
    record = parse_study(json.loads(STUDY.read_text()))
    tricky = ('],"central_contacts":[', ',{"facility":"x"}', 'a "quoted" \\ back\\slash ]}', '","', "\\", "")
    sites = tuple(
        dataclasses.replace(site, facility=tricky[k % len(tricky)] + str(k), contacts=(
            Contact(name=tricky[(k + 1) % len(tricky)], phone="1"), Contact(name=tricky[k % len(tricky)], email="]}"),
        ))
        for k, site in enumerate(record.locations[:8])
    )  # fmt: skip
    labels = ('"', "\\", ",")  # "," is a whole string that reads as the separator of a list of strings
    drugs = tuple(
        dataclasses.replace(iv, other_names=(*tricky, iv.name), arm_labels=labels) for iv in record.interventions
    )
    odd = dataclasses.replace(record, locations=sites, interventions=drugs)
    rng = random.Random(7)
    assert content_hash(odd) == _plain_hash(_canonical(odd))
    for _ in range(20):
        assert content_hash(_shuffled(odd, rng)) == content_hash(odd)


def test_the_schema_9_upgrade_drops_synonyms_learned_from_a_regimen(tmp_path: Path) -> None:
    shutil.copy(V8, tmp_path / "trials.sqlite")
    store = RecordStore(tmp_path / "trials.sqlite")
    try:
        before = store.synonyms.groups()
        with store.transaction():  # what the schema-8 code learned from "Sequential Maintenance Therapy"
            store.synonyms._add_group(["Sequential Maintenance Therapy", "Melphalan", "Prednisone", "Aspirin"])
            store.set_meta("schema_version", "8")
    finally:
        store.close()
    store = RecordStore(tmp_path / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert store.synonyms.lookup(["aspirin"]) == []
        assert store.synonyms.groups() == before  # what the records themselves make, as before
    finally:
        store.close()


@pytest.mark.parametrize("chunk", [1, 2])
def test_the_schema_9_rehash_reaches_every_version_however_the_rows_are_chunked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # The upgrade reads the rows it rewrites a chunk at a time (store/rehash.py `_in_chunks`): in chunks of
    # 1 and 2, a boundary falls between two of one trial's three older versions, and each gets today's hash.
    from indexer.store import rehash

    monkeypatch.setattr(rehash, "CHUNK", chunk)
    shutil.copy(V8, tmp_path / "trials.sqlite")
    store = RecordStore(tmp_path / "trials.sqlite")  # opening it upgrades it
    try:
        trials = {r.nct_id: store.history(r.nct_id) for r in store.iter_records()}
    finally:
        store.close()
    older = [v for versions in trials.values() for v in versions[:-1]]
    assert len(older) == 4 and max(len(v) for v in trials.values()) == 4  # three of one trial
    # The oracle: the hash of each version's record as record_hash computes it today.
    stale = [
        (v.nct_id, v.version)
        for vs in trials.values()
        for v in vs
        if v.content_hash != content_hash(TrialRecord.from_dict(v.record))
    ]
    assert stale == []
    assert any(_plain_hash(TrialRecord.from_dict(v.record)) != v.content_hash for v in older)  # hashes it changed


def test_the_rehash_gives_the_newest_version_its_hash_after_older_downloads_were_slotted_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Five real downloads of one trial (tests/fixtures/ctgov_xml_versions), the newest ingested first: the
    # older ones are slotted in before it as history, and stored with another hash formula, as a store
    # of schema 8 had them. The upgrade's rehash must reach the newest version, wherever the slotting
    # moved it, or its next download is taken for a change: a version without one.
    import indexer.record_hash

    data = tmp_path / "data"
    files = sorted((FIXTURES / "ctgov_xml_versions" / "NCT02798588").glob("*.xml"), reverse=True)
    real = indexer.record_hash.serialise
    with monkeypatch.context() as m:
        m.setattr(indexer.record_hash, "serialise", lambda r: (real(r)[0], "8" + real(r)[1][1:]))
        with Catalog(load(data)) as c:
            assert [ingest_paths(c, [f]).counts for f in files][1:] == [
                {"historical": 1},
                {"historical": 1},
                {"unchanged": 1},
                {"historical": 1},
            ]
            c.store.set_meta("schema_version", "8")
    with Catalog(load(data)) as c:  # opening it upgrades it
        versions = c.store.history("NCT02798588")
        # The oracle: the hash of each version's record as record_hash computes it today.
        assert [v.content_hash == content_hash(TrialRecord.from_dict(v.record)) for v in versions] == [True] * 4
    later = tmp_path / "NCT02798588.xml"  # the newest download again, fetched a day later
    later.write_bytes(files[0].read_bytes().replace(b"on May 11, 2018", b"on May 12, 2018"))
    with Catalog(load(data)) as c:
        assert ingest_paths(c, [later]).counts == {"unchanged": 1}
        assert len(c.store.history("NCT02798588")) == 4
