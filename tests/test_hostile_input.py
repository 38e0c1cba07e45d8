"""Input a hostile or careless user gives: refused with a message naming the fix, never a silent wrong answer."""

from __future__ import annotations

from tests.conftest import FIXTURES, Trials

SEED = FIXTURES / "ctgov_xml" / "NCT04077684.xml"  # recruiting, low-dose IL-2 in SLE, ages 18-65


def test_a_number_that_is_nan_is_a_usage_error_not_zero_results(trials: Trials) -> None:
    # click's FloatRange lets "nan" past its bounds (every comparison with it is false): the search then
    # found nothing ("0 of 0 matching trials within nan km") as if no trial matched.
    trials("--quiet", "ingest", str(SEED))
    assert [r["nct_id"] for r in trials.json("search", "lupus", "--age", "34")] == ["NCT04077684"]
    for args in (
        ("search", "lupus", "--age", "nan"),
        ("search", "lupus", "--near", "Beijing", "--within", "NaN"),
        ("changes", "--since", "2000-01-01", "--age", "nan"),
        ("match", "--text", "lupus", "--age", "nan"),
        ("similar", "NCT04077684", "--near", "Beijing", "--within", "nan"),
    ):
        bad = trials(*args, ok=False)
        assert bad.exit_code == 2 and "is not a number" in bad.stderr, (args, bad.output)
