"""Commands for subscriptions: add, remove, feeds, tag, untag, rename."""

from __future__ import annotations

import click

from ..core.errors import ReaderError
from ..core.sanitize import clean_line
from ..core.tags import fold
from .arguments import check_tags, check_title, command
from .errors import echo_err, fail
from .output import iso, local_time, plural
from .state import State


@command("add", creates=True)
@click.argument("url")
@click.option("--tag", "-t", "tags", multiple=True, help="Tag the feed (repeatable).")
@click.option("--title", help="Use this title instead of the feed's own.")
@click.option("--local", is_flag=True,
              help="Keep the feed here only, not on the sync server ([sync] in config.toml).")
def add_cmd(state: State, url: str, tags: tuple[str, ...], title: str | None,
            local: bool) -> None:
    """Subscribe to a feed (or to the feed an HTML page links) and fetch it; with sync
    configured, subscribe on the server too (unless --local)."""
    checked = check_tags(tags)
    library = state.library
    try:
        feed, new, not_fetched = library.add_or_queue(url, tags=checked,
                                                      title=check_title(title), local=local)
    except ReaderError:
        library.discard_if_new()  # a first add that failed leaves no empty database
        raise
    if not_fetched is not None:
        # Offline, or a feed only the server reaches: the server fetches feeds for this
        # database, so the subscription is queued for it all the same (offline first).
        click.echo(f"added {feed.id}: {feed.display_title} (not fetched here: {not_fetched};"
                   " the server fetches it)")
        from .sync import push_now

        push_now(state, "subscribed")
        return
    tag_text = f" [{', '.join(feed.tags)}]" if feed.tags else ""
    click.echo(f"added {feed.id}: {feed.display_title}{tag_text} ({plural(new, 'article')})"
               f" {feed.url}")
    if library.syncs_new_feeds(local, feed.url):
        from .sync import push_now

        push_now(state, "subscribed")


@command("remove")
@click.argument("feed")
def remove_cmd(state: State, feed: str) -> None:
    """Unsubscribe from FEED and delete its articles."""
    removed, moved = state.library.remove_feed(feed)
    kept = f" ({plural(moved, 'article')} kept: another feed carries them)" if moved else ""
    click.echo(f"removed {removed.id}: {removed.display_title}{kept}")
    if removed.remote_id is not None and state.library.sync_configured:
        from .sync import push_now

        push_now(state, "unsubscribed")


@command("feeds")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of feed objects.")
@click.option("--failed", is_flag=True,
              help="Only feeds whose last fetch failed, or that are gone (exit status 0 all the same).")
def feeds_cmd(state: State, as_json: bool, failed: bool) -> None:
    """List subscriptions with unread/total counts and the last fetch status."""
    library = state.library
    feeds = library.failing_feeds() if failed else library.feeds()
    pending = library.pending_subscriptions() if library.sync_configured else set()
    # Feeds with no full_text setting whose texts are short: summaries, offered full text
    summaries = {f.id for f in library.full_text_suggestions()}
    if as_json:
        import json

        click.echo(json.dumps([
            {
                "id": f.id, "url": f.url, "title": f.title, "link": f.link, "tags": f.tags,
                "unread": f.unread, "total": f.total, "last_status": f.last_status,
                "last_error": f.last_error, "last_fetched": iso(f.last_fetched),
                "last_ok": iso(f.last_ok),
                "error_count": f.error_count, "next_fetch": iso(f.next_fetch),
                "gone": f.gone, "synced": f.remote_id is not None or f.url in pending,
                "remote_id": f.remote_id,
                "settings": {v.key: v.value for v in library.describe_feed_settings(f)},
                "summaries_only": f.id in summaries,
            }
            for f in feeds
        ], ensure_ascii=False, indent=2))
        return
    if failed and not feeds:
        echo_err("no failing feeds")
        return
    if not feeds:
        click.echo("no feeds yet: add one with `reader add URL` or `reader import FILE.opml`")
        return
    # With a sync server, each feed says which it is: synced, or kept here only.
    for f in feeds:
        # ("not_modified" stays as it is in --json, for scripts)
        status = f.last_status.replace("_", " ") if f.last_status else (
            "from the sync server" if f.remote_id else "never fetched")
        if f.last_error:
            status += f": {f.last_error}"
        if f.error_count > 1:
            status += f" ({f.error_count} times in a row)"
        if failed and f.next_fetch and not f.gone:
            status += f"; next try {local_time(f.next_fetch)}"
        tags = f" [{', '.join(f.tags)}]" if f.tags else ""
        where = "" if not library.sync_configured else "  (synced)" if f.remote_id else (
            "  (to subscribe on the server)" if f.url in pending else "  (local)")
        click.echo(f"{f.id:>4}  {f.unread:>4}/{f.total:<5} {f.display_title}{tags}{where}")
        click.echo(f"      {f.url}  ({status})")
        if f.id in summaries:
            click.echo(f"      summaries only: `reader feed-set {f.id} full_text=auto` fetches"
                       " the whole stories")


@command("tag")
@click.argument("feed")
@click.argument("tags", nargs=-1, required=True)
def tag_cmd(state: State, feed: str, tags: tuple[str, ...]) -> None:
    """Add TAGS to FEED."""
    f = state.library.tag_feed(feed, check_tags(tags))
    click.echo(f"{f.id}: {f.display_title} [{', '.join(f.tags)}]")


@command("untag")
@click.argument("feed")
@click.argument("tags", nargs=-1, required=True)
def untag_cmd(state: State, feed: str, tags: tuple[str, ...]) -> None:
    """Remove TAGS from FEED (all or, if it lacks one of them, none)."""
    library = state.library
    f = library.resolve_feed(feed)
    # As the core reads them (untag_feed): by tags.fold, the one rule for names.
    has = {fold(t) for t in f.tags}
    for tag in tags:
        name = clean_line(tag).lstrip("+-")
        if fold(name) not in has:
            # An error, and nothing removed: a script that names a tag means that tag
            # (a typo must not pass as done), and a command that fails changes nothing.
            fail(f"feed {f.id} has no tag '{name}'"
                 + (f" (its tags: {', '.join(f.tags)})" if f.tags else " (it has none)"))
    f = library.untag_feed(f.id, tags)
    click.echo(f"{f.id}: {f.display_title} [{', '.join(f.tags)}]")


@command("rename")
@click.argument("feed")
@click.argument("title", required=False)
def rename_cmd(state: State, feed: str, title: str | None) -> None:
    """Give FEED your own TITLE (no TITLE: back to the feed's own)."""
    f = state.library.rename_feed(feed, check_title(title))
    click.echo(f"{f.id}: {f.display_title}")


COMMANDS = (add_cmd, remove_cmd, feeds_cmd, tag_cmd, untag_cmd, rename_cmd)
