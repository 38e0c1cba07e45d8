"""Watch delivery: accumulating Atom feeds, mail through a local SMTP server, webhooks to a local HTTP server."""

from __future__ import annotations

import email
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest
from aiosmtpd.controller import Controller

from indexer.catalog import Catalog
from indexer.config import load
from indexer.history.watches import WatchConflict, Watches
from tests.conftest import FIXTURES, Trials, shared

NS = "{http://www.w3.org/2005/Atom}"
STUDY = "NCT02798588"  # not yet recruiting, then recruiting with new sites, then enrollment 20 -> 27


@pytest.fixture
def watched(trials: Trials) -> tuple[Trials, list[Path]]:
    """Its first two downloads ingested, watched by condition; the rest of its downloads returned to ingest later."""
    files = sorted(shared("ctgov", "xml_versions", STUDY).glob("*.xml"))
    trials("--quiet", "ingest", *map(str, files[:2]))
    trials("watch", "add", "coma", "--condition", "coma")
    return trials, files[2:]


def check_atom(body: bytes) -> list[dict[str, Any]]:
    """Validate a feed twice: feedparser, and RFC 4287's required elements read with ElementTree."""
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = ET.fromstring(body)
    assert root.tag == f"{NS}feed"
    for tag in ("id", "title", "updated"):  # 4.1.1: exactly one each
        assert len(root.findall(f"{NS}{tag}")) == 1, tag
    datetime.fromisoformat(root.findtext(f"{NS}updated") or "")  # RFC 3339 date-time
    entries = root.findall(f"{NS}entry")
    has_feed_author = root.find(f"{NS}author/{NS}name") is not None
    out = []
    for e in entries:  # 4.1.2: id, title, updated once; an author here or on the feed; content or alternate link
        for tag in ("id", "title", "updated"):
            assert len(e.findall(f"{NS}{tag}")) == 1, tag
        datetime.fromisoformat(e.findtext(f"{NS}updated") or "")
        assert has_feed_author or e.find(f"{NS}author") is not None
        assert e.find(f"{NS}content") is not None or e.find(f"{NS}link[@rel='alternate']") is not None
        out.append(
            {
                "id": e.findtext(f"{NS}id"),
                "kind": e.find(f"{NS}category").get("term"),  # type: ignore[union-attr]
                "title": e.findtext(f"{NS}title"),
                "content": e.findtext(f"{NS}content"),
            }
        )
    ids = [e["id"] for e in out]
    assert len(set(ids)) == len(ids), "entry ids must be unique"
    assert [e.id for e in parsed.entries] == ids
    return out


def test_feed_accumulates_with_stable_ids(watched: tuple[Trials, list[Path]], tmp_path: Path) -> None:
    trials, later = watched
    feed = tmp_path / "coma.xml"
    trials("watch", "run", "--atom", str(feed))
    first = check_atom(feed.read_bytes())
    assert [e["kind"] for e in first] == ["new"]
    trials("watch", "run", "--atom", str(feed))  # nothing new: the feed keeps what it had
    assert check_atom(feed.read_bytes()) == first
    changed_runs = 0
    for f in later:  # one registry update per cron run
        trials("--quiet", "ingest", str(f))
        [run] = trials.json("watch", "run", "coma", "--atom", str(feed))
        changed_runs += bool(run["changed"])
    assert changed_runs >= 2
    entries = check_atom(feed.read_bytes())
    assert [e["kind"] for e in entries] == ["changed"] * changed_runs + ["new"]
    assert entries[-1] == first[0]  # a weekly reader sees the same entry, with the same id, as a daily one
    assert any("status NOT_YET_RECRUITING -> RECRUITING" in (e["content"] or "") for e in entries)
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file was renamed into place"


