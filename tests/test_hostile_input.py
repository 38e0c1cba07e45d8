"""Input a hostile or careless user gives: refused with a message naming the fix, never a silent wrong answer."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

from fastapi.testclient import TestClient

from indexer.config import load
from tests.conftest import FIXTURES, Trials, shared
from web.app import create_app

SEED = FIXTURES / "ctgov_xml" / "NCT04077684.xml"  # recruiting, low-dose IL-2 in SLE, ages 18-65
VERSIONS = FIXTURES / "ctgov_xml_versions" / "NCT02798588"  # five dated downloads, 2016 to 2018


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


def test_a_pipe_given_to_ingest_is_named_as_no_file_not_as_missing(trials: Trials, tmp_path: Path) -> None:
    # `trials ingest <(unzip -p studies.zip)`: the pipe exists, and was said to be "no such file or folder".
    pipe = tmp_path / "studies.json"
    os.mkfifo(pipe)
    bad = trials("ingest", str(SEED), str(pipe), ok=False)
    assert bad.exit_code == 2 and f"{pipe} is not a file or a folder (a pipe or a device)" in bad.stderr, bad.output
    assert "save it to a file first" in bad.stderr
    trials("--quiet", "ingest", str(SEED))  # the file alone is read
    assert [r["nct_id"] for r in trials.json("search", "lupus")] == ["NCT04077684"]


def test_a_date_that_reads_either_way_is_refused_naming_both_days(trials: Trials) -> None:
    # Registry dates are read day first; "01/02/2017" from someone in the US (January 2) was taken as the
    # 1st of February without a word, leaving a month of events out.
    trials("--quiet", "ingest", str(VERSIONS))
    assert trials.json("changes", "--since", "2017-01-02")
    for option in ("--since", "--recorded-since"):
        bad = trials("changes", option, "01/02/2017", ok=False)
        assert bad.exit_code == 2, bad.output
        assert "'01/02/2017' could be 2017-02-01 or 2017-01-02: write it as YYYY-MM-DD" in bad.stderr, bad.stderr
    one_way = trials.json("changes", "--since", "13/01/2017")  # only a day first: as before
    assert one_way == trials.json("changes", "--since", "2017-01-13")
    with TestClient(create_app(load(trials.data_dir)), raise_server_exceptions=False) as client:
        answer = client.get("/api/changes", params={"since": "01/02/2017"})
    assert answer.status_code == 422 and "could be 2017-02-01 or 2017-01-02" in answer.json()["error"]


def test_a_watch_name_too_long_for_its_feed_file_is_refused_when_added(trials: Trials, tmp_path: Path) -> None:
    # It was saved, and from then on every `watch run --atom DIR` failed writing its feed (exit 1, no
    # watch's run remembered) until someone found and removed it.
    trials("--quiet", "ingest", str(SEED))
    bad = trials("watch", "add", "lupus-" + "x" * 240, "--condition", "lupus", ok=False)
    assert bad.exit_code == 2 and "at most 200 bytes (it names the watch's feed file)" in bad.stderr, bad.output
    trials("watch", "add", "lupus-" + "x" * 194, "--condition", "lupus")  # 200 bytes: kept
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    trials("--quiet", "watch", "run", "--atom", str(feeds))
    assert [p.name for p in feeds.iterdir()] == ["lupus-" + "x" * 194 + ".xml"]
    assert [w["name"] for w in trials.json("watch", "list")] == ["lupus-" + "x" * 194]


def test_a_records_address_is_linked_only_when_it_is_a_web_address(trials: Trials, tmp_path: Path) -> None:
    # A legacy XML's <url> becomes the record's source_url, and the trial and history pages linked it as
    # given: escaping keeps it one attribute, but `javascript:...` is still a link that runs script.
    seed = SEED.read_text(encoding="utf-8")
    assert "<url>https://clinicaltrials.gov/show/NCT04077684</url>" in seed
    hostile = tmp_path / "NCT04077685.xml"
    hostile.write_text(
        seed.replace("NCT04077684", "NCT04077685").replace(
            "<url>https://clinicaltrials.gov/show/NCT04077685</url>", "<url>javascript:alert(document.domain)</url>"
        ),
        encoding="utf-8",
    )
    trials("--quiet", "ingest", str(SEED), str(hostile))
    with TestClient(create_app(load(trials.data_dir)), raise_server_exceptions=False) as client:
        pages = {path: client.get(path).text for path in ("/trials/NCT04077685", "/trials/NCT04077685/history")}
        seed_page = client.get("/trials/NCT04077684").text
    for path, page in pages.items():
        assert "javascript:alert(document.domain)" not in re.findall(r'href="([^"]*)"', page), path
    assert "javascript:alert(document.domain)" in pages["/trials/NCT04077685"]  # shown as text, not linked
    assert 'href="https://clinicaltrials.gov/show/NCT04077684"' in seed_page


def test_a_batch_line_without_words_or_with_a_repeated_id_is_named_not_ranked(trials: Trials, tmp_path: Path) -> None:
    # `"text": null` was searched as the word "None" and its trials written under the line's id; a repeated
    # id wrote two rankings under one query_id (a run no scorer reads); a BOM (Notepad's UTF-8) was refused.
    trials("--quiet", "ingest", str(SEED))
    batch = tmp_path / "topics.jsonl"
    for content, said in (
        ('{"id": "p1", "text": null}\n', ':1: each line must be a JSON object with "id" and "text" (text null'),
        ('{"id": "p1", "text": ["lupus"]}\n', '(text ["lupus"]: give the patient in words)'),
        ('{"id": null, "text": "lupus"}\n', "(id null: give a name or a number)"),
        ('{"id": 1, "text": "lupus"}\n{"id": "1", "text": "SLE"}\n', ":2: id '1' is on line 1 too"),
    ):
        batch.write_text(content)
        bad = trials("match", "--batch", str(batch), "--ndjson", ok=False)
        assert bad.exit_code == 1 and said in bad.stderr, (content, bad.output)
    batch.write_text('{"id": "p1", "text": "woman, 34, lupus"}\n', encoding="utf-8-sig")
    ranked = trials("--quiet", "match", "--batch", str(batch), "--ndjson", "--status", "any").stdout.splitlines()
    assert [json.loads(line)["nct_id"] for line in ranked] == ["NCT04077684"]


def test_words_after_in_that_are_a_us_state_and_a_country_code_are_no_crash(trials: Trials) -> None:
    # "in Me" (Maine, and Montenegro's code): reading it as a country asked the place box, which refuses a
    # state's code, and the refusal escaped: a traceback from search and match, a 500 from the web.
    trials("--quiet", "ingest", str(SEED))
    text = "lupus, with a rash in Me and my sister"
    assert "NCT04077684" in [r["nct_id"] for r in trials.json("search", text)]
    assert "NCT04077684" in [r["nct_id"] for r in trials.json("match", "--text", text, "--status", "any")]
    with TestClient(create_app(load(trials.data_dir)), raise_server_exceptions=False) as client:
        assert client.get("/api/search", params={"q": text}).status_code == 200
        assert client.get("/search", params={"q": text}).status_code == 200
        assert client.post("/api/match", json={"text": text}).status_code == 200
        assert client.post("/match", data={"text": text}).status_code == 200


def test_two_letters_in_the_words_are_no_country_or_state(trials: Trials) -> None:
    # "Near Me" and "lives in Pa" were read as a place (Montenegro's and Panama's codes), which the search
    # then refused as a US state's code: a usage error about a --near nobody gave. "in My joints" narrowed
    # the trials to Malaysia's, and found none.
    trials("--quiet", "ingest", str(SEED))  # sites in China
    for text in ("Lupus Trials Near Me", "my dad lives in Pa and has lupus", "lupus with pain in My joints"):
        assert "NCT04077684" in [r["nct_id"] for r in trials.json("search", text)], text
        found = trials("match", "--text", text, "--status", "any", "--json")
        assert "NCT04077684" in [r["nct_id"] for r in json.loads(found.stdout)], (text, found.stderr)
    in_the_uk = trials("search", "lupus, I live in the UK")  # an abbreviation a country is known by still is
    assert "with a site in UK (GB)" in in_the_uk.stderr


def test_a_home_the_gazetteer_does_not_know_is_said_not_dropped(trials: Trials) -> None:
    # "I live in Bostn" (a typo) or "in Ohio" (a state, no point to measure from) was left out without a
    # word, as an unknown ZIP code is not: the patient saw trials from anywhere as if near home.
    trials("--quiet", "ingest", str(SEED))
    for text, said in (
        ("I am 34, female, with SLE. I live in Bostn", "place not read: 'Bostn' is not a place the gazetteer knows"),
        ("SLE, 34, F, living near Springfeld, MA", "Did you mean: Springfield, US"),
        ("SLE; I live in Ohio", "place not read: 'Ohio' is a US state, not a place: name a city or a ZIP code in it"),
    ):
        found = trials("match", "--text", text, "--status", "any")
        assert said in found.stderr and "trials anywhere are shown (give --near or --country)" in found.stderr, text
        assert "NCT04077684" in found.stdout, text
    with TestClient(create_app(load(trials.data_dir)), raise_server_exceptions=False) as client:
        answer = client.post("/api/match", json={"text": "SLE, I live in Bostn", "status": ["any"]}).json()
    assert any("'Bostn' is not a place" in note for note in answer["patient"]["notes"]), answer["patient"]
    near = trials("match", "--text", "SLE, I live in Beijing", "--status", "any")  # a known home: no note
    assert "near Beijing" in near.stderr and "place not read" not in near.stderr


def test_an_ingest_that_found_no_document_says_so(trials: Trials, tmp_path: Path) -> None:
    # A folder of compressed downloads (or the website's CSV) read nothing, and said only "0 new, 0 updated,
    # ..., 0 failed", as if its trials were stored already; a crawl that fetches nothing says so.
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "NCT04077684.xml.gz").write_bytes(gzip.compress(SEED.read_bytes()))
    nothing = trials("ingest", str(folder))
    assert nothing.exit_code == 0 and f"found no document to ingest in {folder}: folders are read for" in nothing.stderr
    (folder / "NCT04077684.xml").write_bytes(SEED.read_bytes())
    read = trials("ingest", str(folder))
    assert "1 new" in read.stderr and "found no document" not in read.stderr


def test_a_field_that_makes_no_events_is_answered_with_the_fields_that_do(trials: Trials) -> None:
    # "--field status" (for overall_status) was told only that status makes no events, as if it were a
    # field whose changes are not events, without the name that would have found them.
    trials("--quiet", "ingest", str(VERSIONS))
    typo = trials("changes", "--since", "2000-01-01", "--field", "status")
    assert "changes of status make no events" in typo.stderr
    assert "Fields that make events: overall_status, enrollment, start_date," in typo.stderr, typo.stderr
    assert trials.json("changes", "--since", "2000-01-01", "--field", "overall_status")  # the name it gives finds them


def test_an_empty_trial_id_is_a_usage_error_not_a_trial_to_fetch(trials: Trials) -> None:
    # `trials show "$ID"` with ID unset said "Error:  is not in DATA_DIR; fetch it with `trials ingest FILE`".
    trials("--quiet", "ingest", str(SEED))
    for command in ("show", "history", "diff", "similar"):
        for given in ("", "  "):
            bad = trials(command, given, ok=False)
            assert bad.exit_code == 2 and "TRIAL_ID is empty: give an NCT id" in bad.stderr, (command, bad.output)
    assert trials.json("show", "nct04077684")["nct_id"] == "NCT04077684"


def test_a_file_named_to_ingest_that_is_no_document_is_said(trials: Trials, tmp_path: Path) -> None:
    # `trials ingest INDEX.csv` said only "1 skipped" (and a log line): the kinds that are read are named.
    index = shared("ctgov", "xml", "INDEX.csv")
    said = "is no document ingest reads (skipped): it reads API v2 JSON"
    alone = trials("ingest", str(index))
    assert alone.exit_code == 0 and f"warning: {index} {said}" in alone.stderr, alone.stderr
    beside = trials("ingest", str(index), str(SEED))  # read with a document: still said, of that file only
    assert "1 new" in beside.stderr and beside.stderr.count(said) == 1 and f"{index} {said}" in beside.stderr
    folder = tmp_path / "downloads"  # in a folder, a .csv is not looked at (the folder's own warning)
    folder.mkdir()
    (folder / "INDEX.csv").write_bytes(index.read_bytes())
    assert said not in trials("ingest", str(folder)).stderr
