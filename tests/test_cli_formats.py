"""Every command that prints a list prints it as a table, --json, --ndjson and --csv, from one set of options."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import Trials, shared

COMA = "NCT02798588"  # five real downloads: NOT_YET_RECRUITING, then RECRUITING from the third, sites added


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _ndjson(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize(
    "command",
    [
        ("search",),
        ("show",),
        ("similar",),
        ("match",),
        ("export",),
        ("stats",),
        ("history",),
        ("diff",),
        ("changes",),
        ("failures",),
        ("watch", "list"),
        ("watch", "run"),
    ],
)
def test_every_listing_command_documents_the_three_formats(trials: Trials, command: tuple[str, ...]) -> None:
    shown = " ".join(trials(*command, "--help").stdout.split())
    for line in ("--json One JSON array", "--ndjson One JSON object per line.", "--csv CSV with a header row."):
        assert line in shown, (command, line)


@pytest.mark.parametrize(
    "command",
    [
        ("search", "coma"),
        ("show", COMA),
        ("similar", COMA),
        ("match", "--text", "a coma after a head injury"),
        ("export",),
        ("stats",),
        ("history", COMA),
        ("diff", COMA),
        ("changes", "--since", "2000-01-01"),
        ("failures",),
        ("watch", "list"),
        ("watch", "run"),
    ],
)
def test_two_output_formats_at_once_are_a_usage_error(trials: Trials, command: tuple[str, ...]) -> None:
    """`--json --csv` was the last flag winning without a word (CSV written)."""
    trials("--quiet", "ingest", str(shared("ctgov", "xml_versions", COMA)))
    for flags in (("--json", "--csv"), ("--ndjson", "--json")):
        result = trials(*command, *flags, ok=False)
        assert result.exit_code == 2, (command, flags, result.output)
        assert f"{flags[0]} and {flags[1]}: give one output format" in result.stderr, result.stderr
        assert result.stdout == ""
    assert json.loads(trials(*command, "--json").stdout) is not None  # one format is read as before


def test_diff_as_ndjson_and_csv(trials: Trials) -> None:
    trials("--quiet", "ingest", str(shared("ctgov", "xml_versions", COMA)))
    asked = ("diff", COMA, "--from", "2", "--to", "3")
    changes = trials.json(*asked)
    assert _ndjson(trials(*asked, "--ndjson").stdout) == changes
    rows = _csv(trials(*asked, "--csv").stdout)
    assert len(rows) == len(changes) and {r["nct_id"] for r in rows} == {COMA}
    status = {"nct_id": COMA, "field": "overall_status", "change": "changed"}
    assert {**status, "old": "NOT_YET_RECRUITING", "new": "RECRUITING"} in rows
    assert {**status, "field": "first_posted", "change": "added", "old": "", "new": "2016-06-14"} in rows
    # Contacts replaced: list items added and removed, each as JSON (a CSV cell holds no object).
    later = _csv(trials("diff", COMA, "--from", "3", "--to", "4", "--csv").stdout)
    contacts = [r for r in later if r["field"] == "central_contacts"]
    added = {json.loads(r["new"])["name"] for r in contacts if r["change"] == "added" and r["old"] == ""}
    gone = {json.loads(r["old"])["name"] for r in contacts if r["change"] == "removed" and r["new"] == ""}
    assert added == {"Florent GOBERT, MD"} and "Frédéric DAILLER, MD" in gone
    assert trials(*asked, "--csv", "--from", "3").stdout.splitlines() == ["nct_id,field,change,old,new"]


def test_watch_list_and_run_as_ndjson_and_csv(trials: Trials) -> None:
    files = sorted(shared("ctgov", "xml_versions", COMA).glob("*.xml"))
    trials("--quiet", "ingest", *map(str, files[:2]))
    trials("--quiet", "watch", "add", "coma-soon", "--condition", "coma", "--status", "not_yet_recruiting")
    [new] = _csv(trials("--quiet", "watch", "run", "--csv").stdout)
    assert (new["watch"], new["run"], new["kind"], new["nct_id"]) == ("coma-soon", "1", "new", COMA)
    assert new["overall_status"] == "NOT_YET_RECRUITING"
    [listed] = _csv(trials("watch", "list", "--csv").stdout)
    assert (listed["name"], listed["runs"], listed["matching"]) == ("coma-soon", "1", "1")
    assert json.loads(listed["query"])["conditions"] == ["coma"]
    assert _ndjson(trials("watch", "list", "--ndjson").stdout) == trials.json("watch", "list")

    trials("--quiet", "ingest", *map(str, files[2:]))  # now recruiting: it leaves the watch
    rows = _ndjson(trials("--quiet", "watch", "run", "--dry-run", "--ndjson").stdout)
    assert all(set(r) == set(rows[0]) for r in rows)  # every row has every column
    [left] = [r for r in rows if r["kind"] == "left"]
    assert (left["nct_id"], left["field"], left["old"], left["new"]) == (
        COMA,
        "overall_status",
        "NOT_YET_RECRUITING",
        "RECRUITING",
    )
    changed = [r for r in rows if r["kind"] == "changed"]
    assert {r["event"] for r in changed} >= {"status", "sites", "enrollment"}
    assert all(r["nct_id"] == COMA and r["still_matches"] is False and r["summary"] for r in changed)
    # Each row says the trial's status now, whatever its kind: the last download's, read here from its XML.
    now = (ET.parse(files[-1]).getroot().findtext("overall_status") or "").upper().replace(" ", "_")
    assert {r["overall_status"] for r in rows} == {now} == {"RECRUITING"}
    as_json = trials.json("watch", "run", "--dry-run")[0]
    assert [c["overall_status"] for c in as_json["changed"]] == [now]
    assert len(changed) == sum(len(c["events"]) for c in as_json["changed"])
    table = _csv(trials("--quiet", "watch", "run", "--csv").stdout)
    assert [(r["kind"], r["event"], r["summary"]) for r in table] == [
        (r["kind"], r["event"] or "", r["summary"] or "") for r in rows
    ]
    assert trials("--quiet", "watch", "run", "--csv").stdout.splitlines() == [",".join(table[0])]  # remembered
