"""A data directory written by an older Trialscout opens and upgrades in place; a read-only one still reads."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from indexer.discover.terms import key, name_like
from indexer.record_hash import content_hash
from indexer.store import RecordStore, StoreReadOnly, likeness
from indexer.store.schema import SCHEMA_VERSION
from tests.conftest import FIXTURES, ROOT, Trials

# Made by Trialscout's schema-1 code (commit a1b9f14): an ingest of five versions of NCT02798588, two
# more trials and an EU CTR page, one failed file, a watch run once, and a completed crawl's state.
V1 = FIXTURES / "store_v1" / "trials.sqlite"
V6 = FIXTURES / "store_v6" / "trials.sqlite"


def test_a_version_1_store_upgrades_in_place(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(V1, data / "trials.sqlite")
    store = RecordStore(data / "trials.sqlite")
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "14"
        assert store.count() == 4 and len(store.history("NCT02798588")) == 4
        # 2 -> 3: the facet table and the record-derived synonym groups are filled from the records.
        records = list(store.iter_records())
        by_status = Counter(r.overall_status for r in records)
        assert dict(store.facet("status")) == dict(by_status)
        by_phase = Counter(p for r in records for p in r.phases) + Counter(None for r in records if not r.phases)
        assert dict(store.facet("phase")) == dict(by_phase)
        countries = Counter(c for r in records for c in {loc.country for loc in r.locations if loc.country})
        assert dict(store.facet("country")) == dict(countries)
        drug_links = [names for r in records for iv in r.interventions if len(names := [iv.name, *iv.other_names]) > 1]
        assert drug_links  # the fixture's trials name drugs with other names
        for names in drug_links:
            assert set(store.synonyms.lookup([key(names[0])])[0]) >= {n for n in names if name_like(n)}
        # 3 -> 4: the MeSH tree as counts, from the records' own MeSH fields.
        filed = [r for r in records if r.condition_mesh]
        assert filed
        for r in filed:
            for term in r.condition_mesh:
                every = set.intersection(*(set(o.condition_mesh_ancestors) for o in filed if term in o.condition_mesh))
                for ancestor in r.condition_mesh_ancestors:
                    assert (term in store.mesh.narrower(ancestor)) == (ancestor in every), (term, ancestor)
        # 4 -> 5: the table of every id a trial is known by, from the records and the EU CTR page.
        for r in records:
            for any_id in (r.org_study_id, *r.secondary_ids):
                if any_id is not None:
                    assert store.resolve(any_id) in {
                        o.nct_id for o in records if any_id in (o.org_study_id, *o.secondary_ids)
                    }
            for page in store.sources_for(r.nct_id):
                assert store.resolve(page.source_url or page.nct_id) == r.nct_id
        assert any(store.sources_for(r.nct_id) for r in records) and any(r.secondary_ids for r in records)
        # 6 -> 7: what `similar` compares of each record, from the records.
        ids = [r.nct_id for r in records]
        assert store.likeness.fields(ids) == {r.nct_id: likeness.fields(r) for r in records}
        assert store.likeness.words(ids) == {r.nct_id: likeness.plain_words(likeness.record_text(r)) for r in records}
        [failure] = store.failures.list()
        assert failure.error.startswith("invalid JSON") and failure.http_status is None and failure.resolved_at is None
        state = store.crawls.get("abc123")
        assert state is not None and state.high_water == "2018-05-11" and state.query == {"condition": "lupus"}
        assert store.crawls.members("abc123") == {"NCT02798588", "NCT04077684"}
        assert store.watches.names() == ["lupus"]
    finally:
        store.close()
    trials = Trials(data)
    assert trials("search", "lupus", ok=False).exit_code == 1  # no index came with it: said, not guessed
    trials("--quiet", "reindex")
    assert {r["nct_id"] for r in trials.json("search", "--condition", "lupus")} == {"NCT04077684"}
    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml" / "NCT02084238.xml"))  # and it takes writes
    assert trials.json("show", "NCT02084238")["nct_id"] == "NCT02084238"


def _as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, *args],
        capture_output=True, text=True, cwd=cwd, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )  # fmt: skip


@pytest.mark.slow  # runs trials as another user, in subprocesses
def test_read_commands_work_on_a_directory_nobody_may_write(tmp_path_factory: pytest.TempPathFactory) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run trials as another user on a directory it cannot write")
    probe = _as_nobody("-c", "import indexer, search_cli", cwd=ROOT)
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot run this checkout's Python ({probe.stderr.strip()[-200:]})")
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"trials-ro-{os.getpid()}"
    data = base / "data"
    try:
        data.mkdir(parents=True)
        base.chmod(0o755)
        trials = Trials(data)
        trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml"), str(FIXTURES / "ctgov_xml_versions"))
        for path in [data, *data.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        cli = ["-m", "search_cli.main", "--data-dir", str(data)]
        for command in (["search", "lupus"], ["show", "NCT04077684"], ["history", "NCT02798588"], ["stats"],
                        ["changes", "--since", "2016-01-01"], ["failures"], ["similar", "NCT04077684"]):  # fmt: skip
            done = _as_nobody(*cli, *command, cwd=ROOT)
            assert done.returncode == 0, (command, done.stderr)
            assert "Traceback" not in done.stderr
        written = _as_nobody(*cli, "ingest", str(FIXTURES / "ctgov" / "NCT00057759.json"), cwd=ROOT)
        assert written.returncode == 1 and "read-only" in written.stderr and "Traceback" not in written.stderr
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_a_missing_store_in_a_read_only_place_is_said(tmp_path: Path) -> None:
    with pytest.raises(StoreReadOnly, match="holds no record store"):
        RecordStore(tmp_path / "nowhere" / "trials.sqlite", readonly=True)


def test_records_split_before_the_key_heading_fix_are_re_split_without_a_change(tmp_path: Path) -> None:
    import re

    from indexer.catalog import Catalog
    from indexer.config import load
    from indexer.ingest.files import ingest_paths
    from indexer.parsers.criteria import split_criteria

    source = FIXTURES / "criteria_key" / "NCT00448292.xml"  # "Key Inclusion Criteria:" starts a line
    data = tmp_path / "data"
    with Catalog(load(data)) as c:
        ingest_paths(c, [source])
        today = c.store.get("NCT00448292")
        assert today is not None and today.eligibility.criteria_text
        assert "Key" not in [x.text for x in (*today.eligibility.inclusion, *today.eligibility.exclusion)]
        # What the code before schema 6 stored: the blank after "Key" split as if a heading ran in.
        old_text = re.sub(
            r"(?m)^(\s*Key)[ \t]+(?=(?:Inclusion|Exclusion) Criteria)", r"\1\n", today.eligibility.criteria_text
        )
        inclusion, exclusion = split_criteria(old_text)
        assert "Key" in [x.text for x in inclusion]
        old = dataclasses.replace(
            today, eligibility=dataclasses.replace(today.eligibility, inclusion=inclusion, exclusion=exclusion)
        )
        with c.store.transaction():
            c.store.drop_history("NCT00448292")
            c.store.put(old)
            c.store.set_meta("schema_version", "5")
    store = RecordStore(data / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert store.get("NCT00448292") == today
        assert len(store.history("NCT00448292")) == 1
    finally:
        store.close()
    # The next download of the same trial (other bytes, same content) is no change: no version, no event.
    again = tmp_path / "again" / source.name
    again.parent.mkdir()
    again.write_bytes(source.read_bytes() + b"\n")
    with Catalog(load(data)) as c:
        before = c.store.events.for_trial("NCT00448292")
        stats = ingest_paths(c, [again])
        assert stats["unchanged"] == 1 and stats["updated"] == 0
        assert len(c.store.history("NCT00448292")) == 1
        assert c.store.events.for_trial("NCT00448292") == before


def test_records_pending_indexing_stay_pending_through_the_schema_8_upgrade(tmp_path: Path) -> None:
    # Made by Trialscout's schema-6 code (commit 1e53c20): the three trials of tests/fixtures/ctgov_xml
    # ingested and indexed, then NCT02084238 stored again with another title and not indexed.
    shutil.copy(V6, tmp_path / "trials.sqlite")
    store = RecordStore(tmp_path / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert store.pending_index() == ["NCT02084238"]
        with store.transaction():
            store.mark_indexed_as([("NCT02084238", "not its hash")])  # the index holds other content
        assert store.pending_index() == ["NCT02084238"]
        record = store.get("NCT04077684")
        assert record is not None
        with store.transaction():  # a write of new content makes it pending, through the new table
            store.put(dataclasses.replace(record, brief_title=f"{record.brief_title} (amended)"))
            store.mark_indexed(["NCT02084238"])
        assert store.pending_index() == ["NCT04077684"]
    finally:
        store.close()


# Made by Trialscout's schema-10 code (commit b2d5399): an ingest of two API v2 studies and two legacy XML
# trials, three of them with criteria its splitter nested wrongly (items 10 and on after a "9." as its
# sub-items): NCT00090376, NCT00244023 (../shared/data/ctgov/v2) and NCT00001987 (ctgov/xml); and the
# seed's NCT04077684, split alike by both.
V10 = FIXTURES / "store_v10" / "trials.sqlite"
V10_SOURCES = (("v2", "NCT00090376.json"), ("v2", "NCT00244023.json"), ("xml", "NCT00001987.xml"),
               ("xml", "NCT04077684.xml"))  # fmt: skip


@pytest.mark.parametrize("chunk", [1000, 1])  # 1: every row read after the one before it was rewritten
def test_a_schema_10_store_takes_the_criteria_splitters_fix_as_no_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    from indexer.parsers import parse_document
    from indexer.store import rehash
    from tests.conftest import shared

    monkeypatch.setattr(rehash, "CHUNK", chunk, raising=False)
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(V10, data / "trials.sqlite")
    files = [shared("ctgov", folder, name) for folder, name in V10_SOURCES]
    today = {r.nct_id: r for f in files for r in parse_document(f.read_bytes(), filename=str(f)).records}
    store = RecordStore(data / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "14"
        stored = {r.nct_id: r for r in store.iter_records()}
        assert set(stored) == set(today)
        for nct, record in today.items():  # the stored criteria are today's split, items 10 and on included
            assert stored[nct].eligibility.inclusion == record.eligibility.inclusion, nct
            assert stored[nct].eligibility.exclusion == record.eligibility.exclusion, nct
        hashes = store.content_hashes(list(stored))
        assert all(hashes[n] == content_hash(r) for n, r in stored.items())
        assert store.pending_index() == []  # the same criteria text: nothing to index again
    finally:
        store.close()
    # The same documents in other bytes (a byte-identical one is skipped unread): read, compared, unchanged.
    again = tmp_path / "again"
    again.mkdir()
    for f in files:
        body = f.read_bytes()
        (again / f.name).write_bytes(
            json.dumps(json.loads(body), indent=1).encode() if f.suffix == ".json" else body + b"\n<!-- again -->\n"
        )
    trials = Trials(data)
    said = trials("ingest", str(again)).output
    assert "0 new, 0 updated, 0 older versions, 4 unchanged" in said, said
    for nct in today:  # one version each, and no criteria change the registry never made
        assert len(trials.json("history", nct)["versions"]) == 1, nct


def test_an_upgrade_rewriting_every_record_holds_a_chunk_of_them_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 500k store's records are 6 GB of JSON: the schema 11 upgrade (every ClinicalTrials.gov record
    # re-split) read them all into memory at once, 11 GB at 500k. Here: 600 real studies and 10 a chunk.
    import tracemalloc

    from indexer.catalog import Catalog
    from indexer.config import load
    from indexer.ingest.files import ingest_paths
    from indexer.store import rehash
    from tests.conftest import CTGOV

    data = tmp_path / "data"
    files = sorted((CTGOV / "v2").glob("NCT*.json"))[:600]
    with Catalog(load(data)) as c:
        assert ingest_paths(c, files)["new"] == 600
    store = RecordStore(data / "trials.sqlite")
    try:
        stored = list(store.iter_records())
        json_bytes = sum(map(len, store.iter_json_lines()))
        store.set_meta("schema_version", "10")
    finally:
        store.close()
    monkeypatch.setattr(rehash, "CHUNK", 10, raising=False)
    import indexer.parsers.criteria  # noqa: F401  (loaded by the upgrade: its code is not the records)

    tracemalloc.start()
    try:
        store = RecordStore(data / "trials.sqlite")  # opening it upgrades it: every record read again
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert {r.nct_id: r for r in store.iter_records()} == {r.nct_id: r for r in stored}
    finally:
        store.close()
    assert json_bytes > 5_000_000
    # The peak is one chunk and the largest record's rewrite, whatever the store's size.
    assert peak < json_bytes / 2, (peak, json_bytes)


def _record_and_newest_version(store: RecordStore, nct_id: str) -> tuple[int, int]:
    """(the version its record row says it is, the highest version stored) of one trial."""
    tables = {name: (columns, rows) for name, columns, rows in store.table_rows()}
    columns, rows = tables["records"]
    [record] = [r[columns.index("version")] for r in rows if r[0] == nct_id]
    columns, rows = tables["versions"]
    return int(record), max(int(r[columns.index("version")]) for r in rows if r[0] == nct_id)


def test_an_older_version_slotted_in_moves_the_records_version_with_the_newest(tmp_path: Path) -> None:
    # The newest download first, then an older one: the older becomes version 1 and the newest version 2,
    # whose record row said 1 (a page read again then rewrote version 1's hash: a change on the next fetch).
    from tests.conftest import CTGOV

    folder = CTGOV / "xml_versions" / "NCT00734539"
    trials = Trials(tmp_path / "data")
    for name in ("2018-05-11.xml", "2016-08-29.xml"):
        trials("--quiet", "ingest", str(folder / name))
    store = RecordStore(tmp_path / "data" / "trials.sqlite")
    try:
        assert _record_and_newest_version(store, "NCT00734539") == (2, 2)
    finally:
        store.close()


def test_the_schema_13_upgrade_sets_the_records_version_an_older_version_left_behind(tmp_path: Path) -> None:
    # A store written by schema 12's code: NCT00734539's 2018 download, then its 2016 one (tests/fixtures).
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "store_v12_historical" / "trials.sqlite", data / "trials.sqlite")
    store = RecordStore(data / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "14"
        assert _record_and_newest_version(store, "NCT00734539") == (2, 2)
        assert store.pending_deletions() == []
    finally:
        store.close()
