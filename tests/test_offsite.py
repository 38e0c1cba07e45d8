"""Spiders stay where they were sent: no other host, port or scheme, and no redirect away from the site."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.sites import Sites, origin
from indexer.store import RecordStore
from tests.conftest import FIXTURES, run_trials

pytestmark = pytest.mark.slow  # real crawls in subprocesses

TRIAL = (FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html").read_bytes()


class _Site(ThreadingHTTPServer):
    daemon_threads = True
    pages: dict[str, tuple[int, bytes, dict[str, str]]]
    log: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.log.append(self.path)
        status, body, headers = self.server.pages.get(self.path, (404, b"not here", {}))
        self.send_response(status)
        for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def sites() -> Iterator[tuple[_Site, _Site]]:
    servers = []
    for _ in range(2):
        s = _Site(("127.0.0.1", 0), _Handler)
        s.pages, s.log = {"/robots.txt": (200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})}, []
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    yield servers[0], servers[1]
    for s in servers:
        s.shutdown()
        s.server_close()


def test_origins() -> None:
    assert origin("HTTP://Example.org/x") == ("http", "example.org", 80)
    assert origin("https://example.org:8443/") == ("https", "example.org", 8443)
    assert origin("file:///etc/passwd") is None and origin("//example.org/x") is None and origin("ftp://a/") is None
    on = Sites(["http://127.0.0.1:8000/start"])
    assert on.allows("http://127.0.0.1:8000/other") and not on.allows("http://127.0.0.1:8001/other")
    assert not on.allows("https://127.0.0.1:8000/x") and not on.allows("http://localhost:8000/x")


def _trial_links(home: str, other: str, tmp_path: Path, path: str) -> bytes:
    local = tmp_path / "ctr-search" / "trial" / "2015-000590-12" / "XX"
    local.parent.mkdir(parents=True)
    local.write_bytes(TRIAL.replace(b"2015-000590-12", b"2015-000590-99"))  # what a file:// read would store
    other_port = other.split(":")[-1]
    links = [
        f"{home}{path.format(cc='DE')}",  # on the site, but redirects to the other port
        f"{other}{path.format(cc='FR')}",  # another port of the same host
        f"file://{local}",  # a local file
        f"//localhost:{other_port}{path.format(cc='IT')}",  # scheme-relative, another host
        f"http://localhost:{home.split(':')[-1]}{path.format(cc='ES')}",  # another host name, same port
    ]
    return ("<html><body>" + "".join(f'<a href="{u}">trial</a>' for u in links) + "</body></html>").encode()


def _stored(data_dir: Path) -> set[str]:
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        return set(store.snapshot().record_ids) | {s.nct_id for s in store.sources_for("EUCTR2015-000590-99")}
    finally:
        store.close()


def test_registry_spider_stays_on_its_site(sites: tuple[_Site, _Site], data_dir: Path, tmp_path: Path) -> None:
    home, other = sites
    home_url, other_url = (f"http://127.0.0.1:{s.server_address[1]}" for s in (home, other))
    path = "/ctr-search/trial/2015-000590-12/{cc}"
    home.pages["/ctr-search/search?query=x"] = (200, _trial_links(home_url, other_url, tmp_path, path), {})
    home.pages[path.format(cc="DE")] = (302, b"", {"Location": f"{other_url}{path.format(cc='DE')}"})
    other.pages[path.format(cc="DE")] = (200, TRIAL, {})
    proc = run_trials(data_dir, "crawl", "euctr", "--query", "x", "--base-url", home_url)
    assert other.log == [], "nothing may reach another port"
    assert proc.returncode == 3, proc.stderr  # the page that redirects away is a failure, and said
    assert "off-site" in proc.stderr and "Traceback" not in proc.stderr
    assert "EUCTR2015-000590-99" not in _stored(data_dir)  # the local file was never read
    assert {p for p in home.log if p != "/robots.txt"} == {"/ctr-search/search?query=x", path.format(cc="DE")}


def test_listing_spider_stays_on_its_site(sites: tuple[_Site, _Site], data_dir: Path, tmp_path: Path) -> None:
    home, other = sites
    home_url, other_url = (f"http://127.0.0.1:{s.server_address[1]}" for s in (home, other))
    path = "/clinical-trials/listings/NCT04077684/{cc}"
    home.pages["/browse/"] = (200, _trial_links(home_url, other_url, tmp_path, path), {})
    home.pages[path.format(cc="DE")] = (301, b"", {"Location": f"{other_url}{path.format(cc='DE')}"})
    proc = run_trials(data_dir, "crawl", "listing", f"{home_url}/browse/")
    assert other.log == [], "nothing may reach another port"
    assert proc.returncode == 3 and "off-site" in proc.stderr, proc.stderr
    assert {p for p in home.log if p != "/robots.txt"} == {"/browse/", path.format(cc="DE")}
