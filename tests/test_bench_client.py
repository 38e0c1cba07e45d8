"""The load tests' lean HTTP client reads whole answers of each framing and reuses its connections."""

from __future__ import annotations

import asyncio

from bench.http_client import LeanClient

ANSWERS = {
    b"/length": b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-cache: hit\r\n\r\nhello",
    b"/chunked": b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n",
    b"/close": b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
}


async def exchange() -> tuple[list[tuple[int, str | None]], int, list[bytes]]:
    connections = 0
    targets: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while line := await reader.readline():
            await reader.readuntil(b"\r\n\r\n")  # the rest of the head
            target = line.split()[1]
            targets.append(target)
            writer.write(ANSWERS[target.split(b"?")[0]])
            await writer.drain()
            if target.startswith(b"/close"):
                break
        writer.close()

    async with await asyncio.start_server(handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        client = LeanClient(f"http://127.0.0.1:{port}")
        got = [
            await client.get("/length", [("q", "lupus <IL-2>"), ("status", "any")]),
            await client.get("/chunked", None),
            await client.get("/length", {"q": "x"}),
            await client.get("/close", None),
            await client.get("/length", None),
        ]
        await client.aclose()
    return got, connections, targets


def test_lean_client_reads_each_framing_and_keeps_connections() -> None:
    got, connections, targets = asyncio.run(exchange())
    assert got == [(200, "hit"), (404, None), (200, "hit"), (503, None), (200, "hit")]
    # One connection until the server closed it, then a new one: every answer was read whole, or the
    # next request on the connection would have read the rest of the previous answer.
    assert connections == 2
    assert targets[0] == b"/length?q=lupus+%3CIL-2%3E&status=any"
