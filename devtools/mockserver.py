"""A local mock of the ClinicalTrials.gov API v2 serving real recorded studies, with scripted faults."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

_RANGE_RE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),\s*([^\]]+)\]")


def load_studies(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    studies: dict[str, dict[str, Any]] = {}
    for path in paths:
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for f in files:
            doc = json.loads(f.read_bytes())
            nct = (doc.get("protocolSection") or {}).get("identificationModule", {}).get("nctId")
            if nct:
                studies[nct] = doc
    return studies


def _lower_text(*values: Any) -> str:
    return json.dumps(values).lower()


@dataclass
class MockState:
    studies: dict[str, dict[str, Any]]
    max_page_size: int = 1000  # the real API caps pageSize at 1000 and may return fewer
    # (kind, number) -> statuses served before the real answer, e.g. {("page", 2): [429]}
    faults: dict[tuple[str, Any], list[int]] = field(default_factory=dict)
    retry_after: str = "1"
    robots: str = "User-agent: *\nAllow: /\n"
    delay: float = 0.0  # seconds before each API answer, to make concurrent clients overlap
    # page number -> a fault in the page's content, served once (see BODY_FAULTS)
    body_faults: dict[int, str] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, key: tuple[str, Any]) -> int | None:
        with self.lock:
            queue = self.faults.get(key)
            return queue.pop(0) if queue else None

    def body_fault(self, page: int) -> str | None:
        with self.lock:
            return self.body_faults.pop(page, None)


def _first_study(body: dict[str, Any]) -> dict[str, Any]:
    study: dict[str, Any] = json.loads(json.dumps(body["studies"][0]))
    body["studies"][0] = study
    return study


def _poison(body: dict[str, Any]) -> None:
    _first_study(body)["protocolSection"].setdefault("designModule", {})["enrollmentInfo"] = {"count": 10**30}


def _int_title(body: dict[str, Any]) -> None:
    _first_study(body)["protocolSection"]["identificationModule"]["briefTitle"] = 12345


def _list_identification(body: dict[str, Any]) -> None:
    section = _first_study(body)["protocolSection"]
    section["identificationModule"] = [section["identificationModule"]]


def _bad_id(body: dict[str, Any]) -> None:
    _first_study(body)["protocolSection"]["identificationModule"]["nctId"] = "../../x"


# Faults in a page's content: each takes the page about to be served and changes it in place.
BODY_FAULTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "poison": _poison,  # one study's enrollment count is 10**30
    "int_title": _int_title,  # one study's title is a number
    "list_identification": _list_identification,  # one study's identificationModule is a list
    "bad_id": _bad_id,  # one study's id is a path
    "null_studies": lambda body: body.update(studies=None),
    "string_study": lambda body: body["studies"].insert(1, "not a study"),
}
# Faults in a page's bytes: (the page's JSON text) -> what is served instead.
RAW_FAULTS: dict[str, Callable[[str], str | bytes]] = {
    "nested": lambda text: text.replace('"studies": [', '"studies": [' + "[" * 5000 + "]" * 5000 + ", ", 1),
    "invalid_utf8": lambda text: text.encode().replace(b'"briefTitle": "', b'"briefTitle": "\xff', 1),
}


def _select(state: MockState, params: dict[str, str]) -> list[str]:
    ids = sorted(state.studies)
    cond, intr, term = (params.get(k, "").lower() for k in ("query.cond", "query.intr", "query.term"))
    statuses = {s for s in re.split(r"[,|]", params.get("filter.overallStatus", "")) if s}
    since = None
    if m := _RANGE_RE.search(params.get("filter.advanced", "")):
        since = None if m.group(1) == "MIN" else m.group(1)
    out = []
    for nct in ids:
        p = state.studies[nct]["protocolSection"]
        if cond and cond not in _lower_text(
            p.get("conditionsModule"), state.studies[nct].get("derivedSection", {}).get("conditionBrowseModule")
        ):
            continue
        if intr and intr not in _lower_text(p.get("armsInterventionsModule", {}).get("interventions")):
            continue
        if term and term not in _lower_text(p):
            continue
        status = p.get("statusModule", {})
        if statuses and status.get("overallStatus") not in statuses:
            continue
        if since and (status.get("lastUpdatePostDateStruct", {}).get("date") or "") < since:
            continue
        out.append(nct)
    return out


def _token(key: str, offset: int, salt: int = 0) -> str:
    return base64.urlsafe_b64encode(f"{key}:{offset}:{salt}".encode()).decode()


def _query_key(params: dict[str, str]) -> str:
    stable = {k: v for k, v in sorted(params.items()) if k != "pageToken"}
    return hashlib.sha256(json.dumps(stable).encode()).hexdigest()[:12]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing (tests read the servers' own logs) and sends whole bodies."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes, ctype: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class _Handler(QuietHandler):
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        entry = {
            "path": url.path,
            "params": params,
            "user_agent": self.headers.get("User-Agent"),
            "at": time.monotonic(),
        }
        status = self._route(state, url.path, params)
        entry["status"] = status
        with state.lock:
            state.log.append(entry)

    def _route(self, state: MockState, path: str, params: dict[str, str]) -> int:
        if path == "/robots.txt":
            self._send(200, state.robots.encode(), "text/plain")
            return 200
        if state.delay:
            time.sleep(state.delay)
        if path == "/api/v2/studies":
            return self._search(state, params)
        if m := re.fullmatch(r"/api/v2/studies/(NCT\d{8})", path):
            nct = m.group(1)
            fault = state.fault(("study", nct))
            if fault:
                return self._fault(fault, state)
            if nct not in state.studies:
                self._send(404, json.dumps({"message": f"{nct} not found"}).encode())
                return 404
            self._send(200, json.dumps(state.studies[nct]).encode())
            return 200
        self._send(404, b'{"message": "not found"}')
        return 404

    def _fault(self, status: int, state: MockState) -> int:
        headers = {"Retry-After": state.retry_after} if status in (429, 503) else {}
        if status == 299:  # scripted "200 with a truncated body"
            self._send(200, b'{"studies": [{"protocolSection": ')
            return 200
        self._send(status, json.dumps({"message": "scripted fault"}).encode(), headers=headers)
        return status

    def _search(self, state: MockState, params: dict[str, str]) -> int:
        key = _query_key(params)
        offset = 0
        if token := params.get("pageToken"):
            try:
                tok_key, tok_offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")[:2]
                offset = int(tok_offset)
            except ValueError:
                self._send(400, b'{"message": "bad pageToken"}')
                return 400
            if tok_key != key:
                # The real API ties a token to its query: other parameters are an error.
                self._send(400, b'{"message": "pageToken does not match the query"}')
                return 400
        page_no = offset // max(1, min(int(params.get("pageSize", "10")), state.max_page_size)) + 1
        fault = state.fault(("page", page_no))
        if fault:
            return self._fault(fault, state)
        ids = _select(state, params)
        size = min(int(params.get("pageSize", "10")), state.max_page_size)
        chunk = ids[offset : offset + size]
        body: dict[str, Any] = {"studies": [state.studies[i] for i in chunk]}
        if offset + size < len(ids):
            body["nextPageToken"] = _token(key, offset + size)
        if params.get("countTotal") == "true" and not params.get("pageToken"):
            body["totalCount"] = len(ids)
        kind = state.body_fault(page_no)
        if kind == "repeat_token" and token:
            body["nextPageToken"] = token  # the token that asked for this page: a loop
        elif kind == "empty_pages":
            # Pages without studies that keep handing out fresh tokens, forever.
            body = {"studies": [], "nextPageToken": _token(key, offset, time.monotonic_ns())}
            state.body_faults[page_no] = "empty_pages"
        elif kind == "repeat_studies":
            # Pages of studies already served (the first page's), each with a fresh token, forever.
            first = [state.studies[i] for i in ids[:size]]
            body = {"studies": first, "nextPageToken": _token(key, offset, time.monotonic_ns())}
            state.body_faults[page_no] = "repeat_studies"
        elif kind == "resend_studies":
            # Data changed mid-crawl: this page and each after it also re-sends the previous page's last
            # three studies, as the real registry can. Every study still arrives: the crawl must complete.
            body["studies"][:0] = [state.studies[i] for i in ids[max(0, offset - 3) : offset]]
            if "nextPageToken" in body:
                state.body_faults[page_no + 1] = "resend_studies"
        elif kind in BODY_FAULTS:
            BODY_FAULTS[kind](body)
        text = json.dumps(body)
        served = RAW_FAULTS[kind](text) if kind in RAW_FAULTS else text
        self._send(200, served if isinstance(served, bytes) else served.encode())
        return 200


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: MockState


class LocalServer:
    """A loopback HTTP server in a thread: `with Server(...) as s:` starts it, leaving stops it."""

    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class MockRegistry(LocalServer):
    """Start with `with MockRegistry(state) as m:`; `m.url` is the API base URL."""

    def __init__(self, state: MockState, port: int = 0):
        server = _Server(("127.0.0.1", port), _Handler)
        server.state = state
        super().__init__(server)
        self.state = state

    @property
    def url(self) -> str:
        return f"{self.root}/api/v2"


def main() -> None:
    ap = argparse.ArgumentParser(description="Serve recorded API v2 studies as a local mock registry.")
    ap.add_argument("paths", nargs="+", type=Path, help="folders or files of API v2 study JSON")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-page-size", type=int, default=1000)
    ap.add_argument("--port-file", type=Path, help="write the chosen port here once listening")
    args = ap.parse_args()
    state = MockState(load_studies(args.paths), max_page_size=args.max_page_size)
    mock = MockRegistry(state, args.port)
    if args.port_file:
        args.port_file.write_text(str(mock.server.server_address[1]))
    print(f"mock registry with {len(state.studies)} studies at {mock.url}", flush=True)
    mock.server.serve_forever()


if __name__ == "__main__":
    main()
