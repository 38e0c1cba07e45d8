"""Change tracking on the real version history in ../shared/data/ctgov/xml_versions."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import FIXTURES, Trials, shared

VERSIONS = "xml_versions"


def _status(text: str) -> str:
    return "UNKNOWN" if text == "Unknown status" else re.sub(r"[^A-Za-z]+", "_", text).strip("_").upper()


def real_transitions() -> set[tuple[str, str, str]]:
    """(nct_id, old, new) for each consecutive status change in the downloads, read with ElementTree."""
    out = set()
    for study in sorted(shared("ctgov", VERSIONS).iterdir()):
        files = sorted(study.glob("*.xml"))
        statuses = [_status(ET.parse(f).getroot().findtext("overall_status") or "") for f in files]
        out |= {(study.name, a, b) for a, b in itertools.pairwise(statuses) if a != b}
    return out


@pytest.fixture
def tracked(trials: Trials) -> Trials:
    trials("--quiet", "ingest", str(shared("ctgov", VERSIONS)))
    return trials


def test_every_real_status_transition_is_in_history(tracked: Trials) -> None:
    expected = real_transitions()
    assert len(expected) >= 10
    found = set()
    for nct_id in {t[0] for t in expected}:
        history = tracked.json("history", nct_id)
        assert history["nct_id"] == nct_id
        for v in history["versions"]:
            found |= {(nct_id, c["old"], c["new"]) for c in v["changes"] if c["field"] == "overall_status"}
            assert all(
                e["type"] in {"new", "status", "enrollment", "dates", "eligibility", "sites", "results"}
                for e in v["events"]
            )
    assert expected <= found


def test_history_json_shape_and_events(tracked: Trials) -> None:
    h = tracked.json("history", "NCT02798588")
    assert [v["version"] for v in h["versions"]] == [1, 2, 3, 4]
    assert [v["date"] for v in h["versions"]] == sorted(v["date"] for v in h["versions"])
    v3 = h["versions"][2]
    assert {"field": "overall_status", "old": "NOT_YET_RECRUITING", "new": "RECRUITING"} in v3["changes"]
    assert any(e["type"] == "status" and e["new"] == "RECRUITING" for e in v3["events"])
    assert any(e["type"] == "sites" for e in v3["events"])
    v4 = h["versions"][3]
    assert any(e["type"] == "enrollment" and (e["old"], e["new"]) == (20, 27) for e in v4["events"])
    text = tracked("history", "NCT02798588").stdout
    assert "status NOT_YET_RECRUITING -> RECRUITING" in text


def test_ingesting_all_versions_again_adds_none(tracked: Trials) -> None:
    before = tracked.json("stats")
    result = tracked("ingest", str(shared("ctgov", VERSIONS)))
    assert " 0 new, 0 updated, 0 older versions" in result.stderr
    assert tracked.json("stats") == before


def test_diff(tracked: Trials) -> None:
    changes = tracked.json("diff", "NCT02798588", "--from", "2", "--to", "3")
    assert {"field": "overall_status", "old": "NOT_YET_RECRUITING", "new": "RECRUITING"} in changes
    assert tracked.json("diff", "NCT02798588", "--from", "3", "--to", "3") == []
    text = tracked("diff", "NCT02798588", "--to", "3").stdout
    assert "~ overall_status: NOT_YET_RECRUITING -> RECRUITING" in text
    assert tracked("diff", "NCT02798588", "--to", "9", ok=False).exit_code == 2
    assert tracked("diff", "NCT00000000", ok=False).exit_code == 1


def test_changes_across_the_registry(tracked: Trials) -> None:
    status = tracked.json("changes", "--since", "2000-01-01", "--event", "status", "--limit", "1000")
    assert {(e["nct_id"], e["old"], e["new"]) for e in status} >= real_transitions()
    assert [e["date"] for e in status] == sorted((e["date"] for e in status), reverse=True)
    recent = tracked.json("changes", "--since", "2018-01-01", "--limit", "1000")
    assert recent and all(e["date"] >= "2018-01-01" for e in recent)
    lung = tracked.json("changes", "--since", "2000-01-01", "--condition", "lung cancer", "--limit", "1000")
    assert lung and {e["nct_id"] for e in lung} <= {"NCT00023673", "NCT01642004", "NCT02679963"}
    field = tracked.json("changes", "--since", "2000-01-01", "--field", "eligibility", "--limit", "1000")
    assert field and all(e["field"].startswith("eligibility.") for e in field)


def test_watch_reports_new_matches_then_changes(trials: Trials, tmp_path: Path) -> None:
    study = shared("ctgov", VERSIONS, "NCT02798588")
    files = sorted(study.glob("*.xml"))
    trials("--quiet", "ingest", *map(str, files[:2]))
    trials("watch", "add", "mine", "--condition", "coma")
    first = trials.json("watch", "run", "mine")[0]
    assert first["first_run"] and [r["nct_id"] for r in first["new_matches"]] == ["NCT02798588"]
    assert trials.json("watch", "run", "mine")[0]["new_matches"] == []
    trials("--quiet", "ingest", *map(str, files[2:]))
    feed = tmp_path / "mine.xml"
    second = trials.json("watch", "run", "mine", "--atom", str(feed))[0]
    assert second["new_matches"] == []
    [changed] = second["changed"]
    assert changed["nct_id"] == "NCT02798588"
    assert any("NOT_YET_RECRUITING -> RECRUITING" in e["summary"] for e in changed["events"])
    root = ET.parse(feed).getroot()
    # The feed keeps the first run's new match and adds this run's change, with each event in its content.
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    kinds = [e.find("{http://www.w3.org/2005/Atom}category").get("term") for e in entries]  # type: ignore[union-attr]
    assert sorted(kinds) == ["changed", "new"]
    content = root.findtext(".//{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content") or ""
    assert all(e["summary"] in content for e in changed["events"])
    assert trials.json("watch", "run", "mine")[0]["changed"] == []  # remembered
    assert [w["name"] for w in trials.json("watch", "list")] == ["mine"]
    trials("watch", "rm", "mine")
    assert trials("watch", "rm", "mine", ok=False).exit_code == 1
    assert trials("watch", "add", "x", "--status", "bogus", ok=False).exit_code == 2


def test_brain_injury_fixture_is_the_shared_one() -> None:
    copied = sorted(p.name for p in (FIXTURES / "ctgov_xml_versions" / "NCT02798588").glob("*.xml"))
    assert copied == sorted(p.name for p in shared("ctgov", VERSIONS, "NCT02798588").glob("*.xml"))


def test_watch_and_changes_filters_use_synonyms(trials: Trials) -> None:
    seed, earlier = (str(shared("ctgov", "xml", f"{i}.xml")) for i in ("NCT04077684", "NCT02084238"))
    trials("--quiet", "ingest", seed, earlier)
    trials("watch", "add", "il2", "--condition", "SLE", "--drug", "IL-2")
    [run] = trials.json("watch", "run")
    assert sorted(r["nct_id"] for r in run["new_matches"]) == ["NCT02084238", "NCT04077684"]
    events = trials.json("changes", "--since", "2000-01-01", "--condition", "SLE", "--event", "new")
    assert sorted(e["nct_id"] for e in events) == ["NCT02084238", "NCT04077684"]
