"""Normalisers: dates keep their precision, ages become years, legacy labels become API v2 enums."""

from __future__ import annotations

import csv

import pytest

from indexer import filter_values
from indexer import normalize as n
from tests.conftest import shared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("September 10, 2019", "2019-09-10"),
        ("March 2020", "2020-03"),
        ("2019-09", "2019-09"),
        ("2019-09-10", "2019-09-10"),
        ("10 September 2019", "2019-09-10"),
        ("Sept 2001", "2001-09"),
        ("31/12/2024", "2024-12-31"),
        ("10/09/2019", "2019-09-10"),  # both could be the month: day first, as the European registers write it
        ("12/31/2024", "2024-12-31"),  # only month first can be: a US trial finder's end date
        ("13/13/2024", None),
        ("February 30, 2020", None),
        ("soon", None),
        (None, None),
    ],
)
def test_iso_date(text: str | None, expected: str | None) -> None:
    assert n.iso_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 Years", 18),
        ("6 Months", 0.5),
        ("1 Year", 1),
        ("N/A", None),
        (None, None),
        ("2 Weeks", 0.0383),
        ("30 Days", 0.0821),
        ("65 years", 65),
    ],
)
def test_age_years(text: str | None, expected: float | None) -> None:
    assert n.age_years(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Recruiting", "RECRUITING"),
        ("Unknown status", "UNKNOWN"),
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Not yet recruiting", "NOT_YET_RECRUITING"),
        ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
        ("RECRUITING", "RECRUITING"),
    ],
)
def test_status(text: str, expected: str) -> None:
    assert n.status(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phase 2", ("PHASE2",)),
        ("Phase 1/Phase 2", ("PHASE1", "PHASE2")),
        ("Early Phase 1", ("EARLY_PHASE1",)),
        ("N/A", ("NA",)),
        (None, ()),
    ],
)
def test_phases(text: str | None, expected: tuple[str, ...]) -> None:
    assert n.phases(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", "PHASE2"), ("phase 3", "PHASE3"), ("early1", "EARLY_PHASE1"), ("na", "NA"), ("PHASE4", "PHASE4")],
)
def test_phase_filter(text: str, expected: str) -> None:
    assert filter_values.phase_filter(text) == expected


def test_design_and_enrollment_labels() -> None:
    assert n.design_value("Parallel Assignment") == "PARALLEL"
    assert n.masking("Quadruple (Participant, Care Provider, Investigator, Outcomes Assessor)") == "QUADRUPLE"
    assert n.masking("None (Open Label)") == "NONE"
    assert n.enrollment_type("Anticipated") == "ESTIMATED"
    assert n.study_type("Observational [Patient Registry]") == "OBSERVATIONAL"


def test_lazy_pattern_compiles_at_its_first_use_once() -> None:
    import re

    from indexer.normalize import lazy_pattern

    pattern = lazy_pattern(r"lupus\s+(\w+)", re.IGNORECASE)
    assert pattern() is pattern() and pattern() == re.compile(r"lupus\s+(\w+)", re.IGNORECASE)
    assert pattern().search("Systemic LUPUS erythematosus")[1] == "erythematosus"  # type: ignore[index]


def test_phases_as_other_registries_write_them() -> None:
    # Real values of the ICTRP export's Phase column (registries/ictrp): roman numerals and "2/ Phase 3".
    with (shared("registries", "ictrp") / "ictrp_main_sample.csv").open(encoding="utf-8", errors="replace") as f:
        values = {row["Phase"].strip() for row in csv.DictReader(f)}
    assert {"Phase III", "Phase 2/ Phase 3"} <= values
    assert n.phases("Phase III") == ("PHASE3",)
    assert n.phases("Phase 2/ Phase 3") == ("PHASE2", "PHASE3")
    # The shortened forms registry pages use (GSK, Takeda: "Phase 2/3", "Phase 1b/2").
    assert n.phases("Phase 2/3") == ("PHASE2", "PHASE3") and n.phases("Phase 1b/2") == ("PHASE1", "PHASE2")
