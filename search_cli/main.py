"""`trials`: the command group, its global options and the mapping of errors to exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from indexer import __version__
from indexer.config import ConfigError
from indexer.index.base import IndexUnavailable
from indexer.index.engines import EngineError, EngineTLSError, EngineUnavailable, parse_engine_url
from indexer.parsers.errors import ParseError
from indexer.store import StoreBusy, StoreError
from indexer.store.db import DATABASE_ERRORS, explain
from search_cli.commands import discover, harvest, history, query, serve, watch
from search_cli.context import AppContext, setup_logging


class TrialsGroup(click.Group):
    """Turns expected failures into exit 1 with a message that says what to do."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (StoreBusy, StoreError, IndexUnavailable, FileNotFoundError, ParseError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from exc
        except DATABASE_ERRORS as exc:  # raised while reading rows: said as the store's errors are
            settings = ctx.obj.settings if isinstance(ctx.obj, AppContext) else None
            where = settings.db_path if settings else Path("trials.sqlite")
            raise click.ClickException(str(explain(exc, where))) from exc
        except EngineUnavailable as exc:
            raise click.ClickException(
                f"the search engine did not answer ({exc}); start it, or drop --engine to use the embedded index"
            ) from exc
        except EngineTLSError as exc:
            raise click.ClickException(f"no secure connection to the search engine: {exc}") from exc
        except EngineError as exc:
            raise click.ClickException(f"the search engine refused the request: {exc}") from exc
        except BrokenPipeError:  # `trials export | head`
            ctx.exit(0)
        finally:
            if isinstance(ctx.obj, AppContext):
                ctx.obj.close()


@click.group(cls=TrialsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    envvar="TRIALS_DATA",
    type=click.Path(file_okay=False),
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
    setup_logging(verbose, quiet)
    if engine:
        try:
            parse_engine_url(engine)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--engine") from None
    ctx.obj = AppContext(data_dir, engine=engine, quiet=quiet, verbose=verbose)


for module in (harvest, query, history, watch, discover, serve):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="trials")


if __name__ == "__main__":
    main()
