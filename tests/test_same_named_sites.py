"""Sites that share a name (a sponsor's "Investigational Site" twice in one city): a change to one is reported."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Trials, shared

STUDY = "NCT00645268"  # real: two "Pfizer Investigational Site, La Jolla" and two in Baltimore, by zip


def test_a_site_removed_or_changed_beside_one_of_the_same_name_is_reported(trials: Trials, tmp_path: Path) -> None:
    original = shared("ctgov", "v2", f"{STUDY}.json")
    study = json.loads(original.read_bytes())
    section = study["protocolSection"]
    sites = section["contactsLocationsModule"]["locations"]
    la_jolla = [i for i, s in enumerate(sites) if s.get("city") == "La Jolla"]
    baltimore = [i for i, s in enumerate(sites) if s.get("city") == "Baltimore"]
    assert len(la_jolla) == len(baltimore) == 2 and sites[la_jolla[0]]["facility"] == sites[la_jolla[1]]["facility"]
    gone = sites[la_jolla[0]]["zip"]
    sites[baltimore[0]]["status"] = "WITHDRAWN"  # one of the two Baltimore sites, the other as it was
    del sites[la_jolla[0]]
    section["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-30", "type": "ACTUAL"}
    later = tmp_path / "later.json"
    later.write_text(json.dumps(study))
    trials("--quiet", "ingest", str(original))
    trials("--quiet", "ingest", str(later))

    changes = trials.json("diff", STUDY)
    removed = [c["old"] for c in changes if c["field"] == "locations" and c["new"] is None]
    assert [(s["city"], s["zip"]) for s in removed] == [("La Jolla", gone)]
    assert not [c for c in changes if c["field"] == "locations" and c["old"] is None]  # nothing added
    statuses = [c for c in changes if c["field"].endswith("].status")]
    assert [(c["old"], c["new"]) for c in statuses] == [(None, "WITHDRAWN")] and "Baltimore" in statuses[0]["field"]
    events = trials.json("changes", "--since", "2026-11-30", "--event", "sites")
    assert sorted(e["summary"] for e in events) == sorted(
        [
            "site removed: Pfizer Investigational Site, La Jolla, United States",
            f"site {statuses[0]['field'][len('locations[') : -len('].status')]}: none -> WITHDRAWN",
        ]
    )
