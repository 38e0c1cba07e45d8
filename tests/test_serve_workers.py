"""`trials serve --workers N`: keep-alive connections are spread over the worker processes."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from search_cli.commands.serve import SHARE_PORT
from tests.webdata import serving

pytest_plugins = ("tests.webdata",)  # the web_data fixture

LISTEN, ESTABLISHED = "0A", "01"  # TCP states as /proc/net/tcp writes them


def _tcp(port: int, state: str) -> set[int]:
    """Socket inodes of this machine's IPv4 TCP sockets on local `port` in `state` (/proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == state:
            found.add(int(cols[9]))
    return found


def _owned(pid: int) -> set[int]:
    """Inodes of the sockets a process holds open."""
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with_target = os.readlink(fd) if fd.is_symlink() else ""
        if with_target.startswith("socket:["):
            out.add(int(with_target[8:-1]))
    return out


@pytest.mark.slow  # starts uvicorn worker processes
@pytest.mark.skipif(not SHARE_PORT, reason="only Linux's SO_REUSEPORT spreads connections over sockets")
def test_keep_alive_connections_are_spread_over_the_workers(web_data: Path) -> None:
    """A client that opens its connections at once and keeps them (a proxy's pool, a load test) must
    reach every worker: on one shared socket, the first worker to wake accepted them all."""
    with serving(web_data, "--workers", "2") as (base, proc):
        port = int(base.rsplit(":", 1)[1])
        children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        for _ in range(300):  # each worker listens once it has started (not multiprocessing's resource tracker)
            workers = [pid for pid in children if _owned(pid) & _tcp(port, LISTEN)]
            if len(workers) == 2:
                break
            time.sleep(0.1)
        assert len(workers) == 2
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        try:
            for c in conns:  # answered, so accepted by some worker
                c.sendall(b"GET /static/app.js HTTP/1.1\r\nHost: test\r\n\r\n")
            for c in conns:
                assert c.recv(12).startswith(b"HTTP/1.1 200")
            held = _tcp(port, ESTABLISHED)
            per_worker = [len(_owned(pid) & held) for pid in workers]
            assert sum(per_worker) == len(conns)
            assert min(per_worker) > 0, per_worker
        finally:
            for c in conns:
                c.close()
