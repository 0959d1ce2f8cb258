"""`reader sync`: push the queued local changes, pull from the sync server; --status."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..core.sanitize import clean_line
from .arguments import command
from .output import iso, local_time, plural
from .state import State

if TYPE_CHECKING:
    from ..core.models import SyncStatus, SyncSummary


def summary_line(summary: SyncSummary) -> str:
    """"synced with miniflux: 2 feeds added, 40 new articles, 3 changes pushed, 0 pending"."""
    parts = [plural(summary.feeds_added, "feed") + " added"]
    if summary.feeds_removed:
        parts.append(plural(summary.feeds_removed, "feed") + " removed")
    parts += [plural(summary.new_articles, "new article"),
              plural(summary.pushed, "change") + " pushed", f"{summary.pending} pending"]
    line = f"synced with {summary.service}: " + ", ".join(parts)
    if summary.gone:
        line += f"; {gone_line(summary.gone)}"
    return line


def gone_line(count: int) -> str:
    """Starred/published articles the server deleted, kept here as local ones."""
    return f"{plural(count, 'article')} no longer on the server: kept here"


def summary_json(summary: SyncSummary) -> dict:
    return {"ok": summary.ok, "service": summary.service, "feeds_added": summary.feeds_added,
            "feeds_removed": summary.feeds_removed, "new_articles": summary.new_articles,
            "state_changes": summary.state_changes, "pushed": summary.pushed,
            "pending": summary.pending, "gone": summary.gone, "error": summary.error,
            "seconds": round(summary.seconds, 3)}


def status_json(status: SyncStatus) -> dict:
    return {"configured": status.configured, "service": status.service, "url": status.url,
            "username": status.username, "last_success": iso(status.last_success),
            "last_attempt": iso(status.last_attempt), "last_error": status.last_error,
            "pending": status.pending, "synced_feeds": status.synced_feeds,
            "local_feeds": status.local_feeds, "gone": status.gone, "notes": status.notes}


def print_status(status: SyncStatus) -> None:
    if not status.configured:
        click.echo("sync: not configured (add a [sync] section to config.toml; see README)")
    else:
        click.echo(f"service:       {status.service}")
        click.echo(f"url:           {clean_line(status.url)}")
        click.echo(f"user:          {clean_line(status.username) or '-'}")
    click.echo(f"last success:  {local_time(status.last_success).strip() or 'never'}")
    click.echo(f"last attempt:  {local_time(status.last_attempt).strip() or 'never'}")
    click.echo(f"pending:       {plural(status.pending, 'change')}")
    click.echo(f"feeds:         {status.synced_feeds} synced, {status.local_feeds} local")
    if status.last_error:
        click.echo(f"last error:    {clean_line(status.last_error)}")
    if status.gone:
        click.echo(f"gone:          {gone_line(status.gone)}")
    for note in status.notes:  # (what the service could not do: kept here only)
        click.echo(f"note:          {clean_line(note)}")


@command("sync", creates=True)  # (a first sync makes the database; --status does not)
@click.option("--status", "show_status", is_flag=True,
              help="How the last sync went and what waits to be pushed (no network).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def sync_cmd(state: State, show_status: bool, as_json: bool) -> None:
    """Sync with the server in config.toml's [sync]: push local changes (read, starred,
    subscriptions, tags), pull feeds, new articles and read/starred.

    Exits 0 when the sync succeeded; 1 with one line on stderr when not (local changes
    stay queued for the next sync: nothing is lost).
    """
    import json

    state.create = not show_status
    library = state.library
    if show_status:
        status = library.sync_status()
        if as_json:
            click.echo(json.dumps(status_json(status), ensure_ascii=False, indent=2))
        else:
            print_status(status)
        return
    progress = None
    if sys.stderr.isatty() and not as_json:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        progress = Progress(TextColumn("syncing"), BarColumn(),
                            TextColumn("{task.description}", markup=False),
                            console=Console(stderr=True), transient=True)
    if progress is None:
        summary = library.sync()
    else:
        with progress:
            task = progress.add_task("", total=None)

            def on_progress(step: str, done: int, total: int) -> None:
                counts = f" {done}/{total}" if total else (f" {done}" if done else "")
                progress.update(task, description=step + counts,
                                total=total or None, completed=done)

            summary = library.sync(on_progress)
    if as_json:
        click.echo(json.dumps(summary_json(summary), ensure_ascii=False, indent=2))
    elif summary.ok:
        click.echo(summary_line(summary))
    if summary.ok:  # the new articles' search index, by a detached process (as refresh)
        library.update_index_in_background()
    if not summary.ok:
        library.discard_if_new()  # (a first sync that failed leaves no empty database)
        if not as_json:
            click.echo(f"reader: sync failed: {clean_line(summary.error)} "
                       f"({plural(summary.pending, 'change')} kept for the next sync)", err=True)
        sys.exit(1)


def sync_before_refresh(state: State, quiet: bool) -> bool:
    """`reader refresh` with [sync] syncs first (as newsboat's reload does): its line,
    or its failure on stderr. Whether it succeeded."""
    summary = state.library.sync()
    if summary.ok and not quiet:
        click.echo(summary_line(summary))
    elif not summary.ok:
        click.echo(f"reader: sync failed: {clean_line(summary.error)} "
                   f"({plural(summary.pending, 'change')} kept for the next sync)", err=True)
    return summary.ok


def push_now(state: State, what: str) -> None:
    """After `add` or `remove` of a synced feed: the change is queued; push it at once
    when the server answers, else say it waits."""
    summary = state.library.sync(push_only=True)
    if summary.ok:
        click.echo(f"{what} on the {summary.service} server")
    else:
        why = clean_line(summary.error) if summary.error else "not pushed yet"
        click.echo(f"{what} on the server when it can be reached (queued: {why}; "
                   "`reader sync` tries again)", err=True)


COMMANDS = (sync_cmd,)
