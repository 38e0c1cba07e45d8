"""Patient-matching signals: how much of a trial's own condition a patient names; the words of the query."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.discover.coverage import condition_coverage, patient_stems
from indexer.parsers import parse
from indexer.record import Criterion
from tests.conftest import FIXTURES

DF = {"lupus": 10, "nephritis": 5, "systemic": 40, "erythematosus": 10, "type": 60, "diabetes": 20, "mellitus": 20}


def df(word: str) -> int:
    return DF.get(word.lower(), 1)


def test_coverage_is_the_idf_weighted_share_of_the_best_name() -> None:
    said = patient_stems("45-year-old woman with lupus, no kidney disease")
    idf = {w: math.log(1 + 100 / n) for w, n in DF.items()}
    share = idf["lupus"] / (idf["lupus"] + idf["nephritis"])
    assert condition_coverage(["Lupus Nephritis"], said, df, 100) == pytest.approx(share)
    # The best of the trial's names counts, not their sum.
    assert condition_coverage(["Healthy", "Lupus Nephritis"], said, df, 100) == pytest.approx(share)
    assert condition_coverage(["Lupus"], said, df, 100) == pytest.approx(1.0)
    sle = patient_stems("systemic lupus erythematosus")
    assert condition_coverage(["Lupus Erythematosus, Systemic"], sle, df, 100) == pytest.approx(1.0)
    assert condition_coverage([], said, df, 100) == 0.0
    assert condition_coverage(["Type 2 Diabetes Mellitus"], said, df, 100) == 0.0


def test_coverage_reads_words_by_their_stems() -> None:
    # "diabetic" and "diabetes" share the stem "diabet"; "2" and "of" are no words of a condition here.
    said = patient_stems("a diabetic man")
    idf = {w: math.log(1 + 100 / DF[w]) for w in ("type", "diabetes", "mellitus")}
    expected = idf["diabetes"] / sum(idf.values())
    assert condition_coverage(["Type 2 Diabetes Mellitus"], said, df, 100) == pytest.approx(expected)


def test_match_fields_reads_condition_names_and_inclusion_items(tmp_path: Path) -> None:
    names = ("NCT04077684", "NCT02084238", "NCT00002475")  # the last one's inclusion items have sub-items
    records = [parse((FIXTURES / "ctgov_xml" / f"{n}.xml").read_bytes())[0] for n in names]
    with Catalog(load(tmp_path)) as c:
        write_records(c, records)
        fields = c.store.vocabulary.match_fields([r.nct_id for r in records] + ["NCT00000000"])

    def items(criteria: tuple[Criterion, ...]) -> list[str]:
        return [t for x in criteria for t in (x.text, *items(x.children))]

    assert fields == {r.nct_id: ([*r.conditions, *r.condition_mesh], items(r.eligibility.inclusion)) for r in records}
    assert all(names and inclusion for names, inclusion in fields.values())
    assert any(x.children for r in records for x in r.eligibility.inclusion)  # sub-items are read too


def test_the_query_keeps_what_the_patient_has_not_how_they_tell_it() -> None:
    from indexer.discover.words import query_text

    assert query_text("I am 34, female, with SLE; my doctor mentioned low-dose IL-2") == "34 SLE low-dose IL-2"
    # Negated clauses go up to the next comma or full stop.
    assert query_text("62-year-old man, denies chest pain, has type 2 diabetes.") == "62-year-old type 2 diabetes"
