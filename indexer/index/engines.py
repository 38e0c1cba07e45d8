"""Engine URLs and one thin adapter per client (opensearch-py, elasticsearch): raw requests, mapped errors."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson


class EngineError(RuntimeError):
    """The engine answered with an error; `status` is its HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class EngineTLSError(EngineError):
    """The TLS handshake failed: most often a certificate signed by a CA this machine does not trust."""

    def __init__(self, message: str):
        RuntimeError.__init__(self, message)
        self.status = 0


class EngineUnavailable(EngineError):
    """No answer: connection refused or timed out (a node restarting, a network blip)."""

    def __init__(self, message: str):
        RuntimeError.__init__(self, message)
        self.status = 0


@dataclass(frozen=True)
class EngineURL:
    """A cluster's kind, base URL (without credentials) and index alias."""

    kind: str  # "opensearch" or "elasticsearch"
    base: str  # http(s)://host:port, no credentials
    alias: str
    user: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_certs: str | None = None  # a PEM file of CAs to trust for https, instead of certifi's

    def redacted(self) -> str:
        """For messages and logs: never the credentials."""
        return f"{self.kind}+{self.base}/{self.alias}"


def parse_engine_url(url: str) -> EngineURL:
    """`opensearch://host:9200`, `elasticsearch+https://host:9243/myalias`; credentials from the URL or
    TRIALS_ENGINE_USER / TRIALS_ENGINE_PASSWORD / TRIALS_ENGINE_API_KEY; TRIALS_ENGINE_CA_CERTS for a
    cluster whose certificate is signed by its own CA."""
    parts = urlsplit(url)
    kind, _, transport = parts.scheme.partition("+")
    if kind not in ("opensearch", "elasticsearch") or transport not in ("", "http", "https"):
        raise ValueError(
            f"engine URL must start opensearch:// or elasticsearch:// (+https for TLS), not {parts.scheme}://"
        )
    if not parts.hostname:
        raise ValueError("engine URL needs a host, e.g. opensearch://127.0.0.1:9200")
    port = parts.port or 9200
    alias = parts.path.strip("/") or "trials"
    return EngineURL(
        kind=kind,
        base=f"{transport or 'http'}://{parts.hostname}:{port}",
        alias=alias,
        user=parts.username or os.environ.get("TRIALS_ENGINE_USER"),
        password=parts.password or os.environ.get("TRIALS_ENGINE_PASSWORD"),
        api_key=os.environ.get("TRIALS_ENGINE_API_KEY"),
        ca_certs=os.environ.get("TRIALS_ENGINE_CA_CERTS") or None,
    )


def _tls_error(url: EngineURL, exc: Exception) -> EngineTLSError:
    fix = (
        f"is TRIALS_ENGINE_CA_CERTS={url.ca_certs} the CA that signed it?"
        if url.ca_certs
        else "set TRIALS_ENGINE_CA_CERTS to the cluster's CA file (Elasticsearch's config/certs/http_ca.crt)"
    )
    return EngineTLSError(f"{url.redacted()}: TLS handshake failed ({str(exc)[:200]}); {fix}")


class Adapter(Protocol):
    url: EngineURL

    def request(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any: ...

    def bulk(self, payload: bytes) -> Any: ...


class OpenSearchAdapter:
    def __init__(self, url: EngineURL):
        from opensearchpy import OpenSearch

        self.url = url
        auth = (url.user, url.password or "") if url.user else None
        headers = {"Authorization": f"ApiKey {url.api_key}"} if url.api_key else None
        # max_retries=0: our loader retries, with backoff, and says so; the client would retry blindly.
        self.client = OpenSearch(
            hosts=[url.base], http_auth=auth, headers=headers, timeout=60, max_retries=0, ca_certs=url.ca_certs
        )

    def request(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        from opensearchpy import exceptions as e

        try:
            return self.client.transport.perform_request(method, path, params=params, body=body)
        except e.SSLError as exc:
            raise _tls_error(self.url, exc) from None
        except (e.ConnectionError, e.ConnectionTimeout) as exc:
            raise EngineUnavailable(f"{self.url.redacted()}: {exc.__class__.__name__}") from None
        except e.TransportError as exc:
            raise EngineError(
                int(exc.status_code) if isinstance(exc.status_code, int) else 500, _reason(exc.info)
            ) from None

    def bulk(self, payload: bytes) -> Any:
        return self.request("POST", "/_bulk", body=payload.decode("utf-8"))


class ElasticsearchAdapter:
    # The client refuses servers that are not Elasticsearch (its product check), hence OpenSearch's own.
    # It asks for the API of its own major version, 9. An 8.x node refuses that with a 400 ("Accept
    # version must be either version 8 or 7"); it is then asked, for the rest of the session, for the
    # 8.x API, which 9.x nodes serve too. Our requests mean the same in both.
    _OLDER_NODE = "must be either version 8 or 7"

    def __init__(self, url: EngineURL):
        from elasticsearch import Elasticsearch

        self.url = url
        self.api_version = 9
        auth: dict[str, Any] = {}
        if url.api_key:
            auth["api_key"] = url.api_key
        elif url.user:
            auth["basic_auth"] = (url.user, url.password or "")
        if url.ca_certs:
            auth["ca_certs"] = url.ca_certs
        self.client = Elasticsearch(hosts=[url.base], request_timeout=60, max_retries=0, **auth)

    def request(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None, ndjson: bool = False
    ) -> Any:
        try:
            return self._request(method, path, body, params, ndjson)
        except _OlderNode:
            self.api_version = 8
            return self._request(method, path, body, params, ndjson)

    def _request(self, method: str, path: str, body: Any, params: dict[str, str] | None, ndjson: bool) -> Any:
        from elastic_transport import ConnectionError as TransportConnectionError
        from elastic_transport import ConnectionTimeout, TlsError
        from elasticsearch import ApiError

        compat = f"; compatible-with={self.api_version}"
        headers = {"accept": "application/vnd.elasticsearch+json" + compat}
        if body is not None:
            kind = "x-ndjson" if ndjson else "json"
            headers["content-type"] = f"application/vnd.elasticsearch+{kind}{compat}"
        try:
            response = self.client.perform_request(method, path, params=params, headers=headers, body=body)
            return response.body
        except TlsError as exc:
            raise _tls_error(self.url, exc) from None
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise EngineUnavailable(f"{self.url.redacted()}: {exc.__class__.__name__}") from None
        except ApiError as exc:
            # The reason is in the cause: "Invalid media-type value on headers [Accept, Content-Type]".
            if exc.meta.status == 400 and self.api_version == 9 and self._OLDER_NODE in str(exc.body):
                raise _OlderNode from None
            raise EngineError(exc.meta.status, _reason(exc.body)) from None

    def bulk(self, payload: bytes) -> Any:
        return self.request("POST", "/_bulk", body=payload, ndjson=True)


class _OlderNode(Exception):
    """An Elasticsearch 8.x node refused the 9.x API."""


def _reason(info: Any) -> str:
    if isinstance(info, dict):
        error = info.get("error", info)
        if isinstance(error, dict):
            return str(error.get("reason") or error.get("type") or json.dumps(error)[:300])
        return str(error)[:300]
    return str(info)[:300]


def connect(url: str | EngineURL) -> Adapter:
    parsed = parse_engine_url(url) if isinstance(url, str) else url
    return OpenSearchAdapter(parsed) if parsed.kind == "opensearch" else ElasticsearchAdapter(parsed)


def ndjson(lines: list[Any]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)
