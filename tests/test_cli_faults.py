"""Bad input files and odd ids: a clear message and the right exit code, never a traceback or a lost document."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import FIXTURES, ROOT, Trials, run_trials, shared

STUDY = FIXTURES / "ctgov" / "NCT00080808.json"
SEED = FIXTURES / "ctgov_xml" / "NCT04077684.xml"  # org study id 2018PHB041-01
VERSIONS = FIXTURES / "ctgov_xml_versions" / "NCT02798588"


def _encrypt_first_member(archive: Path) -> None:
    """Set the 'encrypted' flag of the archive's first member, as `zip -P` does (zipfile cannot write one)."""
    data = bytearray(archive.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        data[at + flag_at] |= 0x01
    archive.write_bytes(bytes(data))


def test_an_encrypted_archive_member_fails_alone(trials: Trials, tmp_path: Path) -> None:
    archive = tmp_path / "studies.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(STUDY, "a.json")
        zf.write(SEED, "b.xml")
    _encrypt_first_member(archive)
    result = trials("ingest", str(archive), ok=False)
    assert result.exit_code == 3 and "1 new" in result.stderr and "1 failed" in result.stderr
    [failure] = trials.json("failures")
    assert failure["location"] == f"{archive}!a.json" and "encrypted" in failure["error"]
    assert [r["nct_id"] for r in map(json.loads, trials("export").stdout.splitlines())] == ["NCT04077684"]


def test_a_bad_file_whose_name_is_not_utf8_is_kept_with_its_name_escaped(trials: Trials, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"bad\xfe.json"), "wb") as f:
        f.write(b'{"studies": [{"protocolSection": ')
    result = trials("ingest", str(folder), ok=False)
    assert result.exit_code == 1 and "1 failed" in result.stderr
    [failure] = trials.json("failures")
    assert failure["location"] == f"{folder}/bad\\xfe.json" and "invalid JSON" in failure["error"]


def test_the_same_failure_again_is_one_row_and_names_the_trial(trials: Trials, tmp_path: Path) -> None:
    study = json.loads(STUDY.read_bytes())
    study["protocolSection"]["statusModule"]["overallStatus"] = 5  # a number where the registry has text
    bad = tmp_path / "wrong_type.json"
    bad.write_text(json.dumps(study))
    for _ in range(3):
        assert "1 failed" in trials("ingest", str(bad), ok=False).stderr
    [failure] = trials.json("failures")
    assert failure["record_id"] == "NCT00080808" and failure["location"] == str(bad)


def test_a_file_named_on_the_command_line_is_read_whatever_its_name(trials: Trials, tmp_path: Path) -> None:
    plain = tmp_path / "study"  # no suffix: its bytes say it is API v2 JSON
    plain.write_bytes(STUDY.read_bytes())
    bom = tmp_path / "bom.json"  # saved by a Windows tool, with a byte-order mark
    bom.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "ctgov" / "NCT00057759.json").read_bytes())
    utf16 = tmp_path / "utf16.json"  # as PowerShell's `>` writes it
    utf16.write_bytes((FIXTURES / "ctgov" / "NCT00544076.json").read_text(encoding="utf-8").encode("utf-16"))
    text = tmp_path / "notes.txt"
    text.write_text("not a trial")
    result = trials("ingest", str(plain), str(bom), str(utf16), str(text))
    assert "3 new" in result.stderr and "1 skipped" in result.stderr and "0 failed" in result.stderr
    # In a folder, only registry documents are looked at (its README and INDEX.csv are not).
    assert "0 new" in trials("ingest", str(tmp_path)).stderr


def test_every_trial_command_takes_any_of_a_trials_ids(trials: Trials) -> None:
    trials("--quiet", "ingest", str(SEED), str(VERSIONS))
    for command in ("history", "similar", "show"):
        by_nct = trials(command, "NCT04077684").stdout
        assert trials(command, "2018phb041-01").stdout == by_nct, command
    assert trials("diff", "2018PHB041-01").exit_code == 0
    missing = trials("show", "2099-000000-00", ok=False)
    assert missing.exit_code == 1 and "trials ingest FILE" in missing.stderr and "--nct" not in missing.stderr
    unknown_nct = trials("history", "NCT99999999", ok=False)
    assert unknown_nct.exit_code == 1 and "trials crawl ctgov --nct NCT99999999" in unknown_nct.stderr


