"""Per-invocation state shared by commands: the data directory, verbosity, progress bars."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from indexer.config import Settings, load

if TYPE_CHECKING:
    from indexer.catalog import Catalog


@dataclass
class AppContext:
    """The command line's global options and the catalog it opens once."""

    data_dir: str | None
    engine: str | None = None
    quiet: bool = False
    verbose: int = 0
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return load(self.data_dir, engine=self.engine)

    def catalog(self, *, writes: bool = False) -> Catalog:
        """The catalog of the data directory. Only commands that store something (`writes`) create
        one: a read of a mistyped --data-dir says so instead of leaving an empty store there."""
        if self._catalog is None:
            from indexer.catalog import Catalog  # loaded by the commands that use it, not by `--help`

            settings = self.settings
            # An empty file (a copy that failed, a `touch`) holds no trials either.
            if not writes and (not settings.db_path.exists() or settings.db_path.stat().st_size == 0):
                raise click.ClickException(
                    f"no trials stored in {settings.data_dir}: fetch some with `trials crawl ctgov` or "
                    "`trials ingest PATH`, or give the data directory that holds them (--data-dir or TRIALS_DATA)"
                )
            self._catalog = Catalog(settings)
        return self._catalog

    def trial_id(self, given: str) -> str:
        """The stored trial any of its ids names (NCT, EudraCT, sponsor's), else `given` as an NCT id would be.

        An id that several trials give (a grant number) is an error that lists them."""
        found = self.catalog().store.resolve_all(given.strip())
        if len(found) > 1:
            raise click.ClickException(
                f"{given} is an id of {len(found) if len(found) <= 20 else 'more than 20'} trials "
                f"({', '.join(found[:10])}{', ...' if len(found) > 10 else ''}): give one of their NCT ids"
            )
        return found[0] if found else given.strip().upper()

    def versions_of(self, given: str) -> str:
        """The trial whose versions an id asks for (`history`, `diff`): a trial merged into another keeps its
        own, which end with the merge; any other id, its trial's (`trial_id`)."""
        return given.strip().upper() if self.catalog().store.merged_into(given) else self.trial_id(given)

    def not_stored(self, given: str) -> click.ClickException:
        """What to say of an id that names no stored trial: how to fetch it, if it can be fetched by id."""
        from indexer.identifiers import is_nct

        if not given.strip():  # `trials show "$ID"` with ID unset read "Error:  is not in DATA_DIR; fetch it ..."
            return click.UsageError("TRIAL_ID is empty: give an NCT id, a EudraCT number or the sponsor's id")
        nct = given.strip().upper()
        fetch = f"`trials crawl ctgov --nct {nct}` or " if is_nct(nct) else ""
        where = self.settings.data_dir
        return click.ClickException(f"{given} is not in {where}; fetch it with {fetch}`trials ingest FILE`")

    def close(self) -> None:
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None

    @property
    def show_progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()

    @contextmanager
    def progress(self, total: int | None, label: str) -> Iterator[Callable[[int], None]]:
        """An `advance(n)` callback drawing a bar on stderr, or doing nothing when it would be noise."""
        if not self.show_progress:
            yield lambda n: None
            return
        bar: click._termui_impl.ProgressBar[int]
        with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
            yield bar.update

    def warn(self, message: str) -> None:
        click.secho(f"warning: {message}", fg="yellow", err=True)

    def info(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


def setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    # The level goes on the handler too: Scrapy resets the root logger's level when a crawl starts.
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The cluster clients log every failed request with a traceback; we report failures ourselves.
    for name in ("opensearch", "elastic_transport", "elasticsearch"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose > 1 else logging.CRITICAL)


pass_app = click.make_pass_decorator(AppContext)
