"""Filters (age, sex, status, phase, freshness) select trials and never score them: a trial's score is its
text match alone, whatever way the index's segments were written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SHARED, Trials

XML = SHARED / "ctgov" / "xml"
FILTERED = (
    ("--age", "50", "--sex", "F"),
    ("--age", "70", "--sex", "FEMALE"),
    ("--age", "17"),
    ("--sex", "M", "--status", "completed"),
    ("--age", "40", "--phase", "2,3"),
)


def _scores(trials: Trials, *args: str) -> list[tuple[str, float]]:
    return [(r["nct_id"], r["score"]) for r in trials.json("search", *args, "--limit", "1000")]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trials, Trials]:
    """The same real records twice: in one ingest (one segment), and newest first in five ingests of
    a few records per commit (five segments of other trials)."""
    files = sorted(XML.glob("NCT*.xml"))
    whole = Trials(tmp_path_factory.mktemp("whole") / "data")
    whole("--quiet", "ingest", str(XML))
    parts = Trials(tmp_path_factory.mktemp("parts") / "data")
    newest_first = files[::-1]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRIALS_BATCH_SIZE", "13")
        for k in range(5):
            parts("--quiet", "ingest", *map(str, newest_first[k::5]))
    return whole, parts


@pytest.mark.parametrize("filters", FILTERED, ids=" ".join)
def test_filters_do_not_change_scores(stores: tuple[Trials, Trials], filters: tuple[str, ...]) -> None:
    whole, parts = stores
    # The same records give the same scores however the index laid them out.
    assert dict(_scores(whole, "cancer", *filters)) == pytest.approx(dict(_scores(parts, "cancer", *filters)))
    # Oracle: the unfiltered search's scores, to which no filter contributes.
    plain = dict(_scores(whole, "cancer", "--status", "any"))
    for store in (whole, parts):
        found = _scores(store, "cancer", *filters)
        assert found, filters
        assert {n: round(s, 3) for n, s in found} == {n: round(plain[n], 3) for n, _ in found}


def test_filters_keep_the_text_order(stores: tuple[Trials, Trials]) -> None:
    """Within one store a filter only removes trials: the rest keep their unfiltered order."""
    _, parts = stores
    plain = [n for n, _ in _scores(parts, "lupus", "--status", "any")]
    kept = [n for n, _ in _scores(parts, "lupus", "--age", "30", "--sex", "F")]
    assert kept and len(kept) < len(plain)
    assert kept == [n for n in plain if n in set(kept)]


def test_the_stores_hold_the_same_records(stores: tuple[Trials, Trials]) -> None:
    whole, parts = stores
    counts = {row["what"]: row["count"] for row in whole.json("stats")}
    assert counts["records"] == counts["indexed"] == len(list(XML.glob("NCT*.xml")))
    assert whole.json("stats") == parts.json("stats")


def test_similar_trials_score_alike_with_a_filter_every_trial_passes(stores: tuple[Trials, Trials]) -> None:
    """A status filter naming every status the records have removes no trial and changes no score."""
    _, parts = stores
    statuses = sorted({re.sub(r"\W+", "_", s.strip().lower()) for p in XML.glob("NCT*.xml") for s in _status(p)})
    plain = [(r["nct_id"], r["score"]) for r in parts.json("similar", "NCT04077684", "--limit", "20")]
    every = [
        (r["nct_id"], r["score"])
        for r in parts.json("similar", "NCT04077684", "--limit", "20", "--status", ",".join(statuses))
    ]
    assert len(plain) == 20
    assert every == plain


def _status(path: Path) -> list[str]:
    return re.findall(r"<overall_status>([^<]+)</overall_status>", path.read_text(encoding="utf-8"))
