"""A trial merged into one later merged in turn: every surface of its id names the last, as one story."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.parsers import parse_document
from tests.conftest import Trials
from tests.test_merged_trials import BEFORE, EU, EU_URL, EUDRACT, NCT, NOW, PROVISIONAL, URL, _crawl, _found
from web.app import create_app

# Takeda's real page of NCT00770497 before it named the NCT number, as before (BEFORE), and earlier still,
# before it gave the EudraCT number either (its one cell of it emptied): a trial of its own, which the EU
# page naming that number does not join.
LISTED = f'<span class="ext-link">{EUDRACT}</span>, '.encode()
EARLIEST = BEFORE.replace(LISTED, b"")
(_EU_RECORD,) = parse_document(EU, source_url=EU_URL).records
EU_TRIAL = _EU_RECORD.nct_id


def _chain(data: Path) -> dict[str, str]:
    """The crawls that merge the Takeda page's trial into the EU page's, then that one into the NCT trial:
    the date of each one's 'merged' event (checked: the setup is that chain)."""
    _crawl(data, EARLIEST)  # the Takeda page's trial
    _crawl(data, EU, url=EU_URL)  # the EU page's, another: nothing ties them yet
    _crawl(data, BEFORE)  # the Takeda page gives the EudraCT number: it joins the EU page's trial
    _crawl(data, NOW)  # it names the NCT number: both pages are the NCT trial's
    dates: dict[str, str] = {}
    with Catalog(load(data)) as c:
        for trial, into in ((PROVISIONAL, EU_TRIAL), (EU_TRIAL, NCT)):
            (event,) = [e for e in c.store.events.for_trial(trial) if e.type == "merged"]
            assert (event.old, event.new, event.date is not None) == (trial, into, True)
            dates[trial] = str(event.date)
    return dates


def test_the_setup_is_three_trials_from_real_pages() -> None:
    assert EARLIEST.count(b"NCT00770497") == BEFORE.count(b"NCT00770497") and BEFORE.count(LISTED) == 1
    assert EUDRACT not in parse_document(EARLIEST, source_url=URL).records[0].secondary_ids
    assert parse_document(EARLIEST, source_url=URL).records[0].nct_id == PROVISIONAL
    assert len({PROVISIONAL, EU_TRIAL, NCT}) == 3 and not EU_TRIAL.startswith("NCT")


def test_the_first_trials_id_names_the_last_everywhere_and_its_history_stays_its_own(tmp_path: Path) -> None:
    data = tmp_path / "data"
    dates = _chain(data)
    trials = Trials(data)
    assert _found(trials) == [NCT]
    with Catalog(load(data)) as c:
        merger = c.store.merged_into(PROVISIONAL)
        assert merger is not None and (merger.into, merger.date, merger.via) == (NCT, dates[PROVISIONAL], (EU_TRIAL,))
        direct = c.store.merged_into(EU_TRIAL)
        assert direct is not None and (direct.into, direct.date, direct.via) == (NCT, dates[EU_TRIAL], ())

    # `show`: the NCT trial, with what the first trial's history says and where that trial went.
    told = f"{PROVISIONAL} was merged into {EU_TRIAL} on {dates[PROVISIONAL]}, itself merged into {NCT}: the same trial"
    shown = trials("show", PROVISIONAL.lower())
    assert told in shown.stderr and NCT in shown.stdout
    assert trials.json("show", PROVISIONAL) == trials.json("show", NCT)
    # `history`: its own version, then its own event (the EU trial it joined then).
    own = trials.json("history", PROVISIONAL)
    assert own["nct_id"] == PROVISIONAL and [v["version"] for v in own["versions"]] == [1, None]
    assert [e["summary"] for e in own["versions"][-1]["events"]] == [f"merged into {EU_TRIAL}"]
    assert f"merged into {EU_TRIAL}" in trials("history", PROVISIONAL).stdout

    on = datetime.date.fromisoformat(dates[PROVISIONAL][:10])
    said = f"{PROVISIONAL} was merged into {EU_TRIAL} on {on:%b} {on.day}, {on.year}, itself merged into {NCT}"
    said += ": the same trial"
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        moved = client.get(f"/api/trials/{PROVISIONAL}", follow_redirects=False)
        assert moved.status_code == 308 and moved.headers["location"] == f"/api/trials/{NCT}"
        assert moved.json() == {
            "nct_id": PROVISIONAL,
            "merged_into": NCT,
            "merged_on": dates[PROVISIONAL],
            "merged_via": [EU_TRIAL],
        }
        led = client.get(f"/trials/{PROVISIONAL}", follow_redirects=False)
        assert led.status_code == 307
        page = client.get(led.headers["location"])
        assert page.url.path == f"/trials/{NCT}" and said in html.unescape(re.sub(r"<[^>]+>", "", page.text))
        # The EU trial's own address: merged straight into the NCT trial, as before.
        eu_on = datetime.date.fromisoformat(dates[EU_TRIAL][:10])
        eu_page = client.get(f"/trials/{EU_TRIAL}")
        eu_said = f"{EU_TRIAL} was merged into {NCT} on {eu_on:%b} {eu_on.day}, {eu_on.year}: the same trial"
        assert eu_said in html.unescape(re.sub(r"<[^>]+>", "", eu_page.text))
        assert client.get(f"/api/trials/{EU_TRIAL}", follow_redirects=False).json()["merged_via"] == []
        assert client.get(f"/api/trials/{PROVISIONAL}/history").json() == own
        history = html.unescape(re.sub(r"<[^>]+>", "", client.get(f"/trials/{PROVISIONAL}/history").text))
        assert f"History of {PROVISIONAL}" in history and f"merged into {EU_TRIAL}" in history
