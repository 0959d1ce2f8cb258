"""`reader feed-set`: a feed's own settings (core/feed_settings.py says what they mean)."""

from __future__ import annotations

import click

from .arguments import command
from .state import State


@command("feed-set")
@click.argument("feed")
@click.argument("pairs", nargs=-1, metavar="[KEY=VALUE]...")
def feed_set_cmd(state: State, feed: str, pairs: tuple[str, ...]) -> None:
    """Set FEED's own settings; with no KEY=VALUE, print them.

    \b
    full_text=always|auto|never   fetch each article's whole page
    refresh_every=15m|2h|1d|auto  how often it is fetched (auto: from how often it
                                  publishes, between 15 minutes and a day)
    keep=N|all                    keep its newest N articles (starred ones stay);
                                  all: none deleted, whatever [retention] says
    user_agent=TEXT               the User-Agent header it is fetched with
    KEY=default                   back to what the config says
    """
    library = state.library
    f = library.set_feed_settings(feed, pairs) if pairs else library.resolve_feed(feed)
    click.echo(f"{f.id}: {f.display_title}")
    for view in library.describe_feed_settings(f):
        click.echo(f"  {view.key:<14} {view.shown}")


COMMANDS = (feed_set_cmd,)
