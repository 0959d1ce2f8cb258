"""The commands of the command line (click): each is a thin call into reader.core.

reader/cli.py is the entry point: it opens the TUI itself when there is no command
(without importing click) and hands everything else to the `main` group here.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from . import __version__
from .cli import State, _open_tui, fail, handle_errors
from .core.sanitize import clean_line, clean_text

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _db_option(fn):
    """--db and --config on every command as well as on the group."""

    def set_db(ctx: click.Context, _param, value):
        if value is not None:
            ctx.ensure_object(State).db = value
        return value

    def set_config(ctx: click.Context, _param, value):
        if value is not None:
            ctx.ensure_object(State).config_path = value
        return value

    fn = click.option("--db", "db", metavar="PATH", expose_value=False, callback=set_db,
                      help="Database file (default: in the XDG data dir; or $READER_DB).")(fn)
    fn = click.option("--config", "config", metavar="PATH", expose_value=False,
                      callback=set_config, help="config.toml to use.")(fn)
    return fn


def command(*args, **kwargs):
    def deco(fn):
        return main.command(*args, **kwargs, context_settings=CONTEXT)(
            _db_option(click.pass_obj(handle_errors(fn)))
        )

    return deco


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@_db_option
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
        handle_errors(_open_tui)(ctx.obj, demo)


# -- feeds ------------------------------------------------------------------------------------


@command("add")
@click.argument("url")
@click.option("--tag", "-t", "tags", multiple=True, help="Tag the feed (repeatable).")
@click.option("--title", help="Use this title instead of the feed's own.")
def add_cmd(state: State, url: str, tags: tuple[str, ...], title: str | None) -> None:
    """Subscribe to a feed (or to the feed an HTML page links) and fetch it."""
    feed, new = state.library.add_feed(url, tags=tags, title=title)
    tag_text = f" [{', '.join(feed.tags)}]" if feed.tags else ""
    click.echo(f"added {feed.id}: {feed.display_title}{tag_text} ({new} articles) {feed.url}")


@command("remove")
@click.argument("feed")
def remove_cmd(state: State, feed: str) -> None:
    """Unsubscribe from FEED and delete its articles."""
    removed = state.library.remove_feed(feed)
    click.echo(f"removed {removed.id}: {removed.display_title}")


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


@command("feeds")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of feed objects.")
def feeds_cmd(state: State, as_json: bool) -> None:
    """List subscriptions with unread/total counts and the last fetch status."""
    feeds = state.library.feeds()
    if as_json:
        import json

        click.echo(json.dumps([
            {
                "id": f.id, "url": f.url, "title": f.title, "link": f.link, "tags": f.tags,
                "unread": f.unread, "total": f.total, "last_status": f.last_status,
                "last_error": f.last_error, "last_fetched": _iso(f.last_fetched),
                "gone": f.gone,
            }
            for f in feeds
        ], ensure_ascii=False, indent=2))
        return
    if not feeds:
        click.echo("no feeds yet: add one with `reader add URL` or `reader import FILE.opml`")
        return
    for f in feeds:
        status = f.last_status or "never fetched"
        if f.last_error:
            status += f": {f.last_error}"
        tags = f" [{', '.join(f.tags)}]" if f.tags else ""
        click.echo(f"{f.id:>4}  {f.unread:>4}/{f.total:<5} {f.display_title}{tags}")
        click.echo(f"      {f.url}  ({status})")


@command("tag")
@click.argument("feed")
@click.argument("tags", nargs=-1, required=True)
def tag_cmd(state: State, feed: str, tags: tuple[str, ...]) -> None:
    """Add TAGS to FEED."""
    f = state.library.tag_feed(feed, tags)
    click.echo(f"{f.id}: {f.display_title} [{', '.join(f.tags)}]")


@command("untag")
@click.argument("feed")
@click.argument("tags", nargs=-1, required=True)
def untag_cmd(state: State, feed: str, tags: tuple[str, ...]) -> None:
    """Remove TAGS from FEED."""
    f = state.library.untag_feed(feed, tags)
    click.echo(f"{f.id}: {f.display_title} [{', '.join(f.tags)}]")


@command("rename")
@click.argument("feed")
@click.argument("title", required=False)
def rename_cmd(state: State, feed: str, title: str | None) -> None:
    """Give FEED your own TITLE (no TITLE: back to the feed's own)."""
    f = state.library.rename_feed(feed, title)
    click.echo(f"{f.id}: {f.display_title}")


# -- OPML -------------------------------------------------------------------------------------


@command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def import_cmd(state: State, file: str) -> None:
    """Subscribe to the feeds of an OPML file (- reads stdin). They are fetched on refresh."""
    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror}")
    report = state.library.import_opml(data)
    for problem in report.problems:
        click.echo(f"reader: warning: {clean_line(problem)}", err=True)
    click.echo(
        f"imported {len(report.added)} new feeds, {len(report.updated)} already subscribed"
        f"{f', {report.skipped} skipped' if report.skipped else ''}"
        + ("; run `reader refresh` to fetch them" if report.added else "")
    )