def test_feed_keeps_the_newest_entries(
    watched: tuple[Trials, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trials, later = watched
    monkeypatch.setenv("TRIALS_FEED_ENTRIES", "2")
    feed = tmp_path / "coma.xml"
    for f in [None, *later]:
        if f:
            trials("--quiet", "ingest", str(f))
        trials("watch", "run", "--atom", str(feed))
    assert [e["kind"] for e in check_atom(feed.read_bytes())] == ["changed", "changed"]


def test_atom_folder_and_file_targets(watched: tuple[Trials, list[Path]], tmp_path: Path) -> None:
    trials, _ = watched
    trials("watch", "add", "recruiting", "--status", "not_yet_recruiting")
    one = trials("watch", "run", "--atom", str(tmp_path / "x.xml"), ok=False)
    assert one.exit_code == 2 and "give a folder" in one.output
    assert trials.json("watch", "list")[0]["last_run_at"] is None  # checked before anything ran
    folder = trials("watch", "run", "--atom", f"{tmp_path / 'feeds'}/", ok=False)
    assert folder.exit_code == 1 and "mkdir -p" in folder.output
    trials("watch", "run", "--atom", str(tmp_path))
    assert sorted(p.name for p in tmp_path.glob("*.xml")) == ["coma.xml", "recruiting.xml"]
    for p in tmp_path.glob("*.xml"):
        assert [e["kind"] for e in check_atom(p.read_bytes())] == ["new"]


@pytest.mark.parametrize("problem", ["missing folder", "parent is a file", "target is a folder"])
def test_failed_feed_write_leaves_the_run_to_repeat(
    watched: tuple[Trials, list[Path]], tmp_path: Path, problem: str
) -> None:
    trials, _ = watched
    target = {
        "missing folder": tmp_path / "nowhere" / "coma.xml",
        "parent is a file": tmp_path / "file" / "coma.xml",
        "target is a folder": tmp_path,  # its coma.xml is a folder
    }[problem]
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "coma.xml").mkdir()  # os.replace cannot put a file there: fails at write time
    failed = trials("watch", "run", "coma", "--atom", str(target), ok=False)
    assert failed.exit_code == 1
    assert "Traceback" not in failed.output and "Errno" not in failed.output
    assert str(target.parent) in failed.output
    [again] = trials.json("watch", "run", "coma", "--dry-run")
    assert [r["nct_id"] for r in again["new_matches"]] == [STUDY]  # nothing was lost
    good = tmp_path / "ok.xml"
    trials("watch", "run", "coma", "--atom", str(good))
    assert [e["kind"] for e in check_atom(good.read_bytes())] == ["new"]


# -- mail ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TRIALS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIALS_SMTP_PORT", str(port))
    monkeypatch.setenv("TRIALS_MAIL_FROM", "watch@trialscout.test")
    try:
        yield inbox
    finally:
        controller.stop()


def test_mail_is_sent_when_there_is_news(watched: tuple[Trials, list[Path]], smtp: Inbox) -> None:
    trials, later = watched
    trials("watch", "run", "--mail-to", "a@example.org", "--mail-to", "b@example.org")
    [(to, msg)] = smtp.messages
    assert to == ["a@example.org", "b@example.org"]
    assert msg["From"] == "watch@trialscout.test"
    assert "coma: 1 new, 0 changed, 0 left" in msg["Subject"]
    assert f"new      {STUDY}" in msg.get_payload(decode=True).decode()  # type: ignore[union-attr]
    trials("watch", "run", "--mail-to", "a@example.org")
    assert len(smtp.messages) == 1  # nothing new, no mail
    trials("--quiet", "ingest", *map(str, later))
    trials("watch", "run", "--mail-to", "a@example.org")
    body = smtp.messages[-1][1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "status NOT_YET_RECRUITING -> RECRUITING" in body


@pytest.mark.parametrize("bad", ["not an address", "me@", "a@example.org, b@example.org", "me@exa mple.org"])
def test_a_bad_mail_address_is_a_usage_error_when_given(
    watched: tuple[Trials, list[Path]], smtp: Inbox, bad: str
) -> None:
    """It was taken, and refused only by the SMTP server on a run with news: every quiet night passed."""
    trials, later = watched
    trials("watch", "run")  # the first run's news; the next has none
    for news in (False, True):
        refused = trials("watch", "run", "--mail-to", "a@example.org", "--mail-to", bad, ok=False)
        assert refused.exit_code == 2, refused.output
        assert f"Invalid value for '--mail-to': {bad!r} is not a mail address" in refused.stderr
        if not news:
            trials("--quiet", "ingest", *map(str, later))
    assert smtp.messages == []
    trials("watch", "run", "--mail-to", "Watcher <a@example.org>")  # the news refused above is still news
    [(to, msg)] = smtp.messages
    assert (
        to == ["a@example.org"] and "status NOT_YET_RECRUITING -> RECRUITING" in msg.get_payload(decode=True).decode()
    )  # type: ignore[union-attr]


def test_smtp_settings_from_the_config_file(
    watched: tuple[Trials, list[Path]], smtp: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trials, _ = watched
    # The fixture's server, named by the config file instead of the environment.
    port = int(os.environ["TRIALS_SMTP_PORT"])
    for name in ("TRIALS_SMTP_HOST", "TRIALS_SMTP_PORT", "TRIALS_MAIL_FROM"):
        monkeypatch.delenv(name)
    config = tmp_path / "trialscout.toml"
    config.write_text(f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nmail_from = "cfg@x.test"\n')
    monkeypatch.setenv("TRIALS_CONFIG", str(config))
    trials("watch", "run", "--mail-to", "a@example.org")
    [(_, msg)] = smtp.messages
    assert msg["From"] == "cfg@x.test"
    config.write_text("smtp_hots = 1\n")
    bad = trials("watch", "run", "--mail-to", "a@example.org", ok=False)
    assert bad.exit_code == 1 and "unknown setting 'smtp_hots'" in bad.output


def test_failed_mail_leaves_the_run_to_repeat(
    watched: tuple[Trials, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trials, _ = watched
    monkeypatch.setenv("TRIALS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIALS_SMTP_PORT", str(free_port()))  # nothing listens there
    feed = tmp_path / "coma.xml"
    failed = trials("watch", "run", "--atom", str(feed), "--mail-to", "a@example.org", ok=False)
    assert failed.exit_code == 1 and "TRIALS_SMTP_HOST" in failed.output and "Traceback" not in failed.output
    written = check_atom(feed.read_bytes())  # the feed went out before the mail failed...
    [again] = trials.json("watch", "run", "--atom", str(feed))
    assert [r["nct_id"] for r in again["new_matches"]] == [STUDY]  # ...and the repeated run has it again
    assert check_atom(feed.read_bytes()) == written  # under the same entry id


# -- webhook ------------------------------------------------------------------------------------


class Hook:
    """A local HTTP server answering POSTs with scripted statuses, recording what it received."""

    def __init__(self, statuses: list[int], delay: float = 0.0):
        self.statuses, self.delay, self.bodies = statuses, delay, []  # type: tuple[list[int], float, list[Any]]
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.bodies.append((self.headers["Content-Type"], json.loads(body)))
                time.sleep(hook.delay)
                status = hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_WEBHOOK_RETRY_DELAY", "0.01")
    monkeypatch.setenv("TRIALS_WEBHOOK_RETRIES", "2")
    monkeypatch.setenv("TRIALS_WEBHOOK_TIMEOUT", "0.5")


def test_webhook_posts_json_and_retries(watched: tuple[Trials, list[Path]], fast_retries: None) -> None:
    trials, _ = watched
    hook = Hook([503, 200])
    try:
        [run] = trials.json("watch", "run", "--webhook", hook.url)
    finally:
        hook.close()
    assert len(hook.bodies) == 2  # one 503, then delivered
    content_type, body = hook.bodies[-1]
    assert content_type == "application/json"
    assert body["runs"] == [run]
    assert [r["nct_id"] for r in body["runs"][0]["new_matches"]] == [STUDY]
    assert set(body["runs"][0]) >= {"new_matches", "changed", "left"}


@pytest.mark.parametrize(("statuses", "delay", "attempts"), [([500], 0.0, 3), ([404], 0.0, 1), ([200], 2.0, 3)])
def test_failed_webhook_leaves_the_run_to_repeat(
    watched: tuple[Trials, list[Path]], fast_retries: None, statuses: list[int], delay: float, attempts: int
) -> None:
    trials, _ = watched
    hook = Hook(statuses, delay)
    try:
        failed = trials("watch", "run", "--webhook", hook.url, ok=False)
    finally:
        hook.close()
    assert failed.exit_code == 1 and "Nothing was remembered" in failed.output
    assert "secret-token" not in failed.output  # the address's secret part is not printed
    assert len(hook.bodies) == attempts  # 5xx and timeouts are retried, a 404 is not
    [again] = trials.json("watch", "run", "--dry-run")
    assert [r["nct_id"] for r in again["new_matches"]] == [STUDY]


def test_a_delivery_repeated_after_a_failure_carries_the_same_watch_and_run(
    watched: tuple[Trials, list[Path]], fast_retries: None
) -> None:
    # The hook got the body but answered too late: the run is not remembered, and is delivered again.
    trials, _ = watched
    slow = Hook([200], 2.0)
    try:
        assert trials("watch", "run", "--webhook", slow.url, ok=False).exit_code == 1
    finally:
        slow.close()
    fast = Hook([200])
    try:
        [run] = trials.json("watch", "run", "--webhook", fast.url)
    finally:
        fast.close()
    keys = {(r["watch"], r["run"]) for _, body in slow.bodies + fast.bodies for r in body["runs"]}
    assert keys == {(run["watch"], run["run"])}  # a receiver drops a repeat by this key
    assert trials.json("watch", "run")[0]["run"] == run["run"] + 1


def test_dry_run_delivers_nothing(watched: tuple[Trials, list[Path]], tmp_path: Path) -> None:
    trials, _ = watched
    result = trials("watch", "run", "--dry-run", "--atom", str(tmp_path), ok=False)
    assert result.exit_code == 2
    assert trials("watch", "run", "--webhook", "ftp://x", ok=False).exit_code == 2
    assert trials("watch", "add", "../evil", "--condition", "x", ok=False).exit_code == 2


def test_password_is_not_sent_in_clear(
    watched: tuple[Trials, list[Path]], smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    trials, _ = watched
    monkeypatch.setenv("TRIALS_SMTP_USER", "me")
    monkeypatch.setenv("TRIALS_SMTP_PASSWORD", "hunter2")
    failed = trials("watch", "run", "--mail-to", "a@example.org", ok=False)  # the local server offers no TLS
    assert failed.exit_code == 1 and "offers no TLS" in failed.output and "hunter2" not in failed.output
    assert smtp.messages == []


def test_two_runs_of_one_watch_cannot_both_land(watched: tuple[Trials, list[Path]]) -> None:
    trials, _ = watched
    with Catalog(load(trials.data_dir)) as catalog:
        watches = Watches(catalog)
        first, second = watches.run("coma"), watches.run("coma")  # e.g. two cron jobs overlapping
        watches.remember([first], keep=100)
        with pytest.raises(WatchConflict):
            watches.remember([second], keep=100)
        assert watches.get("coma").runs == 1  # type: ignore[union-attr]


def test_control_characters_in_registry_text_do_not_break_the_feed(trials: Trials, tmp_path: Path) -> None:
    # JSON may carry them (\u000c, \u0001); XML 1.0 cannot, escaped or not.
    study = json.loads((FIXTURES / "ctgov" / "NCT00057759.json").read_bytes())
    title = study["protocolSection"]["identificationModule"]["briefTitle"]
    study["protocolSection"]["identificationModule"]["briefTitle"] = f"{title}\u000c (page break)\u0001"
    path = tmp_path / "NCT00057759.json"
    path.write_text(json.dumps(study))
    trials("--quiet", "ingest", str(path))
    trials("watch", "add", "hot", "--condition", "sexual dysfunction")
    feed = tmp_path / "hot.xml"
    trials("watch", "run", "--atom", str(feed))
    [entry] = check_atom(feed.read_bytes())
    assert entry["kind"] == "new" and entry["title"].endswith(f"{title}\ufffd (page break)\ufffd")


def test_settings_never_show_the_smtp_password(tmp_path: Path) -> None:
    from indexer.config import load

    settings = load(tmp_path, smtp_password="hunter2-secret", smtp_user="me")
    assert settings.smtp_password == "hunter2-secret"
    shown = repr(settings)  # what a log line or a traceback's locals would print
    assert "hunter2-secret" not in shown and "smtp_password='***'" in shown and "smtp_user='me'" in shown
    assert "smtp_password=None" in repr(load(tmp_path))