def test_versions_and_dates_out_of_range_are_usage_errors_naming_the_value(trials: Trials) -> None:
    trials("--quiet", "ingest", str(VERSIONS))
    result = trials("diff", "NCT02798588", "--to", "99", ok=False)
    assert result.exit_code == 2 and "not 99" in result.stderr
    for since in ("someday", "2020-13-01", "2021-02-29", "7x"):
        bad = trials("changes", "--since", since, ok=False)
        assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr, since
    assert trials("changes", "--since", "March 2017", "--json").exit_code == 0
    none = trials("changes", "--since", "2099-01-01")
    assert none.exit_code == 0 and "no changes since 2099-01-01" in none.stderr


def test_words_that_are_not_utf8_are_a_usage_error_not_a_traceback(trials: Trials) -> None:
    # Python keeps a Latin-1 terminal's "\xff" as the lone surrogate "\udcff", which SQLite and tantivy refuse.
    trials("--quiet", "ingest", str(SEED))
    for args in (("search", "lupus\udcff"), ("search", "--condition", "lu\udcffpus"), ("show", "NCT\udcff")):
        bad = trials(*args, ok=False)
        assert bad.exit_code == 2, (args, bad.output)
        assert "an argument is not UTF-8 text (it has the bytes \\xff)" in bad.stderr, (args, bad.stderr)


