"""Cluster code at the HTTP boundary: the Elasticsearch adapter against a scripted server, URLs, credentials."""

from __future__ import annotations

import ipaddress
import json
import logging
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from indexer.discover.synonyms import Synonyms
from indexer.index import cluster
from indexer.index.cluster import ClusterIndex
from indexer.index.document import SearchQuery
from indexer.index.engines import EngineError, EngineTLSError, EngineUnavailable, connect, parse_engine_url
from indexer.parsers import parse
from tests.conftest import FIXTURES


class FakeElasticsearch(ThreadingHTTPServer):
    """Answers like Elasticsearch 9 (product header included); `bulk_statuses` scripts per-item results."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.aliases: dict[str, str] = {}
        self.docs: dict[str, dict[str, Any]] = {}
        self.bulk_statuses: list[dict[str, int]] = []  # per bulk call: {nct_id: status}
        self.fail_next: list[int] = []
        self.major = 9  # 8: refuses the 9.x API as an 8.x node does

    @property
    def url(self) -> str:
        return f"elasticsearch://127.0.0.1:{self.server_address[1]}/trials"


class _Handler(BaseHTTPRequestHandler):
    server: FakeElasticsearch

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        # opensearch-py (the TLS test talks to this server with both clients) reads plain JSON only.
        elastic = "vnd.elasticsearch" in (self.headers.get("Accept") or "")
        self.send_header(
            "Content-Type", "application/vnd.elasticsearch+json;compatible-with=9" if elastic else "application/json"
        )
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        s = self.server
        s.requests.append({"method": method, "path": self.path, "headers": dict(self.headers), "body": raw})
        asked = f"{self.headers.get('Accept')} {self.headers.get('Content-Type')}"
        if s.major == 8 and "compatible-with=9" in asked:
            # Elasticsearch 8's answer (RestRequest.MediaTypeHeaderException around the version check).
            cause = {
                "type": "status_exception",
                "reason": "Accept version must be either version 8 or 7, but found 9. Accept=" + asked.split()[0],
            }
            error = {
                "type": "media_type_header_exception",
                "reason": "Invalid media-type value on headers [Accept, Content-Type]",
            }
            self._answer(400, {"error": {"root_cause": [error], **error, "caused_by": cause}, "status": 400})
            return
        if s.fail_next:
            status = s.fail_next.pop(0)
            self._answer(status, {"error": {"type": "x", "reason": f"scripted {status}"}, "status": status})
            return
        path = self.path.split("?")[0]
        if path.startswith("/_alias/"):
            alias = path.rsplit("/", 1)[1]
            if alias in s.aliases:
                self._answer(200, {s.aliases[alias]: {"aliases": {alias: {}}}})
            else:
                self._answer(404, {"error": "alias [x] missing", "status": 404})
        elif path == "/_aliases":
            for action in json.loads(raw)["actions"]:
                if "add" in action:
                    s.aliases[action["add"]["alias"]] = action["add"]["index"]
            self._answer(200, {"acknowledged": True})
        elif method == "PUT":
            self._answer(200, {"acknowledged": True, "index": path.strip("/")})
        elif path == "/_bulk":
            script = s.bulk_statuses.pop(0) if s.bulk_statuses else {}
            lines = [json.loads(x) for x in raw.splitlines() if x.strip()]
            items = []
            for action, doc in zip(lines[::2], lines[1::2], strict=True):
                nct = action["index"]["_id"]
                status = script.get(nct, 201)
                if status < 300:
                    s.docs[nct] = doc
                error = {"error": {"reason": "mapper_parsing_exception"}} if status == 400 else {}
                items.append({"index": {"_id": nct, "status": status, **error}})
            self._answer(200, {"errors": any(i["index"]["status"] >= 300 for i in items), "items": items})
        elif path.endswith("/_refresh"):
            self._answer(200, {"_shards": {"successful": 1}})
        elif path.endswith("/_search"):
            hits = [{"_id": k, "_score": 1.0, "_source": {"nct_id": k}} for k in sorted(s.docs)]
            self._answer(200, {"hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}})
        elif path.endswith("/_count"):
            self._answer(200, {"count": len(s.docs)})
        else:
            self._answer(404, {"error": "no route", "status": 404})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


@pytest.fixture
def es() -> Iterator[FakeElasticsearch]:
    yield from _serve(FakeElasticsearch())


def _serve(server: FakeElasticsearch) -> Iterator[FakeElasticsearch]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "BACKOFF", 0.01)


def records() -> list[Any]:
    return [r for f in sorted((FIXTURES / "ctgov_xml").glob("NCT*.xml")) for r in parse(f.read_bytes())]


def test_new_index_behind_an_alias_and_bulk_loading(es: FakeElasticsearch) -> None:
    index = ClusterIndex(connect(es.url), Synonyms([["SLE", "systemic lupus erythematosus", "lupus"]]))
    assert index.needs_rebuild
    created = next(r for r in es.requests if r["method"] == "PUT")
    body = json.loads(created["body"])
    assert body["mappings"]["dynamic"] == "strict"
    assert body["settings"]["analysis"]["filter"]["trials_synonyms"]["synonyms"] == [
        "systemic lupus erythematosus, lupus"
    ]  # the abbreviation is left to query expansion
    assert es.aliases["trials"] == created["path"].strip("/")
    index.upsert(records())
    bulk = next(r for r in es.requests if r["path"] == "/_bulk")
    assert bulk["headers"]["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=9"
    assert sorted(es.docs) == ["NCT00002475", "NCT02084238", "NCT04077684"]
    assert es.docs["NCT04077684"]["last_update"] == "2020-03-27"


def test_bulk_retries_429_items_and_reports_refused_documents(
    es: FakeElasticsearch, caplog: pytest.LogCaptureFixture
) -> None:
    index = ClusterIndex(connect(es.url), Synonyms())
    es.bulk_statuses = [{"NCT04077684": 429, "NCT00002475": 400}]
    with caplog.at_level(logging.ERROR):
        index.upsert(records())
    bulks = [r for r in es.requests if r["path"] == "/_bulk"]
    assert len(bulks) == 2
    retried = [json.loads(x) for x in bulks[1]["body"].splitlines()][::2]
    assert [a["index"]["_id"] for a in retried] == ["NCT04077684"]  # only the refused one, again
    assert "NCT04077684" in es.docs and "NCT00002475" not in es.docs
    assert index.report.failed == [("NCT00002475", "mapper_parsing_exception")]
    assert "NCT00002475" in caplog.text


def test_bulk_waits_for_a_node_that_is_briefly_unavailable(es: FakeElasticsearch) -> None:
    index = ClusterIndex(connect(es.url), Synonyms())
    es.fail_next = [503, 429]
    index.upsert(records())
    assert len(es.docs) == 3 and index.report.retries == 2


def test_search_and_errors(es: FakeElasticsearch) -> None:
    index = ClusterIndex(connect(es.url), Synonyms())
    index.upsert(records())
    result = index.search(SearchQuery(conditions=("lupus",), age=30, sex="F"))
    assert result.total == 3
    search = next(r for r in es.requests if r["path"].endswith("/_search"))
    assert search["headers"]["accept"] == "application/vnd.elasticsearch+json; compatible-with=9"
    body = json.loads(search["body"])
    assert {"range": {"min_age": {"lte": 30}}} in body["query"]["bool"]["filter"]
    es.fail_next = [400]
    with pytest.raises(EngineError, match="scripted 400") as err:
        index.search(SearchQuery(text="x"))
    assert err.value.status == 400


def test_unreachable_engine_and_credentials_never_shown(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TRIALS_ENGINE_PASSWORD", "s3cret-pw")
    url = parse_engine_url("elasticsearch://alice@127.0.0.1:9/trials")
    assert (url.user, url.password) == ("alice", "s3cret-pw")
    with caplog.at_level(logging.DEBUG), pytest.raises(EngineUnavailable) as err:
        connect(url).request("GET", "/")
    assert "s3cret-pw" not in str(err.value) and "s3cret-pw" not in caplog.text
    assert "alice" not in url.redacted()


@pytest.mark.parametrize(
    ("text", "kind", "base", "alias"),
    [
        ("opensearch://127.0.0.1:9200", "opensearch", "http://127.0.0.1:9200", "trials"),
        ("elasticsearch+https://es.example:9243/mine", "elasticsearch", "https://es.example:9243", "mine"),
        ("opensearch://host", "opensearch", "http://host:9200", "trials"),
    ],
)
def test_engine_urls(text: str, kind: str, base: str, alias: str) -> None:
    url = parse_engine_url(text)
    assert (url.kind, url.base, url.alias) == (kind, base, alias)


@pytest.mark.parametrize("text", ["http://host:9200", "solr://host", "opensearch://"])
def test_bad_engine_urls(text: str) -> None:
    with pytest.raises(ValueError, match="engine URL"):
        parse_engine_url(text)


def test_cluster_query_carries_weighted_feedback_terms() -> None:
    from indexer.index.cluster_dsl import build_query

    query = build_query(SearchQuery(text="lupus", weighted_terms=(("cataract", 2.0), ("ignored", 0.0))))
    [text] = [clause for clause in query["bool"]["must"] if "bool" in clause]
    should = [c["multi_match"] for c in text["bool"]["should"] if "multi_match" in c]
    feedback = [m for m in should if m["query"] == "cataract"]
    assert [(f["boost"], f["operator"]) for f in feedback] == [(2.0, "and")]
    assert "ignored" not in str(query)


def test_an_elasticsearch_8_node_is_asked_for_its_own_api(es: FakeElasticsearch) -> None:
    es.major = 8
    index = ClusterIndex(connect(es.url), Synonyms([]))
    index.upsert(records())
    assert index.count() == len(es.docs) == 3
    refused = [r for r in es.requests if "compatible-with=9" in r["headers"]["accept"]]
    assert len(refused) == 1  # once per session; then the 8.x API for every request, bulk included
    assert all(r["headers"]["accept"].endswith("compatible-with=8") for r in es.requests[1:])
    bulk = next(r for r in es.requests if r["path"] == "/_bulk")
    assert bulk["headers"]["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=8"


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA of our own and a certificate it signed for 127.0.0.1, as an Elasticsearch 8/9 cluster makes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder(
            name("trialscout test CA"), name("trialscout test CA"), ca_key.public_key(), 1, now, now + timedelta(days=1)
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder(ca.subject, name("127.0.0.1"), key.public_key(), 2, now, now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "http_ca.crt", folder / "node.crt", folder / "node.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def tls_es(tmp_path: Path) -> Iterator[tuple[FakeElasticsearch, Path]]:
    ca, cert, key = _certificates(tmp_path)
    server = FakeElasticsearch()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for s in _serve(server):
        yield s, ca


@pytest.mark.parametrize("kind", ["elasticsearch", "opensearch"])
def test_tls_with_the_clusters_own_ca(
    kind: str, tls_es: tuple[FakeElasticsearch, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca = tls_es
    url = f"{kind}+https://127.0.0.1:{server.server_address[1]}/trials"
    monkeypatch.delenv("TRIALS_ENGINE_CA_CERTS", raising=False)
    with pytest.raises(EngineTLSError, match="TRIALS_ENGINE_CA_CERTS"):
        connect(url).request("GET", "/_alias/trials")
    assert server.requests == []  # refused before any request was sent
    monkeypatch.setenv("TRIALS_ENGINE_CA_CERTS", str(ca))
    index = ClusterIndex(connect(url), Synonyms([]))
    assert index.needs_rebuild and index.count() == 0
    assert server.requests and all(r["path"] for r in server.requests)
