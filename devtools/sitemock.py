"""A local static web site for listing-spider tests: files from a folder, with ETags, a redirect loop and 404s."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devtools.mockserver import LocalServer, QuietHandler

# Content types by suffix (anything else is HTML); .bin: bytes of no known type.
_TYPES = {
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".bin": "application/octet-stream",
    ".pdf": "application/pdf",
}


class _Handler(QuietHandler):
    server: _SiteServer

    def do_GET(self) -> None:  # noqa: N802  (http.server calls do_<METHOD>)
        site = self.server
        path = self.path.split("?")[0]
        entry = {"path": path, "status": 0, "at": time.monotonic(), "conditional": "If-None-Match" in self.headers}
        with site.lock:
            site.log.append(entry)
        if path.endswith(("/moved", "/moved-again")):  # a redirect loop: moved -> moved-again -> moved
            entry["status"] = 302
            self.send_response(302)
            self.send_header(
                "Location", path.replace("/moved-again", "/moved") if path.endswith("-again") else path + "-again"
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file = site.folder / path.lstrip("/")
        if file.is_dir():
            file = file / "index.html"
        for suffix in (".html", ".bin"):
            if not file.is_file() and file.with_suffix(suffix).is_file():
                file = file.with_suffix(suffix)  # pretty URLs without the extension; .bin: bytes of no known type
        if not file.is_file():
            entry["status"] = 404
            self._send(404, b"<html><body><h1>Not found</h1></body></html>", "text/html")
            return
        body = file.read_bytes()
        if file.name == "sitemap.xml":
            body = body.replace(b"{ROOT}", site.url.encode())
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            entry["status"] = 304
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        ctype = _TYPES.get(file.suffix, "text/html")
        entry["status"] = 200
        # max-age=0: always revalidate. (Scrapy's RFC2616Policy does not revalidate "no-cache"
        # answers with validators; it refetches them whole.)
        modified = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(file.stat().st_mtime))
        self._send(200, body, ctype, {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=0"})


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = folder
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class StaticSite(LocalServer):
    """`with StaticSite(folder) as site:` serves the folder at `site.url`; `site.log` lists requests."""

    def __init__(self, folder: Path):
        super().__init__(_SiteServer(folder))

    @property
    def url(self) -> str:
        return self.root

    @property
    def log(self) -> list[dict[str, Any]]:
        return self.server.log  # type: ignore[attr-defined, no-any-return]


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description="Serve a folder as a local web site (ETags, a redirect loop, 404s).")
    ap.add_argument("folder", type=Path)
    ap.add_argument("--port-file", type=Path, help="write the chosen port here once listening")
    args = ap.parse_args()
    site = StaticSite(args.folder)
    if args.port_file:
        args.port_file.write_text(str(site.server.server_address[1]))
    site.server.serve_forever()


if __name__ == "__main__":
    main()
