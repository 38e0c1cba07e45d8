"""README.md documents every `trials` command, subcommand and option (read from the click command tree)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from search_cli.main import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
_SPAN = re.compile(r"`([^`]+)`")


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def long_options(command: click.Command) -> list[str]:
    """Each option's long spellings (--drug and its alias --intervention); short ones are shorthands."""
    return [
        opt
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden
        for opt in (*p.opts, *p.secondary_opts)
        if opt.startswith("--") and opt != "--help"
    ]


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def names(span: str, path: tuple[str, ...]) -> bool:
    """Whether a code span shows the command `path`: `trials crawl ctgov ...`, `watch list`, `crawl euctr\\|gsk`."""
    words = span.replace("\\|", "|").split()
    if words[:1] == ["trials"]:
        words = words[1:]
    return len(words) >= len(path) and all(w in words[i].split("|") for i, w in enumerate(path))


COMMANDS = section("The `trials` command")
LINES = COMMANDS.splitlines()
# Lines that name no command are the section's general text (global options, output formats, crawls).
GENERAL = "\n".join(
    line for line in LINES if not any(names(s, path) for s in _SPAN.findall(line) for path, _ in commands())
)


def documenting(path: tuple[str, ...]) -> str:
    return "\n".join(line for line in LINES if any(names(s, path) for s in _SPAN.findall(line)))


def mentioned(option: str, text: str) -> bool:
    return re.search(re.escape(option) + r"(?![\w-])", text) is not None


def test_every_command_is_in_the_readme() -> None:
    missing = [" ".join(path) for path, _ in commands() if not documenting(path)]
    assert not missing, f"README.md's `trials` section does not show these commands: {', '.join(missing)}"


def test_every_option_is_in_the_readme() -> None:
    missing = [f"trials {opt}" for opt in long_options(cli) if not mentioned(opt, GENERAL)]
    for path, command in commands():
        here = documenting(path) + "\n" + GENERAL
        missing += [f"trials {' '.join(path)} {opt}" for opt in long_options(command) if not mentioned(opt, here)]
    assert not missing, "README.md does not document these options (on the command's lines, or in the section's " + (
        "general text):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize(
    ("span", "path", "expected"),
    [
        ("trials crawl ctgov [--condition T]", ("crawl", "ctgov"), True),
        ("watch list", ("watch", "list"), True),
        ("trials crawl euctr\\|gsk\\|takeda [ID...]", ("crawl", "gsk"), True),
        ("trials crawl euctr\\|gsk\\|takeda [ID...]", ("crawl", "ctgov"), False),
        ("trials search", ("crawl",), False),
        ("--json", ("show",), False),
    ],
)
def test_how_a_command_is_recognised(span: str, path: tuple[str, ...], expected: bool) -> None:
    assert names(span, path) is expected
