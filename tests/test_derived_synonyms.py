"""Synonyms learned from records join one substance's names, never a regimen's or a class's members."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.discover.synonyms import StoreSynonyms
from indexer.discover.terms import intervention_link, key
from indexer.ingest.files import ingest_paths
from tests.conftest import shared

# Real records, and what each lists as one intervention's "other names":
FILES = [
    shared("ctgov", "xml_2021", "NCT00691704.xml"),  # "Sequential Maintenance Therapy": lenalidomide ... aspirin
    shared("ctgov", "xml_2021", "NCT00687388.xml"),  # "selective alpha 1-blockers": tamsulosin, doxazosin ...
    shared("ctgov", "xml_2021", "NCT00090103.xml"),  # "tamsulosin 0.4mg once daily ...": dutasteride, tamsulosin
    shared("ctgov", "v2", "NCT05209256.json"),  # two interventions both listing Pulaile
    shared("ctgov", "v2", "NCT05821933.json"),  # "RC108": furmonertinib, toripalimab (a combination)
    shared("ctgov", "v2", "NCT05466149.json"),  # furmonertinib = AST2818
    shared("ctgov", "xml", "NCT00461786.xml"),  # pemetrexed = LY231514 = Alimta
    shared("ctgov", "xml_2021", "NCT00701779.xml"),  # tamsulosin = Flomax
]


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    data = tmp_path_factory.mktemp("synonyms") / "data"
    with Catalog(load(Path(data))) as c:
        ingest_paths(c, FILES)
        out: dict[str, set[str]] = {}
        for names in c.store.synonyms.groups():
            for n in names:
                out[key(n)] = {key(m) for m in names}
        return out


def test_one_substance_s_names_are_joined(groups: dict[str, set[str]]) -> None:
    assert {"pemetrexed", "alimta", "ly231514"} <= groups["pemetrexed"]
    assert "flomax" in groups["tamsulosin"]
    assert "ast2818" in groups["furmonertinib"]


@pytest.mark.parametrize(
    ("term", "never"),
    [
        ("aspirin", {"prednisone", "melphalan", "lenalidomiderevlimid"}),  # members of a regimen
        ("prednisone", {"aspirin", "melphalan"}),
        ("tamsulosin", {"doxazosin", "terazosin", "alfuzosin", "dutasteride"}),  # a class; a dose named as a drug
        ("pemetrexed", {"ast2818", "furmonertinib", "pulaile"}),  # a name two interventions share
        ("furmonertinib", {"toripalimab", "rc108", "pemetrexed"}),  # two INNs: a combination
    ],
)
def test_members_of_a_regimen_a_class_or_a_combination_are_not_synonyms(
    groups: dict[str, set[str]], term: str, never: set[str]
) -> None:
    assert not (groups.get(term, set()) & never)


def test_intervention_links() -> None:
    assert intervention_link(["Pembrolizumab", "Keytruda", "MK-3475"]) == ["Pembrolizumab", "Keytruda", "MK-3475"]
    assert intervention_link(["Pemetrexed Disodium", "pemetrexed", "Alimta"]) is not None  # one INN, twice
    assert intervention_link(["Chemotherapy regimen", "cisplatin", "Platinol"]) is None
    assert intervention_link(["RC108", "Furmonertinib", "Toripalimab"]) is None
    assert intervention_link(["tamsulosin 0.4mg once daily", "dutasteride", "tamsulosin"]) is None


def test_a_lone_condition_is_not_a_synonym_of_its_class_of_diseases() -> None:
    from indexer.discover.terms import same_concept

    assert same_concept("Prostate Cancer", "Prostatic Neoplasms")
    assert not same_concept("Prostate Cancer", "Prostatic Diseases")  # holds benign hyperplasia too
    assert not same_concept("Lung Cancer", "Lung Diseases")
    assert not same_concept("Pain", "Chronic Pain")


@contextlib.contextmanager
def _bounded_synonyms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StoreSynonyms]:
    """The store's synonyms of the real files, keeping at most 200 looked-up keys (ASKED_MOST)."""
    monkeypatch.setattr(StoreSynonyms, "ASKED_MOST", 200, raising=False)
    with Catalog(load(tmp_path / "data")) as c:
        ingest_paths(c, FILES)
        syn = c.synonyms
        assert isinstance(syn, StoreSynonyms)
        yield syn


def test_a_long_running_reader_keeps_a_bounded_set_of_looked_up_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `trials serve` no write refreshes looks up the derived groups of each query's words: it keeps at
    most ASKED_MOST of those keys, and a term's alternatives are the same after it started over."""
    with _bounded_synonyms(tmp_path, monkeypatch) as syn:
        first = {key(t) for t in syn.expand("pemetrexed")}
        assert {"alimta", "ly231514"} <= first
        for n in range(300):  # 300 queries of words no record has, 21 phrases each
            syn.find_in_text(f"zq{n} wx{n} vy{n} ut{n} sr{n} pq{n}")
            assert len(syn._asked) <= 200
        assert {key(t) for t in syn.expand("pemetrexed")} == first
        assert "flomax" in {key(t) for t in syn.expand("tamsulosin")}


def test_a_text_that_starts_the_keys_over_keeps_the_groups_of_its_words_asked_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query whose new words cross ASKED_MOST starts over: its words looked up by an earlier query are
    looked up again, not left without their groups (that query lost the synonyms of those words)."""
    with _bounded_synonyms(tmp_path, monkeypatch) as syn:
        expected = {key(t) for t in syn.expand("pemetrexed")}
        assert {"alimta", "ly231514"} <= expected
        n = 0
        while len(syn._asked) + 21 <= 200:  # words no record has, 21 phrases a text: up to the bound
            syn.find_in_text(f"zq{n} wx{n} vy{n} ut{n} sr{n} pq{n}")
            n += 1
        found = dict(syn.find_in_text("pemetrexed zq wx vy ut sr pq"))  # 27 new phrases: it starts over
        assert len(syn._asked) <= 200
        assert {key(t) for t in found.get("pemetrexed", [])} == expected
