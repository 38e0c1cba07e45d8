"""The load tests' HTTP clients: a lean keep-alive HTTP/1.1 client on asyncio streams, and httpx for comparison."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import httpx

IDLE_S = 2.0  # idle connections are dropped before the server closes them (uvicorn: after 5 s)


class TransportError(Exception):
    """The request got no complete answer (refused, reset, closed early)."""


class Client(Protocol):
    async def get(self, path: str, params: Any) -> tuple[int, str | None]:
        """The answer's status and its x-cache header."""
        ...

    async def aclose(self) -> None: ...


class LeanClient:
    """GET over keep-alive connections, reading each answer whole (Content-Length or chunked).

    Why not httpx: a load test shares this 2-core machine with the server it measures, and httpx
    spends about 1.7 ms of CPU on a request (as much as a sixth of what the server spends), CPU the
    server then lacks. This client spends a tenth of that: what a C load generator would leave."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str, params: Any) -> tuple[int, str | None]:
        target = f"{path}?{urlencode(params, doseq=True)}" if params else path
        request = f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\nAccept-Encoding: identity\r\n\r\n".encode()
        now = time.monotonic()
        while self._idle:
            since, reader, writer = self._idle.pop()
            if now - since < IDLE_S:
                try:
                    return await self._exchange(reader, writer, request)
                except TransportError:  # closed by the server as this was sent: once more on a new one
                    break
            writer.close()
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        except OSError as exc:
            raise TransportError(f"cannot connect: {exc}") from exc
        return await self._exchange(reader, writer, request)

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> tuple[int, str | None]:
        try:
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ", 2)[1])
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await reader.readexactly(size + 2)  # the chunk and its CRLF
                await reader.readuntil(b"\r\n")  # the end: no trailers from uvicorn
            else:
                await reader.read()
                headers["connection"] = "close"
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            writer.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append((time.monotonic(), reader, writer))
        return status, headers.get("x-cache")

    async def aclose(self) -> None:
        for _, _, writer in self._idle:
            writer.close()
        self._idle.clear()


class HttpxClient:
    """httpx, as the load tests used it first (its own CPU counted against the server's machine)."""

    def __init__(self, base: str, connections: int):
        # Idle connections closed here before the server does, or a request may be sent on one the
        # server is closing (httpx.ReadError).
        limits = httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=IDLE_S
        )
        self._client = httpx.AsyncClient(base_url=base, limits=limits, timeout=60)

    async def get(self, path: str, params: Any) -> tuple[int, str | None]:
        try:
            r = await self._client.get(path, params=params)
        except httpx.TransportError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return r.status_code, r.headers.get("x-cache")

    async def aclose(self) -> None:
        await self._client.aclose()


def client(kind: str, base: str, connections: int) -> Client:
    return LeanClient(base) if kind == "lean" else HttpxClient(base, connections)
