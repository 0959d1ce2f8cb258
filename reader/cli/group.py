"""`reader`, the click group: its own options, and every command, one module a topic.

reader/cli/__init__.py is the entry point: it opens the TUI itself when there is no
command (without importing click) and hands everything else to `main` here.
"""

from __future__ import annotations

import click

from .. import __version__
from . import articles, enclosures, feed_set, feeds, filters, opml, refresh, settings, sync
from .arguments import CONTEXT, db_option
from .errors import handle_errors
from .state import State
from .tui import open_tui


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@db_option
@click.option("--demo", is_flag=True, help="Open the TUI on bundled sample feeds (offline).")
@click.version_option(__version__, "-V", "--version", prog_name="reader")
@click.pass_context
def main(ctx: click.Context, demo: bool) -> None:
    """reader: a fast terminal news reader.

    Run without a command to open the reader. FEED arguments accept an id, a URL
    or a unique title prefix. QUERY is the filter language (see `reader help-filters`).
    """
    ctx.ensure_object(State)
    if ctx.invoked_subcommand is None:
        handle_errors(open_tui)(ctx.obj, demo)


for _topic in (feeds, feed_set, opml, refresh, sync, articles, enclosures, filters, settings):
    for _command in _topic.COMMANDS:
        main.add_command(_command)
