"""The refresh command: fetch feeds now, with a progress bar on a terminal."""

from __future__ import annotations

import sys

import click

from ..core.sanitize import clean_line
from .arguments import command
from .output import plural
from .state import State


@command("refresh")
@click.argument("feeds", nargs=-1)
@click.option("--due", is_flag=True, help="Only feeds whose refresh interval has passed.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print nothing unless a feed failed (for cron).")
def refresh_cmd(state: State, feeds: tuple[str, ...], due: bool, quiet: bool) -> None:
    """Fetch FEEDS (default: all) now and store new articles. With [sync] in
    config.toml and no FEEDS, sync with the server first (`reader sync`).

    Exits 0 when at least one feed was fetched (or there was nothing to fetch) and the
    sync, if any, succeeded.
    """
    library = state.library
    synced = None
    if library.sync_configured and not feeds:
        from .sync import sync_before_refresh

        synced = sync_before_refresh(state, quiet)
    targets = library.refresh_targets(list(feeds), due_only=due)
    if not targets:
        if synced is not None:  # (every feed is a synced one: the sync was the refresh)
            sys.exit(0 if synced else 1)
        if quiet:
            return
        click.echo("nothing to refresh" + ("" if library.feeds() else
                   ": no feeds yet (reader add URL, or reader import FILE.opml)"))
        return
    progress = None
    if sys.stderr.isatty() and not quiet:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(TextColumn("refreshing"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.description}", markup=False),  # titles are data
                            console=Console(stderr=True),
                            transient=True)
    if progress is None:
        summary = library.refresh(targets)
    else:
        with progress:
            task = progress.add_task("", total=len(targets))

            def on_progress(done, total, feed, result) -> None:
                progress.update(task, completed=done, description=feed.display_title[:40])

            summary = library.refresh(targets, on_progress=on_progress)
    parts = [plural(summary.new_articles, "new article"), f"{summary.ok} fetched",
             f"{summary.not_modified} not modified", f"{len(summary.failed)} failed"]
    if not quiet or summary.failed:
        click.echo(f"refreshed {plural(len(targets), 'feed')}: " + ", ".join(parts))
    for title, reason in summary.failed:
        click.echo(f"  failed: {clean_line(title)}: {clean_line(reason)}", err=True)
    if summary.succeeded == 0 or synced is False:
        sys.exit(1)


COMMANDS = (refresh_cmd,)
