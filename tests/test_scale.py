"""Costs that do not grow with the store: facets and synonym groups kept with each write, agreeing with the records."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.ingest.files import ingest_paths
from indexer.record import Intervention
from tests.conftest import FIXTURES


def _by(records: list, value) -> dict:  # type: ignore[type-arg,no-untyped-def]
    counts: Counter[object] = Counter()
    for r in records:
        items = value(r)
        counts.update(items if items else [None])
    return dict(counts)


def test_facets_follow_every_write(data_dir: Path) -> None:
    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [FIXTURES / "ctgov", FIXTURES / "ctgov_xml", FIXTURES / "ctgov_xml_versions"])
        first = next(c.store.iter_records())
        # A later version with another status and phase: its old facet rows go, the new ones count.
        write_records(
            c,
            [
                dataclasses.replace(
                    first,
                    overall_status="WITHDRAWN",
                    phases=("PHASE4",),
                    last_update_posted="2099-01-01",
                )
            ],
        )
        records = list(c.store.iter_records())
        assert dict(c.store.facet("status")) == _by(records, lambda r: [r.overall_status])
        assert dict(c.store.facet("phase")) == _by(records, lambda r: list(dict.fromkeys(r.phases)))
        assert dict(c.store.facet("condition")) == _by(records, lambda r: list(dict.fromkeys(r.conditions)))
        assert dict(c.store.facet("sex")) == _by(records, lambda r: [r.eligibility.sex])
        countries = Counter(x for r in records for x in {loc.country for loc in r.locations if loc.country})
        assert dict(c.store.facet("country")) == dict(countries)
        assert c.store.facet("status")[0][1] == max(Counter(r.overall_status for r in records).values())


def test_synonym_groups_are_learned_as_records_are_written(data_dir: Path) -> None:
    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [FIXTURES / "ctgov_xml"])
        base = next(r for r in c.store.iter_records() if r.interventions)
        assert c.synonyms.expand("Zorblimab") == []
        drug = Intervention(type="DRUG", name="Zorblimab", other_names=("ZX-4471", "Zorbliva"))
        write_records(c, [dataclasses.replace(base, nct_id="NCT99999901", interventions=(drug,))])
        c._synonyms = None  # a new process would load afresh
        assert c.synonyms.expand("zorblimab") == ["ZX-4471", "Zorbliva"]
        assert [r.nct_id for r in c.search(c.expand(_drug_query("Zorbliva")))[1]] == ["NCT99999901"]
        # A second record links one of those names to a new one: the groups merge, without any rebuild.
        other = Intervention(type="DRUG", name="Zorbliva", other_names=("ZRB-1",))
        write_records(c, [dataclasses.replace(base, nct_id="NCT99999902", interventions=(other,))])
        c._synonyms = None
        assert set(c.synonyms.expand("ZRB 1")) == {"Zorblimab", "ZX-4471", "Zorbliva"}
        incremental = sorted(sorted(g) for g in c.store.synonyms.groups())
        c.reindex()  # the full rebuild finds the same groups here
        assert sorted(sorted(g) for g in c.store.synonyms.groups()) == incremental


def test_a_term_linked_to_too_many_names_links_none(data_dir: Path) -> None:
    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [FIXTURES / "ctgov_xml"])
        base = next(r for r in c.store.iter_records() if r.interventions)
        hub = [
            dataclasses.replace(
                base,
                nct_id=f"NCT9999980{i}",
                interventions=(Intervention(type="DRUG", name="Labcode QX", other_names=(f"Drugname{i}",)),),
            )
            for i in range(10)
        ]
        write_records(c, hub)
        c._synonyms = None
        # "Labcode QX" has ten partners: it is a hub, so Drugname1 and Drugname2 are not synonyms.
        assert "Drugname2" not in c.synonyms.expand("Drugname1")
        assert c.synonyms.expand("Labcode QX") == []


def _drug_query(name: str):  # type: ignore[no-untyped-def]
    from indexer.index.document import SearchQuery

    return SearchQuery(drugs=(name,))
