"""The refresh command: fetch feeds now, with a progress bar on a terminal."""

from __future__ import annotations

import sys

import click

from ..core.sanitize import clean_line
from .arguments import command
from .errors import fail
from .output import plural
from .state import State


@command("refresh")
@click.argument("feeds", nargs=-1)
@click.option("--due", is_flag=True, help="Only feeds whose refresh interval has passed.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print nothing unless a feed failed (for cron).")
@click.option("--wait-index", is_flag=True,
              help="Exit once the search index has the new articles too, and the feeds"
                   " set to full text their pages (by default a process of its own does"
                   " both after the command exits).")
def refresh_cmd(state: State, feeds: tuple[str, ...], due: bool, quiet: bool,
                wait_index: bool) -> None:
    """Fetch FEEDS (default: all) now and store new articles. With [sync] in
    config.toml and no FEEDS, sync with the server first (`reader sync`). A synced
    feed is refreshed by syncing, never fetched from its site behind the server's back.

    Exits 0 when at least one feed was fetched (or there was nothing to fetch) and the
    sync, if any, succeeded. The command exits once the headlines are stored; search
    finds the new articles at once, and fast once the index has them.
    """
    library = state.library
    synced = None
    # (named once, before a sync that may rename them: the feeds, not their old names)
    named = [library.resolve_feed(ref) for ref in feeds]
    by_server = library.synced_among(named)
    if library.sync_configured and (by_server or not feeds):
        from .sync import sync_before_refresh

        if by_server and not quiet:
            names = ", ".join(clean_line(f.display_title)[:60] for f in by_server[:3])
            more = f" and {len(by_server) - 3} more" if len(by_server) > 3 else ""
            click.echo(f"{names}{more}: synced, so refreshed by syncing with the server")
        synced = sync_before_refresh(state, quiet)
    targets = library.refresh_targets(named, due_only=due)
    if not targets and by_server and synced is None:
        fail(f"{clean_line(by_server[0].display_title)[:60]} comes from a sync server, and "
             "config.toml has no [sync] to sync with (see README: Sync)")
    if not targets:
        if synced is not None:  # (every feed is a synced one: the sync was the refresh)
            _index(library, wait_index)
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
        summary = library.refresh(targets, index=False, pages=False)
    else:
        with progress:
            task = progress.add_task("", total=len(targets))

            def on_progress(done, total, feed, result) -> None:
                progress.update(task, completed=done, description=feed.display_title[:40])

            summary = library.refresh(targets, on_progress=on_progress, index=False,
                                      pages=False)
    parts = [plural(summary.new_articles, "new article"), f"{summary.ok} fetched",
             f"{summary.not_modified} not modified", f"{len(summary.failed)} failed"]
    if not quiet or summary.failed:
        click.echo(f"refreshed {plural(len(targets), 'feed')}: " + ", ".join(parts))
    for title, reason in summary.failed:
        click.echo(f"  failed: {clean_line(title)}: {clean_line(reason)}", err=True)
    _index(library, wait_index, [f.id for f in targets])
    if summary.succeeded == 0 or synced is False:
        sys.exit(1)


def _index(library, wait: bool, pages_of: list[int] | None = None) -> None:
    """After the headlines: the full-text pages of the feeds refreshed (those set to
    full text), then the search index; here, or in a detached process."""
    if wait:
        if pages_of:
            library.prefetch_full_articles(feed_ids=pages_of)
        library.update_index()
    else:
        library.update_index_in_background(pages_of or ())


COMMANDS = (refresh_cmd,)
