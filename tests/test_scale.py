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


def _mesh_oracle(records: list) -> dict[str, set[str]]:  # type: ignore[type-arg]
    """Each filed term's ancestors: those every record filed under it lists (set intersection)."""
    out: dict[str, set[str]] = {}
    for r in records:
        for t in r.condition_mesh:
            anc = set(r.condition_mesh_ancestors)
            out[t] = anc if t not in out else out[t] & anc
    return out


def _assert_mesh_agrees(c: Catalog) -> None:
    oracle = _mesh_oracle(list(c.store.iter_records()))
    concepts = set(oracle) | {a for anc in oracle.values() for a in anc}
    assert concepts, "the fixture records should file MeSH terms"
    for concept in concepts:
        assert c.store.mesh.narrower(concept) == sorted(t for t, anc in oracle.items() if concept in anc), concept


def test_the_mesh_tree_follows_every_write(data_dir: Path) -> None:
    from indexer.store.mesh import mesh_words

    with Catalog(load(data_dir)) as c:
        ingest_paths(c, [FIXTURES / "ctgov", FIXTURES / "ctgov_xml"])
        _assert_mesh_agrees(c)
        filed = [r for r in c.store.iter_records() if r.condition_mesh and r.condition_mesh_ancestors]
        first, second = filed[0], filed[1]
        # One record drops its terms, another files under a new term that lists one ancestor only, and a
        # new record files under the first one's term with fewer ancestors: the tree must narrow and widen.
        write_records(
            c,
            [
                dataclasses.replace(
                    first, condition_mesh=(), condition_mesh_ancestors=(), last_update_posted="2099-01-01"
                ),
                dataclasses.replace(
                    second,
                    condition_mesh=("Zorbliform Syndrome",),
                    condition_mesh_ancestors=(second.condition_mesh_ancestors[0],),
                    last_update_posted="2099-01-01",
                ),
                dataclasses.replace(
                    first, nct_id="NCT99999903", condition_mesh_ancestors=first.condition_mesh_ancestors[:1]
                ),
            ],
        )
        _assert_mesh_agrees(c)
        assert c.store.mesh.narrower(second.condition_mesh_ancestors[0]).count("Zorbliform Syndrome") == 1
        assert c.store.mesh.concept(mesh_words("zorbliform syndromes")) == "Zorbliform Syndrome"
        # The record that filed it is updated again: the term is gone, found by no condition.
        write_records(c, [dataclasses.replace(second, last_update_posted="2099-02-01")])
        _assert_mesh_agrees(c)
        assert c.store.mesh.concept(mesh_words("Zorbliform Syndrome")) is None
        incremental = {t: c.store.mesh.narrower(t) for t in _mesh_oracle(list(c.store.iter_records()))}
        c.reindex()  # a full recount gives the same tree
        assert {t: c.store.mesh.narrower(t) for t in incremental} == incremental
