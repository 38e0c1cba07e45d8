"""Search semantics of the embedded index: filters, open age bounds, sex, quoting of user text."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.parsers import parse
from indexer.record import Eligibility
from tests.conftest import FIXTURES, shared


@pytest.fixture(scope="module")
def cat(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    [seed] = parse((FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    [earlier] = parse((FIXTURES / "ctgov_xml" / "NCT02084238.xml").read_bytes())
    # Variants of real records with the limits under test.
    open_ages = dataclasses.replace(
        seed, nct_id="NCT90000001", eligibility=Eligibility(min_age_years=None, max_age_years=None, sex="ALL")
    )
    women = dataclasses.replace(
        seed,
        nct_id="NCT90000002",
        overall_status="COMPLETED",
        eligibility=Eligibility(min_age_years=18, max_age_years=65, sex="FEMALE"),
    )
    c = Catalog(load(tmp_path_factory.mktemp("idx")))
    write_records(c, [seed, earlier, open_ages, women])
    return c


def ids(c: Catalog, **kw: object) -> set[str]:
    return {h.nct_id for h in c.search(SearchQuery(limit=50, **kw))[0].hits}  # type: ignore[arg-type]


def test_missing_age_bound_is_open(cat: Catalog) -> None:
    assert "NCT90000001" in ids(cat, age=3)
    assert "NCT04077684" not in ids(cat, age=3)
    assert "NCT04077684" in ids(cat, age=75) and "NCT04077684" not in ids(cat, age=76)
    assert ids(cat, age=70) >= {"NCT90000001", "NCT04077684"} and "NCT90000002" not in ids(cat, age=70)


def test_sex_all_matches_either(cat: Catalog) -> None:
    assert "NCT90000002" in ids(cat, sex="F") and "NCT90000002" not in ids(cat, sex="M")
    assert "NCT90000001" in ids(cat, sex="M") and "NCT90000001" in ids(cat, sex="F")


def test_filters(cat: Catalog) -> None:
    assert ids(cat, statuses=("RECRUITING",)) == {"NCT04077684", "NCT90000001"}
    assert ids(cat, phases=("PHASE2",)) == {"NCT04077684", "NCT90000001", "NCT90000002"}
    assert ids(cat, conditions=("systemic lupus",)) == {"NCT04077684", "NCT02084238", "NCT90000001", "NCT90000002"}
    assert ids(cat, conditions=("lupus nephritis",)) == set()  # every word must match
    assert ids(cat, drugs=("interleukin-2",)) >= {"NCT04077684", "NCT02084238"}
    assert ids(cat, sponsor="Peking University") == {"NCT04077684", "NCT02084238", "NCT90000001", "NCT90000002"}


def test_free_text_ranks_and_counts(cat: Catalog) -> None:
    result, records = cat.search(SearchQuery(text="low-dose IL-2 lupus", limit=2))
    assert result.total == 4 and len(records) == 2
    assert result.hits[0].score >= result.hits[1].score > 0
    uncounted = cat.search_ids(SearchQuery(text="low-dose IL-2 lupus", limit=2, count=False))
    assert uncounted.hits == result.hits and uncounted.total == 0  # the same hits; the total not worked out


# Conditions made of query syntax, each with words no real record has: a search for a piece of one
# must find the trials that literally contain that piece, and only them.
PROBES = {
    "NCT90000101": "Zorblax title:quuxite AND ( syndrome",
    "NCT90000102": "Frobnic a^2 ~ [7 TO 9] disorder",
    "NCT90000103": 'Wumpus {"match_all": {}} fever',
    "NCT90000104": 'Snark "grue disease',
    "NCT90000105": "Ünïcødé-ïtis",
    "NCT90000106": "Glorp\\snurf palsy",
    "NCT90000107": "Plonk NOT blorft",
    "NCT90000108": "Zorblax-quuxite-and syndrome",  # the same words as the first, without the syntax
}
HOSTILE = [
    "title:quuxite AND (",
    "a^2 ~ [7 TO 9]",
    '{"match_all": {}}',
    '"grue',
    "ünïcødé-ïtis",
    "glorp\\snurf",
    "NOT blorft",
]
# Hostile strings whose words are all rare, so that free text (any word) finds exactly the literal matches.
HOSTILE_RARE_WORDS = ["title:quuxite", '{"match_all": {}}', '"grue', "ünïcødé-ïtis", "glorp\\snurf"]
NO_WORDS = ['"', "*", "\\", "-", "(", "~^:"]


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    [seed] = parse((FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    c = Catalog(load(tmp_path_factory.mktemp("probes")))
    records = [seed] + [
        dataclasses.replace(seed, nct_id=i, conditions=(text,), condition_mesh=(), keywords=())
        for i, text in PROBES.items()
    ]
    write_records(c, records)
    return c


def literally(text: str) -> set[str]:
    return {i for i, probe in PROBES.items() if text.lower() in probe.lower()}


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_condition_finds_the_trials_that_literally_contain_it(probes: Catalog, text: str) -> None:
    result, _ = probes.search(SearchQuery(conditions=(text,), limit=50))
    assert {h.nct_id for h in result.hits} == literally(text) and result.total == len(literally(text)) == 1


@pytest.mark.parametrize("text", HOSTILE_RARE_WORDS)
def test_hostile_free_text_finds_the_trials_that_literally_contain_it(probes: Catalog, text: str) -> None:
    result, _ = probes.search(SearchQuery(text=text, limit=50))
    assert {h.nct_id for h in result.hits} == literally(text) and result.total == 1


def test_operators_are_words(probes: Catalog) -> None:
    # As operators, AND would require both sides and NOT would exclude: as words, both are just asked for.
    assert ids(probes, conditions=("zorblax AND quuxite",)) == {"NCT90000101", "NCT90000108"}
    assert ids(probes, conditions=("plonk NOT blorft",)) == {"NCT90000107"}
    assert ids(probes, conditions=("zorblax NOT quuxite",)) == set()  # no trial has the word "not" with them


@pytest.mark.parametrize("text", NO_WORDS)
def test_text_without_words_asks_for_nothing(probes: Catalog, text: str) -> None:
    everything = probes.search(SearchQuery(limit=50))[0]
    assert everything.total == len(PROBES) + 1
    result = probes.search(SearchQuery(text=text, limit=50))[0]
    assert (result.total, [h.nct_id for h in result.hits]) == (everything.total, [h.nct_id for h in everything.hits])
    assert probes.search(SearchQuery(conditions=(text,), limit=50))[0].total == 0  # a filter on no words: no match


def test_explain_names_the_matching_field(cat: Catalog) -> None:
    explanation = cat.index.explain(SearchQuery(text="lupus IL-2", drugs=("interleukin",)), "NCT04077684")
    assert explanation["conditions"] == ["lupus"]
    assert explanation["title"] == ["lupus", "IL-2"]
    assert explanation["interventions"] == ["IL-2", "interleukin"]  # its other name "Human recombinant IL-2"
    assert "sponsor" not in explanation


def test_exclude_and_restrict_ids(cat: Catalog) -> None:
    assert ids(cat, exclude_ids=("NCT04077684",), statuses=("RECRUITING",)) == {"NCT90000001"}
    assert ids(cat, ids=("NCT02084238",)) == {"NCT02084238"}


def test_sex_value_is_checked(cat: Catalog, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="F, M, FEMALE or MALE"):
        cat.search(SearchQuery(sex="X"))
    for sex in ("F", "female", "FEMALE", "Female"):
        assert ids(cat, sex=sex) == ids(cat, sex="F")


def test_weighted_terms_add_their_weight_and_never_filter(cat: Catalog) -> None:
    plain = {h.nct_id: h.score for h in cat.index.search(SearchQuery(text="lupus", limit=10)).hits}
    more = {
        h.nct_id: h.score
        for h in cat.index.search(SearchQuery(text="lupus", limit=10, weighted_terms=(("cataract", 2.0),))).hits
    }
    assert set(more) == set(plain)  # the same trials: only scores move
    # Only the seed trial's criteria name cataracts (its variants here have no criteria text).
    risen = {n for n in more if more[n] > plain[n] + 1e-6}
    assert risen == {"NCT04077684"}
    assert more["NCT02084238"] == pytest.approx(plain["NCT02084238"])
    zero = cat.index.search(SearchQuery(text="lupus", limit=10, weighted_terms=(("cataract", 0.0),))).hits
    assert {h.nct_id: h.score for h in zero} == pytest.approx(plain)


def test_doc_freq_is_the_commonest_field_of_the_word(tmp_path: Path) -> None:
    [seed] = parse((FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    blank = dataclasses.replace(seed, brief_title="", official_title="", brief_summary="", detailed_description="")
    blank = dataclasses.replace(blank, conditions=(), keywords=(), condition_mesh=(), interventions=())
    blank = dataclasses.replace(blank, eligibility=Eligibility())
    # "Pancreatitis" in the title of two trials, in the summary of three, one of them a title's too.
    titles = ["Pancreatitis care", "Pancreatitis pain", "", "", ""]
    summaries = ["", "Acute pancreatitis.", "pancreatitis again", "Chronic pancreatitis", "Other words"]
    records = [
        dataclasses.replace(blank, nct_id=f"NCT9100000{i}", brief_title=t, brief_summary=s)
        for i, (t, s) in enumerate(zip(titles, summaries, strict=True))
    ]
    with Catalog(load(tmp_path)) as c:
        write_records(c, records)
        assert c.index.search(SearchQuery(text="pancreatitis", limit=1)).total == 4  # any field
        assert c.index.doc_freq("pancreatitis") == 3  # the summaries; "Pancreatitis" is stemmed alike
        assert c.index.doc_freq("Pancreatitis") == 3
        assert c.index.doc_freq("cataract") == 0 and c.index.doc_freq("") == 0


def test_typed_documents_equal_the_guessed_ones() -> None:
    # Document.from_dict(fields, schema) gives each value its field's type; Document(**fields) guesses
    # it from the Python value. Every real record must give the same document both ways.
    import tantivy

    from indexer.index.tantivy_schema import UNSEARCHED
    from indexer.index.tantivy_schema import document as _document
    from indexer.index.tantivy_schema import fields as _fields
    from indexer.index.tantivy_schema import schema as _schema

    schema = _schema()
    records = [r for path in sorted(shared("ctgov", "v2").glob("NCT*.json")) for r in parse(path.read_bytes())]
    records.append(dataclasses.replace(records[0], locations=(), phases=(), enrollment=None))
    assert len(records) > 1000

    def guessed(r: Any) -> tantivy.Document:
        return tantivy.Document(**{k: v for k, v in _fields(r).items() if k not in UNSEARCHED})

    assert [r.nct_id for r in records if _document(r, schema) != guessed(r)] == []


def test_documents_leave_out_what_no_tantivy_search_reads() -> None:
    # The org study ids, healthy volunteers and enrollment are for the cluster engines; no tantivy query
    # reads them, and indexing them cost every record its terms.
    from indexer.index.tantivy_schema import document as _document
    from indexer.index.tantivy_schema import schema as _schema

    [record] = parse((FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    assert record.org_study_id and record.enrollment
    held = _document(record, _schema()).to_dict()
    assert held["nct_id"] == ["NCT04077684"] and held["last_update"] == [20200327]
    assert not {"ids", "healthy_volunteers", "enrollment"} & set(held)