def test_a_bad_batch_file_names_its_line_and_exits_1(trials: Trials, tmp_path: Path) -> None:
    trials("--quiet", "ingest", str(SEED))
    for content, said in (
        (b'{"id": 1, "text": "lupus"}\nnot json\n', ":2:"),
        (b"[1]\n", ":1:"),
        (b'{"id": 2}\n', ":1:"),
        (b"\xff\xfe{}", "not UTF-8"),
    ):
        batch = tmp_path / "topics.jsonl"
        batch.write_bytes(content)
        result = trials("match", "--batch", str(batch), "--ndjson", ok=False)
        assert result.exit_code == 1 and said in result.stderr and "Traceback" not in result.output, content
    batch.write_text('{"id": "1", "text": "woman, 34, lupus"}\n')
    assert trials("match", "--batch", str(batch), "--json", ok=False).exit_code == 2
    qrels = tmp_path / "qrels.txt"
    for grade in ("two", "--1"):
        qrels.write_text(f"1 0 NCT04077684 {grade}\n")
        result = trials("eval", "--topics", str(batch), "--qrels", str(qrels), ok=False)
        assert result.exit_code == 1 and f"{qrels}:1:" in result.stderr, grade
    match = trials("match", "--text", "female, 45, lupus, Mexico")  # a country as the last clause
    assert match.exit_code == 0 and "in Mexico" in match.stderr


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("TRIALS_PAGE_SIZE", "abc", "TRIALS_PAGE_SIZE='abc' is not a whole number"),
        ("TRIALS_MAX_DOCUMENT_MB", "-5", "TRIALS_MAX_DOCUMENT_MB='-5' is out of range: at least 1"),
        ("TRIALS_SMTP_TIMEOUT", "inf", "TRIALS_SMTP_TIMEOUT='inf' is out of range"),
        ("TRIALS_SMTP_PORT", "99999", "TRIALS_SMTP_PORT='99999' is out of range: 1 to 65535"),
        ("TRIALS_DOWNLOAD_DELAY", "nan", "TRIALS_DOWNLOAD_DELAY='nan' is out of range"),
    ],
)
def test_a_bad_setting_is_named_with_what_it_takes(
    trials: Trials, monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.setenv(name, value)
    result = trials("stats", ok=False)
    assert result.exit_code == 1 and said in result.stderr


def test_stats_table_says_when_a_record_lacks_the_field(trials: Trials, tmp_path: Path) -> None:
    study = json.loads(STUDY.read_bytes())
    del study["protocolSection"]["eligibilityModule"]["sex"]
    (tmp_path / "no_sex.json").write_text(json.dumps(study))
    trials("--quiet", "ingest", str(tmp_path / "no_sex.json"))
    assert "(not given)  1" in trials("stats", "--by", "sex").stdout
    assert trials.json("stats", "--by", "sex") == [{"sex": None, "count": 1}]


def test_an_empty_store_file_is_no_store(tmp_path: Path) -> None:
    (tmp_path / "trials.sqlite").touch()
    result = Trials(tmp_path)("search", "lupus", ok=False)
    assert result.exit_code == 1 and "no trials stored" in result.stderr


def test_an_id_several_trials_give_is_an_error_that_lists_them(trials: Trials) -> None:
    grant = "P30CA006973"
    files = [shared("ctgov", "xml", f"{n}.xml") for n in ("NCT00003243", "NCT00003414", "NCT00493025")]
    trials("--quiet", "ingest", *map(str, files))
    for command in ("show", "history", "similar"):
        result = trials(command, grant, ok=False)
        assert result.exit_code == 1, command
        assert "an id of 3 trials (NCT00003243, NCT00003414, NCT00493025)" in result.stderr, command


def test_stats_by_country_counts_each_country_once_whatever_its_spelling(trials: Trials) -> None:
    # A legacy XML trial with a site in "Korea, Republic of" and an API v2 one with a site in "South Korea"
    # (found in the registry's files, read here without our parsers).
    xml = next(
        p
        for p in sorted(shared("ctgov", "xml").glob("*.xml"))
        if "Korea, Republic of" in {c.text for c in ET.parse(p).getroot().iterfind("location/facility/address/country")}
    )
    v2 = next(
        p
        for p in sorted(shared("ctgov", "v2").glob("NCT*.json"))
        if any(
            loc.get("country") == "South Korea"
            for loc in json.loads(p.read_bytes())["protocolSection"]
            .get("contactsLocationsModule", {})
            .get("locations", [])
        )
    )
    trials("--quiet", "ingest", str(xml), str(v2))
    rows = {r["country"]: r["count"] for r in trials.json("stats", "--by", "country", "--limit", "500")}
    assert rows.get("South Korea") == 2 and "Korea, Republic of" not in rows


def test_a_crawl_limited_by_since_leaves_the_querys_mark_for_a_run_of_the_whole_query(data_dir: Path) -> None:
    from indexer.catalog import Catalog
    from indexer.config import load
    from indexer.ingest.plan import CrawlProgress, finish, plan_ctgov

    with Catalog(load(data_dir)) as c:
        limited = plan_ctgov(c.store, condition="cancer", since="2024-01-01")
        finish(c.store, limited, CrawlProgress(seen_ids={"NCT00000001"}), "2025-09-09")
        # The next plain run asks for the whole query, not for what changed since 2025-09-09.
        whole = plan_ctgov(c.store, condition="cancer")
        assert not whole.incremental and whole.since is None
        finish(c.store, whole, CrawlProgress(seen_ids={"NCT00000001"}), "2025-09-09")
        # After a run of the whole query, plain runs are incremental; a --since run does not move the mark.
        later = plan_ctgov(c.store, condition="cancer", since="2026-06-01")
        finish(c.store, later, CrawlProgress(), "2026-07-01")
        again = plan_ctgov(c.store, condition="cancer")
        assert again.incremental and again.since is not None and again.since < "2025-09-09"
    with pytest.raises(ValueError, match="2024-13-01"):
        plan_ctgov(None, condition="cancer", since="2024-13-01")


def test_crawl_outcomes_say_what_happened() -> None:
    from crawler.outcome import EXIT_FAILED, EXIT_OK, outcome

    empty_page = {"finish_reason": "finished", "trialscout/documents": 1}
    nothing = outcome(empty_page)
    assert (nothing.code, nothing.message) == (
        EXIT_OK,
        "fetched nothing: the registry returned no study for this crawl",
    )
    # A widened incremental run (a query with a status) whose answer held only trials outside the query.
    outside = outcome({"finish_reason": "finished", "trialscout/studies": 4, "trialscout/outside_query": 4})
    assert (outside.code, outside.message) == (
        EXIT_OK,
        "stored nothing: the 4 studies updated since were all outside the query",
    )
    stored = {**empty_page, "trialscout/records/new": 3}
    assert (outcome(stored).code, outcome(stored).message) == (EXIT_OK, None)
    forced = outcome({**stored, "finish_reason": "forced stop"})
    assert forced.code == EXIT_FAILED and "stopped early (forced stop)" in (forced.message or "")


def test_a_crawl_of_unknown_ids_says_the_registry_has_none() -> None:
    from crawler.outcome import EXIT_FAILED, outcome

    said = outcome(
        {"finish_reason": "finished", "trialscout/records/failed": 1, "trialscout/first_error": "HTTP 404 (not found)"}
    )
    assert said.code == EXIT_FAILED and "the registry has none of what was asked for (HTTP 404" in (said.message or "")


@pytest.mark.parametrize("url", ["127.0.0.1:8000/api/v2", "ftp://registry.example/api/v2", "http://", "https:///api"])
def test_an_api_address_that_is_not_http_is_a_usage_error(trials: Trials, url: str) -> None:
    result = trials("crawl", "ctgov", "--term", "a", "--api-url", url, ok=False)
    assert result.exit_code == 2 and "is not an http(s) address" in result.stderr and "Traceback" not in result.stderr


def test_a_data_directory_under_a_file_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = run_trials(blocker / "sub", "ingest", str(FIXTURES / "ctgov" / "NCT00057759.json"))
    assert result.returncode == 1 and "is not a directory" in result.stderr and "Traceback" not in result.stderr


def test_a_data_directory_that_is_a_file_is_an_error_naming_where_it_was_given(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for command in (["changes", "--since", "2020-01-01"], ["crawl", "ctgov", "--term", "a"], ["watch", "run"]):
        given = run_trials(blocker, *command)  # --data-dir
        assert given.returncode == 1 and given.stdout == "", command
        assert given.stderr == (
            f"Error: the data directory {blocker} (--data-dir) is a file, not a folder: give the folder that "
            "holds the trials (--data-dir or TRIALS_DATA), or move the file aside\n"
        )
    env = {**os.environ, "TRIALS_DATA": str(blocker)}
    done = subprocess.run([sys.executable, "-m", "search_cli.main", "watch", "run"], capture_output=True, text=True,
                          cwd=ROOT, env=env)  # fmt: skip
    assert done.returncode == 1 and f"{blocker} (TRIALS_DATA) is a file" in done.stderr


def test_reindex_mends_a_file_where_the_index_belongs(trials: Trials) -> None:
    trials("--quiet", "ingest", str(FIXTURES / "ctgov" / "NCT00057759.json"))
    index = trials.data_dir / "index"
    shutil.rmtree(index)
    index.write_text("not an index")
    assert trials("search", "prostate", ok=False).exit_code == 1  # says to reindex
    trials("reindex")
    assert [r["nct_id"] for r in trials.json("search", "prostate")] == ["NCT00057759"]


def test_dead_links_seen_before_fail_no_crawl_but_a_dead_start_address_does() -> None:
    from crawler.outcome import EXIT_FAILED, EXIT_OK, outcome

    stored = {"finish_reason": "finished", "trialscout/documents": 5, "trialscout/records/unchanged": 5}
    kept = outcome({**stored, "trialscout/records/still_gone": 2, "downloader/response_status_count/200": 5})
    assert kept.code == EXIT_OK and "2 pages the site still links to were already gone" in (kept.message or "")
    # The sitemap itself gone, night after night: the crawl fetched nothing, every time.
    dead = outcome(
        {
            "finish_reason": "finished",
            "trialscout/records/still_gone": 1,
            "trialscout/first_error": "HTTP 404 (not found)",
        }
    )
    assert dead.code == EXIT_FAILED
