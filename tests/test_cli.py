"""The `trials` CLI on real fixture records: outputs, exit codes, and messages that name the fix."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from tests.conftest import FIXTURES, Trials


def ingest_fixtures(trials: Trials) -> None:
    trials("--quiet", "ingest", str(FIXTURES / "ctgov"), str(FIXTURES / "ctgov_xml"))


def test_search_outputs(trials: Trials) -> None:
    ingest_fixtures(trials)
    rows = trials.json("search", "--condition", "lupus")
    assert {r["nct_id"] for r in rows} == {"NCT04077684", "NCT02084238"}
    assert all("eligibility" in r and "score" in r for r in rows)
    lines = trials("--quiet", "search", "--condition", "lupus", "--ndjson").stdout.splitlines()
    assert sorted(json.loads(x)["nct_id"] for x in lines) == ["NCT02084238", "NCT04077684"]
    table = list(csv.DictReader(io.StringIO(trials("search", "--condition", "lupus", "--csv").stdout)))
    assert {r["nct_id"] for r in table} == {"NCT04077684", "NCT02084238"}
    assert {r["overall_status"] for r in table} == {"RECRUITING", "COMPLETED"}
    text = trials("search", "--condition", "lupus", "--status", "recruiting").stdout
    assert "NCT04077684" in text and "NCT02084238" not in text


def test_search_filters_from_the_command_line(trials: Trials) -> None:
    ingest_fixtures(trials)
    assert [r["nct_id"] for r in trials.json("search", "--condition", "lupus", "--age", "80")] == []
    assert {r["nct_id"] for r in trials.json("search", "IL-2", "--sex", "f", "--phase", "2")} == {"NCT04077684"}
    explained = trials.json("search", "lupus", "--explain", "--limit", "1")
    assert "conditions" in explained[0]["explain"]


def test_zero_results_exit_0_and_usage_errors_exit_2(trials: Trials) -> None:
    ingest_fixtures(trials)
    assert trials.json("search", "--condition", "nonexistentdisease") == []
    assert trials("search", "--status", "recruting", ok=False).exit_code == 2
    assert trials("search", "--sex", "X", ok=False).exit_code == 2
    assert trials("search", "--phase", "7", ok=False).exit_code == 2


def test_reads_of_a_data_directory_without_a_store_name_the_fix_and_create_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "mistyped"
    reads = [
        ("search", "lupus"),
        ("show", "NCT04077684"),
        ("similar", "NCT04077684"),
        ("match", "--text", "I am 34, with lupus"),
        ("history", "NCT04077684"),
        ("changes", "--since", "2020-01-01"),
        ("stats",),
        ("export",),
        ("watch", "list"),
    ]
    for args in reads:
        result = Trials(missing)(*args, ok=False)
        assert result.exit_code == 1, (args, result.output)
        assert f"no trials stored in {missing}" in result.output and "trials ingest PATH" in result.output, args
    assert not missing.exists()
    # A command that stores something makes the directory; then reads of it work (zero results: exit 0).
    trials = Trials(missing)
    trials("--quiet", "watch", "add", "lupus-watch", "--condition", "lupus")
    assert trials.json("search", "lupus") == []


def test_show(trials: Trials) -> None:
    ingest_fixtures(trials)
    record = trials.json("show", "NCT04077684")
    assert record["nct_id"] == "NCT04077684" and len(record["eligibility"]["exclusion"]) == 14
    text = trials("show", "nct04077684").stdout
    assert "Exclusion criteria (14)" in text and "Peking University People's Hospital" in text
    missing = trials("show", "NCT00000000", ok=False)
    assert missing.exit_code == 1 and "trials crawl ctgov --nct NCT00000000" in missing.output


def test_export_and_stats(trials: Trials) -> None:
    ingest_fixtures(trials)
    exported = [json.loads(x) for x in trials("export").stdout.splitlines()]
    assert len(exported) == 13 == len({r["nct_id"] for r in exported})
    by_status = {r["status"]: r["count"] for r in trials.json("stats", "--by", "status")}
    assert by_status["RECRUITING"] >= 1 and sum(by_status.values()) == 13
    totals = {r["what"]: r["count"] for r in trials.json("stats")}
    assert totals["records"] == totals["indexed"] == 13


def test_ingest_zip_of_bulk_json(trials: Trials, tmp_path: Path) -> None:
    archive = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted((FIXTURES / "ctgov").glob("NCT*.json")):
            if not f.name.endswith(".expected.json"):
                zf.write(f, f"ctg-studies/{f.name}")
    result = trials("ingest", str(archive))
    assert "3 new" in result.stderr
    assert len(trials("export").stdout.splitlines()) == 3


def test_ingest_reports_bad_files_and_keeps_them(trials: Trials, tmp_path: Path) -> None:
    bad = tmp_path / "NCT12345678.xml"
    bad.write_text("<clinical_study><id_info><nct_id>NCT1234")
    result = trials("ingest", str(bad), ok=False)
    # Nothing read: exit 1, as a crawl that fetched nothing; a cron chain `ingest && watch run` stops.
    assert result.exit_code == 1 and "1 failed" in result.stderr and "nothing could be read" in result.stderr
    [failure] = trials.json("failures")
    assert failure["location"] == str(bad) and "invalid XML" in failure["error"]
    # Some read, some failed: exit 3 (partial), the good one stored.
    good = FIXTURES / "ctgov" / "NCT00057759.json"
    partial = trials("ingest", str(bad), str(good), ok=False)
    assert partial.exit_code == 3 and "1 new" in partial.stderr and "trials failures" in partial.stderr
    assert trials.json("show", "NCT00057759")["nct_id"] == "NCT00057759"


def test_ingest_missing_path_is_a_usage_error(trials: Trials) -> None:
    assert trials("ingest", "/no/such/path", ok=False).exit_code == 2


def test_reindex(trials: Trials) -> None:
    ingest_fixtures(trials)
    assert "indexed 13 records" in trials("reindex").stderr
    assert len(trials.json("search", "--limit", "100")) == 13


def test_search_explain_in_the_table_names_the_words_each_result_matched(trials: Trials) -> None:
    ingest_fixtures(trials)
    out = trials("search", "low-dose IL-2", "--condition", "lupus", "--explain").stdout
    ids = [row["nct_id"] for row in trials.json("search", "low-dose IL-2", "--condition", "lupus")]
    assert ids
    for nct_id in ids:
        [line] = [x for x in out.splitlines() if x.startswith(f"{nct_id}  score ")]
        assert "conditions: lupus" in line or "condition_mesh: lupus" in line
