"""Commands for the filter language: saved filters and its help."""

from __future__ import annotations

import click

from .arguments import WordsCommand, command, compile_filter
from .errors import fail
from .state import State


@command("filters", cls=WordsCommand)
@click.argument("action", type=click.Choice(["list", "save", "delete"]), default="list")
@click.argument("name", required=False)
@click.argument("query", nargs=-1)
def filters_cmd(state: State, action: str, name: str | None, query: tuple[str, ...]) -> None:
    """Saved filters: list, save NAME QUERY, delete NAME (the TUI shows them in its sidebar).

    QUERY is words of the filter language, as for `reader list`.
    """
    state.create = action == "save"  # a saved filter is data: it may start a database
    library = state.library
    if action == "list":
        for n, q in library.saved_filters().items():
            click.echo(f"{n}\t{q}")
    elif action == "save":
        if not name or not query:
            fail("usage: reader filters save NAME QUERY", 2)
        text = compile_filter(library, query).text
        library.save_filter(name, text)
        click.echo(f"saved filter {name!r}: {text}")
    else:
        if not name:
            fail("usage: reader filters delete NAME", 2)
        if not library.delete_filter(name):
            fail(f"no saved filter named {name!r}")
        click.echo(f"deleted filter {name!r}")


@command("help-filters")
def help_filters_cmd(state: State) -> None:
    """Explain the filter language used by list, the TUI's / and saved filters."""
    from ..core.filters import FILTER_HELP

    click.echo(FILTER_HELP.strip())


COMMANDS = (filters_cmd, help_filters_cmd)