@command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
def export_cmd(state: State, file: str | None) -> None:
    """Write subscriptions as OPML 2.0 to FILE (default: stdout)."""
    text = state.library.export_opml()
    if file and file != "-":
        try:
            Path(file).write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {file}: {exc.strerror}")
        click.echo(f"exported {len(state.library.feeds())} feeds to {file}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


# -- refresh ----------------------------------------------------------------------------------


@command("refresh")
@click.argument("feeds", nargs=-1)
@click.option("--due", is_flag=True, help="Only feeds whose refresh interval has passed.")
@click.option("--quiet", "-q", is_flag=True, help="Only the summary line (no progress bar).")
def refresh_cmd(state: State, feeds: tuple[str, ...], due: bool, quiet: bool) -> None:
    """Fetch FEEDS (default: all) now and store new articles.

    Exits 0 when at least one feed was fetched (or there was nothing to fetch).
    """
    library = state.library
    targets = library.refresh_targets(feeds, due_only=due)
    if not targets:
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
        summary = library.refresh_feeds(targets)
    else:
        with progress:
            task = progress.add_task("", total=len(targets))

            def on_progress(done, total, feed, result) -> None:
                progress.update(task, completed=done, description=feed.display_title[:40])

            summary = library.refresh_feeds(targets, on_progress=on_progress)
    parts = [f"{summary.new_articles} new articles", f"{summary.ok} fetched",
             f"{summary.not_modified} not modified", f"{len(summary.failed)} failed"]
    click.echo(f"refreshed {len(targets)} feeds: " + ", ".join(parts))
    for title, reason in summary.failed:
        click.echo(f"  failed: {clean_line(title)}: {clean_line(reason)}", err=True)
    if summary.succeeded == 0:
        sys.exit(1)


# -- articles ---------------------------------------------------------------------------------


def _date(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else " " * 16


def _article_json(a) -> dict:
    return {
        "id": a.id, "feed": a.feed_title, "feed_id": a.feed_id, "title": a.title, "link": a.link,
        "author": a.author, "published": _iso(a.published), "tags": a.tags,
        "read": a.read, "starred": a.starred,
    }


def _print_articles(state: State, query, limit: int | None, as_json: bool) -> None:
    library = state.library
    ids = library.article_ids(query, limit)
    if as_json:
        import json

        click.echo(json.dumps([_article_json(a) for a in library.store.articles(ids)],
                              ensure_ascii=False, indent=2))
        return
    for h in library.headlines(ids):
        flags = ("N" if not h.read else " ") + ("*" if h.starred else " ")
        tags = f"  [{', '.join(h.tags)}]" if h.tags else ""
        click.echo(f"{h.id:>6} {flags} {_date(h.published)}  {h.feed_title[:24]:<24}  {h.title}{tags}")


@command("list")
@click.argument("query", required=False, default="")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None, help="At most N articles.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of article objects.")
def list_cmd(state: State, query: str, limit: int | None, as_json: bool) -> None:
    """List articles matching QUERY, newest first (N = unread, * = starred)."""
    _print_articles(state, query, limit, as_json)


@command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True)
def search_cmd(state: State, text: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """Full-text search of titles and content (every word must match)."""
    from .core.query import search_query

    _print_articles(state, search_query(" ".join(text)), limit, as_json)


@command("show")
@click.argument("article_id")
@click.option("--mark-read/--no-mark-read", default=False, help="Mark the article read.")
def show_cmd(state: State, article_id: str, mark_read: bool) -> None:
    """Print an article as readable text, with its numbered links."""
    library = state.library
    (aid,) = library.check_ids([article_id])
    a = library.article(aid)
    rendered = library.render(a)
    from .core.content import format_links

    click.echo(a.title or "(untitled)")
    meta = [a.feed_title]
    if a.author:
        meta.append(f"by {a.author}")
    if a.published:
        meta.append(_date(a.published))
    click.echo(" · ".join(meta))
    if a.tags:
        click.echo("tags: " + ", ".join(a.tags))
    if a.link:
        click.echo(f"link: {a.link}")
    click.echo("")
    click.echo(clean_text(rendered.markdown).rstrip())
    if rendered.links:
        click.echo("\nLinks:")
        click.echo(format_links(rendered.links))
    if mark_read:
        library.set_read([aid], True)


def _flag_command(name: str, attr: str, value: bool, help_text: str) -> None:
    @command(name, help=help_text)
    @click.argument("ids", nargs=-1, required=True)
    def cmd(state: State, ids: tuple[str, ...]) -> None:
        library = state.library
        checked = library.check_ids(ids)
        changed = getattr(library, attr)(checked, value)
        click.echo(f"{changed} of {len(checked)} articles changed")


_flag_command("read", "set_read", True, "Mark articles read.")
_flag_command("unread", "set_read", False, "Mark articles unread.")
_flag_command("star", "set_starred", True, "Star articles (starred ones are never deleted).")
_flag_command("unstar", "set_starred", False, "Remove the star from articles.")


@command("mark-all-read")
@click.argument("query", required=False, default="")
def mark_all_read_cmd(state: State, query: str) -> None:
    """Mark every article matching QUERY read."""
    ids = state.library.mark_all_read(query)
    click.echo(f"{len(ids)} articles marked read")


# -- saved filters, config, help --------------------------------------------------------------


@command("filters")
@click.argument("action", type=click.Choice(["list", "save", "delete"]), default="list")
@click.argument("name", required=False)
@click.argument("query", required=False)
def filters_cmd(state: State, action: str, name: str | None, query: str | None) -> None:
    """Saved filters: list, save NAME QUERY, delete NAME (the TUI shows them in its sidebar)."""
    library = state.library
    if action == "list":
        for n, q in library.saved_filters().items():
            click.echo(f"{n}\t{q}")
    elif action == "save":
        if not name or query is None:
            fail("usage: reader filters save NAME QUERY", 2)
        library.save_filter(name, query)
        click.echo(f"saved filter {name!r}: {query}")
    else:
        if not name:
            fail("usage: reader filters delete NAME", 2)
        if not library.delete_filter(name):
            fail(f"no saved filter named {name!r}")
        click.echo(f"deleted filter {name!r}")


@command("config")
@click.option("--example", is_flag=True, help="Print an example config.toml with every key.")
def config_cmd(state: State, example: bool) -> None:
    """Show where the config and database live (and the effective settings)."""
    from .core.config import EXAMPLE, default_db_path

    if example:
        click.echo(EXAMPLE, nl=False)
        return
    cfg = state.config
    db = state.db or os.environ.get("READER_DB") or default_db_path()
    click.echo(f"config:   {cfg.path}{'' if cfg.path and cfg.path.exists() else ' (not present: defaults)'}")
    click.echo(f"database: {db}")
    for key in ("refresh_interval", "concurrency", "per_host", "connect_timeout", "timeout",
                "max_body_mb", "max_per_feed", "max_age_days", "theme", "mark_read_on_open"):
        click.echo(f"  {key} = {getattr(cfg, key)!r}")


@command("help-filters")
def help_filters_cmd(state: State) -> None:
    """Explain the filter language used by list, the TUI's / and saved filters."""
    from .core import query

    click.echo(query.__doc__.strip())

