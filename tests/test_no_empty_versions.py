"""Versions only for real changes: reordered unordered lists are no change; at equal dates API v2 beats XML."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from indexer.history.diff import diff_records
from indexer.record import UNORDERED_FIELDS
from tests.conftest import Trials, shared

SAME_DATE = "NCT00173134"  # API v2 JSON and 2021 XML both last updated 2005-09-15; only v2 has coordinates


@pytest.mark.parametrize("order", [("v2", "xml_2021"), ("xml_2021", "v2")])
def test_api_v2_wins_over_xml_at_the_same_date(trials: Trials, order: tuple[str, str]) -> None:
    paths = {
        "v2": shared("ctgov", "v2", f"{SAME_DATE}.json"),
        "xml_2021": shared("ctgov", "xml_2021", f"{SAME_DATE}.xml"),
    }
    v2 = json.loads(paths["v2"].read_text())["protocolSection"]
    date = v2["statusModule"]["lastUpdatePostDateStruct"]["date"]
    assert ET.parse(paths["xml_2021"]).getroot().findtext("last_update_posted") == "September 15, 2005"
    point = v2["contactsLocationsModule"]["locations"][0]["geoPoint"]
    for source in order:
        trials("--quiet", "ingest", str(paths[source]))
    shown = trials.json("show", SAME_DATE)
    assert shown["source"] == "ctgov" and shown["last_update_posted"] == date
    assert (shown["locations"][0]["lat"], shown["locations"][0]["lon"]) == (point["lat"], point["lon"])
    # The same history whichever document came first: the XML is the older version of that date.
    history = trials.json("history", SAME_DATE)
    assert [(v["version"], v["source"]) for v in history["versions"]] == [(1, "ctgov_xml"), (2, "ctgov")]


def _reordered(path: Path, out: Path) -> Path:
    """The same download with its keywords and MeSH terms in reverse order."""
    tree = ET.parse(path)
    root = tree.getroot()
    for parent, tag in ((root, "keyword"), (root.find("condition_browse"), "mesh_term")):
        assert parent is not None
        items = parent.findall(tag)
        assert len(items) > 1
        at = list(parent).index(items[0])
        for item in items:
            parent.remove(item)
        for k, item in enumerate(reversed(items)):
            parent.insert(at + k, item)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out


def test_reordered_lists_make_no_version(trials: Trials, tmp_path: Path) -> None:
    original = shared("ctgov", "xml_versions", "NCT02028676", "2016-08-04.xml")
    trials("--quiet", "ingest", str(original))
    copy = _reordered(original, tmp_path / "reordered.xml")
    result = trials("ingest", str(copy))
    assert " 0 new, 0 updated" in result.stderr
    assert [v["version"] for v in trials.json("history", "NCT02028676")["versions"]] == [1]


def test_diff_ignores_order_of_unordered_lists_only() -> None:
    old = {"nct_id": "X", "condition_mesh": ["b", "a"], "phases": ["PHASE1", "PHASE2"]}
    assert diff_records(old, {**old, "condition_mesh": ["a", "b"]}) == []
    assert diff_records(old, {**old, "phases": ["PHASE2", "PHASE1"]}) != []  # order that may mean something


def _browse_terms(path: Path) -> list[str]:
    return [e.text or "" for e in ET.parse(path).getroot().findall("intervention_browse/mesh_term")]


def test_real_reorderings_make_no_changes(trials: Trials) -> None:
    # Oracle from the files: NCT02028676's intervention MeSH terms change order but not content.
    files = sorted(shared("ctgov", "xml_versions", "NCT02028676").glob("*.xml"))
    terms = [_browse_terms(f) for f in files]
    assert any(a != b and sorted(a) == sorted(b) for a, b in itertools.pairwise(terms))
    trials("--quiet", "ingest", str(shared("ctgov", "xml_versions")))
    for study in shared("ctgov", "xml_versions").iterdir():
        for v in trials.json("history", study.name)["versions"][1:]:
            assert v["changes"], (study.name, v["version"])  # no empty version
            for c in v["changes"]:
                if c["field"] in UNORDERED_FIELDS and isinstance(c["old"], list) and isinstance(c["new"], list):
                    assert sorted(c["old"]) != sorted(c["new"]), (study.name, v["version"], c["field"])
