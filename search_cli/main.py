"""`trials`: the command group, its global options and the mapping of errors to exit codes."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from indexer import __version__

# Command -> (module of search_cli.commands, one-line summary). `trials --help` lists the commands from
# here, and a command's module is imported only when it runs: start-up costs what the command uses.
# tests/test_startup.py checks this table against the commands themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    "changes": (
        "history",
        "What changed across the registry since a date, newest first (search filters narrow the trials).",
    ),
    "crawl": ("harvest", "Harvest a registry over the network."),
    "diff": ("history", "Field-level differences between two versions of a trial."),
    "eval": (
        "discover",
        "nDCG@N, P@N and recall@100 of `trials match` over the current index (trec_eval's definitions).",
    ),
    "export": ("query", "Every stored record (default NDJSON, streamed)."),
    "failures": ("harvest", "Documents that could not be fetched or parsed, with the error; their raw bytes are kept."),
    "history": ("history", "Every stored version of a trial, oldest first, with what changed in each."),
    "ingest": (
        "harvest",
        "Load registry files: API v2 JSON (studies, search pages, exports), legacy XML, folders, .zip.",
    ),
    "match": ("discover", "Trials a patient could join, best first."),
    "reindex": ("harvest", "Rebuild the search index from the record store (after an upgrade, or to be sure)."),
    "serve": (
        "serve",
        "The web page for patients and researchers, and the JSON API (/api/..., /openapi.json), read-only.",
    ),
    "search": ("query", "Search trials by free TEXT and filters; best match first (newest first with filters only)."),
    "show": (
        "query",
        "One trial, every field, by any of its ids (NCT, EudraCT, sponsor's), with every source "
        "that describes it and where they disagree, and how to take part: contacts and sites.",
    ),
    "similar": (
        "similar",
        "Trials like TRIAL_ID (shared conditions, drugs, design, eligibility, text), and what each shares.",
    ),
    "stats": ("query", "How many records, and how they split by a field."),
    "watch": ("watch", "Follow a search: `watch add`, then `watch run` whenever you want what is new."),
}
# The commands that only read: when one has ended (its store closed), nothing is left to write or wait
# for but stdout, stderr and the atexit callbacks, so the process ends without Python's shutdown (`main`).
READ_ONLY = frozenset({"changes", "diff", "export", "history", "match", "search", "show", "similar", "stats"})
# The commands `main` saw resolved: none for `trials --help`, `--version` or a usage error.
_resolved: list[str] = []


def _expected_failure(ctx: click.Context, exc: Exception) -> str | None:
    """The message for a failure the user can act on, or None for a bug (which keeps its traceback)."""
    # Imported here, once something failed: importing them up front would cost every command's start.
    from indexer.config import ConfigError
    from indexer.discover.evaluate import InputFileError
    from indexer.diskspace import full_disk_line, no_space_error
    from indexer.index.base import IndexUnavailable
    from indexer.index.engines import EngineError, EngineTLSError, EngineUnavailable
    from indexer.parsers.errors import ParseError
    from indexer.store import StoreBusy, StoreError
    from indexer.store.db import DATABASE_ERRORS, explain

    expected = StoreBusy | StoreError | IndexUnavailable | FileNotFoundError | ParseError | ConfigError | InputFileError
    if isinstance(exc, expected):
        return str(exc)
    settings = ctx.obj.settings if ctx.obj is not None else None
    if isinstance(exc, DATABASE_ERRORS):  # raised while reading rows: said as the store's errors are
        where = settings.db_path if settings else Path("trials.sqlite")
        return str(explain(exc, where))
    if isinstance(exc, OSError) and exc.filename is None and set(_resolved) <= READ_ONLY and no_space_error(exc):
        # A reading command writes nothing but its output: `trials export --ndjson > /full/disk/file`.
        return "no space left on device writing the output: free some space, or send it elsewhere, and run it again"
    if (full := full_disk_line(exc, settings.data_dir if settings else None)) is not None:  # a lock file, a feed
        return full
    if isinstance(exc, EngineUnavailable):
        return f"the search engine did not answer ({exc}); start it, or drop --engine to use the embedded index"
    if isinstance(exc, EngineTLSError):
        return f"no secure connection to the search engine: {exc}"
    if isinstance(exc, EngineError):
        return f"the search engine refused the request: {exc}"
    return None


def _undecodable(exc: UnicodeEncodeError) -> str:
    """The bytes Python kept as lone surrogates ("\\xff"), when that is what the text could not be encoded for."""
    if not isinstance(exc.object, str):
        return ""
    bad = [ord(c) - 0xDC00 for c in exc.object[exc.start : exc.end] if 0xDC80 <= ord(c) <= 0xDCFF]
    return " ".join(f"\\x{b:02x}" for b in bad)


class TrialsGroup(click.Group):
    """Loads each command when it runs; turns expected failures into exit 1 with a message that says what to do."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        _resolved.append(cmd_name)
        module = importlib.import_module(f"search_cli.commands.{COMMANDS[cmd_name][0]}")
        found: click.Command = next(c for c in module.COMMANDS if c.name == cmd_name)
        return found

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [
            (name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)) for name in sorted(COMMANDS)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `trials export | head`
            ctx.exit(0)
        except click.ClickException:
            raise
        except UnicodeEncodeError as exc:
            if not _undecodable(exc):
                raise
            # Python keeps bytes of the command line that are not UTF-8 as lone surrogates, which neither
            # SQLite nor tantivy take: `trials search $'lupus\xff'` (a terminal in Latin-1).
            raise click.UsageError(
                f"an argument is not UTF-8 text (it has the bytes {_undecodable(exc)}): type it in a UTF-8 terminal",
                ctx,
            ) from exc
        except Exception as exc:
            message = _expected_failure(ctx, exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc
        finally:
            if ctx.obj is not None:  # the AppContext, once a command ran
                ctx.obj.close()


@click.group(cls=TrialsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    envvar="TRIALS_DATA",
    help="Where records and the index live [env TRIALS_DATA; default: the per-user data dir].",
)
@click.option(
    "--engine",
    envvar="TRIALS_ENGINE",
    help="Search cluster instead of the embedded index, e.g. opensearch://127.0.0.1:9200 or "
    "elasticsearch+https://host:9243 [env TRIALS_ENGINE; credentials TRIALS_ENGINE_USER, "
    "TRIALS_ENGINE_PASSWORD or TRIALS_ENGINE_API_KEY].",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or summaries on stderr.")
@click.option("--verbose", "-v", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(__version__, prog_name="trials")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, engine: str | None, quiet: bool, verbose: int) -> None:
    """Harvest clinical-trial registries into a local index and search it."""
    from search_cli.context import AppContext, setup_logging  # settings and logging: not for `--help`

    setup_logging(verbose, quiet)
    if data_dir and os.path.exists(data_dir) and not os.path.isdir(data_dir):
        # Not a usage error: a crontab's TRIALS_DATA or a moved folder, with the command itself right.
        given = "TRIALS_DATA" if ctx.get_parameter_source("data_dir") == ParameterSource.ENVIRONMENT else "--data-dir"
        raise click.ClickException(
            f"the data directory {data_dir} ({given}) is a file, not a folder: give the folder that holds the "
            "trials (--data-dir or TRIALS_DATA), or move the file aside"
        )
    if engine:
        from indexer.index.engines import parse_engine_url

        try:
            parse_engine_url(engine)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--engine") from None
    ctx.obj = AppContext(data_dir, engine=engine, quiet=quiet, verbose=verbose)


def main() -> None:
    _resolved.clear()
    try:
        cli(prog_name="trials")  # ends in SystemExit: click's standalone mode exits with the command's status
    except SystemExit as done:
        if (done.code is None or type(done.code) is int) and set(_resolved) <= READ_ONLY:
            _exit_now(done.code or 0)
        raise


def _exit_now(status: int) -> None:
    """End the process as Python's shutdown would, less its freeing of every object start-up made.

    That freeing (two full garbage collections over the modules, then each module's objects) took a
    third of a search's instructions beyond its imports: 34M of 360M. What a reading command leaves to
    the shutdown is only this: the atexit callbacks (logging's flush, removing a read-only index's
    shadow folder) and the buffered output. Threads are waited for by the shutdown alone, so with one
    still running, or a write to stdout failing (a closed pipe), the shutdown does it all as before."""
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


if __name__ == "__main__":
    main()
