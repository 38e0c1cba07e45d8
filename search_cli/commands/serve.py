"""`trials serve`: the web pages and JSON API over this data directory, read-only."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys

import click

from indexer.config import load
from search_cli.context import AppContext, pass_app

# Each worker process listens on a socket of its own (SO_REUSEPORT) and Linux spreads new connections
# over them. On one shared listening socket, the worker whose event loop woke first accepted every
# connection waiting: a client holding keep-alive connections (a proxy's pool, a load test) was
# answered by one worker while the others idled (100,000 trials, 2 workers, 16 clients: 109
# requests/s, one worker busy for 31.5 s of CPU and the other for 0.09). Other systems' SO_REUSEPORT
# does not spread connections, so there the workers share one socket as before.
SHARE_PORT = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, opened here so that a busy port is a clear error, not a log line."""
    sock = _bound(host, port, share=False)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def claim(host: str, port: int) -> socket.socket:
    """For worker processes: the port, bound here (a busy port is an error before any worker starts) but
    not listened on; each worker that receives it listens on its own socket on the same port."""
    if not SHARE_PORT:
        return bind(host, port)
    sock = _bound(host, port, share=True, kind=SharedPort)
    sock.set_inheritable(True)
    return sock


def _bound(host: str, port: int, *, share: bool, kind: type[socket.socket] = socket.socket) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections of a socket that says so. Without
    # it, an answer written in two parts (head, body) waited for the client's delayed ACK on a busy
    # keep-alive connection: 40 ms a request (one client in a loop: 20 requests/s instead of 80).
    sock = kind(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} on {host} is in use; choose another with --port") from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


class SharedPort(socket.socket):
    """The port as uvicorn hands it to each worker process it spawns: unpickled there as a new socket
    listening on the same address, instead of a copy of this one."""

    def __reduce__(self) -> tuple[object, tuple[str, int]]:
        host, port = self.getsockname()[:2]
        return listen_shared, (host, port)


def listen_shared(host: str, port: int) -> socket.socket:
    """A worker's own listening socket on the port its parent claimed (SO_REUSEPORT on both)."""
    sock = _bound(host, port, share=True)
    sock.listen(2048)
    return sock


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="As the global --data-dir (overrides it).")
@click.option("--engine", help="As the global --engine (overrides it).")
@click.option("--access-log", is_flag=True, help="Log every request (off by default: URLs hold what patients search).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes answering requests; one per core serves the most.",
)
@pass_app
def serve(
    app: AppContext, host: str, port: int, data_dir: str | None, engine: str | None, access_log: bool, workers: int
) -> None:
    """The web page for patients and researchers, and the JSON API (/api/..., /openapi.json), read-only."""
    import uvicorn  # the web stack loads only for this command
    from uvicorn.supervisors import Multiprocess

    from web.app import create_app

    settings = load(data_dir or app.data_dir, engine=engine or app.engine)
    empty = click.ClickException(
        f"no trials in {settings.data_dir}; load some first with `trials ingest PATH` or `trials crawl ctgov`"
    )
    if not settings.db_path.exists() or settings.db_path.stat().st_size == 0:
        raise empty
    web = create_app(settings)
    if web.state.catalog.index.needs_rebuild:
        raise click.ClickException(f"the search index of {settings.data_dir} must be rebuilt: run `trials reindex`")
    sock = bind(host, port) if workers == 1 else claim(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {settings.data_dir} on http://{shown}:{bound}/ (Ctrl-C stops)", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        app.warn(f"listening on {host}: anyone who can reach this machine can use the pages")
    if workers == 1:
        config = uvicorn.Config(web, log_level="warning", access_log=access_log, server_header=False)
        uvicorn.Server(config).run(sockets=[sock])
        return
    # Worker processes import the app themselves and share this socket; the checks above ran here,
    # so the workers start on a data directory known to be good.
    web.state.catalog.close()
    os.environ["TRIALS_DATA"] = str(settings.data_dir)
    if settings.engine:
        os.environ["TRIALS_ENGINE"] = settings.engine
    config = uvicorn.Config(
        "web.asgi:from_env",
        factory=True,
        workers=workers,
        log_level="warning",
        access_log=access_log,
        server_header=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()


COMMANDS = [serve]
